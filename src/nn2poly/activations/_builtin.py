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


#: SELU's constants, as torch writes them (Klambauer et al., 2017).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
#: celu's alpha divides x: any positive value.
POSITIVE = Interval(float, 0.0, None, closed="neither")


def _hardtanh(x: FloatArray, min_val: float = -1.0, max_val: float = 1.0) -> FloatArray:
    return np.clip(x, min_val, max_val)


def _ordered_bounds(min_val: float, max_val: float) -> str | None:
    return None if min_val < max_val else "parameters with min_val < max_val"


def _hardsigmoid(x: FloatArray, alpha: float = 1.0 / 6.0, beta: float = 0.5) -> FloatArray:
    if alpha == 1.0 / 6.0 and beta == 0.5:  # torch's relu6(x + 3) / 6, to the last bit
        return np.clip(x + 3.0, 0.0, 6.0) / 6.0
    with np.errstate(over="ignore"):  # a huge slope: the clip takes the infinity
        return np.clip(alpha * x + beta, 0.0, 1.0)


def _hardswish(x: FloatArray) -> FloatArray:
    return x * (np.clip(x + 3.0, 0.0, 6.0) / 6.0)


def _mish(x: FloatArray) -> FloatArray:
    return x * np.tanh(np.logaddexp(0.0, x))


def _gelu_tanh(x: FloatArray) -> FloatArray:
    b = np.clip(x, -1e4, 1e4)  # the sigmoid is 0 or 1 long before: no overflow in b**3
    two_k = 2.0 * _series.GELU_TANH_K
    return x * expit(two_k * (b + _series.GELU_TANH_C * b**3))


def _selu(x: FloatArray, alpha: float = SELU_ALPHA, scale: float = SELU_SCALE) -> FloatArray:
    with np.errstate(over="ignore"):
        return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _celu(x: FloatArray, alpha: float = 1.0) -> FloatArray:
    with np.errstate(over="ignore"):  # a tiny alpha: exp(-inf) - 1 = -1
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0) / alpha))


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
        "mish",
        _mish,
        _series.mish_series,
        description="x * tanh(softplus(x))",
        frameworks=_names(("torch", "Mish"), ("keras", "mish"), ("onnx", "Mish")),
        exact_taylor=_series.mish_series_exact,
    ),
    ActivationSpec(
        "gelu_tanh",
        _gelu_tanh,
        _series.gelu_tanh_series,
        description="GELU's tanh form 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))",
        frameworks=(
            FrameworkName("torch", "GELU", requires={"approximate": "tanh"}),
            FrameworkName("onnx", "Gelu", requires={"approximate": "tanh"}),
        ),
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
        "hardtanh",
        _hardtanh,
        None,
        parameters={"min_val": -1.0, "max_val": 1.0},
        description="x clipped to [min_val, max_val]",
        frameworks=(
            FrameworkName("torch", "Hardtanh", {"min_val": "min_val", "max_val": "max_val"}),
            FrameworkName("keras", "hard_tanh"),
        ),
        check=_ordered_bounds,
    ),
    ActivationSpec(
        "relu6",
        lambda x: np.clip(x, 0.0, 6.0),
        None,
        description="min(max(x, 0), 6)",
        frameworks=_names(("torch", "ReLU6"), ("keras", "relu6")),
    ),
    ActivationSpec(
        "hardsigmoid",
        _hardsigmoid,
        None,
        parameters={"alpha": 1.0 / 6.0, "beta": 0.5},
        aliases=("hard_sigmoid",),
        description="min(max(alpha x + beta, 0), 1); relu6(x + 3) / 6 at the defaults",
        frameworks=(
            FrameworkName("torch", "Hardsigmoid"),
            FrameworkName("keras", "hard_sigmoid"),
            FrameworkName(
                "onnx",
                "HardSigmoid",
                {"alpha": "alpha", "beta": "beta"},
                defaults={"alpha": 0.2, "beta": 0.5},
            ),
        ),
    ),
    ActivationSpec(
        "hardswish",
        _hardswish,
        None,
        aliases=("hard_swish", "hard_silu"),
        description="x * relu6(x + 3) / 6",
        frameworks=_names(
            ("torch", "Hardswish"),
            ("keras", "hard_silu"),
            ("keras", "hard_swish"),
            ("onnx", "HardSwish"),
        ),
    ),
    ActivationSpec(
        "selu",
        _selu,
        None,
        parameters={"alpha": SELU_ALPHA, "scale": SELU_SCALE},
        description="scale (x if x > 0 else alpha (e^x - 1)), torch's constants",
        frameworks=(
            FrameworkName("torch", "SELU"),
            FrameworkName("keras", "selu"),
            FrameworkName("onnx", "Selu", {"alpha": "alpha", "scale": "gamma"}),
        ),
    ),
    ActivationSpec(
        "celu",
        _celu,
        None,
        parameters={"alpha": 1.0},
        description="x if x > 0 else alpha (e^(x / alpha) - 1)",
        frameworks=(
            FrameworkName("torch", "CELU", {"alpha": "alpha"}),
            FrameworkName("keras", "celu"),
            FrameworkName("onnx", "Celu", {"alpha": "alpha"}),
        ),
        ranges={"alpha": POSITIVE},
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
