"""The activations that ship with nn2poly, registered on import.

Each one carries the names PyTorch, Keras, ONNX and scikit-learn give it, so
the adapters read models through this one table.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._validation import Interval
from . import _series
from ._registry import ActivationSpec, FrameworkName, register_activation
from ._series import erfc, expit

FloatArray = NDArray[np.float64]

#: softplus's beta: its series carries beta**(n - 1) and its value 1 / beta, so beta stays
#: where both are representable for every order the engine uses.
BETA_RANGE = Interval(float, 1e-4, 1e4)
#: isru's alpha: its series carries alpha**(n / 2).
ALPHA_RANGE = Interval(float, 1e-8, 1e8)


def _names(*entries: tuple[str, str] | FrameworkName) -> tuple[FrameworkName, ...]:
    return tuple(
        entry if isinstance(entry, FrameworkName) else FrameworkName(*entry) for entry in entries
    )


def _softplus(x: FloatArray, beta: float = 1.0) -> FloatArray:
    return np.logaddexp(0.0, beta * x) / beta


def _isru(x: FloatArray, alpha: float = 1.0) -> FloatArray:
    return x / np.sqrt(1.0 + alpha * x * x)


def _leaky_relu(x: FloatArray, negative_slope: float = 0.01) -> FloatArray:
    return np.where(x >= 0, x, negative_slope * x)


def _elu(x: FloatArray, alpha: float = 1.0) -> FloatArray:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


_BUILTIN = (
    ActivationSpec(
        "tanh",
        np.tanh,
        _series.tanh_series,
        description="hyperbolic tangent",
        frameworks=_names(
            ("torch", "Tanh"), ("keras", "tanh"), ("onnx", "Tanh"), ("sklearn", "tanh")
        ),
        exact_taylor=_series.tanh_series_exact,
    ),
    ActivationSpec(
        "linear",
        lambda x: x.copy(),
        _series.linear_series,
        aliases=("identity", "none"),
        is_linear=True,
        frameworks=_names(("torch", "Identity"), ("keras", "linear"), ("sklearn", "identity")),
        exact_taylor=_series.polynomial_series_exact((0, 1)),
        description="identity, g(x) = x",
    ),
    ActivationSpec(
        "sigmoid",
        expit,
        _series.sigmoid_series,
        aliases=("logistic",),
        frameworks=_names(
            ("torch", "Sigmoid"), ("keras", "sigmoid"), ("onnx", "Sigmoid"), ("sklearn", "logistic")
        ),
        description="logistic sigmoid 1 / (1 + exp(-x))",
    ),
    ActivationSpec(
        "softplus",
        _softplus,
        _series.softplus_series,
        parameters={"beta": 1.0},
        description="log(1 + exp(beta x)) / beta",
        frameworks=_names(
            FrameworkName("torch", "Softplus", {"beta": "beta"}),
            ("keras", "softplus"),
            ("onnx", "Softplus"),
        ),
        ranges={"beta": BETA_RANGE},
    ),
    ActivationSpec("arctan", np.arctan, _series.arctan_series, description="arctangent"),
    ActivationSpec(
        "silu",
        lambda x: x * expit(x),
        _series.silu_series,
        aliases=("swish",),
        description="x * sigmoid(x)",
        frameworks=_names(("torch", "SiLU"), ("keras", "silu")),
    ),
    ActivationSpec(
        "gelu",
        lambda x: 0.5 * x * erfc(-x / np.sqrt(2.0)),
        _series.gelu_series,
        description="x * Phi(x), the exact (erf) form",
        frameworks=_names(("torch", "GELU"), ("keras", "gelu"), ("onnx", "Gelu")),
    ),
    ActivationSpec(
        "isru",
        _isru,
        _series.isru_series,
        parameters={"alpha": 1.0},
        description="inverse square root unit x / sqrt(1 + alpha x^2)",
        ranges={"alpha": ALPHA_RANGE},
    ),
    ActivationSpec(
        "square",
        lambda x: x * x,
        _series.polynomial_series((0.0, 0.0, 1.0)),
        description="x^2, a polynomial activation",
        polynomial_degree=2,
        exact_taylor=_series.polynomial_series_exact((0, 0, 1)),
    ),
    # Non-analytic activations: known by name, evaluated exactly, no Taylor series.
    ActivationSpec(
        "relu",
        lambda x: np.maximum(x, 0.0),
        None,
        description="max(x, 0)",
        frameworks=_names(
            ("torch", "ReLU"),
            ("keras", "relu"),
            ("keras", "ReLU"),
            ("onnx", "Relu"),
            ("sklearn", "relu"),
        ),
    ),
    ActivationSpec(
        "leaky_relu",
        _leaky_relu,
        None,
        parameters={"negative_slope": 0.01},
        aliases=("leakyrelu",),
        description="x if x >= 0 else negative_slope x",
        frameworks=(
            FrameworkName("torch", "LeakyReLU", {"negative_slope": "negative_slope"}),
            FrameworkName("keras", "leaky_relu", defaults={"negative_slope": 0.2}),
            FrameworkName("keras", "LeakyReLU", {"negative_slope": "negative_slope"}),
            FrameworkName("onnx", "LeakyRelu", {"negative_slope": "alpha"}),
        ),
    ),
    ActivationSpec(
        "elu",
        _elu,
        None,
        parameters={"alpha": 1.0},
        description="x if x > 0 else alpha (e^x - 1)",
        frameworks=(
            FrameworkName("torch", "ELU", {"alpha": "alpha"}),
            FrameworkName("keras", "elu"),
            FrameworkName("keras", "ELU", {"alpha": "alpha"}),
            FrameworkName("onnx", "Elu", {"alpha": "alpha"}),
        ),
    ),
    ActivationSpec(
        "softsign",
        lambda x: x / (1.0 + np.abs(x)),
        None,
        description="x / (1 + |x|)",
        frameworks=_names(("torch", "Softsign"), ("keras", "softsign"), ("onnx", "Softsign")),
    ),
    ActivationSpec(
        "step",
        lambda x: (x > 0).astype(np.float64),
        None,
        aliases=("heaviside",),
        description="1 if x > 0 else 0",
    ),
)

for _spec in _BUILTIN:
    register_activation(_spec)
