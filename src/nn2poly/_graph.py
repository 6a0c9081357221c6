"""The nodes of a network graph and the one walk over them.

A :class:`nn2poly.Network` is a directed acyclic graph whose nodes are
:class:`Node` entries, listed in an order where every node comes after the
nodes it reads.  A node applies one operation to the outputs of earlier nodes
(or to the network's input, named ``"input"``):

* :class:`~nn2poly.Dense` -- ``activation(z @ weight + bias)`` of one input;
* :class:`Add` -- the sum of its inputs (a residual connection);
* :class:`Concatenate` -- its inputs side by side along the features.

The output of the network is the output of its last node.  :func:`run_graph`
walks the nodes in their order, handing each operation the values of its
inputs and dropping every value as soon as no later node reads it; the
network's evaluation, the polynomial engine and the diagnostics all walk the
graph through it.  A sum and a concatenation act on the last axis, so the same
walk serves samples (``(n_samples, width)``) and polynomial coefficients
(``(n_terms, width)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from ._dense import Dense

__all__ = [
    "INPUT",
    "Add",
    "Concatenate",
    "Node",
    "Operation",
    "Step",
    "pad_rows",
    "run_graph",
    "run_polynomial_graph",
    "schedule",
]

FloatArray = NDArray[np.float64]
Value = TypeVar("Value")

#: The name by which nodes read the network's input.
INPUT = "input"


@dataclass(frozen=True)
class Add:
    """The sum of a node's inputs, which all have the same width (a residual connection).

    Examples
    --------
    >>> Add()
    Add()
    """


@dataclass(frozen=True)
class Concatenate:
    """A node's inputs side by side along the features, in the order they are listed.

    Examples
    --------
    >>> Concatenate()
    Concatenate()
    """


Operation = Dense | Add | Concatenate


@dataclass(frozen=True, eq=False)
class Node:
    """One node of a network graph: an operation on named inputs.

    Parameters
    ----------
    name : str
        The node's name, unique in its network (not ``"input"``).
    operation : Dense, Add or Concatenate
        What the node computes from its inputs.
    inputs : sequence of str
        The names of the earlier nodes it reads, or ``"input"`` for the
        network's input.  A :class:`~nn2poly.Dense` reads exactly one.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Dense
    >>> Node("hidden", Dense(np.ones((2, 3)), np.zeros(3), "tanh"), ("input",)).inputs
    ('input',)
    """

    name: str
    operation: Operation
    inputs: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return (
            self.name == other.name
            and self.inputs == other.inputs
            and type(self.operation) is type(other.operation)
            and self.operation == other.operation
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Step:
    """One node of the walk: where its dense layer sits and which values die after it."""

    node: Node
    layer_index: int
    frees: tuple[str, ...]


def schedule(nodes: Sequence[Node]) -> tuple[Step, ...]:
    """The walk over ``nodes``: each node with its layer index and the values it frees.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Dense
    >>> a = Node("a", Dense(np.ones((1, 2)), np.zeros(2), "tanh"), ("input",))
    >>> s = Node("s", Add(), ("a", "a"))
    >>> [(step.node.name, step.layer_index, step.frees) for step in schedule([a, s])]
    [('a', 0, ('input',)), ('s', -1, ('a',))]
    """
    last_use: dict[str, int] = {}
    for position, node in enumerate(nodes):
        for name in node.inputs:
            last_use[name] = position
    steps = []
    layer_index = 0
    for position, node in enumerate(nodes):
        frees = tuple(dict.fromkeys(name for name in node.inputs if last_use.get(name) == position))
        if isinstance(node.operation, Dense):
            steps.append(Step(node, layer_index, frees))
            layer_index += 1
        else:
            steps.append(Step(node, -1, frees))
    return tuple(steps)


def add_arrays(values: Sequence[FloatArray]) -> FloatArray:
    """The element-wise sum of arrays of one shape (a fresh array).

    Examples
    --------
    >>> add_arrays([np.ones((1, 2)), np.ones((1, 2))]).tolist()
    [[2.0, 2.0]]
    """
    total = np.array(values[0], dtype=np.float64, copy=True)
    for value in values[1:]:
        total += value
    return total


def concatenate_arrays(values: Sequence[FloatArray]) -> FloatArray:
    """Arrays side by side along their last axis.

    Examples
    --------
    >>> concatenate_arrays([np.zeros((1, 1)), np.ones((1, 2))]).tolist()
    [[0.0, 1.0, 1.0]]
    """
    return np.concatenate(list(values), axis=-1)


def run_graph(
    steps: Sequence[Step],
    start: Value,
    dense: Callable[[int, Dense, Value], Value],
    *,
    add: Callable[[Sequence[Value]], Value] = add_arrays,  # type: ignore[assignment]
    concatenate: Callable[[Sequence[Value]], Value] = concatenate_arrays,  # type: ignore[assignment]
) -> Value:
    """Walk a network's nodes from the input value ``start``; the last node's value.

    ``dense(layer_index, layer, value)`` computes a dense node from its
    input's value; it must not modify that value in place (another node may
    read it), but it holds the only reference to a value no later node reads
    and may drop it early.  ``add`` and ``concatenate`` combine several values (by default
    arrays, along the last axis).  Values nobody reads any more are dropped
    before the node that read them last runs.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Dense
    >>> a = Node("a", Dense(np.array([[2.0]]), np.zeros(1)), ("input",))
    >>> s = Node("s", Add(), ("input", "a"))
    >>> run_graph(schedule([a, s]), np.array([[1.0]]),
    ...           lambda index, layer, z: layer.forward(z)).tolist()
    [[3.0]]
    """
    values: dict[str, Any] = {INPUT: start}
    result: Any = start
    for step in steps:
        node = step.node
        inputs = [values[name] for name in node.inputs]
        for name in step.frees:
            del values[name]
        operation = node.operation
        if isinstance(operation, Dense):
            # popped, not named: the callee holds the only reference and may drop it
            result = dense(step.layer_index, operation, inputs.pop())
        elif isinstance(operation, Add):
            result = add(inputs) if len(inputs) > 1 else inputs[0]
        else:
            result = concatenate(inputs) if len(inputs) > 1 else inputs[0]
        del inputs
        values[node.name] = result
    return cast(Value, result)


def pad_rows(z: FloatArray, n_rows: int) -> FloatArray:
    """``z`` with zero rows appended up to ``n_rows`` (itself when it has them).

    Examples
    --------
    >>> pad_rows(np.ones((1, 2)), 3).tolist()
    [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]
    """
    if z.shape[0] == n_rows:
        return z
    out = np.zeros((n_rows, *z.shape[1:]), dtype=np.float64)
    out[: z.shape[0]] = z
    return out


def run_polynomial_graph(
    steps: Sequence[Step],
    start: FloatArray,
    dense: Callable[[int, Dense, tuple[FloatArray, bool]], tuple[FloatArray, bool]],
    n_terms: int,
) -> FloatArray:
    """:func:`run_graph` on polynomial coefficients that may still be affine.

    Values are ``(coefficients, affine)`` pairs: while a value is affine only
    its first rows (constant and linear) are stored.  A sum or a
    concatenation of affine values stays affine; otherwise every operand is
    padded to ``n_terms`` rows first.  Overflow in a sum is left to the
    caller's finiteness checks.  Returns the output's coefficients, padded.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Dense
    >>> f = Node("f", Dense(np.eye(1), np.zeros(1)), ("input",))
    >>> steps = schedule([f, Node("s", Add(), ("input", "f"))])
    >>> x = np.array([[0.0], [1.0]])  # the polynomial x on the rows (1, x)
    >>> step = lambda index, layer, value: (value[0] @ layer.weight, value[1])
    >>> run_polynomial_graph(steps, x, step, 3).ravel().tolist()  # x + x
    [0.0, 2.0, 0.0]
    """

    def combine(
        values: Sequence[tuple[FloatArray, bool]],
        join: Callable[[Sequence[FloatArray]], FloatArray],
    ) -> tuple[FloatArray, bool]:
        affine = all(flag for _, flag in values)
        arrays = [z if affine else pad_rows(z, n_terms) for z, _ in values]
        with np.errstate(over="ignore", invalid="ignore"):
            return join(arrays), affine

    z, _ = run_graph(
        steps,
        (start, True),
        dense,
        add=lambda values: combine(values, add_arrays),
        concatenate=lambda values: combine(values, concatenate_arrays),
    )
    return pad_rows(z, n_terms)
