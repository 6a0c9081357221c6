"""Polynomial construction, truncate/top, equality and coefficient look-up on odd inputs."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import nn2poly
from nn2poly._monomials import MonomialBasis


def test_polynomial_constructor_odd_powers() -> None:
    empty = nn2poly.Polynomial(np.zeros((0, 2)), [])
    assert empty.n_terms == 0
    np.testing.assert_array_equal(empty.predict(np.ones((3, 2))), np.zeros(3))
    no_features = nn2poly.Polynomial(np.zeros((1, 0)), [2.5])
    np.testing.assert_array_equal(no_features.predict(np.ones((2, 0))), [2.5, 2.5])
    as_floats = nn2poly.Polynomial(np.array([[0.0], [2.0]]), [1.0, 3.0])
    assert as_floats.labels == [(0,), (1, 1)] and as_floats.powers.dtype.kind == "i"
    p1 = nn2poly.Polynomial([[0], [1], [3]], [1.0, 2.0, 3.0])
    assert p1.labels == [(0,), (1,), (1, 1, 1)] and p1.term_names == ["1", "x1", "x1^3"]
    for bad in ([[0.5]], [[-1]], [[np.nan]], [["a"]], [[0], [0]]):
        with pytest.raises(ValueError):
            nn2poly.Polynomial(bad, np.zeros(len(bad)))
    with pytest.raises(ValueError, match="shape"):
        nn2poly.Polynomial([0, 1], [1.0, 2.0])
    with pytest.raises(ValueError, match="n_terms=2"):
        nn2poly.Polynomial([[0], [1]], [1.0, 2.0, 3.0])


def test_truncate_top_and_equality() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1], [0, 3]], [1.0, -2.0, 3.0, 0.5])
    constant = poly.truncate(0)
    assert constant.labels == [(0,)] and constant.coef[0, 0] == 1.0
    assert poly.truncate(np.int64(10)) == poly
    ranked = poly.top(99)
    assert ranked.n_terms == 4 and ranked.coef[:, 0].tolist() == [3.0, -2.0, 1.0, 0.5]
    assert poly.top(2, include_intercept=False).labels == [(1, 2), (1,)]
    only_intercept = nn2poly.Polynomial([[0, 0]], [1.0]).top(3, include_intercept=False)
    assert only_intercept.n_terms == 0
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            poly.top(bad)
    with pytest.raises(ValueError):
        poly.truncate(-1)
    same = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1], [0, 3]], [1.0, -2.0, 3.0, 0.5])
    assert poly == same and not poly != same  # noqa: SIM202 (both operators)
    assert poly != nn2poly.Polynomial([[0, 0], [1, 0], [1, 1], [0, 3]], [1.0, -2.0, 3.0, 0.25])
    assert poly != nn2poly.Polynomial(
        [[0, 0], [1, 0], [1, 1], [0, 3]], [1.0, -2.0, 3.0, 0.5], feature_names=["a", "b"]
    )
    assert (poly == "poly") is False


def test_coefficient_normalises_and_validates_labels() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 1]], [1.0, 5.0])
    assert poly.coefficient((1, 2)) == 5.0
    assert poly.coefficient((2, 1)) == 5.0  # the same monomial x1*x2
    with pytest.raises(ValueError):
        poly.coefficient((7,))  # there is no x7


def test_polynomial_equality_does_not_densify_powers() -> None:

    basis = MonomialBasis(200, 2)
    a = nn2poly.Polynomial._from_basis(basis, np.zeros((basis.n_terms, 1)))
    b = nn2poly.Polynomial._from_basis(basis, np.zeros((basis.n_terms, 1)))
    stored = a._variables.nbytes + a.coef.nbytes
    tracemalloc.start()
    try:
        assert a == b
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * stored, f"equality allocated {peak} bytes for {stored} bytes of data"


def test_nan_coefficient_is_refused() -> None:
    # a NaN coefficient used to be shown as "nan*x1"; it is now refused with the rows named
    with pytest.raises(ValueError, match=r"'coef' parameter of .* finite.*rows \[1\]"):
        nn2poly.Polynomial([[0], [1], [2]], [1.0, np.nan, -0.0])
    # the same polynomial without the NaN: exact zeros (signed or not) are left out of the text
    assert str(nn2poly.Polynomial([[0], [1], [2]], [1.0, 2.0, -0.0])) == "y1 = 1 + 2*x1"
