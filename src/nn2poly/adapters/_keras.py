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

Activation functions and layers are looked up in the registry by their Keras
names (:func:`nn2poly.activations.activation_for`).  Layers are recognised by
their exact type: a subclass overriding ``call`` is refused by name.  The
network read is checked against the model's own ``predict`` on inputs
spanning ``[-1, 1]`` (and the data when given).  Any other layer raises an
error naming it.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import InstanceOf, check_param
from ..activations import activation_for, framework_names, get_activation
from ._adapted import AdaptedModel
from ._affine_chain import ChainBuilder
from ._agreement import check_agreement, disagreement, rtol_for
from ._files import ModelFileError

__all__ = ["KerasModelError", "adapt_keras", "chain_layers", "load_keras"]

FloatArray = NDArray[np.float64]

SKIPPED = ("InputLayer", "Dropout", "GaussianDropout", "GaussianNoise", "AlphaDropout", "Identity")


class KerasModelError(ValueError):
    """The Keras model is not a chain of layers nn2poly can read."""


def _import_keras() -> Any:
    try:
        import keras
    except (ImportError, ValueError) as exc:
        if importlib.util.find_spec("keras") is None:
            raise ImportError(
                "Reading Keras models needs Keras 3: pip install 'nn2poly[keras]'."
            ) from None
        backend = os.environ.get("KERAS_BACKEND") or "its default (tensorflow)"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportError(
            f"Keras is installed but found no backend to run on (KERAS_BACKEND: {backend}; "
            f"{reason}). Install a backend and choose it with the KERAS_BACKEND environment "
            "variable, e.g. pip install torch and KERAS_BACKEND=torch."
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
    """The registry's name of a Keras activation function (``softmax`` kept as the link)."""
    keras = _import_keras()
    label = getattr(function, "__name__", None)
    known = isinstance(label, str) and _keras_function(keras, label) is function
    if known and label == "softmax":
        return "softmax"
    activation = activation_for("keras", label) if known and isinstance(label, str) else None
    if activation is None and isinstance(label, str) and not known:
        builtin = _keras_function(keras, label)
        if builtin is not None and activation_for("keras", label) is not None:
            raise KerasModelError(
                f"The {where} uses a function named {label!r} that is not "
                f"keras.activations.{label} (a user function with the built-in's name), whose "
                f"computation nn2poly cannot read; use activation={label!r} for the built-in."
            )
    if activation is None:
        names = sorted(name for name in framework_names("keras") if name.islower())
        raise KerasModelError(
            f"The {where} uses the activation {label or repr(function)!r}; nn2poly reads the "
            f"Keras activations {names} (softmax and sigmoid as the final link)."
        )
    return activation.name


def _keras_function(keras: Any, name: str) -> Any:
    try:
        return keras.activations.get(name)
    except ValueError:
        return None


def _exact_layer(layer: Any, L: Any) -> str:
    """The Keras layer class a layer is read as, checked against its exact type."""
    cls = type(layer)
    if getattr(L, cls.__name__, None) is cls:
        return str(cls.__name__)
    base = next(
        (parent for parent in cls.__mro__[1:] if getattr(L, parent.__name__, None) is parent),
        None,
    )
    if base is None or base.__name__ == "Layer":
        raise KerasModelError(
            f"Unsupported {_describe(layer)}: a custom layer, whose call nn2poly cannot read."
        )
    if cls.call is not base.call:
        raise KerasModelError(
            f"Unsupported {_describe(layer)}: layer {cls.__name__!r} (subclass of "
            f"keras.layers.{base.__name__} overriding call) is not supported; nn2poly cannot "
            "know what its call computes."
        )
    return str(base.__name__)


def _layer_activation(layer: Any, kind: str) -> str:
    """A ReLU, LeakyReLU or ELU layer as the registry's activation, with its settings."""
    if kind == "ReLU":
        if layer.max_value is not None or float(layer.threshold) != 0.0:
            raise KerasModelError(
                f"The {_describe(layer)} has max_value={layer.max_value!r}, "
                f"threshold={layer.threshold!r}; nn2poly reads ReLU and leaky ReLU only "
                "(max_value=None, threshold=0)."
            )
        if float(layer.negative_slope) != 0.0:
            kind = "LeakyReLU"

    def read(attribute: str) -> float | None:
        value = getattr(layer, attribute, None)
        return None if value is None else float(value)

    activation = activation_for("keras", kind, read)
    if activation is None:  # the registry lost a name: a programming error, not user input
        raise KerasModelError(f"Unsupported {_describe(layer)}.")
    return activation.name


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
    return [step for _, layer_steps in _read_layers(layers) for step in layer_steps]


def _read_layers(layers: list[Any]) -> list[tuple[Any, list[tuple[str, Any, Any]]]]:
    """Each layer with the steps it is read as."""
    keras = _import_keras()
    L = keras.layers
    skipped = {name for name in SKIPPED if hasattr(L, name)} | {"Flatten"}
    read: list[tuple[Any, list[tuple[str, Any, Any]]]] = []
    for layer in layers:
        steps: list[tuple[str, Any, Any]] = []
        read.append((layer, steps))
        kind = _exact_layer(layer, L)
        if kind == "Dense":
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
        elif kind == "Activation":
            steps.append(
                ("activation", _activation_name(layer.activation, _describe(layer)), layer)
            )
        elif kind in ("ReLU", "LeakyReLU", "ELU"):
            steps.append(("activation", _layer_activation(layer, kind), layer))
        elif kind == "Softmax":
            if layer.axis not in (-1, 1):
                raise KerasModelError(
                    f"The {_describe(layer)} normalises over axis {layer.axis!r}; expected -1."
                )
            steps.append(("activation", "softmax", layer))
        elif kind == "BatchNormalization":
            steps.append(("scale", *_batch_norm(layer)))
        elif kind in skipped:
            pass
        else:
            raise KerasModelError(
                f"Unsupported {_describe(layer)}; nn2poly reads Dense, Activation, ReLU, "
                "LeakyReLU, ELU, Softmax, BatchNormalization and the inference identities "
                f"{[*SKIPPED, 'Flatten']}."
            )
    return read


def _check_input_rank(model: Any) -> None:
    inputs = getattr(model, "inputs", None)
    if inputs and len(inputs[0].shape) != 2:
        raise KerasModelError(
            f"The model input has shape {tuple(inputs[0].shape)!r}; nn2poly reads models whose "
            "input is (batch, n_features)."
        )


def _apply(steps: list[tuple[str, Any, Any]], values: FloatArray) -> FloatArray:
    """What nn2poly reads a layer as, applied to the layer's input."""
    from scipy.special import softmax

    for kind, first, second in steps:
        if kind == "affine":
            values = values @ first + second
        elif kind == "scale":
            values = values * first + second
        elif first == "softmax":
            values = softmax(values, axis=1)
        else:
            values = get_activation(first)(values)
    return values


def _check(model: Any, adapted: AdaptedModel, layers: list[Any], data: Any) -> None:
    keras = _import_keras()
    dtype = getattr(model, "compute_dtype", None) or "float32"
    rtol = rtol_for(dtype)

    def run(function: Any, values: FloatArray) -> FloatArray:
        tensor = keras.ops.convert_to_tensor(np.asarray(values, dtype=dtype))
        return _to_numpy(function(tensor, training=False)).reshape(len(values), -1)

    def locate(X: FloatArray) -> str | None:
        values = np.asarray(X, dtype=np.float64)
        for layer, steps in _read_layers(layers):
            expected = run(layer, values)
            if disagreement(expected, _apply(steps, values), rtol) > 1.0:
                return _describe(layer)
            values = expected
        return None

    check_agreement(
        adapted.network,
        adapted.link,
        lambda X: run(model, X),
        what=f"the Keras model {model.name!r}",
        rtol=rtol,
        data=data,
        locate=locate,
    )


def adapt_keras(model: Any, *, data: Any = None) -> AdaptedModel:
    """Read a Keras 3 model built from dense layers.

    Parameters
    ----------
    model : keras.Model
        A built ``Sequential`` or functional model (see the module
        documentation for the layers read).
    data : array_like of shape (n_samples, n_features), optional
        Inputs on which the reading is checked against the model, besides
        points spanning ``[-1, 1]``.

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
    ModelMismatchError
        (a ValueError) when the network does not compute what the model
        computes, naming the first layer where they part.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
    ...                           keras.layers.Dense(1)])
    >>> adapt_keras(model).network
    Network(3 -> 4[tanh] -> 1[linear])
    """
    keras = _import_keras()
    check_param("model", model, [InstanceOf((keras.Model,), "a keras.Model")], caller="adapt_keras")
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
    adapted = AdaptedModel(chain.build(), link=link)
    _check(model, adapted, layers, data)
    return adapted


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

    Raises
    ------
    ModelFileError
        (a ValueError) when the file is not a Keras model, or holds code
        (a ``Lambda`` layer) that safe mode refuses to load.
    """
    import zipfile

    keras = _import_keras()
    file = Path(path)
    try:
        model = keras.saving.load_model(os.fspath(file), compile=False, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as exc:
        text = str(exc)
        if "safe_mode" in text or "Lambda" in text:
            raise ModelFileError(
                f"{file.name!r} holds code (a Lambda layer or a function stored as bytecode), "
                "which nn2poly never runs; rebuild the model from Keras's own layers."
            ) from None
        reason = text.splitlines()[0][:200] if text else type(exc).__name__
        raise ModelFileError(
            f"{file.name!r} could not be read as a Keras model ({reason}); expected a model "
            "saved with model.save."
        ) from None
    return adapt_keras(model)
