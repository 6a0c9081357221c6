"""Activation registry: one contract suite over every registered activation.

Each activation in :func:`nn2poly.available_activations` (and a few parameter settings) is
checked against its mpmath oracle (``ACTIVATION_ORACLES``): values everywhere, exact
Taylor coefficients where it is analytic, a :class:`NotAnalyticError` pointing to the fit
where it is not; every framework name in the registry leads back to its activation.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath as mp
import numpy as np
import pytest
from oracles import ACTIVATION_ORACLES as SHARED_ORACLES

import nn2poly
from nn2poly.activations import (
    FRAMEWORKS,
    ActivationSpec,
    NotAnalyticError,
    UnknownActivationError,
    activation_for,
    available_activations,
    framework_names,
    get_activation,
    register_activation,
)

mp.mp.dps = 60


def _piecewise(
    positive: Callable[[mp.mpf], mp.mpf], negative: Callable[[mp.mpf], mp.mpf]
) -> Callable[[mp.mpf], mp.mpf]:
    return lambda x: positive(x) if x > 0 else negative(x)


def _clip(x: mp.mpf, low: mp.mpf, high: mp.mpf) -> mp.mpf:
    return min(max(x, low), high)


#: the activations of the shared oracles, and the ones added since, as torch defines them
ACTIVATION_ORACLES = {
    **SHARED_ORACLES,
    "hardtanh": lambda p: lambda x: _clip(x, p["min_val"], p["max_val"]),
    "relu6": lambda p: lambda x: _clip(x, mp.mpf(0), mp.mpf(6)),
    "hardsigmoid": lambda p: lambda x: _clip(p["alpha"] * x + p["beta"], mp.mpf(0), mp.mpf(1)),
    "hardswish": lambda p: lambda x: x * _clip(x + 3, mp.mpf(0), mp.mpf(6)) / 6,
    "mish": lambda p: lambda x: x * mp.tanh(mp.log(1 + mp.exp(x))),
    "gelu_tanh": lambda p: (
        lambda x: x * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3))) / 2
    ),
    "selu": lambda p: _piecewise(
        lambda x: p["scale"] * x, lambda x: p["scale"] * p["alpha"] * mp.expm1(x)
    ),
    "celu": lambda p: _piecewise(lambda x: x, lambda x: p["alpha"] * mp.expm1(x / p["alpha"])),
}


def activation_oracle(activation: nn2poly.activations.Activation) -> Callable[[mp.mpf], mp.mpf]:
    """The mpmath function of a registered activation, with its parameters."""
    params = {key: mp.mpf(value) for key, value in activation.params.items()}
    return ACTIVATION_ORACLES[activation.spec.name](params)


#: every registered activation at its defaults, and some parameter settings
CASES = [
    *available_activations(),
    "softplus(beta=2.5)",
    "isru(alpha=0.3)",
    "leaky_relu(negative_slope=0.1)",
    "elu(alpha=0.5)",
    "hardtanh(min_val=-0.5, max_val=2.0)",
    "hardsigmoid(alpha=0.2)",
    "celu(alpha=0.5)",
]
ANALYTIC = [name for name in CASES if get_activation(name).is_analytic]
NOT_ANALYTIC = [name for name in CASES if not get_activation(name).is_analytic]
CENTERS = [0.0, 0.3, -0.7, 1.5, -3.0, 6.0]
FRAMEWORK_NAMES = [
    (framework, name) for framework in FRAMEWORKS for name in framework_names(framework)
]


def test_every_registered_activation_has_an_oracle() -> None:
    assert set(available_activations()) <= set(ACTIVATION_ORACLES)
    assert ANALYTIC and NOT_ANALYTIC


@pytest.mark.parametrize("name", ANALYTIC)
@pytest.mark.parametrize("center", CENTERS)
def test_taylor_coefficients_match_high_precision(name: str, center: float) -> None:
    order = 20
    activation = get_activation(name)
    ours = activation.taylor_coefficients(center, order)
    exact = np.array([float(c) for c in mp.taylor(activation_oracle(activation), center, order)])
    largest = np.abs(exact).max()
    # 1e-13 relative per coefficient; coefficients more than 1e15 times smaller
    # than the largest are compared on that absolute scale instead.
    tolerance = 1e-13 * np.abs(exact) + 1e-15 * largest
    assert np.all(np.abs(ours - exact) <= tolerance), np.abs(ours - exact) / np.maximum(
        np.abs(exact), 1e-300
    )


@pytest.mark.parametrize("name", ANALYTIC)
def test_vectorised_centres_equal_scalar_centres(name: str) -> None:
    activation = get_activation(name)
    batch = activation.taylor_coefficients(np.array(CENTERS), 9)
    for row, center in zip(batch, CENTERS, strict=True):
        np.testing.assert_array_equal(row, activation.taylor_coefficients(center, 9))


@pytest.mark.parametrize("name", ANALYTIC)
def test_constant_term_is_the_value(name: str) -> None:
    activation = get_activation(name)
    c = activation.taylor_coefficients(np.array(CENTERS), 3)
    np.testing.assert_allclose(
        c[:, 0], activation.evaluate(np.array(CENTERS)), rtol=2e-15, atol=1e-300
    )


@pytest.mark.parametrize("name", [n for n in ANALYTIC if get_activation(n).polynomial_degree])
def test_polynomial_activations_have_a_finite_series(name: str) -> None:
    activation = get_activation(name)
    degree = activation.polynomial_degree
    assert degree is not None
    series = activation.taylor_coefficients(np.array(CENTERS), degree + 4)
    np.testing.assert_array_equal(series[:, degree + 1 :], 0.0)


@pytest.mark.parametrize("name", CASES)
def test_evaluate_matches_oracle(name: str) -> None:
    activation = get_activation(name)
    oracle = activation_oracle(activation)
    x = np.linspace(-4, 4, 17)  # includes 0, where the non-analytic ones have their kink
    expected = np.array([float(oracle(mp.mpf(v))) for v in x])
    np.testing.assert_allclose(activation.evaluate(x), expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(activation(x), activation.evaluate(x))


@pytest.mark.parametrize("name", NOT_ANALYTIC)
def test_non_analytic_activations_are_known_but_refuse_taylor(name: str) -> None:
    activation = get_activation(name)
    assert not activation.is_analytic
    with pytest.raises(NotAnalyticError, match="approximation='fit'"):
        activation.taylor_coefficients(0.0, 3)


@pytest.mark.parametrize(("framework", "name"), FRAMEWORK_NAMES)
def test_framework_names_lead_to_a_registered_activation(framework: str, name: str) -> None:
    activation = activation_for(framework, name)
    assert activation is not None
    assert activation.spec.name in available_activations()
    # the activation's own name reads back as the same activation
    assert get_activation(activation.name) == activation


@pytest.mark.parametrize("name", available_activations())
def test_registry_framework_names_round_trip(name: str) -> None:
    spec = get_activation(name).spec
    for alias in spec.frameworks:
        assert alias.name in framework_names(alias.framework)
        # the framework object's string settings (torch's GELU approximate="tanh") choose
        found = activation_for(alias.framework, alias.name, dict(alias.requires).get)
        assert found is not None and found.spec.name == spec.name, (alias, found)


def test_every_framework_names_some_activation() -> None:
    for framework in FRAMEWORKS:
        assert framework_names(framework), framework


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
