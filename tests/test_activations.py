"""Activation registry and exact Taylor coefficients."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

import nn2poly
from nn2poly.activations import (
    ActivationSpec,
    NotAnalyticError,
    UnknownActivationError,
    available_activations,
    get_activation,
    register_activation,
)

mp.mp.dps = 60

EXACT = {
    "tanh": mp.tanh,
    "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
    "softplus": lambda x: mp.log(1 + mp.exp(x)),
    "softplus(beta=2.5)": lambda x: mp.log(1 + mp.exp(2.5 * x)) / 2.5,
    "arctan": mp.atan,
    "silu": lambda x: x / (1 + mp.exp(-x)),
    "gelu": lambda x: x * (1 + mp.erf(x / mp.sqrt(2))) / 2,
    "isru": lambda x: x / mp.sqrt(1 + x * x),
    "isru(alpha=0.3)": lambda x: x / mp.sqrt(1 + mp.mpf("0.3") * x * x),
    "linear": lambda x: x,
    "square": lambda x: x * x,
}
CENTERS = [0.0, 0.3, -0.7, 1.5, -3.0, 6.0]


@pytest.mark.parametrize("name", sorted(EXACT))
@pytest.mark.parametrize("center", CENTERS)
def test_taylor_coefficients_match_high_precision(name: str, center: float) -> None:
    order = 20
    ours = get_activation(name).taylor_coefficients(center, order)
    exact = np.array([float(c) for c in mp.taylor(EXACT[name], mp.mpf(center), order)])
    largest = np.abs(exact).max()
    # 1e-13 relative per coefficient; coefficients more than 1e15 times smaller
    # than the largest are compared on that absolute scale instead.
    tolerance = 1e-13 * np.abs(exact) + 1e-15 * largest
    assert np.all(np.abs(ours - exact) <= tolerance), np.abs(ours - exact) / np.maximum(
        np.abs(exact), 1e-300
    )


@pytest.mark.parametrize("name", sorted(EXACT))
def test_vectorised_centres_equal_scalar_centres(name: str) -> None:
    activation = get_activation(name)
    batch = activation.taylor_coefficients(np.array(CENTERS), 9)
    for row, center in zip(batch, CENTERS, strict=True):
        np.testing.assert_array_equal(row, activation.taylor_coefficients(center, 9))


@pytest.mark.parametrize("name", sorted(EXACT))
def test_evaluate_matches_exact_function(name: str) -> None:
    x = np.linspace(-4, 4, 17)
    expected = np.array([float(EXACT[name](mp.mpf(v))) for v in x])
    np.testing.assert_allclose(get_activation(name).evaluate(x), expected, rtol=1e-14, atol=1e-15)


def test_constant_term_is_the_value() -> None:
    for name in EXACT:
        activation = get_activation(name)
        c = activation.taylor_coefficients(np.array(CENTERS), 3)
        np.testing.assert_allclose(
            c[:, 0], activation.evaluate(np.array(CENTERS)), rtol=2e-15, atol=1e-300
        )


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "softsign", "step"])
def test_non_analytic_activations_are_known_but_refuse_taylor(name: str) -> None:
    activation = get_activation(name)
    assert not activation.is_analytic
    with pytest.raises(NotAnalyticError, match="approximation='fit'"):
        activation.taylor_coefficients(0.0, 3)


def test_non_analytic_values() -> None:
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(get_activation("relu")(x), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(
        get_activation("leaky_relu(negative_slope=0.1)")(x), [-0.2, -0.05, 0, 0.5, 2]
    )
    np.testing.assert_allclose(get_activation("elu")(x), [np.expm1(-2), np.expm1(-0.5), 0, 0.5, 2])
    np.testing.assert_allclose(get_activation("softsign")(x), x / (1 + np.abs(x)))
    np.testing.assert_array_equal(get_activation("step")(x), [0, 0, 0, 1, 1])


def test_unknown_activation_lists_known_ones() -> None:
    with pytest.raises(UnknownActivationError) as info:
        get_activation("swishy")
    message = str(info.value)
    assert "'swishy'" in message
    for name in ("tanh", "sigmoid", "softplus", "relu"):
        assert name in message


def test_aliases_and_parameters() -> None:
    assert get_activation("logistic").name == "sigmoid"
    assert get_activation("identity").name == "linear"
    assert get_activation("Swish").name == "silu"
    assert get_activation("softplus(beta=1.0)").name == "softplus"
    assert get_activation("softplus", beta=2).name == "softplus(beta=2.0)"
    assert get_activation(get_activation("softplus(beta=2.0)").name).params["beta"] == 2.0
    with pytest.raises(UnknownActivationError, match="no parameter gamma"):
        get_activation("softplus(gamma=1)")
    with pytest.raises(UnknownActivationError, match="key=value"):
        get_activation("softplus(2)")
    with pytest.raises(UnknownActivationError, match="must be a number"):
        get_activation("softplus(beta=big)")
    with pytest.raises(TypeError):
        get_activation(3)  # type: ignore[arg-type]


def test_bad_orders_and_centres() -> None:
    with pytest.raises(ValueError, match="non-negative int"):
        get_activation("tanh").taylor_coefficients(0.0, -1)
    with pytest.raises(ValueError, match="finite"):
        get_activation("tanh").taylor_coefficients(np.nan, 3)


def test_registry_accepts_new_activation_without_touching_the_engine() -> None:
    def cubic_series(a: np.ndarray, order: int) -> np.ndarray:
        c = np.zeros((a.shape[0], order + 1))
        full = np.stack([a**3, 3 * a**2, 3 * a, np.ones_like(a)], axis=1)
        c[:, : min(order, 3) + 1] = full[:, : order + 1]
        return c

    # a polynomial activation: its expansion is exact, so no accuracy warning
    spec = ActivationSpec("cube_for_test", lambda x: x**3, cubic_series, polynomial_degree=3)
    register_activation(spec)
    try:
        assert "cube_for_test" in available_activations()
        with pytest.raises(ValueError, match="already registered"):
            register_activation(spec)
        net = nn2poly.Network.from_weights([np.array([[0.0], [1.0], [1.0]])], ["cube_for_test"])
        poly = nn2poly.to_polynomial(net, 3, taylor_orders=[3])
        X = np.random.default_rng(0).uniform(-1, 1, (20, 2))
        np.testing.assert_allclose(
            poly.predict(X), (X[:, 0] + X[:, 1]) ** 3, rtol=1e-13, atol=1e-14
        )
    finally:
        from nn2poly.activations import _registry

        _registry._REGISTRY.pop("cube_for_test")
