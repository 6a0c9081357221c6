"""Weight norms of a network (the l1 norms the NN2Poly constraint bounds)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._network import Network
from ._warnings import TaylorAccuracyWarning  # re-exported: its former home

__all__ = [
    "TaylorAccuracyWarning",
    "expanded_l1_norms",
    "hidden_l1_norms",
    "largest_expanded_l1_norm",
    "largest_hidden_l1_norm",
]

#: Tolerance above 1 before a neuron counts as unconstrained.
L1_TOLERANCE = 1e-6


def hidden_l1_norms(network: Network) -> list[NDArray[np.float64]]:
    """l1 norm of each hidden neuron's vector ``[bias; weights]``, one array per hidden layer.

    The output layer is left out: the NN2Poly weight constraint applies to
    hidden layers only.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights(
    ...     [np.array([[0.1, 0.5], [0.2, -0.5]]), np.ones((3, 1))], ["tanh", "linear"]
    ... )
    >>> [norms.round(3).tolist() for norms in hidden_l1_norms(net)]
    [[0.3, 1.0]]
    """
    with np.errstate(over="ignore"):  # weights near the float64 limit: an infinite norm
        return [
            np.abs(layer.bias) + np.abs(layer.weight).sum(axis=0) for layer in network.layers[:-1]
        ]


def largest_hidden_l1_norm(network: Network) -> tuple[float, int]:
    """The largest hidden-neuron l1 norm and its layer's index ((0.0, -1) without hidden layers)."""
    best, where = 0.0, -1
    for index, norms in enumerate(hidden_l1_norms(network)):
        if norms.size and float(norms.max()) > best:
            best, where = float(norms.max()), index
    return best, where


def expanded_l1_norms(network: Network) -> list[NDArray[np.float64]]:
    """l1 norms of ``[bias; weights]`` of the neurons whose activation is expanded:
    every hidden layer, and the output layer when its activation is not linear."""
    from .activations import get_activation

    norms = hidden_l1_norms(network)
    last = network.layers[-1]
    if not get_activation(last.activation).is_linear:
        with np.errstate(over="ignore"):
            norms.append(np.abs(last.bias) + np.abs(last.weight).sum(axis=0))
    return norms


def largest_expanded_l1_norm(network: Network, skip: list[bool] | None = None) -> tuple[float, int]:
    """The largest l1 norm among expanded neurons and its layer ((0.0, -1) if none).

    ``skip[l]`` leaves layer ``l`` out (e.g. an exact polynomial expansion).
    """
    best, where = 0.0, -1
    for index, norms in enumerate(expanded_l1_norms(network)):
        if skip is not None and skip[index]:
            continue
        if norms.size and float(norms.max()) > best:
            best, where = float(norms.max()), index
    return best, where
