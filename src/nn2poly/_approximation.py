"""The protocol between the conversion engine and the activation approximations.

The engine walks the layers once.  Before the walk it asks the *bound*
approximation (a :class:`LayerApproximation`: an approximation fixed to one
network and ``max_order``) which layers are kept exact, the degree of every
layer's polynomials and the working memory it needs; once the monomial basis
exists it calls :meth:`LayerApproximation.start` for a :class:`LayerWalker`,
which receives each layer's input polynomials in turn and returns that
layer's univariate polynomials.  :mod:`nn2poly._taylor` (NN2Poly's Taylor
expansion) and :mod:`nn2poly._fit` (polynomials fitted where the potentials
are) implement it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from ._memory import MemoryLimitError
from ._monomials import MonomialBasis
from ._network import Dense, Network
from ._validation import invalid_value
from .activations import get_activation

__all__ = [
    "DEFAULT_TAYLOR_ORDER",
    "MAX_TAYLOR_ORDER",
    "LayerApproximation",
    "LayerWalker",
    "ProductTable",
    "check_orders_type",
    "resolve_taylor_orders",
]

FloatArray = NDArray[np.float64]
ProductTable = tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]
#: one layer's univariate polynomials: ``sum_n coefficients[j, n] (t - centers[j])^n``
LayerPolynomials = tuple[FloatArray, FloatArray]

DEFAULT_TAYLOR_ORDER = 8
#: Largest order of an activation's expansion (its series costs time quadratic in the order).
MAX_TAYLOR_ORDER = 1000


class LayerWalker(Protocol):
    """Gives each layer's univariate polynomials during the engine's walk."""

    def __call__(self, index: int, layer: Dense, u: FloatArray) -> LayerPolynomials | None:
        """Polynomials of layer ``index`` given its input polynomials ``u``.

        ``u`` has shape ``(n_rows, n_out)`` over the basis: all its terms, or
        only the first ``n_inputs + 1`` (constant and linear) while the
        polynomials are affine.  Returns ``(centers, coefficients)`` of shapes
        ``(n_out,)`` and ``(n_out, degree + 1)``, or None for a layer kept exact.
        The walker is called for every layer, in order.
        """


class LayerApproximation(Protocol):
    """An approximation bound to one network and ``max_order``."""

    def is_identity(self, index: int, layer: Dense) -> bool:
        """Whether layer ``index`` keeps its input polynomials unchanged."""

    def degree(self, index: int, layer: Dense) -> int:
        """Degree of the univariate polynomials of layer ``index`` (for planning)."""

    def work_bytes(self, network: Network, basis_degree: int, n_terms: int) -> int:
        """Bytes of its own working arrays during the walk (for the memory plan)."""

    def start(self, basis: MonomialBasis, table: ProductTable | None) -> LayerWalker:
        """The walker for one conversion on ``basis`` (``table``: its product table, if any)."""

    def overflow_cause(self, index: int, layer: Dense) -> str:
        """The likely reason, and fix, when layer ``index`` gives non-finite coefficients."""


def check_orders_type(orders: object, *, caller: str) -> None:
    """Refuse an ``orders`` argument that is not None, an int or a sequence (values: at bind).

    Examples
    --------
    >>> check_orders_type([8, 1], caller="TaylorApproximation")
    """
    if isinstance(orders, bool) or not (
        orders is None
        or isinstance(orders, (int, np.integer, np.ndarray))
        or (isinstance(orders, Sequence) and not isinstance(orders, (str, bytes)))
    ):
        raise invalid_value(
            "orders",
            orders,
            "None, an int or a list with one int per layer",
            caller=caller,
            type_error=True,
        )


def resolve_taylor_orders(
    network: Network,
    taylor_orders: object,
    *,
    name: str = "taylor_orders",
    caller: str = "to_polynomial",
) -> tuple[int, ...]:
    """Per-layer orders from the user's ``taylor_orders`` argument.

    ``None`` gives 8 on non-linear layers and 1 on linear ones; an int gives
    that order on non-linear layers and 1 on linear ones; a sequence gives one
    order per layer, output layer included.  Orders above
    :data:`MAX_TAYLOR_ORDER` are refused before any work.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights([np.ones((3, 4)), np.ones((5, 1))], ["tanh", "linear"])
    >>> resolve_taylor_orders(net, None), resolve_taylor_orders(net, 5)
    ((8, 1), (5, 1))
    """
    n_layers = len(network.layers)
    linear = [get_activation(layer.activation).is_linear for layer in network.layers]
    fix = (
        "Taylor orders are the number of terms kept in each activation's expansion, e.g. 8; "
        "give None, one int, or a list with one int per layer."
    )

    def check(value: object, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise invalid_value(where, value, "a non-negative int", caller=caller, fix=fix)
        if value > MAX_TAYLOR_ORDER:
            raise MemoryLimitError(
                f"The {where!r} parameter of {caller} asks for an expansion of order "
                f"{value}, above the largest supported order {MAX_TAYLOR_ORDER} (an "
                "expansion's series costs time quadratic in its order, and terms beyond "
                "max_order only refine the constant and low-degree terms). Use an order of at "
                "most max_order + 10 or so."
            )
        return int(value)

    if taylor_orders is None:
        return tuple(1 if is_linear else DEFAULT_TAYLOR_ORDER for is_linear in linear)
    if isinstance(taylor_orders, (int, np.integer)) and not isinstance(taylor_orders, bool):
        order = check(taylor_orders, name)
        return tuple(1 if is_linear else order for is_linear in linear)
    if isinstance(taylor_orders, np.ndarray) and taylor_orders.ndim == 1:
        taylor_orders = taylor_orders.tolist()
    if isinstance(taylor_orders, (str, bytes)) or not isinstance(taylor_orders, Sequence):
        raise invalid_value(
            name,
            taylor_orders,
            "None, an int or a list with one int per layer",
            caller=caller,
            fix=fix,
            type_error=True,
        )
    orders = list(taylor_orders)
    if len(orders) != n_layers:
        raise invalid_value(
            name,
            taylor_orders,
            f"a list of {n_layers} orders, one per layer",
            caller=caller,
            fix=f"{name} has {len(orders)} entries but the network has {n_layers} "
            f"layers (activations {list(network.activations)}); give one order per layer, "
            "output layer included, or a single int.",
        )
    return tuple(check(value, f"{name}[{i}]") for i, value in enumerate(orders))
