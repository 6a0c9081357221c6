"""The conversion engine against the slow oracles: awkward shapes and Taylor settings.

Degenerate widths, orders 0 and 1, centres away from 0, local centres and kept layers, each
checked against an independent construction (``oracles.py``, mpmath, closed forms).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracles import (
    as_dict,
    assert_matches,
    convert_quietly,
    local_truncated_composition,
    network_taylor_coefficients,
    numpy_forward,
    random_weights,
    truncated_composition,
)

import nn2poly

AWKWARD = [
    # id, widths, activations, taylor orders, max_order, centre
    ("no-hidden-tanh", [2, 1], ["tanh"], [5], 3, 0.0),
    ("no-hidden-sigmoid-3-outputs", [3, 3], ["sigmoid"], [4], 3, 0.0),
    ("one-input-one-neuron", [1, 1, 1], ["tanh", "linear"], [6, 1], 5, 0.0),
    ("order-0-hidden", [2, 3, 1], ["tanh", "linear"], [0, 1], 3, 0.0),
    ("order-0-output", [2, 3, 1], ["tanh", "sigmoid"], [3, 0], 3, 0.0),
    ("order-1-first", [2, 3, 2, 1], ["tanh", "tanh", "linear"], [1, 3, 1], 3, 0.0),
    ("order-1-second", [2, 3, 2, 1], ["tanh", "tanh", "linear"], [3, 1, 1], 4, 0.0),
    (
        "linear-between",
        [2, 3, 3, 2, 1],
        ["tanh", "linear", "sigmoid", "linear"],
        [3, 1, 3, 1],
        4,
        0.0,
    ),
    ("linear-order-0", [2, 3, 3, 1], ["tanh", "linear", "linear"], [3, 0, 1], 3, 0.0),
    ("linear-order-0-centre", [2, 3, 3, 1], ["tanh", "linear", "linear"], [3, 0, 1], 3, 0.7),
    ("linear-order-3", [2, 3, 3, 1], ["tanh", "linear", "tanh"], [3, 3, 2], 3, 0.0),
    ("sigmoid-output", [3, 4, 2], ["tanh", "sigmoid"], [4, 4], 4, 0.0),
    ("centre-3", [2, 3, 2], ["tanh", "softplus"], [5, 4], 4, 3.0),
    (
        "centre-minus-3-deep",
        [2, 2, 2, 2, 1],
        ["sigmoid", "tanh", "arctan", "linear"],
        [3, 3, 2, 1],
        5,
        -3.0,
    ),
    ("max-order-above-product", [2, 3, 1], ["tanh", "linear"], [2, 1], 9, 0.0),
    ("max-order-1-deep", [4, 3, 3, 2], ["tanh", "gelu", "silu"], [5, 5, 5], 1, 0.0),
    ("square-activations", [2, 3, 2, 1], ["square", "square", "linear"], [2, 2, 1], 4, 0.0),
    ("square-order-1-centre", [2, 3, 1], ["square", "linear"], [1, 1], 4, 0.5),
    ("all-linear", [3, 2, 2], ["linear", "linear"], [1, 1], 3, 0.0),
    ("isru-gelu-centre", [2, 2, 2, 1], ["isru", "gelu", "linear"], [4, 4, 1], 4, 0.2),
    ("many-outputs", [2, 3, 12], ["tanh", "sigmoid"], [3, 3], 3, 0.0),
]


@pytest.mark.parametrize(
    "widths,activations,orders,max_order,center",
    [case[1:] for case in AWKWARD],
    ids=[case[0] for case in AWKWARD],
)
def test_awkward_configurations_match_slow_oracle(
    widths, activations, orders, max_order, center
) -> None:  # type: ignore[no-untyped-def]
    weights = random_weights(widths, seed=len(widths) * 7 + max_order)
    poly = convert_quietly(
        weights, activations, max_order, taylor_orders=orders, taylor_center=center
    )
    expected = truncated_composition(weights, activations, orders, max_order, center)
    assert_matches(poly, expected)
    assert poly.n_outputs == widths[-1]


def test_result_degree_is_min_of_max_order_and_product_of_orders() -> None:
    weights = random_weights([2, 3, 3, 1], seed=1)
    acts = ["tanh", "tanh", "linear"]
    assert convert_quietly(weights, acts, 9, taylor_orders=[2, 2, 1]).degree == 4
    assert convert_quietly(weights, acts, 3, taylor_orders=[2, 2, 1]).degree == 3
    constant = convert_quietly(weights, acts, 3, taylor_orders=[2, 0, 1])
    assert constant.n_terms == 1 and constant.labels == [(0,)]
    # a constant polynomial still predicts, one value per sample
    np.testing.assert_array_equal(
        constant.predict(np.zeros((4, 2))), np.full(4, constant.coef[0, 0])
    )


@pytest.mark.parametrize("scale", [4.0, 30.0])
def test_large_unconstrained_weights_are_finite_and_match_oracle(scale) -> None:  # type: ignore[no-untyped-def]
    weights = random_weights([2, 3, 3, 1], seed=11, scale=scale)
    net = nn2poly.Network.from_weights(weights, ["tanh", "tanh", "linear"])
    with pytest.warns(nn2poly.TaylorAccuracyWarning, match="not l1-constrained"):
        poly = nn2poly.to_polynomial(net, 4, taylor_orders=[6, 6, 1])
    assert np.all(np.isfinite(poly.coef))
    assert_matches(
        poly, truncated_composition(weights, ["tanh", "tanh", "linear"], [6, 6, 1], 4), 1e-12
    )


def test_wide_input_first_order_matches_closed_form() -> None:
    """p = 1500, max_order 1: y = b2 + sum_j w2_j (P_j(c_j) + P_j'(c_j) w1_j . x)."""
    p, width, order = 1500, 4, 7
    weights = random_weights([p, width, 1], seed=3)
    poly = convert_quietly(weights, ["tanh", "linear"], 1, taylor_orders=[order, 1])
    assert poly.n_terms == p + 1
    c = weights[0][0]
    # Taylor polynomial of tanh at 0 of order 7 and its derivative, written out
    g = np.array([0.0, 1.0, 0.0, -1.0 / 3.0, 0.0, 2.0 / 15.0, 0.0, -17.0 / 315.0])
    value = sum(g[n] * c**n for n in range(order + 1))
    slope = sum(n * g[n] * c ** (n - 1) for n in range(1, order + 1))
    w2 = weights[1][1:, 0]
    intercept = weights[1][0, 0] + w2 @ value
    linear = weights[0][1:] @ (w2 * slope)
    np.testing.assert_allclose(poly.coef[0, 0], intercept, rtol=1e-13)
    np.testing.assert_allclose(poly.coef[1:, 0], linear, rtol=1e-12, atol=1e-16)


def test_local_centre_with_orders_below_max_order_matches_oracle() -> None:
    weights = random_weights([2, 3, 2, 1], seed=8)
    weights[0][0] = [0.9, -1.2, 0.4]
    acts, orders = ["tanh", "sigmoid", "linear"], [2, 3, 1]
    poly = convert_quietly(weights, acts, 4, taylor_orders=orders, taylor_center="local")
    assert_matches(poly, local_truncated_composition(weights, acts, orders, 4))


def test_local_centre_deep_network_is_its_taylor_polynomial() -> None:
    weights = random_weights([2, 3, 2, 2, 1], seed=5)
    weights[0][0] = [1.5, -2.0, 0.7]  # far-away centres in the first layer
    acts = ["tanh", "sigmoid", "softplus", "linear"]
    poly = convert_quietly(weights, acts, 3, taylor_orders=[3, 3, 3, 1], taylor_center="local")
    assert_matches(poly, network_taylor_coefficients(weights, acts, 3), 1e-10)


def test_keep_layers_match_oracle_of_each_sub_network() -> None:
    weights = random_weights([2, 3, 2, 2], seed=9)
    acts, orders = ["tanh", "softplus", "sigmoid"], [3, 2, 2]
    poly = convert_quietly(weights, acts, 3, taylor_orders=orders, keep_layers=True)
    assert poly.layers is not None and len(poly.layers) == 3
    for index, layer in enumerate(poly.layers):
        sub = truncated_composition(weights[: index + 1], acts[: index + 1], orders[: index + 1], 3)
        assert_matches(layer.output, sub)
    np.testing.assert_array_equal(poly.layers[-1].output.coef, poly.coef)
    # the first layer's input polynomial is its exact affine pre-activation
    first = as_dict(poly.layers[0].input)
    np.testing.assert_array_equal(first[(0, 0)], weights[0][0])
    np.testing.assert_array_equal(first[(1, 0)], weights[0][1])


def test_keep_layers_with_an_order_zero_layer_keeps_the_affine_pre_activation() -> None:
    weights = random_weights([2, 2, 1], seed=2)
    poly = convert_quietly(weights, ["tanh", "tanh"], 3, taylor_orders=[3, 0], keep_layers=True)
    first = as_dict(poly.layers[0].input)
    np.testing.assert_array_equal(first.get((1, 0), np.zeros(2)), weights[0][1])
    assert_matches(poly.layers[0].output, truncated_composition(weights[:1], ["tanh"], [3], 3))


def test_taylor_shift_with_huge_constant_and_zero_top_coefficient_stays_finite() -> None:
    # sigmoid's order-8 Taylor coefficient at 0 is exactly 0; (1e40)^8 overflows
    # but the true coefficients (about -2e276, -1.5e237, -4.4e197) are finite.
    weights = [np.array([[1e40], [1.0]])]
    net = nn2poly.Network.from_weights(weights, ["sigmoid"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the network is far from l1-constrained, which is warned about; no other warning
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(net, 2, taylor_orders=8)
    assert_matches(poly, truncated_composition(weights, ["sigmoid"], [8], 2), 1e-12)


def test_warning_covers_a_non_linear_output_layer() -> None:
    weights = [np.array([[0.0], [50.0]])]
    net = nn2poly.Network.from_weights(weights, ["sigmoid"])
    X = np.array([[1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(net, 3)
    # the expansion is useless there: the polynomial is off by thousands
    assert abs(poly.predict(X)[0] - numpy_forward(weights, ["sigmoid"], X)[0, 0]) > 100
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        nn2poly.to_polynomial(net, 3)
