"""The activations hardtanh, relu6, hardsigmoid, hardswish, mish, gelu_tanh, selu and celu.

Each is checked against the frameworks' own functions under every name the registry gives it
(torch modules in float64, ``keras.activations``, the ONNX reference evaluator's operators),
its Taylor series against sympy's, its evaluation at the ends of float64, and a fitted
conversion of a small network; plus the registry side of a user's activation found by its
torch module name.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy

import nn2poly
from nn2poly import InvalidParameterError, InvalidParameterTypeError, Network
from nn2poly.activations import (
    ActivationSpec,
    FrameworkName,
    NotAnalyticError,
    _registry,
    activation_for,
    framework_names,
    get_activation,
    register_activation,
)

NEW = ("hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "gelu_tanh", "selu", "celu")
GRID = np.concatenate([np.linspace(-8.0, 8.0, 641), [-1e3, -30.0, -3.0, 3.0, 30.0, 1e3]])


def _raw_reader(obj: Any) -> Callable[[str], Any]:
    """The object's settings as they are (numbers, and strings such as GELU's approximate)."""
    return lambda attribute: getattr(obj, attribute, None)


# --- torch -----------------------------------------------------------------------------------


def _torch_modules() -> list[Any]:
    import torch

    nn = torch.nn
    return [
        nn.Hardtanh(),
        nn.Hardtanh(min_val=-0.5, max_val=2.0),
        nn.ReLU6(),
        nn.Hardsigmoid(),
        nn.Hardswish(),
        nn.Mish(),
        nn.GELU(approximate="tanh"),
        nn.GELU(),
        nn.SELU(),
        nn.CELU(),
        nn.CELU(alpha=0.3),
    ]


@pytest.mark.parametrize("index", range(11))
def test_torch_modules_read_as_the_same_function(index: int) -> None:
    import torch

    torch.set_num_threads(1)
    module = _torch_modules()[index]
    activation = activation_for("torch", type(module).__name__, _raw_reader(module))
    assert activation is not None, module
    expected = module(torch.tensor(GRID, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(activation(GRID), expected, rtol=1e-14, atol=1e-15)


def test_torch_names_and_settings() -> None:
    import torch

    nn = torch.nn
    read = _raw_reader
    assert activation_for("torch", "GELU", read(nn.GELU(approximate="tanh"))).name == "gelu_tanh"
    assert activation_for("torch", "GELU", read(nn.GELU())).name == "gelu"
    assert activation_for("torch", "GELU").name == "gelu"  # no reader: the exact form
    hardtanh = nn.Hardtanh(min_val=-2.0, max_val=0.5)
    assert activation_for("torch", "Hardtanh", read(hardtanh)).name == (
        "hardtanh(max_val=0.5, min_val=-2.0)"
    )
    assert activation_for("torch", "CELU", read(nn.CELU(alpha=2.0))).name == "celu(alpha=2.0)"
    assert activation_for("torch", "SELU", read(nn.SELU())).name == "selu"

    def numbers_only(attribute: str) -> float | None:  # a reader that cannot give strings
        return float(getattr(nn.GELU(), attribute))

    assert activation_for("torch", "GELU", numbers_only).name == "gelu"
    names = framework_names("torch")
    for name in ("Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Mish", "GELU", "SELU", "CELU"):
        assert names.count(name) == 1, name


# --- Keras -----------------------------------------------------------------------------------

KERAS_NAMES = {
    "relu6": "relu6",
    "hard_sigmoid": "hardsigmoid",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
    "hard_tanh": "hardtanh",
    "mish": "mish",
    "selu": "selu",
    "celu": "celu",
    "gelu": "gelu",
}


@pytest.mark.parametrize(("keras_name", "ours"), sorted(KERAS_NAMES.items()))
def test_keras_activations_read_as_the_same_function(keras_name: str, ours: str) -> None:
    import keras

    activation = activation_for("keras", keras_name)
    assert activation is not None and activation.spec.name == ours
    function = keras.activations.get(keras_name)
    expected = np.asarray(keras.ops.convert_to_numpy(function(GRID)), dtype=np.float64)
    # Keras's SELU writes its constants to 9 digits (1.67326324, 1.05070098)
    rtol = 1e-7 if ours == "selu" else 1e-13
    np.testing.assert_allclose(activation(GRID), expected, rtol=rtol, atol=1e-14)


# --- ONNX ------------------------------------------------------------------------------------

#: operator, attributes, opset, the registry's activation
ONNX_CASES = [
    ("HardSigmoid", {}, 13, "hardsigmoid(alpha=0.2)"),
    ("HardSigmoid", {"alpha": 1.0 / 6.0, "beta": 0.5}, 13, "hardsigmoid"),
    ("HardSigmoid", {"alpha": 0.3, "beta": 0.4}, 13, "hardsigmoid(alpha=0.3, beta=0.4)"),
    ("HardSwish", {}, 14, "hardswish"),
    ("Mish", {}, 18, "mish"),
    ("Selu", {}, 13, "selu"),
    ("Selu", {"alpha": 1.5, "gamma": 1.2}, 13, "selu(alpha=1.5, scale=1.2)"),
    ("Celu", {}, 13, "celu"),
    ("Celu", {"alpha": 0.5}, 13, "celu(alpha=0.5)"),
    ("Gelu", {"approximate": "tanh"}, 20, "gelu_tanh"),
    ("Gelu", {}, 20, "gelu"),
]


def _onnx_reference(op: str, attributes: dict[str, Any], opset: int, x: np.ndarray) -> np.ndarray:
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    node = helper.make_node(op, ["x"], ["y"], **attributes)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [None])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [None])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    with np.errstate(over="ignore"):  # the evaluator's exp(1e3) on the branch not taken
        return np.asarray(ReferenceEvaluator(model).run(None, {"x": x})[0], dtype=np.float64)


def _onnx_reader(attributes: dict[str, Any]) -> Callable[[str], Any]:
    """Attributes as the ONNX adapter reads them: strings in bytes, floats stored in float32
    and read back as their shortest decimal (0.3f -> 0.3)."""

    def read(name: str) -> Any:
        value = attributes.get(name)
        if isinstance(value, str):
            return value.encode()
        return None if value is None else float(str(np.float32(value)))

    return read


@pytest.mark.parametrize(("op", "attributes", "opset", "name"), ONNX_CASES)
def test_onnx_operators_read_as_the_same_function(
    op: str, attributes: dict[str, Any], opset: int, name: str
) -> None:
    activation = activation_for("onnx", op, _onnx_reader(attributes))
    assert activation is not None and activation.name == name
    # the reference evaluator rounds through float32 (the attributes' type): float32 tolerance
    expected = _onnx_reference(op, attributes, opset, GRID)
    np.testing.assert_allclose(activation(GRID), expected, rtol=1e-6, atol=1e-7)


# --- values at the ends of float64 ------------------------------------------------------------

EXTREMES = np.array([-1e308, -1e3, -0.0, 0.0, 1e3, 1e308])


@pytest.mark.parametrize(
    "name", [*NEW, "hardsigmoid(alpha=1e300)", "celu(alpha=1e-300)", "hardtanh(max_val=1e308)"]
)
def test_values_at_the_ends_of_float64(name: str) -> None:
    activation = get_activation(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = activation(EXTREMES)
    assert not np.any(np.isnan(values)), values
    at_zero = 0.5 if name.startswith("hardsigmoid") else 0.0
    assert values[2] == at_zero and values[3] == at_zero, values


def test_values_at_the_ends_match_the_limits() -> None:
    x = np.array([-1e308, 1e308])
    assert get_activation("relu6")(x).tolist() == [0.0, 6.0]
    assert get_activation("hardtanh")(x).tolist() == [-1.0, 1.0]
    assert get_activation("hardsigmoid")(x).tolist() == [0.0, 1.0]
    for name in ("hardswish", "mish", "gelu_tanh"):
        assert get_activation(name)(x).tolist() == [0.0, 1e308], name
    selu = get_activation("selu")
    assert selu(x)[0] == pytest.approx(-selu.params["alpha"] * selu.params["scale"], rel=1e-15)
    assert get_activation("celu(alpha=2.0)")(x)[0] == -2.0


# --- Taylor series ------------------------------------------------------------------------------

_X = sympy.Symbol("x")
SYMPY = {
    "mish": _X * sympy.tanh(sympy.log(1 + sympy.exp(_X))),
    "gelu_tanh": _X
    * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi) * (_X + sympy.Rational(44715, 10**6) * _X**3)))
    / 2,
}


def _sympy_coefficients(name: str, center: sympy.Expr, order: int) -> list[sympy.Expr]:
    t = sympy.Symbol("t")
    series = sympy.series(SYMPY[name].subs(_X, center + t), t, 0, order + 1).removeO()
    return [sympy.nsimplify(0) + series.coeff(t, n) for n in range(order + 1)]


@pytest.mark.parametrize("name", ["mish", "gelu_tanh"])
def test_taylor_coefficients_match_sympy(name: str) -> None:
    # at 0; other centres, to order 20, against mpmath in test_activations.py
    order = 12
    center = sympy.Integer(0)
    expected = np.array([float(c.evalf(40)) for c in _sympy_coefficients(name, center, order)])
    ours = get_activation(name).taylor_coefficients(0.0, order)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14 * scale)


def test_mish_exact_series_is_sympys() -> None:
    exact = get_activation("mish").exact_taylor_coefficients(12)
    expected = _sympy_coefficients("mish", sympy.Integer(0), 12)
    assert [sympy.Rational(c.numerator, c.denominator) for c in exact] == [
        sympy.simplify(c.rewrite(sympy.exp)) for c in expected
    ]
    assert exact[:3] == (Fraction(0), Fraction(3, 5), Fraction(8, 25))


def test_analytic_and_not() -> None:
    get_activation("mish").require_analytic()
    get_activation("gelu_tanh").require_analytic()
    for name in ("hardtanh", "relu6", "hardsigmoid", "hardswish", "selu", "celu"):
        activation = get_activation(name)
        assert not activation.is_analytic
        with pytest.raises(NotAnalyticError, match="approximation='fit'"):
            activation.require_analytic()


# --- parameters ---------------------------------------------------------------------------------


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(InvalidParameterError, match="min_val < max_val"):
        get_activation("hardtanh(min_val=1.0, max_val=0.0)")
    with pytest.raises(InvalidParameterError, match="'alpha' parameter of celu"):
        get_activation("celu", alpha=0.0)
    with pytest.raises(InvalidParameterError, match="'alpha' parameter of celu"):
        activation_for("torch", "CELU", {"alpha": -1.0}.get)
    with pytest.raises(InvalidParameterError, match="'scale' parameter of selu"):
        get_activation("selu", scale=float("nan"))


# --- conversion ---------------------------------------------------------------------------------


def test_fitted_conversion_of_a_hardswish_network() -> None:
    rng = np.random.default_rng(0)
    net = Network.from_weights(
        [rng.normal(size=(3, 4)), rng.normal(size=(5, 1))], ["hardswish", "linear"]
    )
    X = rng.uniform(-1, 1, (2000, 2))
    poly = nn2poly.to_polynomial(net, 3, approximation=nn2poly.FitApproximation(data=X))
    held_out = rng.uniform(-1, 1, (1000, 2))
    y = net.forward(held_out)[:, 0]
    r2 = 1 - np.sum((poly.predict(held_out) - y) ** 2) / np.sum((y - y.mean()) ** 2)
    assert r2 >= 0.9, r2


# --- a user's activation by its torch module name ------------------------------------------------


def test_user_activation_is_found_by_its_torch_name() -> None:
    spec = ActivationSpec(
        "my_act_test",
        lambda x, gain=1.0: gain * np.tanh(x),
        None,
        parameters={"gain": 1.0},
        frameworks=(FrameworkName("torch", "MyAct", {"gain": "gain"}),),
    )
    register_activation(spec)
    try:

        class MyAct:
            gain = 2.0

        found = activation_for("torch", "MyAct", _raw_reader(MyAct()))
        assert found is not None and found.name == "my_act_test(gain=2.0)"
        assert activation_for("torch", "MyAct").name == "my_act_test"
        assert "MyAct" in framework_names("torch")
    finally:
        _registry._REGISTRY.pop("my_act_test")
        _registry._by_name.clear()


def test_user_activation_may_not_shadow_a_builtin_name_silently() -> None:
    original = _registry._REGISTRY["mish"]
    spec = ActivationSpec(
        "my_mish_test", np.tanh, None, frameworks=(FrameworkName("torch", "Mish"),)
    )
    with pytest.raises(ValueError, match="already belongs to the activation 'mish'"):
        register_activation(spec)
    assert activation_for("torch", "Mish").spec.name == "mish"
    # a different required setting is a different name: no clash
    other = ActivationSpec(
        "my_gelu_test",
        np.tanh,
        None,
        frameworks=(FrameworkName("torch", "GELU", requires={"approximate": "mine"}),),
    )
    register_activation(other)
    try:
        register_activation(spec, overwrite=True)
        assert activation_for("torch", "Mish").spec.name == "my_mish_test"
        assert activation_for("torch", "GELU", {"approximate": "mine"}.get).name == "my_gelu_test"
        assert activation_for("torch", "GELU", {"approximate": "tanh"}.get).name == "gelu_tanh"
        assert activation_for("torch", "GELU", {"approximate": "none"}.get).name == "gelu"
    finally:
        _registry._REGISTRY.pop("my_mish_test", None)
        _registry._REGISTRY.pop("my_gelu_test", None)
        _registry._REGISTRY["mish"] = original
        _registry._by_name.clear()
    assert activation_for("torch", "Mish").spec.name == "mish"


def test_framework_name_checks_its_requirements() -> None:
    with pytest.raises(InvalidParameterTypeError, match=r"requires\['approximate'\]"):
        FrameworkName("torch", "GELU", requires={"approximate": 1.0})  # type: ignore[dict-item]
