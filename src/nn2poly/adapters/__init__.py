"""Turn models of any supported framework into a framework-neutral :class:`Network`.

Each framework has its own private module, imported only when a model of
that framework is given.  Dispatch is explicit: a framework's types are only
checked when the framework is already imported (a model of it cannot exist
otherwise).

Every adapter module exposes ``adapt_<framework>(model, *, data=None) -> AdaptedModel``,
which checks its reading against the model's own inference (see ``_agreement``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._network import Network
from .._validation import check_param, invalid_value
from ._adapted import AdaptedModel

__all__ = ["AdaptedModel", "adapt", "as_network"]


def _framework_of(model: Any) -> str | None:
    """Name of the framework whose type ``model`` is, checked with isinstance."""
    # Keras first: on the torch backend a Keras model is also a torch.nn.Module.
    if "keras" in sys.modules:
        import keras

        if isinstance(model, keras.Model):
            return "keras"
    if "torch" in sys.modules:
        import torch

        if isinstance(model, (torch.nn.Module, torch.export.ExportedProgram)):
            return "torch"
    if "sklearn" in sys.modules:
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.neural_network import MLPClassifier, MLPRegressor
        from sklearn.pipeline import Pipeline

        if isinstance(model, (MLPRegressor, MLPClassifier, Pipeline, TransformedTargetRegressor)):
            return "sklearn"
    if "onnx" in sys.modules:
        import onnx

        if isinstance(model, onnx.ModelProto):
            return "onnx"
    return None


def _detached(value: Any) -> Any:
    """Tensors (torch, requiring grad or not) as numpy arrays; lists element-wise."""
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    if isinstance(value, (list, tuple)) and not isinstance(value, str):
        return [_detached(item) for item in value]
    return value


def adapt(model: Any, *, trust: bool = False, data: Any = None) -> AdaptedModel:
    """Build an :class:`AdaptedModel` from any supported model.

    Accepted: :class:`Network`; an ``AdaptedModel``; a dictionary in the
    nn2poly JSON layout or the reference ``{"weights", "activations"}``
    layout; a path to a saved model (see :func:`nn2poly.load_network`);
    ``(weights, activations)`` pairs; and models of PyTorch, Keras,
    scikit-learn and ONNX.

    ``trust`` is passed on to :func:`nn2poly.load_network` when ``model`` is
    a path: formats whose loading can run code stored in the file are read
    only with ``trust=True``.  ``data`` (inputs, optional) is passed to the
    framework adapters, which check their reading against the model's own
    inference on it.  Weights given as torch tensors (also ones that require
    grad) are detached.

    Examples
    --------
    >>> import numpy as np
    >>> adapt(([np.array([[0.0], [1.0]])], ["tanh"])).network
    Network(1 -> 1[tanh])
    """
    trust = check_param("trust", trust, [bool], caller="adapt")
    if isinstance(model, AdaptedModel):
        return model
    if isinstance(model, Network):
        return AdaptedModel(model)
    if isinstance(model, Mapping):
        return AdaptedModel(Network.from_dict(model))
    if isinstance(model, (str, os.PathLike)):
        from ._loading import load_adapted

        return load_adapted(model, trust=trust)
    if (
        isinstance(model, tuple)
        and len(model) == 2
        and (isinstance(model[0], (Sequence, np.ndarray)) or hasattr(model[0], "detach"))
        and isinstance(model[1], (str, Sequence))
    ):
        return AdaptedModel(Network.from_weights(_detached(model[0]), model[1]))
    data = _detached(data)
    framework = _framework_of(model)
    if framework == "torch":
        from ._torch import adapt_torch

        return adapt_torch(model, data=data)
    if framework == "keras":
        from ._keras import adapt_keras

        return adapt_keras(model, data=data)
    if framework == "sklearn":
        from ._sklearn import adapt_sklearn

        return adapt_sklearn(model, data=data)
    if framework == "onnx":
        from ._onnx import adapt_onnx

        return adapt_onnx(model, data=data)
    if hasattr(model, "network_") and isinstance(model.network_, Network):
        adapted = getattr(model, "adapted_model_", None)
        return adapted if isinstance(adapted, AdaptedModel) else AdaptedModel(model.network_)
    raise invalid_value(
        "model",
        model,
        "an nn2poly.Network, a (weights, activations) pair, a path to a saved model, or a "
        "PyTorch, Keras, scikit-learn MLP or ONNX model",
        caller="adapt",
        type_error=True,
        fix=f"Cannot convert a {type(model).__module__}.{type(model).__qualname__}.",
    )


def as_network(model: Any) -> Network:
    """The :class:`Network` of any supported model (see :func:`adapt`).

    Examples
    --------
    >>> import numpy as np
    >>> as_network(([np.array([[0.0], [1.0]])], ["tanh"]))
    Network(1 -> 1[tanh])
    """
    return adapt(model).network
