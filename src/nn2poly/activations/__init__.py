"""Activation functions: evaluation and exact Taylor coefficients.

Examples
--------
>>> from nn2poly.activations import get_activation
>>> get_activation("sigmoid").taylor_coefficients(0.0, 3).round(6) + 0.0
array([ 0.5     ,  0.25    ,  0.      , -0.020833])
"""

from . import _builtin  # noqa: F401  (registers the built-in activations)
from ._framework_lookup import activation_for, framework_names
from ._registry import (
    FRAMEWORKS,
    Activation,
    ActivationSpec,
    FrameworkName,
    NotAnalyticError,
    UnknownActivationError,
    available_activations,
    get_activation,
    register_activation,
)

__all__ = [
    "FRAMEWORKS",
    "Activation",
    "ActivationSpec",
    "FrameworkName",
    "NotAnalyticError",
    "UnknownActivationError",
    "activation_for",
    "available_activations",
    "framework_names",
    "get_activation",
    "register_activation",
]
