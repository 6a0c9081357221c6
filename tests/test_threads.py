"""Work shared by threads: the top-degree matrix products split over threads
with private copies of the column lose no addition (their sums against the
product table's: ``test_wide_kernels.py``), the thread pool
runs every call and passes errors on, and BLAS's thread limit is set and
restored once however the limits nest."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import nn2poly
from nn2poly import _finite, _kernels_gram, _kernels_top, _threads
from nn2poly._kernels_gram import gram_top, scatter_bytes, scatter_threads
from nn2poly._kernels_top import product_top
from nn2poly._memory import plan_conversion
from nn2poly._monomials import MonomialBasis
from nn2poly._taylor import TaylorApproximation
from nn2poly._threads import blas_on_one_thread, run_together, shared_matmul, thread_count


def share_with(monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    """``threads`` threads, and products split into blocks of a few entries even
    for small bases."""
    monkeypatch.setattr(_kernels_gram, "thread_count", lambda: threads)
    monkeypatch.setattr(_kernels_gram, "_THREADED_TOP_ROWS", 0)
    monkeypatch.setattr(_kernels_gram, "_MIN_BLOCK_ENTRIES", 1)


@pytest.fixture
def many_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    share_with(monkeypatch, 4)


@pytest.mark.usefixtures("many_threads")
@pytest.mark.parametrize(("p", "q"), [(5, 3), (4, 4), (3, 6)])
def test_threads_lose_no_addition(p: int, q: int) -> None:
    # integer counts: every pair of every top row is added exactly once, twice
    # over (the two orders), whichever thread and copy it went through
    basis = MonomialBasis(p, q)
    offsets = basis.degree_offsets
    low = int(offsets[q])
    ones = np.ones((low, 2))
    ones[0] = 0.0
    got = np.zeros((basis.n_terms - low, 2))
    assert scatter_threads(got.shape[0]) == 4
    gram_top(basis.variables, offsets, basis._multichoose, ones, ones, np.ones((2, 2)), got)
    indptr, left, _ = basis.product_table()
    pairs = np.array(
        [np.count_nonzero(left[indptr[o] : indptr[o + 1]] < low) for o in range(low, basis.n_terms)]
    )
    np.testing.assert_array_equal(got, 2.0 * np.stack([pairs, pairs], axis=1))


def test_private_copies_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kernels_gram, "thread_count", lambda: 8)
    monkeypatch.setattr(_kernels_gram, "_THREADED_TOP_ROWS", 0)
    monkeypatch.setattr(_kernels_gram, "_PRIVATE_BYTES", 3 * 8 * 1000)
    assert scatter_threads(1000) == 4  # three copies of 1000 rows fit
    assert scatter_threads(1001) == 3
    assert scatter_threads(10**6) == 1
    assert scatter_bytes(1000, 10) == 8 * 3 * (1000 + 20)
    assert scatter_bytes(10**6, 10) == 0
    monkeypatch.setattr(_kernels_gram, "_THREADED_TOP_ROWS", 2000)
    assert scatter_threads(1000) == 1  # too little work to share


def _l1_network(sizes: list[int], seed: int) -> nn2poly.Network:
    """tanh layers whose columns have l1 norm 1, then a linear output."""
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in itertools.pairwise(sizes):
        w = rng.normal(size=(n_in + 1, n_out))
        weights.append(w / np.abs(w).sum(axis=0, keepdims=True))
    return nn2poly.Network.from_weights(weights, ["tanh"] * (len(sizes) - 2) + ["linear"])


@pytest.mark.usefixtures("many_threads")
def test_a_conversion_on_threads_equals_one_on_one_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = _l1_network([12, 9, 7, 2], seed=3)
    threaded = nn2poly.to_polynomial(net, 4)
    monkeypatch.setattr(_kernels_gram, "thread_count", lambda: 1)
    single = nn2poly.to_polynomial(net, 4)
    np.testing.assert_array_equal(threaded.powers, single.powers)
    scale = np.abs(single.coef).max()
    np.testing.assert_allclose(threaded.coef, single.coef, rtol=0, atol=1e-13 * scale)


def test_the_plan_counts_the_copies_of_further_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _l1_network([40, 8, 8, 1], seed=0)

    def planned(threads: int) -> int:
        monkeypatch.setattr(_kernels_gram, "thread_count", lambda: threads)
        approximation = TaylorApproximation().bind(net, 4)
        return plan_conversion(net, approximation, 4, False, contract_top=True).n_bytes

    n_top = MonomialBasis(40, 4).n_terms - MonomialBasis(40, 3).n_terms
    assert n_top >= _kernels_gram._THREADED_TOP_ROWS
    assert planned(3) - planned(1) >= 2 * 8 * n_top


def test_run_together_runs_every_call() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def record(value: int) -> None:
        with lock:
            seen.append(value)

    run_together([lambda k=k: record(k) for k in range(5)])
    assert sorted(seen) == [0, 1, 2, 3, 4]
    run_together([lambda: record(9)])  # one call: on this thread, no pool needed
    assert seen[-1] == 9


def test_run_together_raises_what_a_thread_raised_after_all_ended() -> None:
    finished = threading.Event()

    def slow() -> None:
        finished.wait(0.05)
        finished.set()

    def fails() -> None:
        raise ValueError("from a pool thread")

    with pytest.raises(ValueError, match="from a pool thread"):
        run_together([slow, fails])
    assert finished.is_set()

    def fails_here() -> None:
        raise KeyError("first")

    done: list[bool] = []
    with pytest.raises(KeyError, match="first"):
        run_together([fails_here, lambda: done.append(True)])
    assert done == [True]


def _blas_threads() -> list[int]:
    return [entry["num_threads"] for entry in threadpool_info() if entry["user_api"] == "blas"]


def test_blas_limit_is_set_and_restored_however_it_nests() -> None:
    before = _blas_threads()
    assert before, "numpy's BLAS is seen by threadpoolctl"
    with blas_on_one_thread():
        assert set(_blas_threads()) == {1}
        with blas_on_one_thread():
            assert set(_blas_threads()) == {1}
        assert set(_blas_threads()) == {1}  # the outer block still holds it
    assert _blas_threads() == before
    with blas_on_one_thread(enabled=False):
        assert _blas_threads() == before


def test_blas_limit_of_concurrent_conversions_is_restored() -> None:
    before = _blas_threads()
    inside = threading.Barrier(3)
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with blas_on_one_thread():
                inside.wait(5)
                assert set(_blas_threads()) == {1}
                inside.wait(5)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    workers = [threading.Thread(target=hold) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert not errors
    assert _blas_threads() == before


@pytest.mark.parametrize("threads", [1, 2, 3, 50])
def test_shared_matmul_equals_the_product(monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    monkeypatch.setattr(_threads, "thread_count", lambda: threads)
    rng = np.random.default_rng(threads)
    a, b = rng.normal(size=(37, 11)), rng.normal(size=(11, 5))
    np.testing.assert_allclose(shared_matmul(a, b), a @ b, rtol=1e-14, atol=1e-14)


def test_thread_count_follows_numba_or_its_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    import numba

    assert thread_count() == numba.get_num_threads()
    monkeypatch.setitem(sys.modules, "numba", None)  # as before numba is imported
    monkeypatch.setenv("NUMBA_NUM_THREADS", "3")
    assert thread_count() == 3
    monkeypatch.setenv("NUMBA_NUM_THREADS", "many")
    assert thread_count() >= 1


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize(
    ("bad", "finite"),
    [
        (None, True),
        (np.nan, False),
        (np.inf, False),
        (-np.inf, False),
        (1e308, True),  # the sum overflows, the values are finite
    ],
)
def test_finiteness_check_by_parts(
    monkeypatch: pytest.MonkeyPatch, threads: int, bad: float | None, finite: bool
) -> None:
    monkeypatch.setattr(_threads, "thread_count", lambda: threads)
    monkeypatch.setattr(_finite, "_SHARED_SIZE", 10)
    values = np.random.default_rng(0).normal(size=(40, 3))
    if bad is not None:
        values[37, 2] = bad
        values[5, 0] = bad  # in another part, the same sign: an overflow, not a cancellation
    assert _finite._all_finite(values) is finite
    for array in (values.T, values[::2], values[1::2]):  # not contiguous
        assert _finite._all_finite(array) is bool(np.isfinite(array).all())
    if not finite:
        with pytest.raises(nn2poly.NonFiniteCoefficientsError, match="2 of 120 values"):
            _finite.check_finite(values, where="layer 1", cause="a cause")
    both = np.array([np.inf, -np.inf, 1.0])  # infinities that cancel to NaN in a sum
    assert not _finite._all_finite(both)
    assert _finite._all_finite(np.zeros((0, 3)))


def test_product_top_weighs_by_parts_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    basis = MonomialBasis(4, 3, 2)  # an interaction-limited basis takes the table path
    low = int(basis.degree_offsets[3])
    rng = np.random.default_rng(5)
    v, h1, g = rng.normal(size=(low, 6)), rng.normal(size=(low, 6)), rng.normal(size=(6, 2))
    v[0] = 0.0
    whole = np.zeros((basis.n_terms - low, 2))
    product_top(basis.product_table(), low, v, h1, g, whole)
    monkeypatch.setattr(_threads, "thread_count", lambda: 3)
    monkeypatch.setattr(_kernels_top, "_SHARED_ROWS", 1)
    parts = np.zeros_like(whole)
    product_top(basis.product_table(), low, v, h1, g, parts)
    np.testing.assert_array_equal(parts, whole)
    assert np.count_nonzero(whole) > 0


_FORKED = r"""
import multiprocessing, sys
import numpy as np
import nn2poly

def convert(seed):
    rng = np.random.default_rng(seed)
    weights, n_in = [], 50
    for _ in range(3):
        w = rng.normal(size=(n_in + 1, 50))
        weights.append(w / np.abs(w).sum(axis=0, keepdims=True))
        n_in = 50
    weights.append(rng.normal(size=(51, 1)))
    net = nn2poly.Network.from_weights(weights, ["tanh"] * 3 + ["linear"])
    return nn2poly.to_polynomial(net, 4).coef

here = convert(0)  # numba's parallel kernels and the pool's threads start here
with multiprocessing.get_context("fork").Pool(2) as pool:
    there = pool.map_async(convert, [0, 0]).get(timeout=120)
scale = np.abs(here).max()
print(all(np.allclose(coef, here, rtol=0, atol=1e-12 * scale) for coef in there))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is a POSIX call")
def test_a_forked_child_converts_after_its_parent() -> None:
    # GNU OpenMP stops a forked child that runs numba's parallel kernels once its
    # parent has, and the parent's pool threads are not in the child
    env = {**os.environ, "NUMBA_NUM_THREADS": "2"}
    result = subprocess.run(
        [sys.executable, "-c", _FORKED], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr[-2000:]


@pytest.mark.usefixtures("many_threads")
def test_conversions_from_several_threads_at_once() -> None:
    # the engine's pool, its BLAS limit and numba's kernels, used by three callers
    before = _blas_threads()
    nets = [_l1_network([10, 8, 8, 1], seed=seed) for seed in range(3)]
    alone = [nn2poly.to_polynomial(net, 4).coef for net in nets]
    with ThreadPoolExecutor(3) as callers:
        together = list(callers.map(lambda net: nn2poly.to_polynomial(net, 4).coef, nets * 2))
    for coef, expected in zip(together, alone * 2, strict=True):
        np.testing.assert_allclose(coef, expected, rtol=0, atol=1e-13 * np.abs(expected).max())
    assert _blas_threads() == before
