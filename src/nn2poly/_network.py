"""Framework-neutral description of a feed-forward network.

A :class:`Network` is either a chain of :class:`Dense` layers, layer ``l``
mapping its input ``z`` (shape ``(n_samples, n_in)``) to
``activation(z @ weight + bias)``, or a directed acyclic graph of
:class:`~nn2poly._graph.Node` entries that also sum values (residual
connections) and concatenate them along the features.  Nothing here knows
which framework a network came from; the adapters in
:mod:`nn2poly.adapters` build networks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._data import as_plain_array
from ._dense import Dense, as_float_array
from ._graph import INPUT, Add, Concatenate, Node, Step, run_graph, schedule
from ._jsonio import read_json, write_json
from ._network_graph import LINK_CONSTRAINTS, chain_nodes, check_chain, check_graph, is_chain
from ._network_io import network_from_dict, network_to_dict
from ._validation import Interval, check_param, invalid_value
from .activations import get_activation

__all__ = ["Add", "Concatenate", "Dense", "Network", "Node"]


def _rebuild(nodes: tuple[Node, ...], link: str | None, n_inputs: int) -> Network:
    """A network from its pickled parts (checked again as it is built)."""
    return Network(nodes, link=link, n_inputs=n_inputs)


class Network:
    """An immutable feed-forward network: a chain of :class:`Dense` layers or a graph.

    Parameters
    ----------
    layers : sequence of Dense, or sequence of Node
        Dense layers form a chain: layer ``l``'s ``n_in`` must equal layer
        ``l-1``'s ``n_out``.  :class:`Node` entries form a graph: each node
        applies a :class:`Dense`, an :class:`Add` (a residual connection) or a
        :class:`Concatenate` to earlier nodes or to ``"input"``, every node
        comes after the nodes it reads, and the last node is the output.
    link : {None, "sigmoid", "softmax"}, default=None
        The output link of a classifier whose last layer gives logits; it is
        kept with the network (and its JSON file) and becomes the
        polynomial's link.
    n_inputs : int, optional
        The number of input features; needed only for a graph in which no
        dense layer reads the input directly.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights(
    ...     [np.array([[0.1, -0.2], [0.5, 0.3]]), np.array([[0.0], [1.0], [-1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> net.n_inputs, net.n_outputs, net.widths
    (1, 1, (2, 1))
    >>> net.forward(np.zeros((1, 1))).round(6)
    array([[0.297043]])

    A residual block, ``y = h + tanh(h W + b)`` with ``h = x``:

    >>> block = Network([
    ...     Node("f", Dense(np.eye(2), np.zeros(2), "tanh"), ("input",)),
    ...     Node("y", Add(), ("input", "f")),
    ... ])
    >>> block.forward(np.array([[1.0, 0.0]])).round(4)
    array([[1.7616, 0.    ]])
    """

    __slots__ = ("_chain", "_layers", "_link", "_n_inputs", "_nodes", "_steps", "_widths")

    def __init__(
        self,
        layers: Sequence[Dense] | Sequence[Node],
        *,
        link: str | None = None,
        n_inputs: int | None = None,
    ) -> None:
        items = tuple(layers) if isinstance(layers, Sequence) else layers
        if not isinstance(items, tuple) or not items:
            raise invalid_value(
                "layers",
                layers,
                "a sequence of at least one layer",
                caller="Network",
                fix="A Network needs at least one Dense layer (or graph Node).",
            )
        if all(isinstance(item, Node) for item in items):
            nodes = cast(tuple[Node, ...], items)
        else:
            nodes = chain_nodes(check_chain(items))
        if n_inputs is not None:
            n_inputs = int(
                check_param("n_inputs", n_inputs, [Interval(int, 1, None)], caller="Network")
            )
        check_param("link", link, LINK_CONSTRAINTS, caller="Network")
        width, widths = check_graph(nodes, n_inputs)
        self._nodes = nodes
        self._layers = tuple(node.operation for node in nodes if isinstance(node.operation, Dense))
        self._link = link
        self._n_inputs = width
        self._widths = widths
        self._chain = is_chain(nodes)
        self._steps = schedule(nodes)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._nodes, self._link, self._n_inputs))

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_steps"):
            raise AttributeError("a Network is immutable; build a new one")
        object.__setattr__(self, name, value)

    @property
    def layers(self) -> tuple[Dense, ...]:
        """The dense layers, in the order of the nodes (the layers the conversion approximates)."""
        return self._layers

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Every node of the graph in order (for a chain, ``layer 0``, ``layer 1``, ...)."""
        return self._nodes

    @property
    def link(self) -> str | None:
        """The output link declared for a classifier's logits, or None."""
        return self._link

    @property
    def is_chain(self) -> bool:
        """True when the network is a plain chain of dense layers."""
        return self._chain

    def with_link(self, link: str | None) -> Network:
        """The same network with another output link.

        Examples
        --------
        >>> import numpy as np
        >>> Network.from_weights([np.ones((2, 2))], "linear").with_link("softmax").link
        'softmax'
        """
        return Network(self._nodes, link=link, n_inputs=self._n_inputs)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_weights(
        cls,
        weights: Sequence[ArrayLike],
        activations: Sequence[str] | str,
        *,
        link: str | None = None,
    ) -> Network:
        """Build a network from the nn2poly weight-list layout.

        Parameters
        ----------
        weights : sequence of array_like, each of shape (n_in + 1, n_out)
            One matrix per layer, **bias in row 0**, column ``j`` for neuron ``j``
            (the layout of the R package nn2poly).
        activations : sequence of str or str
            One activation name per layer (output layer included), or one name
            for every layer.
        link : {None, "sigmoid", "softmax"}, default=None
            The output link, when the last layer gives a classifier's logits.

        Returns
        -------
        Network

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0, 0.1], [1.0, 2.0]]), np.ones((3, 1))],
        ...                            ["tanh", "linear"])
        >>> net.widths
        (2, 1)
        """
        caller = "Network.from_weights"
        weights = as_plain_array(weights)
        if isinstance(weights, np.ndarray) and weights.ndim == 2:
            weights = [weights]
        if not isinstance(weights, Sequence) or isinstance(weights, (str, bytes)):
            raise invalid_value(
                "weights",
                weights,
                "a list of (n_in + 1, n_out) matrices, one per layer",
                subject=f"{caller}: weights",
                type_error=True,
                fix=f"It is a {type(weights).__name__}.",
            )
        if isinstance(activations, str):
            activations = [activations] * len(weights)
        if not isinstance(activations, Sequence) or not all(
            isinstance(a, str) for a in activations
        ):
            raise invalid_value(
                "activations",
                activations,
                "a str (one activation for every layer) or a list with one name per layer",
                caller=caller,
                type_error=True,
            )
        activations = list(activations)
        if len(activations) != len(weights):
            raise invalid_value(
                "activations",
                activations,
                f"a list of {len(weights)} names, one per layer",
                caller=caller,
                fix=f"Got {len(weights)} weight matrices but {len(activations)} activations; "
                "give one activation per layer, output layer included.",
            )
        layers = []
        for index, (matrix, activation) in enumerate(zip(weights, activations, strict=True)):
            array = as_float_array(matrix, name=f"layer {index} weights", ndim=2)
            if array.shape[0] < 2:
                raise invalid_value(
                    f"weights[{index}]",
                    array,
                    "a matrix of shape (n_in + 1, n_out)",
                    caller=caller,
                    fix="The layout needs the bias in row 0 and at least one input row.",
                )
            layers.append(Dense(array[1:], array[0], activation, _name=f"layer {index}"))
        return cls(tuple(layers), link=link)

    def to_weights(self) -> list[NDArray[np.float64]]:
        """Return the weight-list layout: one (n_in + 1, n_out) matrix, bias in row 0.

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> net.to_weights()[0].tolist()
        [[0.0], [0.5]]
        """
        if not self._chain:
            raise invalid_value(
                "network",
                self,
                "a chain of dense layers",
                subject="Network.to_weights: the network",
                fix="The weight-list layout holds chains only; save a graph with "
                "Network.save (JSON) instead.",
            )
        return [np.vstack([layer.bias[None, :], layer.weight]) for layer in self.layers]

    @property
    def activations(self) -> tuple[str, ...]:
        """Activation name of each layer."""
        return tuple(layer.activation for layer in self.layers)

    @property
    def n_inputs(self) -> int:
        """Number of input features."""
        return self._n_inputs

    @property
    def n_outputs(self) -> int:
        """Number of outputs of the last node."""
        return self._widths[self._nodes[-1].name]

    @property
    def widths(self) -> tuple[int, ...]:
        """Number of neurons of each dense layer, output layer included."""
        return tuple(layer.n_out for layer in self._layers)

    def width_of(self, name: str) -> int:
        """The number of features node ``name`` (or ``"input"``) gives.

        Examples
        --------
        >>> import numpy as np
        >>> Network.from_weights([np.ones((3, 4))], "tanh").width_of("layer 0")
        4
        """
        return self._widths[name]

    def __len__(self) -> int:
        return len(self._layers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return (
            self._link == other._link
            and self._n_inputs == other._n_inputs
            and self._structure() == other._structure()
            and all(
                type(a.operation) is type(b.operation) and a.operation == b.operation
                for a, b in zip(self._nodes, other._nodes, strict=True)
            )
        )

    def _structure(self) -> list[tuple[int, ...]]:
        """Each node's inputs as positions (-1: the network's input): equality ignores names."""
        position = {node.name: index for index, node in enumerate(self._nodes)}
        position[INPUT] = -1
        return [tuple(position[name] for name in node.inputs) for node in self._nodes]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        link = f", link={self._link!r}" if self._link else ""
        if self._chain:
            shape = " -> ".join(
                [str(self.n_inputs)]
                + [f"{layer.n_out}[{layer.activation}]" for layer in self._layers]
            )
            return f"Network({shape}{link})"
        parts = []
        for node in self._nodes:
            operation = node.operation
            if isinstance(operation, Dense):
                what = f"{operation.n_out}[{operation.activation}]"
            else:
                what = type(operation).__name__.lower()
            parts.append(f"{node.name}: {what}({', '.join(node.inputs)})")
        return f"Network({self.n_inputs} -> {'; '.join(parts)}{link})"

    # ---------------------------------------------------------------- compute
    def _check_input(self, X: ArrayLike, caller: str) -> NDArray[np.float64]:
        X = as_plain_array(X)
        expected = f"a real array of shape (n_samples, {self.n_inputs})"
        if np.iscomplexobj(X):
            fix = "The network is evaluated on real inputs only."
            raise invalid_value("X", X, expected, caller=caller, fix=fix, type_error=True)
        array = np.asarray(X, dtype=np.float64)
        if array.ndim == 1 and self.n_inputs == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[1] != self.n_inputs:
            fix = (
                "Pass one column per input feature; reshape a single sample with X.reshape(1, -1)."
            )
            raise invalid_value("X", array, expected, caller=caller, fix=fix)
        return array

    def forward(self, X: ArrayLike) -> NDArray[np.float64]:
        """Network output for ``X``, float64, shape (n_samples, n_outputs).

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> net.forward(np.array([[2.0]])).round(4)
        array([[1.7616]])
        """
        z = self._check_input(X, "Network.forward")
        return run_graph(self._steps, z, lambda index, layer, value: layer.forward(value))

    def pre_activations(self, X: ArrayLike) -> list[NDArray[np.float64]]:
        """Each layer's pre-activation values for ``X``, one (n_samples, n_out) array per layer.

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> [u.round(4).tolist() for u in net.pre_activations(np.array([[2.0]]))]
        [[[1.0]], [[1.7616]]]
        """
        z = self._check_input(X, "Network.pre_activations")
        result = []

        def step(index: int, layer: Dense, value: NDArray[np.float64]) -> NDArray[np.float64]:
            u = layer.pre_activation(value)
            result.append(u)
            return get_activation(layer.activation).evaluate(u)

        run_graph(self._steps, z, step)
        return result

    @property
    def steps(self) -> tuple[Step, ...]:
        """The walk over the nodes (see :func:`nn2poly._graph.run_graph`)."""
        return self._steps

    # ------------------------------------------------------------ serialise
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary; floats are kept exactly (``repr`` round trip).

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"], link="sigmoid")
        >>> Network.from_dict(net.to_dict()) == net
        True
        """
        return network_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Network:
        """Inverse of :meth:`to_dict`; also reads the format's first version and the
        reference case layout (``{"input": {"weights": ..., "activations": ...}}``).

        Examples
        --------
        >>> Network.from_dict({"weights": [[[0.0], [0.5]]], "activations": ["tanh"]}).widths
        (1,)
        """
        return network_from_dict(data, cls, cls.from_weights)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network as JSON (exact float round trip).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
        >>> net.save(path)
        >>> Network.load(path) == net
        True
        """
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Read a network written by :meth:`save` (or a reference-layout JSON file).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
        >>> Network.from_weights([np.array([[0.0], [0.5]])], "tanh").save(path)
        >>> Network.load(path).activations
        ('tanh',)
        """
        return cls.from_dict(read_json(path))
