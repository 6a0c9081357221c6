"""The product table (pairs ``a * b = o``, ``deg a >= 1``), on one thread and on several."""

from __future__ import annotations

import itertools
from collections import Counter
from math import prod
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import nn2poly._kernels as kernels
from nn2poly._kernels_small import _COUNT_BLOCK, _PAIR_BLOCK, basis_tables, product_table
from nn2poly._monomials import MonomialBasis, n_monomials, n_product_pairs

Table = tuple[NDArray[Any], NDArray[np.int32], NDArray[np.int32]]
Monomial = tuple[int, ...]


def _slow_rows(p: int, q: int, k: int) -> list[Monomial]:
    """The basis' monomials as sorted variable tuples, degree by degree, lexicographic."""
    rows: list[Monomial] = [()]
    for d in range(1, q + 1):
        tuples = itertools.combinations_with_replacement(range(p), d)
        rows += [c for c in tuples if len(set(c)) <= k]
    return rows


def _slow_pairs(o: Monomial, index: dict[Monomial, int]) -> list[tuple[int, int]]:
    """The pairs of ``o``: each divisor ``a != 1`` with ``b = o / a``, in mixed-radix
    order of the divisor's exponents, the smallest variable's digit fastest."""
    multiplicities = sorted(Counter(o).items())
    digits = [range(m + 1) for _, m in multiplicities]
    pairs = []
    # itertools.product runs its last digit fastest: reverse the variables
    for exponents in itertools.product(*reversed(digits)):
        taken = dict(zip(reversed([v for v, _ in multiplicities]), exponents, strict=True))
        a = tuple(v for v, m in multiplicities for _ in range(taken[v]))
        b = tuple(v for v, m in multiplicities for _ in range(m - taken[v]))
        if a:
            pairs.append((index[a], index[b]))
    return pairs


def _slow_table(p: int, q: int, k: int) -> list[list[tuple[int, int]]]:
    rows = _slow_rows(p, q, k)
    index = {row: i for i, row in enumerate(rows)}
    return [_slow_pairs(row, index) for row in rows]


def _table(p: int, q: int, k: int) -> Table:
    basis = MonomialBasis(p, q, k if k < q else None)
    variables, parent, last, _ = basis_tables(p, min(k, q), basis.degree_offsets)
    return product_table(variables, basis.degrees, parent, last)


def _assert_equals_slow(table: Table, p: int, q: int, k: int) -> None:
    indptr, left, right = table
    expected = _slow_table(p, q, k)
    assert indptr.dtype == np.int64 and left.dtype == right.dtype == np.int32
    assert indptr.tolist() == [0, *itertools.accumulate(len(row) for row in expected)]
    for o, pairs in enumerate(expected):
        got = list(
            zip(
                left[indptr[o] : indptr[o + 1]].tolist(),
                right[indptr[o] : indptr[o + 1]].tolist(),
                strict=True,
            )
        )
        assert got == pairs, f"row {o}"


def _assert_identical(got: Table, expected: Table) -> None:
    """Equal arrays of equal dtypes (``strict``), in the same order."""
    assert len(got) == len(expected) == 3
    for name, a, b in zip(("indptr", "left", "right"), got, expected, strict=True):
        np.testing.assert_array_equal(a, b, strict=True, err_msg=name)


def test_slow_construction_lists_every_divisor_once() -> None:
    rows = _slow_rows(3, 4, 2)
    index = {row: i for i, row in enumerate(rows)}
    pairs = _slow_pairs((0, 0, 2), index)
    assert len(pairs) == len(set(pairs)) == 3 * 2 - 1
    assert {(rows[a], rows[b]) for a, b in pairs} == {
        ((0,), (0, 2)),
        ((0, 0), (2,)),
        ((2,), (0, 0)),
        ((0, 2), (0,)),
        ((0, 0, 2), ()),
    }
    assert [rows[a] for a, _ in pairs] == [(0,), (0, 0), (2,), (0, 2), (0, 0, 2)]


@pytest.mark.parametrize(
    "p,q,k",
    [(1, 1, 1), (1, 5, 1), (5, 1, 1), (3, 4, 2), (4, 5, 1), (6, 3, 3), (5, 6, 3), (7, 4, 4)],
)
def test_table_equals_the_slow_construction(p: int, q: int, k: int) -> None:
    _assert_equals_slow(_table(p, q, k), p, q, k)


def test_small_table_is_known() -> None:
    indptr, left, right = _table(2, 2, 1)  # 1, x0, x1, x0^2, x1^2
    assert indptr.tolist() == [0, 0, 1, 2, 4, 6]
    assert left.tolist() == [1, 2, 1, 3, 2, 4]
    assert right.tolist() == [0, 0, 1, 0, 2, 0]


def test_degree_zero_basis_has_no_pairs() -> None:
    indptr, left, right = _table(4, 0, 0)
    assert indptr.tolist() == [0, 0]
    assert left.shape == right.shape == (0,)


@settings(max_examples=40, deadline=None)
@given(p=st.integers(1, 6), q=st.integers(0, 5), k=st.integers(1, 5), threaded=st.booleans())
def test_random_tables_equal_the_slow_construction(p: int, q: int, k: int, threaded: bool) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(kernels, "PARALLEL_THRESHOLD", 0 if threaded else 1 << 62)
        _assert_equals_slow(_table(p, q, k), p, q, k)


@pytest.mark.parametrize("p,q,k", [(2, 3, 3), (5, 4, 2), (6, 5, 5), (40, 3, 2)])
def test_parallel_table_equals_the_slow_construction(
    p: int, q: int, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kernels, "PARALLEL_THRESHOLD", 0)  # every kernel on threads
    _assert_equals_slow(_table(p, q, k), p, q, k)


@pytest.mark.parametrize("p,q,k", [(20, 5, 5), (150, 3, 2), (100, 4, 2), (30, 4, 4)])
def test_serial_and_parallel_variants_agree(
    p: int, q: int, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = k if k < q else None
    assert n_monomials(p, q, limit) > 2 * _COUNT_BLOCK  # several blocks per thread
    assert n_product_pairs(p, q, limit) > 4 * _PAIR_BLOCK
    tables = []
    for threshold in (1 << 62, 0):  # the serial variant, then the parallel one
        monkeypatch.setattr(kernels, "PARALLEL_THRESHOLD", threshold)
        tables.append(_table(p, q, k))
    _assert_identical(tables[1], tables[0])
    if p == 150:
        _assert_equals_slow(tables[1], p, q, k)


def test_basis_product_table_is_the_kernel_table() -> None:
    basis = MonomialBasis(4, 3, 2)
    _assert_identical(basis.product_table(), _table(4, 3, 2))
    n_pairs = sum(prod(c + 1 for c in Counter(row).values()) - 1 for row in _slow_rows(4, 3, 2))
    assert basis.product_table()[0][-1] == n_pairs
