"""Weight norms of a network (the l1 norms the NN2Poly constraint bounds)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._network import Dense, Network
from ._warnings import TaylorAccuracyWarning  # re-exported: its former home

__all__ = [
    "TaylorAccuracyWarning",
    "expanded_l1_norms",
    "hidden_l1_norms",
    "largest_expanded_l1_norm",
    "largest_hidden_l1_norm",
    "output_layers",
]

#: Tolerance above 1 before a neuron counts as unconstrained.
L1_TOLERANCE = 1e-6


def output_layers(network: Network) -> frozenset[int]:
    """Indices of the output layers: the dense layers whose values reach the network's
    output through sums and concatenations only (a chain's last layer).

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Concatenate, Dense, Node
    >>> net = Network([Node("a", Dense(np.ones((2, 3)), np.zeros(3), "tanh"), ("input",)),
    ...                Node("b", Dense(np.ones((3, 1)), np.zeros(1)), ("a",)),
    ...                Node("c", Dense(np.ones((2, 1)), np.zeros(1)), ("input",)),
    ...                Node("out", Concatenate(), ("b", "c"))])
    >>> sorted(output_layers(net))
    [1, 2]
    """
    reaching = {network.nodes[-1].name}
    found = set()
    for step in reversed(network.steps):
        if step.node.name not in reaching:
            continue
        if step.layer_index >= 0:
            found.add(step.layer_index)
        else:
            reaching.update(step.node.inputs)
    return frozenset(found)


def _l1_norms(layer: Dense) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):  # weights near the float64 limit: an infinite norm
        norms: NDArray[np.float64] = np.abs(layer.bias) + np.abs(layer.weight).sum(axis=0)
    return norms


def _hidden_indices(network: Network) -> list[int]:
    outputs = output_layers(network)
    return [index for index in range(len(network.layers)) if index not in outputs]


def hidden_l1_norms(network: Network) -> list[NDArray[np.float64]]:
    """l1 norm of each hidden neuron's vector ``[bias; weights]``, one array per hidden layer.

    The output layers are left out (a chain's last layer; in a graph every
    dense layer whose value reaches the output through sums and concatenations
    only): the NN2Poly weight constraint applies to hidden layers only.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights(
    ...     [np.array([[0.1, 0.5], [0.2, -0.5]]), np.ones((3, 1))], ["tanh", "linear"]
    ... )
    >>> [norms.round(3).tolist() for norms in hidden_l1_norms(net)]
    [[0.3, 1.0]]
    """
    return [_l1_norms(network.layers[index]) for index in _hidden_indices(network)]


def largest_hidden_l1_norm(network: Network) -> tuple[float, int]:
    """The largest hidden-neuron l1 norm and its layer's index ((0.0, -1) without hidden layers)."""
    best, where = 0.0, -1
    for index, norms in zip(_hidden_indices(network), hidden_l1_norms(network), strict=True):
        if norms.size and float(norms.max()) > best:
            best, where = float(norms.max()), index
    return best, where


def _expanded(network: Network) -> list[tuple[int, NDArray[np.float64]]]:
    """(layer index, l1 norms) of every hidden layer and every non-linear output layer."""
    from .activations import get_activation

    outputs = output_layers(network)
    return [
        (index, _l1_norms(layer))
        for index, layer in enumerate(network.layers)
        if index not in outputs or not get_activation(layer.activation).is_linear
    ]


def expanded_l1_norms(network: Network) -> list[NDArray[np.float64]]:
    """l1 norms of ``[bias; weights]`` of the neurons whose activation is expanded:
    every hidden layer, and the output layers whose activation is not linear."""
    return [norms for _, norms in _expanded(network)]


def largest_expanded_l1_norm(network: Network, skip: list[bool] | None = None) -> tuple[float, int]:
    """The largest l1 norm among expanded neurons and its layer ((0.0, -1) if none).

    ``skip[l]`` leaves layer ``l`` out (e.g. an exact polynomial expansion).
    """
    best, where = 0.0, -1
    for index, norms in _expanded(network):
        if skip is not None and skip[index]:
            continue
        if norms.size and float(norms.max()) > best:
            best, where = float(norms.max()), index
    return best, where
