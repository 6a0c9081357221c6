"""``resolve_approximation``: the one place an entry point's approximation options become
an approximation bound to the network."""

from __future__ import annotations

from typing import Any

from ._approximation import LayerApproximation, resolve_taylor_orders
from ._fit import FitApproximation
from ._network import Network
from ._taylor import CENTER_CONSTRAINTS, TaylorApproximation
from ._validation import InstanceOf, Options, check_param, invalid_value

__all__ = ["APPROXIMATION_CONSTRAINTS", "resolve_approximation"]

APPROXIMATION_CONSTRAINTS: list[Any] = [
    Options({"taylor", "fit"}),
    InstanceOf(
        (TaylorApproximation, FitApproximation), "a TaylorApproximation or FitApproximation"
    ),
]


def _is_zero(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


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

    ``approximation`` is ``"taylor"``, ``"fit"`` (with the shorthand keyword
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
