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

from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:
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

# Every public name is imported from its module on first use, so that
# ``import nn2poly`` and the command line's help load only what they use.
_EXPORTS = {
    "to_polynomial": "nn2poly._convert",
    "FitDataError": "nn2poly._data",
    "DistillOverfitWarning": "nn2poly._distill",
    "distill": "nn2poly._distill",
    "NonFiniteCoefficientsError": "nn2poly._finite",
    "FitApproximation": "nn2poly._fit",
    "JSONFileError": "nn2poly._jsonio",
    "LayerValues": "nn2poly._layer_prediction",
    "predict_layers": "nn2poly._layer_prediction",
    "LocalPolynomials": "nn2poly._local",
    "local_polynomials": "nn2poly._local_convert",
    "MemoryLimitError": "nn2poly._memory",
    "get_memory_limit": "nn2poly._memory",
    "set_memory_limit": "nn2poly._memory",
    "n_monomials": "nn2poly._monomials",
    "Add": "nn2poly._network",
    "Concatenate": "nn2poly._network",
    "Dense": "nn2poly._network",
    "Network": "nn2poly._network",
    "Node": "nn2poly._network",
    "hidden_l1_norms": "nn2poly._norms",
    "LayerPolynomials": "nn2poly._polynomial",
    "Polynomial": "nn2poly._polynomial",
    "TaylorApproximation": "nn2poly._taylor",
    "InvalidParameterError": "nn2poly._validation",
    "InvalidParameterTypeError": "nn2poly._validation",
    "TaylorAccuracyWarning": "nn2poly._warnings",
    "NotAnalyticError": "nn2poly.activations",
    "UnknownActivationError": "nn2poly.activations",
    "available_activations": "nn2poly.activations",
    "get_activation": "nn2poly.activations",
    "register_activation": "nn2poly.activations",
    "as_network": "nn2poly.adapters",
    "ModelMismatchError": "nn2poly.adapters._agreement",
    "ModelFileError": "nn2poly.adapters._files",
    "UntrustedFormatError": "nn2poly.adapters._files",
    "load_network": "nn2poly.adapters._loading",
}

# Names whose modules need optional frameworks (torch, keras, matplotlib).
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
    import importlib.util

    module_name = _EXPORTS.get(name) or _LAZY.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module(module_name), name)
        globals()[name] = value
        return value
    if not name.startswith("__") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")  # a submodule, as after ``import``
    raise AttributeError(f"module 'nn2poly' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | set(_LAZY))


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
