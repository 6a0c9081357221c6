"""The compiled small kernels against the numpy code they replace, to the last bit.

Each reference below is the numpy implementation the kernel took over (the
Taylor shift by synthetic division, the tanh series recurrence by einsum, the
basis enumeration and its parent maps); the kernels must give the same arrays
exactly, NaN and infinities included.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn2poly._algebra import taylor_shift
from nn2poly._kernels_small import basis_tables, product_table, series_recurrence, shift_series
from nn2poly._monomials import MonomialBasis, _interaction, monomial_basis
from nn2poly._validation import (
    Interval,
    InvalidParameterError,
    InvalidParameterTypeError,
    Options,
    check_param,
)
from nn2poly.activations._series import tanh_series


def reference_shift(coefficients: np.ndarray, shift: np.ndarray, max_power: int) -> np.ndarray:
    work = np.array(coefficients, dtype=np.float64, copy=True)
    order = work.shape[1] - 1
    keep = min(max_power, order)
    delta = shift[:, None] if shift.ndim == 1 else shift
    for i in range(keep + 1):
        for j in range(order - 1, i - 1, -1):
            work[:, j] += delta[:, 0] * work[:, j + 1]
    out = np.zeros((work.shape[0], max_power + 1), dtype=np.float64)
    out[:, : keep + 1] = work[:, : keep + 1]
    return out


def reference_tanh(a: np.ndarray, order: int) -> np.ndarray:
    c = np.zeros((a.shape[0], order + 1), dtype=np.float64)
    c[:, 0] = np.tanh(a)
    if order >= 1:
        c[:, 1] = 1.0 / np.cosh(np.clip(a, -350.0, 350.0)) ** 2
    for n in range(1, order):
        total = np.einsum("mk,mk->m", c[:, : n + 1], c[:, n::-1])
        c[:, n + 1] = -total / (n + 1)
    return c


def reference_basis(p: int, q: int, k: int) -> tuple[np.ndarray, ...]:
    """Rows by itertools, parents by dropping the last variable, multinomials by factorials."""
    rows: list[tuple[int, ...]] = [()]
    for d in range(1, q + 1):
        rows += [
            c for c in itertools.combinations_with_replacement(range(p), d) if len(set(c)) <= k
        ]
    index = {row: i for i, row in enumerate(rows)}
    variables = np.full((len(rows), max(q, 1)), -1, dtype=np.int32)
    parent = np.full(len(rows), -1, dtype=np.int64)
    last = np.full(len(rows), -1, dtype=np.int64)
    multinomials = np.ones(len(rows))
    for i, row in enumerate(rows):
        variables[i, : len(row)] = row
        if row:
            parent[i], last[i] = index[row[:-1]], row[-1]
            multinomials[i] = multinomials[parent[i]] * len(row) / row.count(row[-1])
    return (variables if q else variables[:, :0]), parent, last, multinomials


finite = st.floats(-1e3, 1e3, allow_nan=False)
shifts = st.one_of(
    st.floats(-10.0, 10.0, allow_nan=False),
    st.floats(-1e300, 1e300, allow_nan=False),
    st.sampled_from([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e308, -1e308]),
)


@settings(max_examples=150, deadline=None)
@given(
    order=st.integers(0, 30),
    max_power=st.integers(0, 30),
    rows=st.integers(0, 5),
    data=st.data(),
)
def test_shift_equals_the_numpy_loop(order: int, max_power: int, rows: int, data) -> None:
    coefficients = np.array(
        data.draw(st.lists(finite, min_size=rows * (order + 1), max_size=rows * (order + 1)))
    ).reshape(rows, order + 1)
    if data.draw(st.booleans()) and rows:  # zeros beside a huge shift: no 0 * inf
        coefficients[:, order // 2 :] = 0.0
    shift = np.array(data.draw(st.lists(shifts, min_size=rows, max_size=rows)), dtype=np.float64)
    with np.errstate(all="ignore"):
        expected = reference_shift(coefficients, shift, max_power)
        got = taylor_shift(coefficients, shift, max_power)
        got_2d = taylor_shift(coefficients, shift[:, None], max_power)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_2d, expected)
    assert got.shape == (rows, max_power + 1)


def test_shift_is_nan_free_on_huge_shifts_of_sparse_series() -> None:
    coefficients = np.zeros((3, 9))
    coefficients[:, 1] = 1.0  # t: shifted by a huge amount, still finite where it can be
    shift = np.array([1e300, -1e300, 1e-300])
    got = shift_series(coefficients, shift, 8)
    assert not np.isnan(got).any()
    np.testing.assert_array_equal(got, reference_shift(coefficients, shift, 8))
    np.testing.assert_array_equal(got[:, 1], [1.0, 1.0, 1.0])


def test_shift_accepts_other_dtypes_and_a_broadcast_shift() -> None:
    coefficients = np.arange(12).reshape(3, 4)  # int
    got = shift_series(coefficients, np.array([0.5]), 5)
    expected = reference_shift(coefficients.astype(float), np.full(3, 0.5), 5)
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=150, deadline=None)
@given(
    order=st.integers(0, 30),
    a=st.lists(
        st.one_of(st.floats(-400.0, 400.0), st.sampled_from([np.inf, -np.inf, np.nan, -0.0])),
        min_size=1,
        max_size=12,
    ),
)
def test_tanh_series_equals_the_einsum_recurrence(order: int, a: list[float]) -> None:
    centers = np.array(a)
    got = tanh_series(centers, order)
    np.testing.assert_array_equal(got, reference_tanh(centers, order))
    assert np.isfinite(got[~np.isnan(centers)]).all()  # no NaN from a finite or infinite centre


def test_series_recurrence_leaves_low_orders() -> None:
    c = np.array([[0.25, 0.5]])
    series_recurrence(c, 1)  # nothing to fill
    np.testing.assert_array_equal(c, [[0.25, 0.5]])


@pytest.mark.parametrize("p", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("q", [0, 1, 2, 3, 4, 5])
def test_basis_tables_equal_the_enumeration(p: int, q: int) -> None:
    for limit in [None, *range(1, q)]:
        basis = MonomialBasis(p, q, limit)
        k = _interaction(q, limit)
        expected = reference_basis(p, q, k)
        got = basis_tables(p, k, basis.degree_offsets)
        for name, have, want in zip(
            ("variables", "parent", "last", "mult"), got, expected, strict=True
        ):
            np.testing.assert_array_equal(have, want, err_msg=f"{name} p={p} q={q} k={limit}")
            assert have.dtype == want.dtype
        np.testing.assert_array_equal(basis.variables, expected[0])
        np.testing.assert_array_equal(basis.parents[0], expected[1])
        np.testing.assert_array_equal(basis.multinomials, expected[3])
        if p and q:  # the parents are the monomials without their last variable, by rank
            shortened = basis.variables[1:].copy()
            shortened[np.arange(basis.n_terms - 1), basis.degrees[1:] - 1] = -1
            np.testing.assert_array_equal(basis.index_of(shortened), basis.parents[0][1:])


def test_large_basis_tables_match_ranks() -> None:
    basis = monomial_basis(30, 4)
    _, last = basis.parents
    rows = basis.variables
    assert np.all(np.diff(basis.index_of(rows)) == 1)  # graded lexicographic order
    np.testing.assert_array_equal(
        rows[np.arange(1, basis.n_terms), basis.degrees[1:] - 1], last[1:]
    )
    assert basis.multinomials[-1] == 1.0 and basis.multinomials.max() == 24.0  # 4! / 1!^4


def test_check_param_fast_path_keeps_the_rules() -> None:
    assert check_param("x", None, [Interval(int, 1, None), None]) is None
    assert check_param("x", True, [bool]) is True
    assert check_param("x", np.int64(3), [Interval(int, 1, None)]) == 3
    assert type(check_param("x", np.int64(3), [Interval(int, 1, None)])) is int
    assert check_param("x", "a", (Options({"a"}), str)) == "a"
    assert check_param("x", 2, iter([int])) == 2  # any iterable of constraints
    with pytest.raises(InvalidParameterTypeError, match="'x' parameter of f must be True"):
        check_param("x", 1, [bool], caller="f")
    with pytest.raises(InvalidParameterTypeError):
        check_param("x", True, [int])  # a bool is not an int here
    with pytest.raises(InvalidParameterError, match=r"range \[1, inf\)"):
        check_param("x", 0, iter([Interval(int, 1, None)]))
    with pytest.raises(TypeError, match="not a constraint"):
        check_param("x", 1, [3])


def reference_table(basis: MonomialBasis) -> tuple[np.ndarray, ...]:
    """Each monomial's divisors (but 1) in mixed-radix order of their exponents, smallest
    variable's digit fastest, beside their complements; ranks looked up by row."""
    rows = [tuple(int(v) for v in row if v >= 0) for row in basis.variables]
    index = {row: i for i, row in enumerate(rows)}
    indptr, left, right = [0], [], []
    for row in rows:
        values = sorted(set(row))
        counts = [row.count(v) for v in values]
        divisors = []
        for digits in itertools.product(*(range(c + 1) for c in reversed(counts))):
            taken = list(reversed(digits))
            divisors.append(tuple(v for v, t in zip(values, taken, strict=True) for _ in range(t)))
        ranks = [index[d] for d in divisors]
        total = len(ranks) - 1
        if row:
            left += ranks[1:]
            right += [ranks[total - i] for i in range(1, total + 1)]
        indptr.append(len(left))
    return np.array(indptr), np.array(left, dtype=np.int32), np.array(right, dtype=np.int32)


@pytest.mark.parametrize(("p", "q"), [(0, 3), (1, 1), (1, 4), (2, 2), (3, 4), (4, 5), (6, 3)])
def test_product_table_equals_the_divisor_enumeration(p: int, q: int) -> None:
    for limit in [None, *range(1, q)]:
        basis = MonomialBasis(p, q, limit)
        parent, last = basis.parents
        got = product_table(basis.variables, basis.degrees, parent, last)
        for have, want in zip(got, reference_table(basis), strict=True):
            np.testing.assert_array_equal(have, want, err_msg=f"p={p} q={q} k={limit}")
        np.testing.assert_array_equal(basis.product_table()[1], got[1])


def test_provenance_fast_path_gives_what_freeze_gives() -> None:
    from nn2poly import _provenance

    record = {
        "a": None,
        "b": True,
        "c": "text",
        "d": 3,
        "e": 0.5,
        "f": [8, 1, None, "x", False],
        "g": [0.5, [1, 2]],
        "h": np.int64(4),
        "i": np.float32(0.25),
        "j": np.array([1.0, 2.0]),
    }
    frozen = _provenance.check_provenance(record)
    count = [0]
    slow = {key: _provenance._freeze(value, key, 0, count) for key, value in record.items()}
    assert dict(frozen) == slow
    assert [type(v) for v in frozen.values()] == [type(v) for v in slow.values()]
    with pytest.raises(InvalidParameterError, match="finite number"):
        _provenance.check_provenance({"x": float("nan")})
    with pytest.raises(InvalidParameterError, match="more than"):
        _provenance.check_provenance({"x": list(range(_provenance.MAX_ENTRIES))})
    with pytest.raises(InvalidParameterError, match="more than"):
        _provenance.check_provenance({str(i): i for i in range(_provenance.MAX_ENTRIES + 1)})
