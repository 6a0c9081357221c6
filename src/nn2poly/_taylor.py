"""NN2Poly's Taylor expansion of each activation, and when to warn about it."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._approximation import (
    LayerPolynomials,
    LayerWalker,
    ProductTable,
    check_orders_type,
    resolve_taylor_orders,
)
from ._graph import add_arrays, concatenate_arrays, run_graph
from ._monomials import MonomialBasis
from ._network import Dense, Network
from ._norms import L1_TOLERANCE, largest_expanded_l1_norm
from ._validation import Finite, Options, check_param
from ._warnings import TAYLOR_ADVICE, TaylorAccuracyWarning
from .activations import get_activation

__all__ = ["TaylorApproximation", "TaylorLayers", "potential_ranges"]

FloatArray = NDArray[np.float64]
#: lower and upper bounds of a value's features
Bounds = tuple[FloatArray, FloatArray]

#: Points at which an activation is sampled to bound its outputs over a range.
_N_RANGE_POINTS = 257
CENTER_CONSTRAINTS: list[Any] = [Options({"local"}), Finite()]


@dataclass(frozen=True)
class TaylorApproximation:
    """Replace each activation by its Taylor polynomial (NN2Poly).

    Parameters
    ----------
    orders : int, sequence of int or None, default=None
        Order of each activation's expansion.  None: 8 on non-linear layers
        and 1 on linear ones; an int: that order on every non-linear layer;
        a sequence: one order per layer, output layer included.  At most
        ``MAX_TAYLOR_ORDER`` (1000).
    center : float or "local", default=0.0
        Point every activation is expanded around (NN2Poly's is 0);
        ``"local"`` expands each neuron around its own potential at
        ``x = 0``, which gives the network's exact multivariate Taylor
        polynomial at 0 when every order is at least ``max_order``.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> local = nn2poly.TaylorApproximation(orders=8, center="local")
    >>> poly = nn2poly.to_polynomial(net, 3, approximation=local)
    >>> poly.degree
    3
    """

    orders: int | Sequence[int] | None = None
    center: float | str = 0.0

    def __post_init__(self) -> None:
        check_orders_type(self.orders, caller="TaylorApproximation")
        center = check_param(
            "center",
            self.center,
            CENTER_CONSTRAINTS,
            caller="TaylorApproximation",
            fix="Use 0.0 (NN2Poly) or 'local'.",
        )
        object.__setattr__(self, "center", center)

    def bind(self, network: Network, max_order: int) -> TaylorLayers:
        """This approximation for one network: per-layer orders resolved and checked.

        Examples
        --------
        >>> import numpy as np
        >>> from nn2poly import Network
        >>> net = Network.from_weights([np.ones((3, 4)), np.ones((5, 1))], ["tanh", "linear"])
        >>> TaylorApproximation(5).bind(net, 3).orders
        (5, 1)
        """
        orders = resolve_taylor_orders(
            network, self.orders, name="orders", caller="TaylorApproximation"
        )
        bound = TaylorLayers(orders, self.center)
        for index, layer in enumerate(network.layers):
            if not bound.is_identity(index, layer):
                get_activation(layer.activation).require_analytic()
        return bound


@dataclass(frozen=True)
class TaylorLayers:
    """A Taylor approximation bound to a network: one order per layer.

    Examples
    --------
    >>> TaylorLayers((8, 1), 0.0).center
    0.0
    """

    orders: tuple[int, ...]
    center: float | str = 0.0

    def is_identity(self, index: int, layer: Dense) -> bool:
        return get_activation(layer.activation).is_linear and self.orders[index] >= 1

    def degree(self, index: int, layer: Dense) -> int:
        if get_activation(layer.activation).is_linear:
            return min(self.orders[index], 1)
        return self.orders[index]

    def work_bytes(self, network: Network, basis_degree: int, n_terms: int) -> int:
        return 0

    def polynomials(self, index: int, layer: Dense, constants: FloatArray) -> LayerPolynomials:
        """Centres and Taylor coefficients of layer ``index`` given its potentials at 0."""
        activation = get_activation(layer.activation)
        if isinstance(self.center, str):
            centers = np.array(constants, dtype=np.float64)
        else:
            centers = np.full(layer.n_out, float(self.center))
        return centers, activation.taylor_coefficients(centers, self.orders[index])

    def start(self, basis: MonomialBasis, table: ProductTable | None) -> LayerWalker:
        def walk(index: int, layer: Dense, u: FloatArray) -> LayerPolynomials | None:
            if self.is_identity(index, layer):
                return None
            return self.polynomials(index, layer, u[0].copy())

        return walk

    def overflow_cause(self, index: int, layer: Dense) -> str:
        largest = float(np.max(np.abs(layer.weight), initial=0.0))
        text = (
            f"The weights may be too large for this max_order and Taylor order "
            f"{self.orders[index]} (largest |weight| of layer {index} is {largest:.3g})"
        )
        if not isinstance(self.center, str):
            text += f", or the expansion centre {self.center:g} too far from the potentials"
        return text + ". Lower max_order or the Taylor orders, or scale the weights down."

    def check_accuracy(self, network: Network, *, stacklevel: int = 2) -> None:
        """Warn (:class:`TaylorAccuracyWarning`) where the expansion may be inaccurate."""
        exact = [
            (get_activation(layer.activation).polynomial_degree or order + 1) <= order
            or self.is_identity(index, layer)
            for index, (layer, order) in enumerate(zip(network.layers, self.orders, strict=True))
        ]
        if isinstance(self.center, str) or self.center == 0.0:
            _warn_if_unconstrained(network, exact, stacklevel + 2)
        else:
            _warn_if_far(network, exact, self.center, stacklevel + 2)


def _reach(network: Network, exact: list[bool]) -> tuple[float, int]:
    """The largest |potential| an expanded neuron can receive for inputs in [-1, 1], and where."""
    reach, where = 0.0, -1
    for index, bounds in enumerate(potential_ranges(network)):
        largest = float(np.max(np.abs(bounds), initial=0.0)) if bounds.size else 0.0
        if not exact[index] and (largest > reach or not np.isfinite(largest)):
            reach, where = largest, index
    return reach, where


def _warn_if_unconstrained(network: Network, exact: list[bool], stacklevel: int) -> None:
    norm, layer = largest_expanded_l1_norm(network, skip=exact)
    if norm > 1.0 + L1_TOLERANCE:
        reach, where = _reach(network, exact)
        warnings.warn(
            f"The network is not l1-constrained: among the neurons whose activation is expanded, "
            f"the largest l1 norm of [bias; weights] is {norm:.3g} (layer {layer}). With inputs in "
            f"[-1, 1] the potentials of layer {where} can reach |u| = {reach:.3g}, while the "
            "Taylor expansion around 0 is accurate only for |u| up to about 1, so the polynomial "
            f"may not be faithful to the network. {TAYLOR_ADVICE}",
            TaylorAccuracyWarning,
            stacklevel=stacklevel,
        )
        return
    if network.is_chain:
        return
    # In a graph, sums of l1-constrained values (a residual connection) can leave [-1, 1].
    reach, where = _reach(network, exact)
    if reach > 1.0 + L1_TOLERANCE:
        warnings.warn(
            f"Every expanded neuron is l1-constrained, but the network's sums and "
            f"concatenations let the potentials of layer {where} reach |u| = {reach:.3g} with "
            "inputs in [-1, 1], while the Taylor expansion around 0 is accurate only for |u| up "
            f"to about 1, so the polynomial may not be faithful to the network. {TAYLOR_ADVICE}",
            TaylorAccuracyWarning,
            stacklevel=stacklevel,
        )


def potential_ranges(network: Network) -> list[FloatArray]:
    """Bounds of every neuron's potential for inputs in [-1, 1], one (n_out, 2) array per layer.

    Interval arithmetic through the nodes: through the weights, a sum adds the
    bounds and a concatenation stacks them; an activation's output range is
    bounded by sampling it over its potential range (and its end points).

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights([np.array([[0.5], [0.25]]), np.ones((2, 1))], ["tanh", "linear"])
    >>> potential_ranges(net)[0].tolist()
    [[0.25, 0.75]]
    """
    ranges: list[FloatArray] = []

    def dense(index: int, layer: Dense, value: Bounds) -> Bounds:
        low, high = value
        positive = np.maximum(layer.weight, 0.0)
        negative = np.minimum(layer.weight, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            u_low = layer.bias + low @ positive + high @ negative
            u_high = layer.bias + high @ positive + low @ negative
        ranges.append(np.column_stack([u_low, u_high]))
        activation = get_activation(layer.activation)
        if not (np.all(np.isfinite(u_low)) and np.all(np.isfinite(u_high))):
            return np.full(layer.n_out, -np.inf), np.full(layer.n_out, np.inf)
        grid = np.linspace(0.0, 1.0, _N_RANGE_POINTS)[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            values = activation.evaluate(u_low + grid * (u_high - u_low))
        return values.min(axis=0), values.max(axis=0)

    def add(values: Sequence[Bounds]) -> Bounds:
        with np.errstate(over="ignore", invalid="ignore"):
            return add_arrays([low for low, _ in values]), add_arrays([high for _, high in values])

    def concatenate(values: Sequence[Bounds]) -> Bounds:
        return (
            concatenate_arrays([low for low, _ in values]),
            concatenate_arrays([high for _, high in values]),
        )

    start = (-np.ones(network.n_inputs), np.ones(network.n_inputs))
    run_graph(network.steps, start, dense, add=add, concatenate=concatenate)
    return ranges


def _warn_if_far(network: Network, exact: list[bool], center: float, stacklevel: int) -> None:
    worst, where, span = 0.0, -1, (0.0, 0.0)
    for index, bounds in enumerate(potential_ranges(network)):
        if exact[index]:
            continue
        distance = np.maximum(np.abs(bounds[:, 0] - center), np.abs(bounds[:, 1] - center))
        j = int(np.argmax(distance))
        if float(distance[j]) > worst:
            worst, where = float(distance[j]), index
            span = (float(bounds[:, 0].min()), float(bounds[:, 1].max()))
    if worst > 1.0 + L1_TOLERANCE:
        warnings.warn(
            f"The expansion centre {center:g} is far from the potentials: with inputs in "
            f"[-1, 1] the potentials of layer {where} range over [{span[0]:.3g}, {span[1]:.3g}], "
            f"up to {worst:.3g} away from the centre, outside the region where the Taylor "
            f"expansion is accurate, so the polynomial may not be faithful to the network. "
            f"{TAYLOR_ADVICE}",
            TaylorAccuracyWarning,
            stacklevel=stacklevel,
        )
