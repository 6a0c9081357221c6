"""How each neuron's activation is replaced by a univariate polynomial.

The conversion engine asks an *approximation* for one polynomial per neuron
and layer, given the constant terms ``u_j(0)`` of the neurons' input
polynomials, and composes whatever it gets.  :class:`TaylorApproximation`
implements NN2Poly's Taylor expansion; other approximations (fitted over the
range of potentials a neuron sees) implement the same protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, Union

import numpy as np
from numpy.typing import NDArray

from ._network import Dense, Network
from .activations import get_activation

__all__ = ["LayerApproximation", "TaylorApproximation", "resolve_taylor_orders"]

FloatArray = NDArray[np.float64]
CenterSpec = Union[float, str]

DEFAULT_TAYLOR_ORDER = 8


class LayerApproximation(Protocol):
    """Protocol of the per-neuron polynomial approximations."""

    def is_identity(self, index: int, layer: Dense) -> bool:
        """Whether layer ``index`` keeps its input polynomials unchanged."""

    def degree(self, index: int, layer: Dense) -> int:
        """Degree of the univariate polynomials of layer ``index`` (for planning)."""

    def polynomials(
        self, index: int, layer: Dense, constants: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Return ``(centers, coefficients)``: neuron ``j``'s polynomial is
        ``sum_n coefficients[j, n] (t - centers[j])^n``; shapes (n_out,) and
        (n_out, degree + 1).  ``constants[j]`` is ``u_j(0)``."""


def resolve_taylor_orders(network: Network, taylor_orders: object) -> tuple[int, ...]:
    """Per-layer Taylor orders from the user's ``taylor_orders`` argument.

    ``None`` gives 8 on non-linear layers and 1 on linear ones; an int gives
    that order on non-linear layers and 1 on linear ones; a sequence gives one
    order per layer, output layer included.
    """
    n_layers = len(network.layers)
    linear = [get_activation(layer.activation).is_linear for layer in network.layers]

    def check(value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(
                f"{where} must be a non-negative int; got {value!r}. Taylor orders are the "
                "number of terms kept in each activation's expansion, e.g. 8."
            )
        return int(value)

    if taylor_orders is None:
        return tuple(1 if is_linear else DEFAULT_TAYLOR_ORDER for is_linear in linear)
    if isinstance(taylor_orders, (int, np.integer)) and not isinstance(taylor_orders, bool):
        order = check(taylor_orders, "taylor_orders")
        return tuple(1 if is_linear else order for is_linear in linear)
    if isinstance(taylor_orders, (str, bytes)) or not isinstance(taylor_orders, Sequence):
        if isinstance(taylor_orders, np.ndarray) and taylor_orders.ndim == 1:
            taylor_orders = taylor_orders.tolist()
        else:
            raise TypeError(
                "taylor_orders must be None, an int, or a list with one int per layer; got "
                f"{type(taylor_orders).__name__}."
            )
    orders = list(taylor_orders)  # type: ignore[arg-type]
    if len(orders) != n_layers:
        raise ValueError(
            f"taylor_orders has {len(orders)} entries but the network has {n_layers} layers "
            f"(activations {list(network.activations)}); give one order per layer, output "
            "layer included, or a single int."
        )
    return tuple(check(value, f"taylor_orders[{i}]") for i, value in enumerate(orders))


@dataclass(frozen=True)
class TaylorApproximation:
    """Each activation replaced by its Taylor polynomial.

    Parameters
    ----------
    orders : tuple of int
        Order of the expansion, one per layer.
    center : float or "local"
        A float expands every activation around that point (NN2Poly's
        default is 0).  ``"local"`` expands each neuron around its own
        pre-activation at ``x = 0``, which yields the network's exact
        multivariate Taylor polynomial at 0 when every order is at least the
        conversion's ``max_order``.
    """

    orders: tuple[int, ...]
    center: CenterSpec = 0.0

    def is_identity(self, index: int, layer: Dense) -> bool:
        return get_activation(layer.activation).is_linear and self.orders[index] >= 1

    def degree(self, index: int, layer: Dense) -> int:
        if get_activation(layer.activation).is_linear:
            return min(self.orders[index], 1)
        return self.orders[index]

    def polynomials(
        self, index: int, layer: Dense, constants: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        activation = get_activation(layer.activation)
        if isinstance(self.center, str):
            centers = np.array(constants, dtype=np.float64)
        else:
            centers = np.full(layer.n_out, float(self.center))
        return centers, activation.taylor_coefficients(centers, self.orders[index])
