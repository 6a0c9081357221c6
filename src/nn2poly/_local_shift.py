"""A network read at ``x0 + t``: the input of a local expansion moved to a point.

A chain absorbs a point ``x0`` into its first layer's bias.  In a graph the
input may also reach a sum or a concatenation directly (a residual or a skip
connection), where no bias can absorb it; :class:`ShiftedNetwork` keeps the
graph and the point instead: it evaluates ``t -> network(x0 + t)``, and the
engine starts its walk from the input polynomials ``x0 + t``.  The network's
nodes, and so every per-layer index, stay those of the original network.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._network import Network
from ._validation import invalid_value

__all__ = ["ShiftedNetwork"]

FloatArray = NDArray[np.float64]


class ShiftedNetwork(Network):
    """The network ``t -> network(x0 + t)`` (same nodes, same layers).

    Parameters
    ----------
    network : Network
        The network in the original inputs ``x``.
    origin : array_like of shape (n_inputs,)
        The point ``x0``; finite.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Add, Dense, Node
    >>> net = Network([Node("f", Dense(np.eye(1), np.zeros(1), "tanh"), ("input",)),
    ...                Node("y", Add(), ("input", "f"))])
    >>> moved = ShiftedNetwork(net, [0.5])
    >>> bool(np.allclose(moved.forward([[0.25]]), net.forward([[0.75]])))
    True
    """

    __slots__ = ("_origin",)

    def __init__(self, network: Network, origin: ArrayLike) -> None:
        point = np.array(origin, dtype=np.float64)
        if point.shape != (network.n_inputs,) or not np.all(np.isfinite(point)):
            raise invalid_value(
                "origin",
                point,
                f"a finite point of shape ({network.n_inputs},)",
                caller="ShiftedNetwork",
                fix="Pass one finite value per input feature.",
            )
        point.setflags(write=False)
        self._origin = point
        super().__init__(network.nodes, link=network.link, n_inputs=network.n_inputs)

    @property
    def origin(self) -> FloatArray:
        """The point ``x0`` the inputs are measured from."""
        return self._origin

    @property
    def unshifted(self) -> Network:
        """The network in the original inputs ``x``."""
        return Network(self.nodes, link=self.link, n_inputs=self.n_inputs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (ShiftedNetwork, (self.unshifted, self._origin))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return (
            isinstance(other, ShiftedNetwork)
            and super().__eq__(other) is True
            and bool(np.array_equal(self._origin, other._origin))
        )

    __hash__ = None

    def __repr__(self) -> str:
        return f"ShiftedNetwork({self.unshifted!r}, origin={self._origin.tolist()!r})"

    def with_link(self, link: str | None) -> ShiftedNetwork:
        """The same moved network with another output link."""
        return ShiftedNetwork(self.unshifted.with_link(link), self._origin)

    def forward(self, X: ArrayLike) -> FloatArray:
        """``network(origin + X)``."""
        return super().forward(self._check_input(X, "Network.forward") + self._origin)

    def pre_activations(self, X: ArrayLike) -> list[FloatArray]:
        """Each layer's pre-activations at ``origin + X``."""
        return super().pre_activations(
            self._check_input(X, "Network.pre_activations") + self._origin
        )

    def to_dict(self) -> dict[str, Any]:
        """Refused: a file holds networks in their original inputs."""
        raise invalid_value(
            "network",
            self,
            "a network in its original inputs",
            subject="ShiftedNetwork.to_dict: the network",
            fix="Save the network in its original inputs (shifted.unshifted.save(path)).",
        )
