"""The Keras layers nn2poly reads, each told to the graph builder as what it computes.

A value flowing through a Keras model is a :class:`KerasTensor`: the
builder's :class:`~nn2poly.adapters._builder.Value` (the features flattened
in C order, channels last as Keras stores them) with the shape Keras gives
it (batch dimension left out).  :func:`read_layer` maps one layer call to
builder operations; layers are recognised by their exact type, and a subclass
overriding ``call`` is refused by name.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..activations import activation_for, framework_names
from ._builder import GraphBuilder, Value

__all__ = [
    "KerasModelError",
    "KerasTensor",
    "activate",
    "check_inputs",
    "concatenate",
    "describe",
    "import_keras",
    "read_layer",
]

FloatArray = NDArray[np.float64]

#: Layers that are identities at inference.
SKIPPED = (
    "InputLayer",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "ActivityRegularization",
    "Identity",
)
#: Every layer read, for the refusals.
SUPPORTED = (
    "Dense, Activation, ReLU, LeakyReLU, ELU, Softmax, BatchNormalization, Normalization, "
    "Rescaling, Add, Subtract, Average, Concatenate, Flatten, Reshape, Permute, Conv1D/2D/3D, "
    "AveragePooling1D/2D/3D, GlobalAveragePooling1D/2D/3D, Cropping, ZeroPadding, "
    "UpSampling (nearest) (channels last), RepeatVector, nested models "
    f"and the inference identities {', '.join(SKIPPED)}"
)
#: Layers refused with a reason of their own.
_NOT_AFFINE = {
    "Multiply": "a product of two branches, which is not affine in them",
    "Dot": "a product of two branches, which is not affine in them",
    "Maximum": "a maximum of branches",
    "Minimum": "a minimum of branches",
}


class KerasModelError(ValueError):
    """The Keras model holds a layer or a connection nn2poly cannot read."""


@dataclass(frozen=True)
class KerasTensor:
    """A value of the model: the builder's value and its Keras shape (no batch dimension)."""

    value: Value
    shape: tuple[int, ...]
    origin: str = "the input"


def import_keras() -> Any:
    """Keras 3, with a message saying how to get a backend when it has none."""
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


def to_numpy(value: Any) -> FloatArray:
    """A Keras variable or tensor as a float64 array."""
    return np.asarray(import_keras().ops.convert_to_numpy(value), dtype=np.float64)


def describe(layer: Any) -> str:
    """``layer 'name' (Class)``, or ``operation 'name' (keras.ops Class)`` for an op."""
    if not isinstance(layer, import_keras().layers.Layer):
        return f"operation {layer.name!r} (keras.ops {type(layer).__name__})"
    return f"layer {layer.name!r} ({type(layer).__name__})"


def _keras_function(keras: Any, name: str) -> Any:
    try:
        return keras.activations.get(name)
    except ValueError:
        return None


def activation_name(function: Any, where: str) -> str:
    """The registry's name of a Keras activation function (``softmax`` and ``log_softmax``
    kept as such: they are links)."""
    keras = import_keras()
    label = getattr(function, "__name__", None)
    known = isinstance(label, str) and _keras_function(keras, label) is function
    if known and label in ("softmax", "log_softmax"):
        return str(label)
    activation = activation_for("keras", label) if known and isinstance(label, str) else None
    if activation is None and isinstance(label, str) and not known:
        builtin = _keras_function(keras, label)
        if builtin is None:  # a user's function, read if registered under its Keras name
            activation = activation_for("keras", label)
        elif activation_for("keras", label) is not None:
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


def exact_layer(layer: Any) -> str:
    """The Keras layer class a layer is read as, checked against its exact type."""
    L = import_keras().layers
    cls = type(layer)
    if getattr(L, cls.__name__, None) is cls:
        return str(cls.__name__)
    base = next(
        (parent for parent in cls.__mro__[1:] if getattr(L, parent.__name__, None) is parent),
        None,
    )
    if base is None or base.__name__ == "Layer":
        raise KerasModelError(
            f"Unsupported {describe(layer)}: a custom layer, whose call nn2poly cannot read."
        )
    if cls.call is not base.call:
        raise KerasModelError(
            f"Unsupported {describe(layer)}: layer {cls.__name__!r} (subclass of "
            f"keras.layers.{base.__name__} overriding call) is not supported; nn2poly cannot "
            "know what its call computes."
        )
    return str(base.__name__)


def _layer_activation(layer: Any, kind: str) -> str:
    """A ReLU, LeakyReLU or ELU layer as the registry's activation, with its settings."""
    if kind == "ReLU":
        slope, threshold = float(layer.negative_slope), float(layer.threshold)
        if threshold != 0.0 or layer.max_value not in (None, 6.0) or (layer.max_value and slope):
            raise KerasModelError(
                f"The {describe(layer)} has max_value={layer.max_value!r}, "
                f"negative_slope={layer.negative_slope!r}, threshold={layer.threshold!r}; "
                "nn2poly reads ReLU, leaky ReLU and ReLU6 (max_value None or 6, threshold 0)."
            )
        if layer.max_value is not None:
            kind = "relu6"
        elif slope != 0.0:
            kind = "LeakyReLU"

    def read(attribute: str) -> float | None:
        value = getattr(layer, attribute, None)
        return None if value is None else float(value)

    activation = activation_for("keras", kind, read)
    if activation is None:  # the registry lost a name: a programming error, not user input
        raise KerasModelError(f"Unsupported {describe(layer)}.")
    return activation.name


def _per_axis(values: Any, shape: tuple[int, ...], axis: int, layer: Any) -> FloatArray:
    """A vector along ``axis`` of a batch of ``shape`` (Keras counts the batch), flattened."""
    vector = np.asarray(values, dtype=np.float64).reshape(-1)
    position = axis % (len(shape) + 1) - 1 if axis < 0 else axis - 1
    if not 0 <= position < len(shape) or shape[position] != vector.size:
        raise KerasModelError(
            f"The {describe(layer)} normalises over axis {axis!r} of inputs of shape "
            f"{shape!r}; nn2poly folds normalisations along one feature axis."
        )
    layout = [1] * len(shape)
    layout[position] = vector.size
    return np.broadcast_to(vector.reshape(layout), shape).reshape(-1)


def _broadcast(values: Any, shape: tuple[int, ...], layer: Any) -> FloatArray:
    array: FloatArray = np.asarray(values, dtype=np.float64)
    try:
        flat: FloatArray = np.broadcast_to(array, (1, *shape)).reshape(-1).copy()
        return flat
    except ValueError:
        raise KerasModelError(
            f"The {describe(layer)} holds values of shape {array.shape}, which do not "
            f"broadcast to its inputs of shape {shape!r}."
        ) from None


def _dense(builder: GraphBuilder, layer: Any, x: KerasTensor) -> KerasTensor:
    if getattr(layer, "quantization_mode", None):
        raise KerasModelError(
            f"The {describe(layer)} is quantized ({layer.quantization_mode!r}); convert "
            "the float model before quantizing it."
        )
    kernel = to_numpy(layer.kernel)
    bias = to_numpy(layer.bias) if layer.use_bias else np.zeros(kernel.shape[1])
    repeats = math.prod(x.shape[:-1])
    value = builder.affine(x.value, np.kron(np.eye(repeats), kernel), np.tile(bias, repeats))
    shape = (*x.shape[:-1], kernel.shape[1])
    return activate(builder, layer, KerasTensor(value, shape), layer.activation)


def activate(builder: GraphBuilder, layer: Any, x: KerasTensor, function: Any) -> KerasTensor:
    name = activation_name(function, describe(layer)) if not isinstance(function, str) else function
    if name in ("softmax", "log_softmax"):
        if len(x.shape) != 1:
            raise KerasModelError(
                f"The {describe(layer)} applies softmax to values of shape {x.shape!r}; "
                "nn2poly reads softmax over the features of a flat output only."
            )
        return KerasTensor(builder.softmax(x.value, log=name == "log_softmax"), x.shape)
    return KerasTensor(builder.activation(x.value, name, name=layer.name), x.shape)


def _batch_norm(layer: Any) -> tuple[FloatArray, FloatArray]:
    """A batch normalisation's inference map ``x * factor + shift`` along its axis."""
    mean = to_numpy(layer.moving_mean)
    variance = to_numpy(layer.moving_variance)
    gamma = to_numpy(layer.gamma) if layer.scale else np.ones_like(mean)
    beta = to_numpy(layer.beta) if layer.center else np.zeros_like(mean)
    factor = gamma / np.sqrt(variance + float(layer.epsilon))
    return factor, beta - mean * factor


def _batch_norm_layer(builder: GraphBuilder, layer: Any, x: KerasTensor) -> KerasTensor:
    factor, shift = _batch_norm(layer)
    scale = _per_axis(factor, x.shape, int(layer.axis), layer)
    offset = _per_axis(shift, x.shape, int(layer.axis), layer)
    return KerasTensor(builder.scale_shift(x.value, scale, offset), x.shape)


def _normalization(builder: GraphBuilder, layer: Any, x: KerasTensor) -> KerasTensor:
    keras = import_keras()
    if layer.mean is None:
        raise KerasModelError(
            f"The {describe(layer)} has no mean and variance yet; call its adapt(data) or give "
            "them (mean=..., variance=...) before converting the model."
        )
    mean = _broadcast(to_numpy(layer.mean), x.shape, layer)
    spread = np.sqrt(_broadcast(to_numpy(layer.variance), x.shape, layer))
    spread = np.maximum(spread, float(keras.backend.epsilon()))
    if layer.invert:
        value = builder.scale_shift(x.value, spread, mean)
    else:
        value = builder.scale_shift(x.value, 1.0 / spread, -mean / spread)
    return KerasTensor(value, x.shape)


def _rescaling(builder: GraphBuilder, layer: Any, x: KerasTensor) -> KerasTensor:
    scale = _broadcast(np.asarray(layer.scale, dtype=np.float64), x.shape, layer)
    offset = _broadcast(np.asarray(layer.offset, dtype=np.float64), x.shape, layer)
    return KerasTensor(builder.scale_shift(x.value, scale, offset), x.shape)


def _same_shapes(layer: Any, inputs: Sequence[KerasTensor]) -> None:
    shapes = [x.shape for x in inputs]
    if len(set(shapes)) != 1:
        raise KerasModelError(
            f"The {describe(layer)} combines inputs of shapes {shapes}; nn2poly reads "
            "element-wise merges of inputs of one shape (no broadcasting)."
        )


def _merge(builder: GraphBuilder, layer: Any, kind: str, inputs: list[KerasTensor]) -> KerasTensor:
    if kind == "Concatenate":
        return concatenate(builder, layer, inputs)
    _same_shapes(layer, inputs)
    values = [x.value for x in inputs]
    if kind == "Subtract":
        value = builder.add(values[0], builder.scale_shift(values[1], -1.0))
    else:
        value = builder.add(*values)
        if kind == "Average":
            value = builder.scale_shift(value, 1.0 / len(values))
    return KerasTensor(value, inputs[0].shape)


def concatenate(builder: GraphBuilder, layer: Any, inputs: list[KerasTensor]) -> KerasTensor:
    rank = len(inputs[0].shape)
    axis = int(layer.axis)
    position = axis - 1 if axis > 0 else axis % (rank + 1) - 1
    others = {x.shape[:position] + x.shape[position + 1 :] for x in inputs}
    if not 0 <= position < rank or len(others) != 1 or {len(x.shape) for x in inputs} != {rank}:
        raise KerasModelError(
            f"The {describe(layer)} joins inputs of shapes {[x.shape for x in inputs]} along "
            f"axis {axis}; their other dimensions differ."
        )
    start, blocks = 0, []
    for x in inputs:
        size = math.prod(x.shape)
        blocks.append(np.arange(start, start + size).reshape(x.shape))
        start += size
    order = np.concatenate(blocks, axis=position)
    value = builder.select(builder.concatenate([x.value for x in inputs]), order.reshape(-1))
    return KerasTensor(value, order.shape)


def _reshape(layer: Any, kind: str, x: KerasTensor) -> KerasTensor:
    size = math.prod(x.shape)
    if kind == "Flatten":
        return KerasTensor(x.value, (size,))
    target = [int(d) for d in layer.target_shape]
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        target[target.index(-1)] = size // known if known else 0
    if math.prod(target) != size:
        raise KerasModelError(
            f"The {describe(layer)} reshapes {x.shape!r} to {tuple(layer.target_shape)!r}."
        )
    return KerasTensor(x.value, tuple(target))


def _permute(builder: GraphBuilder, layer: Any, x: KerasTensor) -> KerasTensor:
    axes = [int(d) - 1 for d in layer.dims]
    order = np.arange(math.prod(x.shape)).reshape(x.shape).transpose(axes)
    return KerasTensor(builder.select(x.value, order.reshape(-1)), order.shape)


_SINGLE: dict[str, Callable[[GraphBuilder, Any, KerasTensor], KerasTensor]] = {
    "Dense": _dense,
    "BatchNormalization": _batch_norm_layer,
    "Normalization": _normalization,
    "Rescaling": _rescaling,
    "Permute": _permute,
}


def check_inputs(layer: Any, inputs: list[KerasTensor]) -> None:
    """Refuse a layer applied after the model's link (a softmax before the end)."""
    for x in inputs:
        if x.value.link is not None:
            raise KerasModelError(
                f"The {describe(layer)} is applied after the {x.value.link} of {x.origin}; "
                f"nn2poly reads softmax only as the final output link of a classifier."
            )


def _registered_layer(layer: Any) -> str | None:
    """A user's activation layer registered under its class name (see
    :func:`nn2poly.register_activation`), as the registry's name; None otherwise."""
    cls = type(layer)
    if getattr(import_keras().layers, cls.__name__, None) is not None:
        return None  # Keras's own layer, or a lookalike of it: read by exact type

    def read(attribute: str) -> float | None:
        value = getattr(layer, attribute, None)
        return float(value) if isinstance(value, (int, float)) else None

    found = activation_for("keras", cls.__name__, read)
    return None if found is None else found.name


def read_layer(builder: GraphBuilder, layer: Any, inputs: list[KerasTensor]) -> KerasTensor:
    """What ``layer`` called on ``inputs`` computes, told to ``builder``."""
    registered = _registered_layer(layer)
    if registered is not None and len(inputs) == 1:
        check_inputs(layer, inputs)
        result = activate(builder, layer, inputs[0], registered)
        return KerasTensor(result.value, result.shape, describe(layer))
    kind = exact_layer(layer)
    check_inputs(layer, inputs)
    if kind in _NOT_AFFINE:
        raise KerasModelError(
            f"Unsupported {describe(layer)}: {_NOT_AFFINE[kind]}. nn2poly reads {SUPPORTED}."
        )
    if kind in ("Add", "Subtract", "Average", "Concatenate"):
        result = _merge(builder, layer, kind, inputs)
    elif len(inputs) != 1:
        raise KerasModelError(
            f"The {describe(layer)} takes {len(inputs)} inputs; nn2poly reads it on one."
        )
    elif kind in _SINGLE:
        result = _SINGLE[kind](builder, layer, inputs[0])
    elif kind == "Activation":
        result = activate(builder, layer, inputs[0], layer.activation)
    elif kind in ("ReLU", "LeakyReLU", "ELU"):
        result = activate(builder, layer, inputs[0], _layer_activation(layer, kind))
    elif kind == "Softmax":
        if layer.axis not in (-1, 1):
            raise KerasModelError(
                f"The {describe(layer)} normalises over axis {layer.axis!r}; expected -1."
            )
        result = activate(builder, layer, inputs[0], "softmax")
    elif kind in ("Flatten", "Reshape"):
        result = _reshape(layer, kind, inputs[0])
    elif kind in SKIPPED:
        result = inputs[0]
    else:
        raise KerasModelError(f"Unsupported {describe(layer)}; nn2poly reads {SUPPORTED}.")
    return KerasTensor(result.value, result.shape, describe(layer))
