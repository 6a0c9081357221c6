"""Interaction-limited polynomials: ``max_interaction=k`` keeps the monomials with at most k
distinct variables, exactly as in the full conversion (what is dropped is an ideal)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import random_weights
from test_engine_properties import small_networks

import nn2poly
from nn2poly._monomials import MonomialBasis, n_monomials, n_product_pairs


def _tuples(p: int, q: int, k: int) -> list[tuple[int, ...]]:
    every = [()] + [
        c for d in range(1, q + 1) for c in itertools.combinations_with_replacement(range(p), d)
    ]
    return [c for c in every if len(set(c)) <= k]


@given(p=st.integers(1, 6), q=st.integers(0, 5), k=st.integers(1, 5))
def test_limited_basis_is_the_full_one_filtered_in_the_same_order(p: int, q: int, k: int) -> None:
    basis = MonomialBasis(p, q, k)
    rows, degrees = basis.variables.tolist(), basis.degrees.tolist()
    got = [tuple(row[:d]) for row, d in zip(rows, degrees, strict=True)]
    assert got == _tuples(p, q, k)
    assert basis.n_terms == len(got) == n_monomials(p, q, k)
    np.testing.assert_array_equal(basis.index_of(basis.variables), np.arange(basis.n_terms))


@given(p=st.integers(1, 5), q=st.integers(1, 5), k=st.integers(1, 4))
def test_limited_product_table_lists_every_factorisation(p: int, q: int, k: int) -> None:
    basis = MonomialBasis(p, q, k)
    tuples = _tuples(p, q, k)
    position = {t: i for i, t in enumerate(tuples)}
    indptr, left, right = basis.product_table()
    assert indptr[-1] == n_product_pairs(p, q, k) == len(left)
    for o, monomial in enumerate(tuples):
        row = slice(indptr[o], indptr[o + 1])
        pairs = set(zip(left[row].tolist(), right[row].tolist(), strict=True))
        expected = set()
        for mask in itertools.product([0, 1], repeat=len(monomial)):
            a = tuple(v for v, m in zip(monomial, mask, strict=True) if m)
            b = tuple(v for v, m in zip(monomial, mask, strict=True) if not m)
            if a:
                expected.add((position[a], position[b]))
        assert pairs == expected


def _convert(weights, activations, max_order, **options):  # type: ignore[no-untyped-def]
    net = nn2poly.Network.from_weights(weights, activations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        return nn2poly.to_polynomial(net, max_order, approximation="taylor", **options)


def _restricted(full: nn2poly.Polynomial, k: int) -> tuple[np.ndarray, np.ndarray]:
    keep = (full.powers > 0).sum(axis=1) <= k
    return full.powers[keep], full.coef[keep]


@settings(max_examples=40, deadline=None)
@given(
    network=small_networks(max_inputs=4, max_layers=3, max_width=4),
    max_order=st.integers(1, 5),
    k=st.integers(1, 4),
    center=st.sampled_from([0.0, 0.3, "local"]),
)
def test_limited_conversion_is_the_full_one_restricted(network, max_order, k, center) -> None:  # type: ignore[no-untyped-def]
    weights, activations = network
    full = _convert(weights, activations, max_order, taylor_center=center)
    limited = _convert(weights, activations, max_order, taylor_center=center, max_interaction=k)
    powers, coef = _restricted(full, k)
    np.testing.assert_array_equal(limited.powers, powers)
    scale = max(1.0, float(np.abs(full.coef).max()))
    np.testing.assert_allclose(limited.coef, coef, rtol=0, atol=1e-13 * scale)


def test_limited_conversion_with_kept_layers_and_a_constant_last_layer() -> None:
    weights = random_weights([5, 6, 4, 2], seed=3)
    activations = ["tanh", "sigmoid", "linear"]
    for orders in ([6, 6, 1], [6, 0, 1]):
        full = _convert(weights, activations, 4, taylor_orders=orders, keep_layers=True)
        limited = _convert(
            weights, activations, 4, taylor_orders=orders, keep_layers=True, max_interaction=2
        )
        np.testing.assert_allclose(limited.coef, _restricted(full, 2)[1], rtol=0, atol=1e-14)
        assert full.layers is not None and limited.layers is not None
        for ours, theirs in zip(limited.layers, full.layers, strict=True):
            expected = _restricted(theirs.output, 2)[1]
            np.testing.assert_allclose(ours.output.coef, expected, rtol=0, atol=1e-14)


def test_pairwise_limit_shrinks_a_wide_conversion() -> None:
    weights = random_weights([60, 8, 1], seed=0)
    poly = _convert(weights, ["tanh", "linear"], 4, max_interaction=2)
    assert poly.n_terms == n_monomials(60, 4, 2) < n_monomials(60, 4)
    assert int((poly.powers > 0).sum(axis=1).max()) == 2
    full = _convert(weights, ["tanh", "linear"], 4)
    X = np.random.default_rng(0).uniform(-0.5, 0.5, (5, 60))
    # a main-effects-and-pairs view of the same polynomial: the restriction evaluated
    keep = (full.powers > 0).sum(axis=1) <= 2
    expected = np.prod(X[:, None, :] ** full.powers[keep][None], axis=2) @ full.coef[keep]
    np.testing.assert_allclose(poly.predict(X), expected.ravel(), rtol=1e-12, atol=1e-14)


def test_limit_at_or_above_max_order_is_the_full_conversion() -> None:
    weights = random_weights([3, 4, 1], seed=1)
    full = _convert(weights, ["tanh", "linear"], 3)
    for k in (3, 4, 100):
        same = _convert(weights, ["tanh", "linear"], 3, max_interaction=k)
        np.testing.assert_array_equal(same.coef, full.coef)
        np.testing.assert_array_equal(same.powers, full.powers)


@pytest.mark.parametrize(
    "value,error",
    [
        (0, ValueError),
        (-1, ValueError),
        (1.5, TypeError),
        ("2", TypeError),
        (True, TypeError),
    ],
)
def test_bad_max_interaction_is_refused(value: object, error: type) -> None:
    net = nn2poly.Network.from_weights(random_weights([2, 2, 1], seed=0), ["tanh", "linear"])
    with pytest.raises(error, match="max_interaction"):
        nn2poly.to_polynomial(net, 2, max_interaction=value)  # type: ignore[arg-type]


def test_memory_guard_suggests_max_interaction_and_accepts_it() -> None:
    net = nn2poly.Network.from_weights(random_weights([300, 16, 1], seed=0), ["tanh", "linear"])
    with pytest.raises(nn2poly.MemoryLimitError, match="max_interaction=2"):
        nn2poly.to_polynomial(net, 4, memory_limit=400 * 2**20)
    poly = nn2poly.to_polynomial(net, 4, memory_limit=400 * 2**20, max_interaction=1)
    assert poly.n_terms == 1 + 300 * 4


def test_fit_approximation_works_on_the_limited_basis() -> None:
    weights = random_weights([6, 8, 1], seed=2, scale=0.8)
    net = nn2poly.Network.from_weights(weights, ["tanh", "linear"])
    X = np.random.default_rng(0).uniform(-1, 1, (400, 6))
    poly = nn2poly.to_polynomial(net, 3, approximation="fit", data=X, max_interaction=2)
    assert poly.n_terms == n_monomials(6, 3, 2)
    assert int((poly.powers > 0).sum(axis=1).max()) == 2
    assert np.all(np.isfinite(poly.predict(X)))
