"""The basis tables (rows, parent maps, multinomials), on one thread and on several."""

from __future__ import annotations

import itertools
from collections import Counter
from math import factorial, prod
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import nn2poly._kernels as kernels
from nn2poly._kernels_small import _CHILD_BLOCK, basis_tables
from nn2poly._monomials import MonomialBasis

Tables = tuple[NDArray[np.int32], NDArray[Any], NDArray[Any], NDArray[np.float64]]


def _slow_tables(p: int, q: int, k: int) -> Tables:
    """The tables built from ``itertools``: the sorted tuples of each degree with at
    most ``k`` distinct variables, parents by dropping the last variable."""
    rows: list[tuple[int, ...]] = [()]
    for d in range(1, q + 1):
        tuples = itertools.combinations_with_replacement(range(p), d)
        rows += [c for c in tuples if len(set(c)) <= k]
    index = {row: i for i, row in enumerate(rows)}
    variables = np.full((len(rows), q), -1, dtype=np.int32)
    for i, row in enumerate(rows):
        variables[i, : len(row)] = row
    parent = np.array([index[row[:-1]] if row else -1 for row in rows], dtype=np.int64)
    last = np.array([row[-1] if row else -1 for row in rows], dtype=np.int64)
    multinomials = np.array(
        [factorial(len(row)) / prod(factorial(m) for m in Counter(row).values()) for row in rows]
    )
    return variables, parent, last, multinomials


def _tables(p: int, q: int, k: int) -> Tables:
    offsets = MonomialBasis(p, q, k if k < q else None).degree_offsets
    return basis_tables(p, min(k, q), offsets)


def _assert_identical(got: Tables, expected: Tables) -> None:
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b, strict=True)


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every threaded kernel takes its parallel variant."""
    monkeypatch.setattr(kernels, "PARALLEL_THRESHOLD", 0)


@pytest.mark.parametrize(
    "p,q,k",
    [(1, 1, 1), (1, 5, 1), (1, 5, 5), (5, 1, 1), (3, 4, 2), (4, 5, 1), (6, 3, 3), (7, 6, 4)],
)
def test_tables_equal_the_slow_construction(p: int, q: int, k: int) -> None:
    _assert_identical(_tables(p, q, k), _slow_tables(p, q, k))


def test_degree_zero_basis_is_the_constant() -> None:
    variables, parent, last, multinomials = _tables(4, 0, 0)
    assert variables.shape == (1, 0)
    assert parent.tolist() == last.tolist() == [-1]
    assert multinomials.tolist() == [1.0]


@settings(max_examples=40, deadline=None)
@given(p=st.integers(1, 7), q=st.integers(1, 5), k=st.integers(1, 5))
def test_random_tables_equal_the_slow_construction(p: int, q: int, k: int) -> None:
    _assert_identical(_tables(p, q, k), _slow_tables(p, q, k))


@pytest.mark.usefixtures("parallel")
@pytest.mark.parametrize("p,q,k", [(2, 3, 3), (5, 4, 2), (6, 5, 5)])
def test_parallel_tables_equal_the_slow_construction(p: int, q: int, k: int) -> None:
    _assert_identical(_tables(p, q, k), _slow_tables(p, q, k))


@pytest.mark.parametrize("p,q,k", [(30, 5, 5), (300, 2, 2), (150, 3, 2)])
def test_serial_and_parallel_variants_agree(
    p: int, q: int, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    offsets = MonomialBasis(p, q, k if k < q else None).degree_offsets
    assert offsets[-1] - offsets[-2] > 4 * _CHILD_BLOCK  # several blocks per thread
    monkeypatch.setattr(kernels, "PARALLEL_THRESHOLD", 1 << 62)
    serial = basis_tables(p, k, offsets)
    monkeypatch.setattr(kernels, "PARALLEL_THRESHOLD", 0)
    threaded = basis_tables(p, k, offsets)
    _assert_identical(threaded, serial)
    if p == 150:
        _assert_identical(threaded, _slow_tables(p, q, k))


@pytest.mark.parametrize(
    "p,k,basis",
    [(4, 3, MonomialBasis(3, 3)), (3, 3, MonomialBasis(3, 3, 2)), (3, 0, MonomialBasis(3, 3))],
)
def test_offsets_of_another_basis_are_an_error(p: int, k: int, basis: MonomialBasis) -> None:
    with pytest.raises(ValueError, match="offsets do not match"):
        basis_tables(p, k, basis.degree_offsets)
