"""The top-degree products of a full basis by matrix products (``gram_top``) equal
the ones summed along the product table (``product_top``), and a conversion
that uses them equals the walk that keeps every layer."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_threads import share_with

import nn2poly
from nn2poly._kernels_gram import gram_top
from nn2poly._kernels_top import product_top
from nn2poly._monomials import MonomialBasis


@settings(max_examples=40, deadline=None)
@given(
    p=st.integers(1, 6),
    q=st.integers(2, 6),
    width=st.integers(1, 5),
    n_out=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    threads=st.sampled_from([1, 4]),
)
def test_gram_top_equals_the_product_table(
    p: int, q: int, width: int, n_out: int, seed: int, threads: int
) -> None:
    basis = MonomialBasis(p, q)
    offsets = basis.degree_offsets
    low = int(offsets[q])
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(low, width))
    v[0] = 0.0  # v = u - u(0)
    h1 = rng.normal(size=(low, width))
    g = rng.normal(size=(width, n_out))
    start = rng.normal(size=(basis.n_terms - low, n_out))  # both add into what is there
    expected = start.copy()
    product_top(basis.product_table(), low, v, h1, g, expected)
    got = start.copy()
    with pytest.MonkeyPatch.context() as monkeypatch:  # shared by threads (test_threads.py)
        share_with(monkeypatch, threads)
        gram_top(basis.variables, offsets, basis._multichoose, v, h1, g, got)
    scale = np.abs(v).sum() * np.abs(h1).sum() * np.abs(g).max() + np.abs(start).max()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * scale)


def test_gram_top_reaches_every_top_row() -> None:
    # with v = h1 = 1 on every row of degree 1..Q-1 and g = 1, each top row
    # receives its number of pairs of degrees (i, Q - i), 1 <= i < Q
    basis = MonomialBasis(4, 4)
    offsets = basis.degree_offsets
    low = int(offsets[4])
    ones = np.ones((low, 2))
    ones[0] = 0.0
    h1 = np.ones((low, 2))
    h1[0] = 0.0
    got = np.zeros((basis.n_terms - low, 1))
    gram_top(basis.variables, offsets, basis._multichoose, ones, h1, np.ones((2, 1)), got)
    indptr, left, _ = basis.product_table()
    pairs = [
        int(np.count_nonzero(left[indptr[o] : indptr[o + 1]] < low))
        for o in range(low, basis.n_terms)
    ]
    np.testing.assert_array_equal(got[:, 0], 2.0 * np.array(pairs))


@settings(max_examples=10, deadline=None)
@given(
    p=st.integers(2, 7),
    q=st.integers(2, 5),
    outputs=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_contracted_conversion_equals_the_full_walk(
    p: int, q: int, outputs: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    widths = [p, 5, 4, outputs]
    weights = []
    for n_in, n_out in pairwise(widths):
        w = rng.normal(size=(n_in + 1, n_out))
        weights.append(w / np.abs(w).sum(axis=0, keepdims=True))
    net = nn2poly.Network.from_weights(weights, ["tanh", "tanh", "linear"])
    contracted = nn2poly.to_polynomial(net, q)
    full = nn2poly.to_polynomial(net, q, keep_layers=True)
    np.testing.assert_allclose(contracted.coef, full.coef, rtol=1e-10, atol=1e-12)
