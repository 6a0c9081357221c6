"""Keras 3 models to :class:`Network`.

Reads ``Sequential`` models and functional models whose layers form a chain
(one input, one output, no branches), with any Keras backend:

* ``Dense`` (its ``activation``), ``Activation``, ``ReLU``, ``LeakyReLU`` and
  ``ELU`` layers;
* ``BatchNormalization`` over the features, folded exactly into the
  neighbouring dense layer with its inference statistics;
* ``InputLayer``, ``Dropout``, ``GaussianDropout``, ``GaussianNoise``,
  ``AlphaDropout``, ``Identity`` and ``Flatten`` are skipped (identities at
  inference);
* nested ``Sequential``/functional models are read layer by layer;
* a final sigmoid or softmax becomes the link of a classifier.

Any other layer raises an error naming it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import AdaptedModel
from ._affine_chain import ChainBuilder

__all__ = ["KerasModelError", "adapt_keras", "chain_layers", "load_keras"]

FloatArray = NDArray[np.float64]

#: Keras activation name -> nn2poly activation name, for the built-in functions
ACTIVATIONS = {
    "linear": "linear",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "softplus": "softplus",
    "relu": "relu",
    "leaky_relu": "leaky_relu(negative_slope=0.2)",
    "elu": "elu(alpha=1.0)",
    "softsign": "softsign",
    "silu": "silu",
    "gelu": "gelu",
    "softmax": "softmax",
}
SKIPPED = ("InputLayer", "Dropout", "GaussianDropout", "GaussianNoise", "AlphaDropout", "Identity")


class KerasModelError(ValueError):
    """The Keras model is not a chain of layers nn2poly can read."""


def _import_keras() -> Any:
    try:
        import keras
    except ImportError:
        raise ImportError(
            "Reading Keras models needs Keras 3: pip install 'nn2poly[keras]'."
        ) from None
    return keras


def _to_numpy(value: Any) -> FloatArray:
    keras = _import_keras()
    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


def _describe(layer: Any) -> str:
    return f"layer {layer.name!r} ({type(layer).__name__})"


def _functional_chain(model: Any) -> list[Any]:
    """Layers of a functional model from input to output; refuses branches."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise KerasModelError(
            f"The model {model.name!r} has {len(model.inputs)} inputs and {len(model.outputs)} "
            "outputs; nn2poly reads models with one input and one output."
        )
    keras = _import_keras()
    chain: list[Any] = []
    tensor = model.outputs[0]
    while True:
        layer, node_index, _ = tensor._keras_history
        if isinstance(layer, keras.layers.InputLayer):
            break
        inputs = layer._inbound_nodes[node_index].input_tensors
        if len(inputs) != 1:
            raise KerasModelError(
                f"The {_describe(layer)} takes {len(inputs)} inputs; nn2poly reads chains of "
                "layers without branches or merges."
            )
        chain.append(layer)
        tensor = inputs[0]
    chain.reverse()
    return chain


def chain_layers(model: Any) -> list[Any]:
    """The layers of a Keras model in order, nested models expanded.

    Parameters
    ----------
    model : keras.Model
        A built ``Sequential`` or functional model.

    Returns
    -------
    list of keras.layers.Layer
    """
    keras = _import_keras()
    if isinstance(model, keras.Sequential):
        if not model.built:
            raise KerasModelError(
                f"The Sequential model {model.name!r} is not built, so its weights do not exist "
                "yet; start it with keras.Input(shape=(n_features,)), or fit or call it once."
            )
        layers = list(model.layers)
    elif hasattr(model, "outputs") and hasattr(model, "inputs"):
        layers = _functional_chain(model)
    else:
        raise KerasModelError(
            f"The model {model.name!r} ({type(model).__name__}) is a subclassed keras.Model whose "
            "call() nn2poly cannot read. Rebuild it as a Sequential or functional model, or "
            "convert its weights with nn2poly.Network.from_weights."
        )
    expanded: list[Any] = []
    for layer in layers:
        if isinstance(layer, keras.Model):
            expanded.extend(chain_layers(layer))
        else:
            expanded.append(layer)
    return expanded


def _activation_name(function: Any, where: str) -> str:
    keras = _import_keras()
    for keras_name, name in ACTIVATIONS.items():
        if keras.activations.get(keras_name) is function:
            return name
    label = getattr(function, "__name__", repr(function))
    raise KerasModelError(
        f"The {where} uses the activation {label!r}; nn2poly reads the Keras activations "
        f"{sorted(ACTIVATIONS)} (softmax and sigmoid as the final link)."
    )


def _batch_norm(layer: Any) -> tuple[FloatArray, FloatArray]:
    axes = list(layer.axis) if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    if axes not in ([-1], [1]):
        raise KerasModelError(
            f"The {_describe(layer)} normalises over axis {layer.axis!r}; nn2poly folds batch "
            "normalisation over the features (axis=-1) only."
        )
    mean = _to_numpy(layer.moving_mean)
    variance = _to_numpy(layer.moving_variance)
    gamma = _to_numpy(layer.gamma) if layer.scale else np.ones_like(mean)
    beta = _to_numpy(layer.beta) if layer.center else np.zeros_like(mean)
    factor = gamma / np.sqrt(variance + float(layer.epsilon))
    return factor, beta - mean * factor


def _steps(layers: list[Any]) -> list[tuple[str, Any, Any]]:
    """Each layer as ("affine", W, b), ("scale", s, t), ("activation", name, layer)."""
    keras = _import_keras()
    L = keras.layers
    steps: list[tuple[str, Any, Any]] = []
    for layer in layers:
        if isinstance(layer, L.Dense):
            if getattr(layer, "quantization_mode", None):
                raise KerasModelError(
                    f"The {_describe(layer)} is quantized ({layer.quantization_mode!r}); convert "
                    "the float model before quantizing it."
                )
            kernel = _to_numpy(layer.kernel)
            bias = _to_numpy(layer.bias) if layer.use_bias else np.zeros(kernel.shape[1])
            steps.append(("affine", kernel, bias))
            name = _activation_name(layer.activation, _describe(layer))
            steps.append(("activation", name, layer))
        elif isinstance(layer, L.Activation):
            steps.append(("activation", _activation_name(layer.activation, _describe(layer)), layer))
        elif isinstance(layer, L.ReLU):
            if layer.max_value is not None or float(layer.threshold) != 0.0:
                raise KerasModelError(
                    f"The {_describe(layer)} has max_value={layer.max_value!r}, "
                    f"threshold={layer.threshold!r}; nn2poly reads ReLU and leaky ReLU only "
                    "(max_value=None, threshold=0)."
                )
            slope = float(layer.negative_slope)
            name = "relu" if slope == 0.0 else f"leaky_relu(negative_slope={slope!r})"
            steps.append(("activation", name, layer))
        elif isinstance(layer, L.LeakyReLU):
            slope = float(layer.negative_slope)
            steps.append(("activation", f"leaky_relu(negative_slope={slope!r})", layer))
        elif isinstance(layer, L.ELU):
            steps.append(("activation", f"elu(alpha={float(layer.alpha)!r})", layer))
        elif isinstance(layer, L.Softmax):
            if layer.axis not in (-1, 1):
                raise KerasModelError(
                    f"The {_describe(layer)} normalises over axis {layer.axis!r}; expected -1."
                )
            steps.append(("activation", "softmax", layer))
        elif isinstance(layer, L.BatchNormalization):
            steps.append(("scale", *_batch_norm(layer)))
        elif isinstance(layer, L.Flatten):
            continue
        elif isinstance(layer, tuple(getattr(L, name) for name in SKIPPED if hasattr(L, name))):
            continue
        else:
            raise KerasModelError(
                f"Unsupported {_describe(layer)}; nn2poly reads Dense, Activation, ReLU, "
                "LeakyReLU, ELU, Softmax, BatchNormalization and the inference identities "
                f"{list(SKIPPED) + ['Flatten']}."
            )
    return steps


def _check_input_rank(model: Any) -> None:
    inputs = getattr(model, "inputs", None)
    if inputs and len(inputs[0].shape) != 2:
        raise KerasModelError(
            f"The model input has shape {tuple(inputs[0].shape)!r}; nn2poly reads models whose "
            "input is (batch, n_features)."
        )


def adapt_keras(model: Any) -> AdaptedModel:
    """Read a Keras 3 model built from dense layers.

    Parameters
    ----------
    model : keras.Model
        A built ``Sequential`` or functional model (see the module
        documentation for the layers read).

    Returns
    -------
    AdaptedModel
        A final sigmoid or softmax (a ``Dense`` activation, an ``Activation``
        or a ``Softmax`` layer) is left out of the network and becomes the
        ``link``.

    Raises
    ------
    KerasModelError
        (a ValueError) naming the layer or activation nn2poly cannot read.

    Examples
    --------
    >>> import keras  # doctest: +SKIP
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
    ...                           keras.layers.Dense(1)])  # doctest: +SKIP
    >>> adapt_keras(model).network  # doctest: +SKIP
    Network(3 -> 4[tanh] -> 1[linear])
    """
    keras = _import_keras()
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"Expected a keras.Model; got {type(model).__module__}.{type(model).__qualname__}."
        )
    layers = chain_layers(model)
    _check_input_rank(model)
    steps = _steps(layers)
    while steps and steps[-1][0] == "activation" and steps[-1][1] == "linear":
        steps.pop()
    link = None
    if steps and steps[-1][0] == "activation" and steps[-1][1] in ("sigmoid", "softmax"):
        link = str(steps.pop()[1])
    chain = ChainBuilder()
    for kind, first, second in steps:
        if kind == "affine":
            chain.affine(first, second)
        elif kind == "scale":
            chain.scale_shift(first, second)
        elif first == "softmax":
            raise KerasModelError(
                f"The {_describe(second)} applies softmax before the last layer; nn2poly reads "
                "softmax only as the final output link of a classifier."
            )
        else:
            chain.activation(first)
    return AdaptedModel(chain.build(), link=link)


def load_keras(path: str | os.PathLike[str]) -> AdaptedModel:
    """Read a ``.keras`` file saved with ``model.save``.

    The file is loaded with ``safe_mode=True`` (no code stored in the file
    runs) and without compiling the model.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    AdaptedModel
    """
    keras = _import_keras()
    file = Path(path)
    model = keras.saving.load_model(os.fspath(file), compile=False, safe_mode=True)
    return adapt_keras(model)
