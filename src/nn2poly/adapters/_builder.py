"""The one intermediate representation every adapter emits, and the network it builds.

An adapter reads a framework's model operation by operation and tells a
:class:`GraphBuilder` what each one computes, in terms of :class:`Value`
handles: affine maps (dense layers, matrix products, convolutions lowered to
matrices, batch normalisation and scalers as per-feature scalings, feature
selections for reshapes), element-wise activations, sums and concatenations.

The builder keeps every value as an affine function of the nodes built so far
(``sum_k z_k @ M_k + b``), so consecutive affine maps, scalings, constant
shifts and sums fold exactly into the next dense layer.  Only an activation
makes a node.  :meth:`GraphBuilder.build` then drops what the output does not
read, peels a final sigmoid or softmax off as the classifier's link, and
returns the :class:`~nn2poly.Network`: a chain where the model is one, a
graph with :class:`~nn2poly.Add` and :class:`~nn2poly.Concatenate` nodes
otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._dense import Dense
from .._graph import INPUT, Add, Concatenate, Node
from .._network import Network
from .._validation import InvalidParameterError, InvalidParameterTypeError, invalid_value

__all__ = ["GraphBuilder", "Value"]

FloatArray = NDArray[np.float64]

#: What every refusal speaks of: the model being read, as its operations.
_SUBJECT = "The operations of the 'model' parameter of adapt"


def not_a_network(
    found: object, expected: str, fix: str
) -> InvalidParameterError | InvalidParameterTypeError:
    """The error (a ValueError) for operations that do not form a network nn2poly reads."""
    return invalid_value("model", found, expected, subject=_SUBJECT, fix=fix)


@dataclass(frozen=True, eq=False)
class Value:
    """A value flowing through the model: ``sum_k z_k @ terms[k] + bias``.

    ``terms`` maps the name of a node built so far (or ``"input"``) to a
    matrix of shape (that node's width, ``width``).  Values are immutable;
    every operation of :class:`GraphBuilder` returns a new one.
    """

    terms: dict[str, FloatArray]
    bias: FloatArray
    link: str | None = field(default=None)
    #: the node this value is exactly (identity matrix, zero bias), so that a
    #: map applied to it needs no product with the identity
    exact: str | None = field(default=None, repr=False)

    @property
    def width(self) -> int:
        """Number of features of the value."""
        return int(self.bias.shape[0])


def _vector(values: ArrayLike, width: int, what: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    try:
        return np.broadcast_to(array, (width,)).astype(np.float64, copy=True)
    except ValueError:
        raise not_a_network(
            array,
            f"a scalar or a vector of {width} values",
            f"{what} has shape {array.shape}, which does not fit the {width} features it "
            "applies to.",
        ) from None


class GraphBuilder:
    """Collect a model's operations as values, then build its :class:`~nn2poly.Network`.

    Parameters
    ----------
    n_inputs : int
        Number of input features of the model (after flattening).

    Examples
    --------
    A residual block ``y = h + tanh(h @ W2)`` on ``h = tanh(x @ W1 + b1)``:

    >>> import numpy as np
    >>> builder = GraphBuilder(2)
    >>> h = builder.activation(builder.affine(builder.input, np.ones((2, 3)), np.zeros(3)),
    ...                        "tanh", name="h")
    >>> f = builder.activation(builder.affine(h, np.eye(3)), "tanh", name="f")
    >>> y = builder.affine(builder.add(h, f), np.ones((3, 1)))
    >>> net = builder.build(y)
    >>> [node.name for node in net.nodes]
    ['h', 'f', 'output.concat', 'output']
    >>> x = np.array([[0.5, -0.25]])
    >>> hidden = np.tanh(x @ np.ones((2, 3)))
    >>> bool(np.allclose(net.forward(x), (hidden + np.tanh(hidden)).sum(axis=1)))
    True
    """

    def __init__(self, n_inputs: int) -> None:
        self._n_inputs = int(n_inputs)
        self._nodes: list[Node] = []
        self._widths: dict[str, int] = {INPUT: self._n_inputs}
        self._log_link = False

    # ------------------------------------------------------------- values
    @property
    def input(self) -> Value:
        """The model's input features."""
        return Value({INPUT: np.eye(self._n_inputs)}, np.zeros(self._n_inputs), exact=INPUT)

    @property
    def log_link(self) -> bool:
        """True when the output is the log of its link (``LogSoftmax``)."""
        return self._log_link

    def constant_like(self, value: Value, constant: ArrayLike) -> Value:
        """A constant vector of ``value``'s width (a value that reads no node)."""
        return Value({}, _vector(constant, value.width, "A constant"))

    @staticmethod
    def _usable(value: Value, what: str) -> None:
        if value.link is not None:
            raise not_a_network(
                value.link,
                f"a {value.link} only as the model's final output (its link)",
                f"{what} is applied after a {value.link}; nn2poly reads a {value.link} only as "
                "the last operation of a classifier.",
            )

    def affine(self, value: Value, weight: ArrayLike, bias: ArrayLike | None = None) -> Value:
        """``value @ weight + bias``, ``weight`` of shape (value.width, n_out)."""
        self._usable(value, "An affine map")
        matrix = np.asarray(weight, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != value.width:
            raise not_a_network(
                matrix,
                f"a matrix with {value.width} rows (the features flowing at that point)",
                f"An affine map of weight shape {matrix.shape} is applied to {value.width} "
                "features.",
            )
        offset = value.bias @ matrix
        if bias is not None:
            offset = offset + _vector(bias, matrix.shape[1], "A bias")
        if value.exact is not None:
            return Value({value.exact: matrix.copy()}, offset)
        terms = {name: term @ matrix for name, term in value.terms.items()}
        return Value(terms, offset)

    def scale_shift(self, value: Value, scale: ArrayLike = 1.0, shift: ArrayLike = 0.0) -> Value:
        """The per-feature map ``value * scale + shift`` (scalars broadcast)."""
        self._usable(value, "A scaling")
        factor = _vector(scale, value.width, "A scale")
        offset = _vector(shift, value.width, "A shift")
        terms = {name: term * factor[None, :] for name, term in value.terms.items()}
        return Value(terms, value.bias * factor + offset)

    def select(self, value: Value, indices: Sequence[int] | NDArray[np.int64]) -> Value:
        """The features ``indices`` of ``value``, in that order (reshapes, slices, permutes)."""
        self._usable(value, "A selection")
        chosen = np.asarray(indices, dtype=np.int64)
        if chosen.ndim != 1 or (chosen.size and (chosen.min() < 0 or chosen.max() >= value.width)):
            raise not_a_network(
                chosen,
                f"feature indices in [0, {value.width})",
                "A selection picks features that do not exist.",
            )
        terms = {name: term[:, chosen] for name, term in value.terms.items()}
        return Value(terms, value.bias[chosen])

    def add(self, *values: Value) -> Value:
        """The sum of values of one width (a residual connection)."""
        for value in values:
            self._usable(value, "A sum")
        widths = {value.width for value in values}
        if len(widths) != 1:
            raise not_a_network(
                sorted(widths),
                "values of one width",
                f"A sum adds values of widths {sorted(widths)}.",
            )
        terms: dict[str, FloatArray] = {}
        for value in values:
            for name, term in value.terms.items():
                terms[name] = terms[name] + term if name in terms else term.copy()
        return Value(terms, np.sum([value.bias for value in values], axis=0))

    def concatenate(self, values: Sequence[Value]) -> Value:
        """Values side by side along the features, in order."""
        for value in values:
            self._usable(value, "A concatenation")
        widths = [value.width for value in values]
        total = sum(widths)
        terms: dict[str, FloatArray] = {}
        start = 0
        for value, width in zip(values, widths, strict=True):
            for name, term in value.terms.items():
                if name not in terms:
                    terms[name] = np.zeros((term.shape[0], total))
                terms[name][:, start : start + width] = term
            start += width
        return Value(terms, np.concatenate([value.bias for value in values]))

    # -------------------------------------------------------------- nodes
    def _name(self, name: str | None, kind: str) -> str:
        base = name or f"{kind}_{len(self._nodes)}"
        if base == INPUT:
            base = f"{base}_"
        candidate, suffix = base, 1
        while candidate in self._widths:
            suffix += 1
            candidate = f"{base}_{suffix}"
        return candidate

    def _append(self, name: str, node: Node, width: int) -> str:
        self._nodes.append(node)
        self._widths[name] = width
        return name

    def _identity_source(self, value: Value) -> str | None:
        """The node ``value`` is exactly (identity matrix, no bias), or None."""
        if value.exact is not None:
            return value.exact
        if len(value.terms) != 1 or np.any(value.bias != 0.0):
            return None
        ((name, term),) = value.terms.items()
        if term.shape[0] == term.shape[1] and np.array_equal(term, np.eye(term.shape[0])):
            return name
        return None

    def _dense(self, value: Value, activation: str, name: str | None) -> str:
        """Make ``activation(value)`` a node (an Add or a Concatenate first if it reads several)."""
        label = self._name(name, "dense")
        if not value.terms:  # a constant: read from the input with a zero matrix
            value = Value({INPUT: np.zeros((self._n_inputs, value.width))}, value.bias)
        sources = list(value.terms)
        if len(sources) == 1:
            source, matrix = sources[0], value.terms[sources[0]]
        else:
            source = self._append(
                f"{label}.concat",
                Node(f"{label}.concat", Concatenate(), tuple(sources)),
                sum(self._widths[s] for s in sources),
            )
            matrix = np.vstack([value.terms[s] for s in sources])
        layer = Dense(matrix, value.bias, activation, _name=label)
        return self._append(label, Node(label, layer, (source,)), value.width)

    def activation(self, value: Value, activation: str, *, name: str | None = None) -> Value:
        """``activation`` (a registry name) applied feature by feature; makes a node.

        ``name`` is the operation's name in the model (kept as the node's name).
        """
        self._usable(value, f"The activation {activation!r}")
        if activation == "linear":
            return value
        label = self._dense(value, activation, name)
        return Value({label: np.eye(value.width)}, np.zeros(value.width), exact=label)

    def softmax(self, value: Value, *, log: bool = False) -> Value:
        """A softmax (``log``: log-softmax) over the features: the model's link, last only."""
        self._usable(value, "A softmax")
        self._log_link = log
        return Value(value.terms, value.bias, link="softmax")

    # -------------------------------------------------------------- build
    def _output_node(self, value: Value, name: str) -> str:
        """The node whose output is ``value``: an existing one, an Add, a Concatenate or a Dense."""
        source = self._identity_source(value)
        if source is not None and source != INPUT:
            return source
        if not np.any(value.bias != 0.0) and len(value.terms) > 1:
            identities = [
                s
                for s, term in value.terms.items()
                if term.shape[0] == value.width and np.array_equal(term, np.eye(value.width))
            ]
            if len(identities) == len(value.terms):
                label = self._name(name, "add")
                return self._append(label, Node(label, Add(), tuple(identities)), value.width)
        if not np.any(value.bias != 0.0) and self._is_concatenation(value):
            label = self._name(name, "concatenate")
            node = Node(label, Concatenate(), tuple(value.terms))
            return self._append(label, node, value.width)
        return self._dense(value, "linear", name)

    @staticmethod
    def _is_concatenation(value: Value) -> bool:
        """True when the terms are identity blocks side by side, in their order."""
        start = 0
        for term in value.terms.values():
            width = term.shape[0]
            if start + width > value.width:
                return False
            block = np.zeros_like(term)
            block[:, start : start + width] = np.eye(width)
            if not np.array_equal(term, block):
                return False
            start += width
        return start == value.width and len(value.terms) > 1

    def build(self, output: Value, *, name: str = "output", peel_sigmoid: bool = True) -> Network:
        """The network computing ``output``; a final softmax, or with ``peel_sigmoid`` a
        final sigmoid, becomes its link.  Nodes the output does not read are dropped.
        """
        link = output.link
        last = self._output_node(Value(output.terms, output.bias), name)
        needed = {last}
        for node in reversed(self._nodes):
            if node.name in needed:
                needed.update(node.inputs)
        nodes = [node for node in self._nodes if node.name in needed]
        final = nodes[-1]
        layer = final.operation
        if (
            link is None
            and peel_sigmoid
            and isinstance(layer, Dense)
            and layer.activation == "sigmoid"
        ):
            linear = Dense(layer.weight, layer.bias, "linear", _name=final.name)
            nodes[-1] = Node(final.name, linear, final.inputs)
            link = "sigmoid"
        return Network(tuple(nodes), link=link, n_inputs=self._n_inputs)
