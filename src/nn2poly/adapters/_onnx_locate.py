"""Name the first ONNX node whose reading differs from what the graph computes.

When the network read from a graph does not reproduce it, the graph is read
a second time into an :class:`EagerBuilder`, which computes every operation
on the check's inputs at once; each node's output, as read, is then compared
with the graph's own value of that tensor, in the graph's order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..activations import get_activation
from ._agreement import disagreement, with_link
from ._onnx_graph import read_graph
from ._onnx_patterns import Expr
from ._onnx_values import OnnxGraphError, Tensor, describe

__all__ = ["EagerBuilder", "locate"]

FloatArray = NDArray[np.float64]


class EagerBuilder:
    """The graph builder's operations computed on arrays of samples (rows) at once.

    Examples
    --------
    >>> import numpy as np
    >>> b = EagerBuilder(np.array([[1.0, -2.0]]))
    >>> b.activation(b.affine(b.input, np.eye(2), [0.0, 2.0]), "relu")
    array([[1., 0.]])
    """

    def __init__(self, X: ArrayLike) -> None:
        self._input = np.asarray(X, dtype=np.float64)

    @property
    def input(self) -> FloatArray:
        """The samples' input features."""
        return self._input

    def affine(self, value: FloatArray, weight: ArrayLike, bias: ArrayLike | None = None) -> Any:
        """``value @ weight + bias``."""
        out = value @ np.asarray(weight, dtype=np.float64)
        return out if bias is None else out + np.asarray(bias, dtype=np.float64)

    def scale_shift(self, value: FloatArray, scale: ArrayLike = 1.0, shift: ArrayLike = 0.0) -> Any:
        """``value * scale + shift``."""
        return value * np.asarray(scale, dtype=np.float64) + np.asarray(shift, dtype=np.float64)

    def select(self, value: FloatArray, indices: Sequence[int] | NDArray[np.int64]) -> Any:
        """The features ``indices``."""
        return value[:, np.asarray(indices, dtype=np.int64)]

    def add(self, *values: FloatArray) -> Any:
        """The sum of the values."""
        return np.sum(values, axis=0)

    def concatenate(self, values: Sequence[FloatArray]) -> Any:
        """The values side by side."""
        return np.concatenate(list(values), axis=1)

    def activation(self, value: FloatArray, activation: str, *, name: str | None = None) -> Any:
        """``activation`` applied feature by feature."""
        return np.asarray(get_activation(activation)(value), dtype=np.float64)

    def softmax(self, value: FloatArray, *, log: bool = False) -> Any:
        """The softmax (or log-softmax) over the features."""
        return with_link(value, "softmax", log=log)


def locate(
    model: Any,
    X: FloatArray,
    rtol: float,
    run_graph: Callable[[Any, NDArray[Any], Sequence[str]], list[NDArray[Any]]],
) -> str | None:
    """The first node whose output, as read, differs from the graph's; None if none does.

    ``X`` holds flat input rows; ``run_graph(model, inputs, names)`` returns
    the graph's output and the tensors named.
    """
    try:
        reading = read_graph(model, lambda n_inputs: EagerBuilder(X))
    except (OnnxGraphError, ValueError):
        return None
    names = [
        name
        for node in model.graph.node
        for name in node.output
        if isinstance(reading.values.get(name), (Tensor, Expr))
    ]
    inputs = X.reshape(len(X), *reading.values[_input_name(model, reading)].shape)
    try:
        graph_values = run_graph(model, inputs, names)[1:]
    except (RuntimeError, ValueError, TypeError):
        return None
    for name, graph_value in zip(names, graph_values, strict=True):
        try:
            tensor = reading.tensor(name)
        except (OnnxGraphError, ValueError):
            continue  # a part of an activation written as several nodes
        if tensor is None:
            continue
        theirs = np.moveaxis(np.asarray(graph_value, dtype=np.float64), tensor.batch_axis, 0)
        ours = np.asarray(tensor.value, dtype=np.float64)
        where = describe(reading.producers[name])
        if theirs.size != ours.size:
            return where
        if disagreement(theirs.reshape(ours.shape), ours, rtol, inputs=X) > 1.0:
            return where
    return None


def _input_name(model: Any, reading: Any) -> str:
    initializers = {tensor.name for tensor in model.graph.initializer}
    return str(next(v.name for v in model.graph.input if v.name not in initializers))
