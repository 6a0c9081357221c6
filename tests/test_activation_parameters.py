"""Activation parameters: ranges where their series are representable, one message template."""

from __future__ import annotations

import numpy as np
import pytest

from nn2poly._validation import InvalidParameterError, InvalidParameterTypeError
from nn2poly.activations import (
    ActivationSpec,
    FrameworkName,
    _registry,
    activation_for,
    available_activations,
    framework_names,
    get_activation,
    register_activation,
)


@pytest.mark.parametrize(
    "name, params",
    [
        ("softplus", {"beta": 0.0}),
        ("softplus", {"beta": 1e-320}),
        ("softplus", {"beta": -1.0}),
        ("softplus", {"beta": 1e300}),
        ("isru", {"alpha": 1e308}),
        ("isru", {"alpha": 0.0}),
        ("isru", {"alpha": -2.0}),
        ("leaky_relu", {"negative_slope": float("nan")}),
        ("elu", {"alpha": float("inf")}),
    ],
)
def test_parameters_out_of_range_are_refused(name: str, params: dict[str, float]) -> None:
    key = next(iter(params))
    with pytest.raises(InvalidParameterError, match=rf"The '{key}' parameter of {name} must be"):
        get_activation(name, **params)


def test_parameter_in_the_name_is_checked_too() -> None:
    with pytest.raises(InvalidParameterError, match=r"'beta' parameter of softplus.*Got 0.0"):
        get_activation("softplus(beta=0)")
    with pytest.raises(InvalidParameterTypeError, match="'beta' parameter of softplus"):
        get_activation("softplus", beta="2")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["softplus(beta=0.0001)", "softplus(beta=10000.0)", "isru(alpha=1e-08)"]
)
def test_range_edges_give_finite_series(name: str) -> None:
    coefficients = get_activation(name).taylor_coefficients(np.array([-1.0, 0.0, 1.0]), 12)
    assert np.all(np.isfinite(coefficients))


@pytest.mark.parametrize("name", available_activations())
def test_every_activation_evaluates_and_names_itself(name: str) -> None:
    activation = get_activation(name)
    assert get_activation(activation.name) == activation
    assert np.all(np.isfinite(activation(np.linspace(-3, 3, 7))))


def test_framework_names_come_from_the_registry() -> None:
    assert activation_for("torch", "Tanh").name == "tanh"
    assert activation_for("onnx", "Elu", {"alpha": 0.5}.get).name == "elu(alpha=0.5)"
    assert activation_for("keras", "leaky_relu").name == "leaky_relu(negative_slope=0.2)"
    assert activation_for("sklearn", "logistic").name == "sigmoid"
    assert activation_for("torch", "Conv1d") is None
    assert "Softplus" in framework_names("torch")
    with pytest.raises(InvalidParameterError, match="'framework' parameter of activation_for"):
        activation_for("jax", "tanh")


def test_torch_softplus_beta_out_of_range_is_refused() -> None:
    import torch

    from nn2poly.adapters import adapt

    model = torch.nn.Sequential(
        torch.nn.Linear(2, 2), torch.nn.Softplus(beta=1e-6), torch.nn.Linear(2, 1)
    )
    with pytest.raises(InvalidParameterError, match="'beta' parameter of softplus"):
        adapt(model)


def test_registered_activation_is_found_by_its_framework_names() -> None:
    import torch

    from nn2poly.adapters import adapt

    class Cube(torch.nn.Module):
        def forward(self, x):  # type: ignore[no-untyped-def]
            return x**3

    def cube_series(a: np.ndarray, order: int) -> np.ndarray:
        c = np.zeros((a.shape[0], order + 1))
        full = np.stack([a**3, 3 * a**2, 3 * a, np.ones_like(a)], axis=1)
        c[:, : min(order, 3) + 1] = full[:, : order + 1]
        return c

    spec = ActivationSpec(
        "cube_frameworks_test",
        lambda x: x**3,
        cube_series,
        polynomial_degree=3,
        frameworks=(FrameworkName("torch", "Cube"), FrameworkName("onnx", "CubeOp")),
    )
    register_activation(spec)
    try:
        model = torch.nn.Sequential(torch.nn.Linear(2, 2), Cube(), torch.nn.Linear(2, 1))
        assert adapt(model).network.activations == ("cube_frameworks_test", "linear")
        assert "Cube" in framework_names("torch")
        clash = ActivationSpec(
            "other_cube", lambda x: x**3, None, frameworks=(FrameworkName("torch", "Cube"),)
        )
        with pytest.raises(
            ValueError, match="already belongs to the activation 'cube_frameworks_test'"
        ):
            register_activation(clash)
    finally:
        _registry._REGISTRY.pop("cube_frameworks_test")


def test_register_activation_checks_its_arguments() -> None:
    with pytest.raises(InvalidParameterTypeError, match="'spec' parameter of register_activation"):
        register_activation("tanh")  # type: ignore[arg-type]
    spec = ActivationSpec("unused_test_act", np.tanh, None)
    with pytest.raises(
        InvalidParameterTypeError, match="'overwrite' parameter of register_activation"
    ):
        register_activation(spec, overwrite=1)  # type: ignore[arg-type]
    bad = ActivationSpec(
        "bad_alias_test", np.tanh, None, frameworks=(FrameworkName("torch", "X", {"beta": "b"}),)
    )
    with pytest.raises(ValueError, match="maps parameters \\['beta'\\]"):
        register_activation(bad)
    with pytest.raises(InvalidParameterError, match="'framework' parameter of FrameworkName"):
        FrameworkName("mxnet", "Tanh")


def test_exact_series_for_polynet() -> None:
    from fractions import Fraction

    assert get_activation("tanh").exact_taylor_coefficients(5) == (
        Fraction(0),
        Fraction(1),
        Fraction(0),
        Fraction(-1, 3),
        Fraction(0),
        Fraction(2, 15),
    )
    exact = np.array([float(c) for c in get_activation("tanh").exact_taylor_coefficients(15)])
    np.testing.assert_allclose(
        get_activation("tanh").taylor_coefficients(0.0, 15), exact, atol=1e-16
    )
    with pytest.raises(ValueError, match="no exact rational Taylor series"):
        get_activation("sigmoid").exact_taylor_coefficients(3)
