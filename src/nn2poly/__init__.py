"""nn2poly: explain feed-forward neural networks as explicit polynomials.

A trained network's output is written as a polynomial in its inputs by
replacing each activation with its Taylor polynomial (NN2Poly, Morala et al.
2021, 2023) and composing layer by layer, truncating at ``max_order``.

Examples
--------
>>> import numpy as np
>>> import nn2poly
>>> net = nn2poly.Network.from_weights(
...     [np.array([[0.0, 0.0], [0.5, 0.2], [0.1, -0.3]]), np.array([[0.0], [1.0], [1.0]])],
...     ["tanh", "linear"],
... )
>>> poly = nn2poly.to_polynomial(net, max_order=3)
>>> print(poly.top(3))
y1 = 0.7*x1 - 0.2*x2 - 0.0443333*x1^3
"""

from ._convert import to_polynomial
from ._data import FitDataError
from ._distill import DistillOverfitWarning, distill
from ._finite import NonFiniteCoefficientsError
from ._fit import FitApproximation
from ._jsonio import JSONFileError
from ._layer_prediction import LayerValues, predict_layers
from ._local import LocalPolynomials
from ._local_convert import local_polynomials
from ._memory import MemoryLimitError, get_memory_limit, set_memory_limit
from ._monomials import n_monomials
from ._network import Add, Concatenate, Dense, Network, Node
from ._norms import hidden_l1_norms
from ._polynomial import LayerPolynomials, Polynomial
from ._taylor import TaylorApproximation
from ._validation import InvalidParameterError, InvalidParameterTypeError
from ._version import __version__
from ._warnings import TaylorAccuracyWarning
from .activations import (
    NotAnalyticError,
    UnknownActivationError,
    available_activations,
    get_activation,
    register_activation,
)
from .adapters import as_network
from .adapters._agreement import ModelMismatchError
from .adapters._files import ModelFileError, UntrustedFormatError
from .adapters._loading import load_network

# Names whose modules need optional frameworks are imported on first use, so
# that ``import nn2poly`` needs only numpy, scipy and numba.
_LAZY = {
    "MLPRegressor": "nn2poly.training",
    "MLPClassifier": "nn2poly.training",
    "diagnose": "nn2poly.diagnostics",
    "plot_activation_fit": "nn2poly.diagnostics",
    "keras_l1_constraint": "nn2poly.training._keras_callback",
    "InputRangeWarning": "nn2poly.training",
    "L1Constraint": "nn2poly.training",
    "L2Constraint": "nn2poly.training",
    "keras_l2_constraint": "nn2poly.training._keras_callback",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'nn2poly' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Add",
    "Concatenate",
    "Dense",
    "DistillOverfitWarning",
    "FitApproximation",
    "FitDataError",
    "InputRangeWarning",
    "InvalidParameterError",
    "InvalidParameterTypeError",
    "JSONFileError",
    "L1Constraint",
    "L2Constraint",
    "LayerPolynomials",
    "LayerValues",
    "LocalPolynomials",
    "MLPClassifier",
    "MLPRegressor",
    "MemoryLimitError",
    "ModelFileError",
    "ModelMismatchError",
    "Network",
    "Node",
    "NonFiniteCoefficientsError",
    "NotAnalyticError",
    "Polynomial",
    "TaylorAccuracyWarning",
    "TaylorApproximation",
    "UnknownActivationError",
    "UntrustedFormatError",
    "__version__",
    "as_network",
    "available_activations",
    "diagnose",
    "distill",
    "get_activation",
    "get_memory_limit",
    "hidden_l1_norms",
    "keras_l1_constraint",
    "keras_l2_constraint",
    "load_network",
    "local_polynomials",
    "n_monomials",
    "plot_activation_fit",
    "predict_layers",
    "register_activation",
    "set_memory_limit",
    "to_polynomial",
]
