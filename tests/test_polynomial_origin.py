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
