"""``resolve_approximation``: the one place an entry point's approximation options become
an approximation bound to the network."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._approximation import LayerApproximation, resolve_taylor_orders
from ._data import check_data
from ._fit import FitApproximation
from ._network import Network
from ._norms import L1_TOLERANCE, largest_expanded_l1_norm
from ._taylor import CENTER_CONSTRAINTS, TaylorApproximation, potential_ranges
from ._validation import InstanceOf, Options, check_param, invalid_value
from .activations import get_activation

__all__ = ["APPROXIMATION_CONSTRAINTS", "choose_approximation", "resolve_approximation"]

APPROXIMATION_CONSTRAINTS: list[Any] = [
    Options({"auto", "taylor", "fit"}),
    InstanceOf(
        (TaylorApproximation, FitApproximation), "a TaylorApproximation or FitApproximation"
    ),
]


def _is_zero(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def _expanded_exactly(network: Network, taylor_orders: Any, caller: str) -> list[bool]:
    """Per layer: kept exact by a Taylor expansion (linear, or a polynomial activation of
    degree at most its order), so its potentials may be anywhere."""
    orders = resolve_taylor_orders(network, taylor_orders, caller=caller)
    flags = []
    for layer, order in zip(network.layers, orders, strict=True):
        activation = get_activation(layer.activation)
        degree = activation.polynomial_degree
        flags.append(activation.is_linear or (degree is not None and degree <= order))
    return flags


def choose_approximation(
    network: Network,
    *,
    taylor_orders: Any = None,
    taylor_center: Any = 0.0,
    data: Any = None,
    interval: Any = None,
    caller: str = "to_polynomial",
) -> tuple[str, str]:
    """What ``approximation="auto"`` means for this network and these arguments, and why.

    Taylor (NN2Poly) when every expanded neuron is l1-constrained (and the
    data, if any, lie in [-1, 1], where the constraint keeps the potentials
    near 0), when a ``taylor_center`` is given, or when there are neither
    ``data`` nor ``interval``; otherwise ``"fit"`` on the data or interval.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights([np.array([[0.0], [3.0]]), np.ones((2, 1))], ["tanh", "linear"])
    >>> choose_approximation(net, data=np.zeros((5, 1)))[0]
    'fit'
    >>> choose_approximation(net)
    ('taylor', 'auto: neither data nor interval given')
    """
    if not _is_zero(taylor_center):
        return "taylor", "auto: taylor_center given"
    if data is None and interval is None:
        return "taylor", "auto: neither data nor interval given"
    exact = _expanded_exactly(network, taylor_orders, caller)
    norm, layer = largest_expanded_l1_norm(network, skip=exact)
    if norm > 1.0 + L1_TOLERANCE:
        return "fit", (
            f"auto: the network is not l1-constrained (largest l1 norm {norm:.3g}, layer {layer})"
        )
    if not network.is_chain:
        # sums of constrained neurons can still take later potentials out of [-1, 1]
        for index, bounds in enumerate(potential_ranges(network)):
            reach = float(np.max(np.abs(bounds), initial=0.0))
            if not exact[index] and reach > 1.0 + L1_TOLERANCE:
                return "fit", (
                    f"auto: the network's neurons are l1-constrained but its sums take the "
                    f"potentials of layer {index} to |u| = {reach:.3g}, outside [-1, 1]"
                )
    if data is not None:
        X = check_data(data, network.n_inputs)
        reach = float(np.max(np.abs(X), initial=0.0))
        if reach > 1.0 + L1_TOLERANCE:
            return "fit", (
                f"auto: the network is l1-constrained but the data reach |x| = {reach:.3g}, "
                "outside [-1, 1]"
            )
    return "taylor", f"auto: every expanded neuron is l1-constrained (largest l1 norm {norm:.3g})"


def resolve_approximation(
    approximation: Any,
    *,
    network: Network,
    max_order: int,
    taylor_orders: Any = None,
    taylor_center: Any = 0.0,
    data: Any = None,
    interval: Any = None,
    caller: str = "to_polynomial",
    data_name: str = "data",
) -> LayerApproximation:
    """The approximation an entry point asked for, bound to ``network``.

    ``approximation`` is ``"auto"`` (see :func:`choose_approximation`),
    ``"taylor"``, ``"fit"`` (with the shorthand keyword
    arguments ``taylor_orders``, ``taylor_center``, ``data``, ``interval``) or
    a :class:`~nn2poly.TaylorApproximation` / :class:`~nn2poly.FitApproximation`
    object (then the shorthand arguments must be left at their defaults).

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights([np.ones((3, 4)), np.ones((5, 1))], ["tanh", "linear"])
    >>> resolve_approximation("taylor", network=net, max_order=3, taylor_orders=5).orders
    (5, 1)
    """
    approximation = check_param(
        "approximation",
        approximation,
        APPROXIMATION_CONSTRAINTS,
        caller=caller,
        fix="For example approximation='fit' with data=X_train.",
    )
    if approximation == "auto":
        approximation, _ = choose_approximation(
            network,
            taylor_orders=taylor_orders,
            taylor_center=taylor_center,
            data=data,
            interval=interval,
            caller=caller,
        )
        if approximation == "taylor" and _is_zero(taylor_center):
            data = interval = None  # l1-constrained: the data are not needed
    if isinstance(approximation, str):
        resolve_taylor_orders(network, taylor_orders, caller=caller)  # named as the caller's
        center = check_param(
            "taylor_center",
            taylor_center,
            CENTER_CONSTRAINTS,
            caller=caller,
            fix="Use 0.0 (NN2Poly) or 'local'.",
        )
        if approximation == "taylor":
            if data is not None or interval is not None:
                name = data_name if data is not None else "interval"
                raise invalid_value(
                    name,
                    data if data is not None else interval,
                    "None",
                    caller=caller,
                    fix=f"{data_name} and interval are used by approximation='fit' only; drop "
                    "them, or pass approximation='fit'.",
                )
            approximation = TaylorApproximation(taylor_orders, center)
        else:
            if center != 0.0:
                raise invalid_value(
                    "taylor_center",
                    taylor_center,
                    "0.0 with approximation='fit'",
                    caller=caller,
                    fix="taylor_center applies to approximation='taylor' only; "
                    "approximation='fit' places each polynomial where the potentials are. Drop "
                    "taylor_center.",
                )
            approximation = FitApproximation(data, interval, taylor_orders)
    else:
        given = {
            "taylor_orders": (taylor_orders, taylor_orders is not None),
            "taylor_center": (taylor_center, not _is_zero(taylor_center)),
            data_name: (data, data is not None),
            "interval": (interval, interval is not None),
        }
        for name, (value, is_given) in given.items():
            if is_given:
                raise invalid_value(
                    name,
                    value,
                    "left at its default when approximation is an object",
                    caller=caller,
                    fix=f"Pass the option to {type(approximation).__name__}(...) instead.",
                )
    bound: LayerApproximation = approximation.bind(network, max_order)
    return bound
