"""The activations that ship with nn2poly, registered on import."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import erfc, expit

from . import _series
from ._registry import ActivationSpec, register_activation

FloatArray = NDArray[np.float64]


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
        "linear",
        lambda x: x.copy(),
        _series.linear_series,
        aliases=("identity", "none"),
        is_linear=True,
        description="identity, g(x) = x",
    ),
    ActivationSpec("tanh", np.tanh, _series.tanh_series, description="hyperbolic tangent"),
    ActivationSpec(
        "sigmoid",
        expit,
        _series.sigmoid_series,
        aliases=("logistic",),
        description="logistic sigmoid 1 / (1 + exp(-x))",
    ),
    ActivationSpec(
        "softplus",
        _softplus,
        _series.softplus_series,
        parameters={"beta": 1.0},
        description="log(1 + exp(beta x)) / beta",
    ),
    ActivationSpec("arctan", np.arctan, _series.arctan_series, description="arctangent"),
    ActivationSpec(
        "silu",
        lambda x: x * expit(x),
        _series.silu_series,
        aliases=("swish",),
        description="x * sigmoid(x)",
    ),
    ActivationSpec(
        "gelu",
        lambda x: 0.5 * x * erfc(-x / np.sqrt(2.0)),
        _series.gelu_series,
        description="x * Phi(x), the exact (erf) form",
    ),
    ActivationSpec(
        "isru",
        _isru,
        _series.isru_series,
        parameters={"alpha": 1.0},
        description="inverse square root unit x / sqrt(1 + alpha x^2)",
    ),
    ActivationSpec(
        "square",
        lambda x: x * x,
        _series.polynomial_series((0.0, 0.0, 1.0)),
        description="x^2, a polynomial activation",
        polynomial_degree=2,
    ),
    # Non-analytic activations: known by name, evaluated exactly, no Taylor series.
    ActivationSpec("relu", lambda x: np.maximum(x, 0.0), None, description="max(x, 0)"),
    ActivationSpec(
        "leaky_relu",
        _leaky_relu,
        None,
        parameters={"negative_slope": 0.01},
        aliases=("leakyrelu",),
        description="x if x >= 0 else negative_slope x",
    ),
    ActivationSpec(
        "elu", _elu, None, parameters={"alpha": 1.0}, description="x if x > 0 else alpha (e^x - 1)"
    ),
    ActivationSpec(
        "softsign", lambda x: x / (1.0 + np.abs(x)), None, description="x / (1 + |x|)"
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
