"""``keras.ops`` calls between the layers of a functional model.

A functional model may compute with ``keras.ops`` (or Python operators on
its tensors) between layers: ``2 * h + 1``, ``h - g``, ``h[:, :4]``,
``keras.ops.tanh(h)``, ``keras.ops.concatenate([h, x])``.  Keras records each
such call as an operation of its own.  Element-wise activations, arithmetic
by constants, sums and differences of two values, slices, reshapes and
concatenations are affine or activations and are read here; a product or a
quotient of two values that both depend on the input is not, and is refused
by name like every other operation.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..activations import activation_for
from ._builder import GraphBuilder
from ._keras_layers import (
    KerasModelError,
    KerasTensor,
    activate,
    check_inputs,
    concatenate,
    describe,
)

__all__ = ["read_operation"]

FloatArray = NDArray[np.float64]

#: Operations read by class, with the Keras name the registry knows them by.
_ACTIVATIONS = {"Elu": "ELU", "LeakyRelu": "LeakyReLU", "Swish": "silu", "HardSwish": "hard_silu"}
#: Arithmetic read when one side is a constant (or both are values, for + and -).
_ARITHMETIC = ("Add", "Subtract", "Multiply", "TrueDivide", "Divide", "Negative")
_SHAPES = ("GetItem", "Reshape", "ExpandDims", "Squeeze", "Transpose", "Concatenate")


def _refuse(operation: Any, reason: str) -> KerasModelError:
    return KerasModelError(
        f"Unsupported {describe(operation)}: {reason}. Between layers nn2poly reads element-wise "
        "activations, arithmetic by constants, sums and differences, slices of the features, "
        "reshapes and concatenations."
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _activation(operation: Any) -> str | None:
    kind = type(operation).__name__
    if kind == "Gelu":
        return "gelu_tanh" if getattr(operation, "approximate", False) else "gelu"
    if kind in ("Softmax", "LogSoftmax"):
        axis = getattr(operation, "axis", -1)
        if axis not in (-1, 1):
            raise _refuse(operation, f"a softmax over axis {axis!r} (expected -1)")
        return "softmax" if kind == "Softmax" else "log_softmax"

    def read(attribute: str) -> float | None:
        value = getattr(operation, attribute, None)
        return None if value is None else float(value)

    found = activation_for("keras", _ACTIVATIONS.get(kind, _snake(kind)), read)
    return None if found is None else found.name


def _constant(operation: Any, value: Any, x: KerasTensor) -> FloatArray:
    array = np.asarray(value, dtype=np.float64)
    try:
        flat: FloatArray = np.broadcast_to(array, (1, *x.shape)).reshape(-1).copy()
    except ValueError:
        reason = f"a constant of shape {array.shape} on values of shape {x.shape}"
        raise _refuse(operation, reason) from None
    return flat


def _arguments(node: Any, inputs: list[KerasTensor]) -> list[Any]:
    """The call's positional arguments, its tensors replaced by the values read."""
    tensors = iter(inputs)
    keras_tensors = {id(tensor) for tensor in node.input_tensors}
    return [next(tensors) if id(arg) in keras_tensors else arg for arg in node.arguments.args]


def _arithmetic(builder: GraphBuilder, operation: Any, kind: str, args: list[Any]) -> KerasTensor:
    if kind == "Negative":
        return KerasTensor(builder.scale_shift(args[0].value, -1.0), args[0].shape)
    first, second = args[0], args[1]
    values = [arg for arg in (first, second) if isinstance(arg, KerasTensor)]
    if len(values) == 2:
        if kind not in ("Add", "Subtract") or first.shape != second.shape:
            reason = "a product or quotient of two values, which is not affine in them"
            raise _refuse(operation, reason if kind not in ("Add", "Subtract") else "broadcasting")
        other = second.value if kind == "Add" else builder.scale_shift(second.value, -1.0)
        return KerasTensor(builder.add(first.value, other), first.shape)
    x = values[0]
    constant = _constant(operation, second if x is first else first, x)
    if kind == "Add":
        return KerasTensor(builder.scale_shift(x.value, 1.0, constant), x.shape)
    if kind == "Subtract":
        if x is first:
            return KerasTensor(builder.scale_shift(x.value, 1.0, -constant), x.shape)
        return KerasTensor(builder.scale_shift(x.value, -1.0, constant), x.shape)
    if kind == "Multiply":
        return KerasTensor(builder.scale_shift(x.value, constant), x.shape)
    if x is not first:
        raise _refuse(operation, "a constant divided by a value, which is not affine")
    return KerasTensor(builder.scale_shift(x.value, 1.0 / constant), x.shape)


def _index(operation: Any, key: Any, shape: tuple[int, ...]) -> NDArray[np.int64]:
    parts = key if isinstance(key, tuple) else (key,)
    if not parts or parts[0] != slice(None):
        raise _refuse(operation, f"an index {key!r} that does not keep the batch axis whole")
    if not all(isinstance(p, (slice, int)) or p is Ellipsis or p is None for p in parts[1:]):
        raise _refuse(operation, f"an index {key!r} by tensors")
    picked: NDArray[np.int64] = np.arange(math.prod(shape)).reshape(shape)[parts[1:]]
    return picked


def _reshaped(operation: Any, kind: str, x: KerasTensor) -> NDArray[np.int64]:
    order = np.arange(math.prod(x.shape)).reshape(x.shape)
    if kind == "Reshape":
        target = tuple(operation.newshape)
        if not target or target[0] not in (-1, None):
            raise _refuse(operation, f"a reshape to {target!r} that does not keep the batch axis")
        return order.reshape(tuple(-1 if d is None else d for d in target[1:]))
    if kind == "ExpandDims":
        axis = operation.axis
        return np.expand_dims(order, axis - 1 if axis > 0 else axis)
    if kind == "Squeeze":
        axis = operation.axis
        if axis is None:
            return np.squeeze(order)
        return np.squeeze(order, axis - 1 if axis > 0 else axis)
    axes = operation.axes
    if axes is None or axes[0] != 0:
        raise _refuse(operation, f"a transpose {axes!r} that moves the batch axis")
    moved: NDArray[np.int64] = order.transpose([a - 1 for a in axes[1:]])
    return moved


def read_operation(
    builder: GraphBuilder, operation: Any, node: Any, inputs: list[KerasTensor]
) -> KerasTensor:
    """What a ``keras.ops`` call (``operation`` at ``node``) computes from ``inputs``."""
    check_inputs(operation, inputs)
    kind = type(operation).__name__
    if node is None:
        raise _refuse(operation, "an operation outside a functional graph")
    args = _arguments(node, inputs)
    if kind in _ARITHMETIC:
        result = _arithmetic(builder, operation, kind, args)
    elif kind == "Concatenate":
        result = concatenate(builder, operation, inputs)
    elif kind == "GetItem":
        x = args[0]
        picked = _index(operation, args[1], x.shape)
        result = KerasTensor(builder.select(x.value, picked.reshape(-1)), picked.shape)
    elif kind in _SHAPES:
        x = args[0]
        new = _reshaped(operation, kind, x)
        result = KerasTensor(builder.select(x.value, new.reshape(-1)), new.shape)
    else:
        name = _activation(operation) if len(inputs) == 1 else None
        if name is None:
            raise _refuse(operation, "an operation that is neither affine nor an activation")
        result = activate(builder, operation, inputs[0], name)
    return KerasTensor(result.value, result.shape, describe(operation))
