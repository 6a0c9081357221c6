"""The monomial basis, its index maps and the product table."""

from __future__ import annotations

import itertools
from math import comb, factorial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.preprocessing import PolynomialFeatures

from nn2poly._monomials import MonomialBasis, n_monomials, n_product_pairs


def _tuples(p: int, q: int) -> list[tuple[int, ...]]:
    return [()] + [
        c for d in range(1, q + 1) for c in itertools.combinations_with_replacement(range(p), d)
    ]


@given(p=st.integers(1, 6), q=st.integers(0, 5))
def test_enumeration_is_graded_lexicographic(p: int, q: int) -> None:
    basis = MonomialBasis(p, q)
    rows, degrees = basis.variables.tolist(), basis.degrees.tolist()
    got = [tuple(row[:d]) for row, d in zip(rows, degrees, strict=True)]
    assert got == _tuples(p, q)
    assert basis.n_terms == comb(p + q, q) == n_monomials(p, q)


@pytest.mark.parametrize("p,q", [(1, 4), (3, 3), (5, 2), (4, 4)])
def test_order_equals_scikit_learn_polynomial_features(p: int, q: int) -> None:
    from nn2poly import Polynomial

    basis = MonomialBasis(p, q)
    features = PolynomialFeatures(q).fit(np.zeros((1, p)))
    poly = Polynomial._from_basis(basis, np.zeros(basis.n_terms))
    np.testing.assert_array_equal(poly.powers, features.powers_)


@given(p=st.integers(1, 5), q=st.integers(1, 4))
def test_index_of_inverts_enumeration_and_parents(p: int, q: int) -> None:
    basis = MonomialBasis(p, q)
    np.testing.assert_array_equal(basis.index_of(basis.variables), np.arange(basis.n_terms))
    parent, last = basis.parents
    tuples = _tuples(p, q)
    for index in range(1, basis.n_terms):
        assert tuple(sorted(tuples[parent[index]] + (last[index],))) == tuples[index]


@given(p=st.integers(1, 5), q=st.integers(1, 4))
def test_multinomials(p: int, q: int) -> None:
    basis = MonomialBasis(p, q)
    for row, tuple_ in enumerate(_tuples(p, q)):
        exponents = [tuple_.count(i) for i in range(p)]
        expected = factorial(sum(exponents)) / np.prod([factorial(e) for e in exponents])
        assert basis.multinomials[row] == expected


@given(p=st.integers(1, 4), q=st.integers(1, 4))
def test_product_table_lists_every_factorisation(p: int, q: int) -> None:
    basis = MonomialBasis(p, q)
    indptr, left, right = basis.product_table()
    tuples = _tuples(p, q)
    position = {t: i for i, t in enumerate(tuples)}
    assert indptr[-1] == n_product_pairs(p, q) == len(left)
    for out, target in enumerate(tuples):
        pairs = {
            (int(a), int(b))
            for a, b in zip(
                left[indptr[out] : indptr[out + 1]],
                right[indptr[out] : indptr[out + 1]],
                strict=True,
            )
        }
        expected = set()
        for a in tuples[1:]:
            rest = list(target)
            try:
                for v in a:
                    rest.remove(v)
            except ValueError:
                continue
            expected.add((position[a], position[tuple(rest)]))
        assert pairs == expected
