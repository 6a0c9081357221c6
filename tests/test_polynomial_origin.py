"""Polynomials around an origin other than 0: shown as such, never mixed with others."""

from __future__ import annotations

import numpy as np
import pytest

import nn2poly


@pytest.fixture
def network() -> nn2poly.Network:
    weights = [
        np.array([[0.0, 0.1], [0.5, 0.2], [0.1, -0.3]]),
        np.array([[0.0], [1.0], [1.0]]),
    ]
    return nn2poly.Network.from_weights(weights, ["tanh", "linear"])


def test_text_says_the_variables_are_shifted(network: nn2poly.Network) -> None:
    local = nn2poly.to_polynomial(network, 2, taylor_center="local", at=[0.5, 0.0])
    assert str(local).splitlines()[-1] == "(each variable is x - origin; origin: x1=0.5)"
    assert "origin" in str(local.top(2))
    at_zero = nn2poly.to_polynomial(network, 2, taylor_center="local")
    assert "origin" not in str(at_zero)


def test_arithmetic_refuses_polynomials_around_different_points(
    network: nn2poly.Network,
) -> None:
    here = nn2poly.to_polynomial(network, 2, taylor_center="local", at=[0.5, 0.0])
    there = nn2poly.to_polynomial(network, 2, taylor_center="local", at=[0.0, 0.5])
    with pytest.raises(ValueError, match=r"same origin \[0.5, 0.0\].*Its origin is \[0.0, 0.5\]"):
        here + there
    with pytest.raises(ValueError, match="same origin"):
        here.align(there)
    doubled = here + here
    X = np.array([[0.4, 0.1], [0.6, -0.1]])
    np.testing.assert_allclose(doubled.predict(X), 2 * here.predict(X))


def test_diagnose_reads_a_local_polynomial_at_its_point() -> None:
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(4, 6)), rng.normal(size=(7, 1))]
    network = nn2poly.Network.from_weights(weights, ["tanh", "linear"])
    x0 = np.array([0.3, -0.2, 0.5])
    X = x0 + 0.05 * rng.uniform(-1, 1, (200, 3))
    local = nn2poly.to_polynomial(network, 3, taylor_center="local", at=x0)
    report = nn2poly.diagnose(network, X, local)
    assert report.faithful
    # every neuron is expanded where it is at x0, so near x0 none is off
    assert report.layers[0].share_off == 0.0
    np.testing.assert_allclose(report.layers[0].centers, network.pre_activations(x0[None])[0][0])
