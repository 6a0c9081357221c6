"""The walk over a Keras model's layers in the order Keras itself runs them.

A ``Sequential`` model is its layers in order.  A functional model is a graph
of layer calls (Keras's nodes, grouped by depth from the output); the walk
visits them as Keras's own ``Function._run_through_graph`` does, deepest
first, so every call's inputs are known when it is reached.  A model used as
a layer (a nested ``Sequential`` or functional model) is walked in turn.  What
a visit does is the caller's: read the layer into the graph builder, run it
with Keras, or collect it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from ._keras_layers import KerasModelError, import_keras

__all__ = ["chain_layers", "input_shape", "walk"]

T = TypeVar("T")

#: ``visit(operation, node, inputs) -> outputs``; ``node`` is None in a Sequential model.
Visit = Callable[[Any, Any, list[T]], list[T]]


def _refuse_subclassed(model: Any) -> KerasModelError:
    return KerasModelError(
        f"The model {model.name!r} ({type(model).__name__}) is a subclassed keras.Model whose "
        "call() nn2poly cannot read. Rebuild it as a Sequential or functional model, or "
        "convert its weights with nn2poly.Network.from_weights."
    )


def walk(model: Any, inputs: list[T], visit: Visit[T]) -> list[T]:
    """The outputs of ``model`` given ``inputs``, visiting each layer call in order."""
    keras = import_keras()
    if isinstance(model, keras.Sequential):
        if not model.built:
            raise KerasModelError(
                f"The Sequential model {model.name!r} is not built, so its weights do not exist "
                "yet; start it with keras.Input(shape=(n_features,)), or fit or call it once."
            )
        values = inputs
        for layer in model.layers:
            values = visit(layer, None, values)
        return values
    by_depth = getattr(model, "_nodes_by_depth", None)
    if not isinstance(by_depth, dict) or not hasattr(model, "inputs"):
        raise _refuse_subclassed(model)
    tensors = {id(tensor): value for tensor, value in zip(model.inputs, inputs, strict=True)}
    for depth in sorted(by_depth, reverse=True):
        for node in by_depth[depth]:
            if node.operation is None or node.is_input:
                continue
            if any(id(tensor) not in tensors for tensor in node.input_tensors):
                continue  # not computable from these inputs (Keras skips it too)
            outputs = visit(node.operation, node, [tensors[id(t)] for t in node.input_tensors])
            for tensor, value in zip(node.outputs, outputs, strict=False):
                tensors[id(tensor)] = value
    missing = [tensor for tensor in model.outputs if id(tensor) not in tensors]
    if missing:
        raise KerasModelError(
            f"The outputs of the model {model.name!r} do not follow from its inputs."
        )
    return [tensors[id(tensor)] for tensor in model.outputs]


def input_shape(model: Any) -> tuple[int, ...]:
    """The shape of the model's one input without the batch dimension; refuses others."""
    keras = import_keras()
    if isinstance(model, keras.Sequential) and not model.built:
        walk(model, [], lambda *_: [])  # refuses it, naming the model
    if not isinstance(model, keras.Sequential) and not hasattr(model, "_nodes_by_depth"):
        raise _refuse_subclassed(model)
    try:
        inputs, outputs = list(model.inputs), list(model.outputs)
    except (AttributeError, TypeError, ValueError):
        raise _refuse_subclassed(model) from None
    if len(inputs) != 1 or len(outputs) != 1:
        raise KerasModelError(
            f"The model {model.name!r} has {len(inputs)} inputs and {len(outputs)} outputs; "
            "nn2poly reads models with one input and one output (join several inputs into "
            "one with a Concatenate before the model)."
        )
    shape = tuple(inputs[0].shape[1:])
    if any(dim is None for dim in shape) or not shape:
        raise KerasModelError(
            f"The model input has shape {tuple(inputs[0].shape)!r}; nn2poly reads inputs of "
            "fixed size, (batch, n_features) or (batch, *dims) flattened to math.prod(dims)."
        )
    return tuple(int(dim) for dim in shape)


def chain_layers(model: Any) -> list[Any]:
    """The layers of a Keras model in the order they run, nested models expanded.

    Parameters
    ----------
    model : keras.Model
        A built ``Sequential`` or functional model.

    Returns
    -------
    list of keras.layers.Layer

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
    >>> [layer.name for layer in chain_layers(model)]
    ['d']
    """
    keras = import_keras()
    found: list[Any] = []

    def visit(operation: Any, node: Any, values: list[None]) -> list[None]:
        if isinstance(operation, keras.Model):
            return walk(operation, list(values), visit)
        if operation not in found:
            found.append(operation)
        return [None] * max(1, len(node.outputs) if node is not None else 1)

    if not isinstance(model, keras.Sequential) and not hasattr(model, "_nodes_by_depth"):
        raise _refuse_subclassed(model)
    inputs = getattr(model, "inputs", None) or [None]
    walk(model, [None] * len(inputs), visit)
    return found


def flat_size(shape: tuple[int, ...]) -> int:
    """Number of features of a value of ``shape``."""
    return math.prod(shape)
