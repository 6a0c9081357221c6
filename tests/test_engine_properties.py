"""Mathematical properties of the conversion, against independent slow constructions."""

from __future__ import annotations

import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import network_taylor_coefficients, random_weights, truncated_composition

import nn2poly

ANALYTIC = ["tanh", "sigmoid", "softplus", "arctan", "silu", "gelu", "isru", "linear"]


@st.composite
def small_networks(
    draw, max_inputs: int = 3, max_layers: int = 2, max_width: int = 3, activations_from=ANALYTIC
):  # type: ignore[no-untyped-def]
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    p = draw(st.integers(1, max_inputs))
    n_hidden = draw(st.integers(1, max_layers))
    widths = [draw(st.integers(1, max_width)) for _ in range(n_hidden)]
    n_outputs = draw(st.integers(1, 2))
    activations = [draw(st.sampled_from(activations_from)) for _ in range(n_hidden)]
    activations.append(draw(st.sampled_from(["linear", "linear", "sigmoid", "tanh"])))
    weights, n_in = [], p
    for width in [*widths, n_outputs]:
        matrix = rng.normal(size=(n_in + 1, width))
        matrix /= np.abs(matrix).sum(axis=0, keepdims=True)  # l1 regime
        weights.append(matrix)
        n_in = width
    return weights, activations


def _compare(poly: nn2poly.Polynomial, expected: dict, tolerance: float) -> None:
    ours = {tuple(row): coef for row, coef in zip(poly.powers.tolist(), poly.coef, strict=True)}
    scale = max(1e-300, max(abs(v) for values in expected.values() for v in values))
    for exponents, values in expected.items():
        value = ours.get(exponents, np.zeros(poly.n_outputs))
        np.testing.assert_allclose(
            value, values, rtol=0, atol=tolerance * scale, err_msg=str(exponents)
        )
    for exponents, value in ours.items():
        if exponents not in expected:
            assert np.all(np.abs(value) <= tolerance * scale), exponents


@settings(max_examples=25)
@given(
    network=small_networks(),
    max_order=st.integers(1, 4),
    order=st.integers(1, 6),
    center=st.sampled_from([0.0, 0.0, 0.3, -0.45]),
)
def test_matches_slow_truncated_composition(network, max_order, order, center) -> None:  # type: ignore[no-untyped-def]
    weights, activations = network
    orders = [1 if a == "linear" else order for a in activations]
    net = nn2poly.Network.from_weights(weights, activations)
    with warnings.catch_warnings():
        # a centre away from 0 may be far from the potentials: the algebra is checked here
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(net, max_order, taylor_orders=orders, taylor_center=center)
    expected = truncated_composition(weights, activations, orders, max_order, center)
    _compare(poly, expected, 1e-12)


@settings(max_examples=8)
@given(network=small_networks(max_inputs=2, max_layers=2, max_width=2), max_order=st.integers(1, 3))
def test_local_center_gives_network_taylor_polynomial(network, max_order) -> None:  # type: ignore[no-untyped-def]
    weights, activations = network
    net = nn2poly.Network.from_weights(weights, activations)
    poly = nn2poly.to_polynomial(net, max_order, taylor_orders=max_order, taylor_center="local")
    expected = network_taylor_coefficients(weights, activations, max_order)
    _compare(poly, expected, 1e-10)


def test_local_center_differs_from_zero_center_with_biases() -> None:
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=(3, 4)) * 0.4, rng.normal(size=(5, 1))]
    net = nn2poly.Network.from_weights(weights, ["tanh", "linear"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        at_zero = nn2poly.to_polynomial(net, 3, taylor_center=0.0)
        local = nn2poly.to_polynomial(net, 3, taylor_center="local")
    assert not np.allclose(at_zero.coef, local.coef)


# Activations whose Taylor series at 0 converge beyond the potentials an l1
# network can produce (arctan and isru have radius 1, reached at the boundary).
WIDE_RADIUS = ["tanh", "sigmoid", "softplus", "silu", "gelu", "linear"]


@settings(max_examples=10)
@given(
    network=small_networks(max_inputs=3, max_layers=3, max_width=4, activations_from=WIDE_RADIUS)
)
def test_l1_regime_converges_to_network(network) -> None:  # type: ignore[no-untyped-def]
    weights, activations = network
    net = nn2poly.Network.from_weights(weights, activations)
    X = np.random.default_rng(0).uniform(-1, 1, size=(300, net.n_inputs))
    y = net.forward(X)
    errors = []
    for order in (1, 3, 5, 7):
        poly = nn2poly.to_polynomial(net, order, taylor_orders=max(order, 1))
        errors.append(float(np.max(np.abs(poly.decision_function(X) - y))))
    assert errors[-1] <= max(0.5 * errors[0], 1e-12)
    assert errors[-1] <= errors[1] + 1e-12


@pytest.mark.parametrize("max_order", [1, 2, 3])
def test_truncation_is_consistent_across_max_order(max_order: int) -> None:
    """Truncation is a ring homomorphism: converting at a higher max_order and
    truncating equals converting at the lower one."""
    rng = np.random.default_rng(11)
    weights = [rng.normal(size=(4, 5)), rng.normal(size=(6, 4)), rng.normal(size=(5, 2))]
    for matrix in weights[:-1]:
        matrix /= np.abs(matrix).sum(axis=0, keepdims=True)
    net = nn2poly.Network.from_weights(weights, ["tanh", "softplus", "linear"])
    low = nn2poly.to_polynomial(net, max_order)
    high = nn2poly.to_polynomial(net, 4).truncate(max_order)
    np.testing.assert_array_equal(low.powers, high.powers)
    np.testing.assert_allclose(low.coef, high.coef, rtol=1e-13, atol=1e-15)


def test_multiple_outputs_equal_separate_conversions() -> None:
    rng = np.random.default_rng(5)
    hidden = rng.normal(size=(4, 6))
    hidden /= np.abs(hidden).sum(axis=0, keepdims=True)
    out = rng.normal(size=(7, 3))
    net = nn2poly.Network.from_weights([hidden, out], ["sigmoid", "linear"])
    joint = nn2poly.to_polynomial(net, 3)
    for k in range(3):
        single = nn2poly.Network.from_weights([hidden, out[:, [k]]], ["sigmoid", "linear"])
        np.testing.assert_allclose(
            joint.coef[:, k], nn2poly.to_polynomial(single, 3).coef[:, 0], rtol=1e-14, atol=1e-16
        )


def test_concurrent_conversions_give_identical_results() -> None:
    small = nn2poly.Network.from_weights(random_weights([3, 4, 2], seed=1), ["tanh", "linear"])
    # large enough for the parallel kernels (over 2**21 multiply-adds per Horner step)
    medium = nn2poly.Network.from_weights(
        random_weights([20, 30, 30, 2], seed=2), ["tanh", "tanh", "linear"]
    )
    jobs = [(small, 4), (medium, 4)] * 4
    expected = {id(net): nn2poly.to_polynomial(net, order).coef for net, order in jobs[:2]}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: nn2poly.to_polynomial(job[0], job[1]), jobs))
    for (net, _), poly in zip(jobs, results, strict=True):
        np.testing.assert_array_equal(poly.coef, expected[id(net)])
    X = np.random.default_rng(0).uniform(-1, 1, (2000, 20))
    reference = results[1].predict(X)
    with ThreadPoolExecutor(max_workers=4) as pool:
        predictions = list(pool.map(lambda poly: poly.predict(X), [results[1]] * 4))
    for prediction in predictions:
        np.testing.assert_array_equal(prediction, reference)


@settings(max_examples=30, deadline=None)
@given(
    network=small_networks(max_inputs=4, max_layers=3, max_width=4),
    max_order=st.integers(1, 5),
    orders=st.lists(st.integers(0, 6), min_size=4, max_size=4),
    center=st.sampled_from([0.0, -0.3, "local"]),
)
def test_contracted_top_degree_equals_full_walk(network, max_order, orders, center) -> None:  # type: ignore[no-untyped-def]
    # keep_layers walks every layer at full width; without it the top degree is
    # contracted with the outputs (nn2poly._top_slice)
    weights, activations = network
    net = nn2poly.Network.from_weights(weights, activations)
    taylor_orders = [1 if a == "linear" else o for a, o in zip(activations, orders, strict=False)]
    options = {"taylor_orders": taylor_orders, "taylor_center": center, "approximation": "taylor"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        full = nn2poly.to_polynomial(net, max_order, keep_layers=True, **options)
        contracted = nn2poly.to_polynomial(net, max_order, **options)
    assert contracted.degree == full.degree or contracted.n_terms < full.n_terms
    expected = full.coef[: contracted.n_terms]
    np.testing.assert_array_equal(contracted.powers, full.powers[: contracted.n_terms])
    scale = max(1.0, float(np.abs(full.coef).max()))
    np.testing.assert_allclose(contracted.coef, expected, rtol=0, atol=1e-13 * scale)


def test_import_loads_neither_numba_nor_scipy_special() -> None:
    code = (
        "import sys, numpy as np, nn2poly\n"
        "assert 'numba' not in sys.modules and 'scipy.special' not in sys.modules\n"
        "weights = [np.ones((3, 2)), np.ones((3, 1))]\n"
        "net = nn2poly.Network.from_weights(weights, ['tanh', 'linear'])\n"
        "nn2poly.to_polynomial(net, 3)\n"
        "assert 'numba' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
