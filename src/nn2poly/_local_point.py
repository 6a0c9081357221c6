"""Points a local polynomial is expanded at: read, checked, and moved into the network.

A network ``f(x)`` expanded at ``x0`` is the network ``g(t) = f(x0 + t)``
expanded at ``t = 0``: only the first layer's bias changes, to
``bias + x0 @ weight``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._data import as_plain_array
from ._dense import Dense
from ._graph import INPUT
from ._local_shift import ShiftedNetwork
from ._network import Network
from ._polynomial import LayerPolynomials, Polynomial
from ._polynomial_input import check_names
from ._taylor import TaylorLayers
from ._validation import invalid_value
from .adapters import AdaptedModel

__all__ = ["centred", "check_point", "check_points", "expand_at", "shift_inputs"]

FloatArray = NDArray[np.float64]


def _as_array(value: Any, names: tuple[str, ...], *, name: str, caller: str) -> Any:
    """Tensors detached; a Series by its index, a DataFrame by its columns (as names)."""
    value = as_plain_array(value)
    if hasattr(value, "columns") and hasattr(value, "to_numpy"):  # DataFrame
        labels = list(value.columns)
        _check_labels(labels, names, name=name, caller=caller)
        return value[list(names)].to_numpy()
    if hasattr(value, "index") and hasattr(value, "to_numpy") and not isinstance(value, tuple):
        labels = list(value.index)  # Series: a row of a DataFrame
        _check_labels(labels, names, name=name, caller=caller)
        return value[list(names)].to_numpy()
    return value


def _check_labels(labels: list[Any], names: tuple[str, ...], *, name: str, caller: str) -> None:
    if len(set(labels)) == len(labels) and set(labels) == set(names):
        return
    missing = [n for n in names if n not in set(labels)]
    extra = [label for label in labels if label not in set(names)]
    raise invalid_value(
        name,
        labels,
        f"labelled by the feature names {list(names)!r} (in any order)",
        caller=caller,
        fix=f"Missing: {missing!r}; not features: {extra!r}. Labels are matched to the "
        "feature names; rename them, or pass .to_numpy() to use the values by position.",
    )


def _as_float(value: Any, expected: str, *, name: str, caller: str) -> FloatArray:
    try:
        complex_ = bool(np.iscomplexobj(value))
        array = None if complex_ else np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        array = None
    if array is None:
        raise invalid_value(name, value, expected, caller=caller, type_error=True)
    return array


def check_points(
    points: Any, names: tuple[str, ...], *, name: str = "X0", caller: str = "local_polynomials"
) -> FloatArray:
    """Points as a float64 array of shape (n_points, n_features), finite.

    Arrays are read by position, a DataFrame by its column names (exactly the
    feature names, in any order); tensors are detached.

    Examples
    --------
    >>> check_points([[1, 2], [3, 4]], ("a", "b")).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    p = len(names)
    expected = f"an array of shape (n_points, {p}) (one column per feature)"
    array = _as_float(
        _as_array(points, names, name=name, caller=caller), expected, name=name, caller=caller
    )
    if array.ndim == 1 and p == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != p or array.shape[0] == 0:
        raise invalid_value(
            name,
            array,
            expected,
            caller=caller,
            fix=f"The features are {list(names)!r}; for one point use X0.reshape(1, -1).",
        )
    if not np.all(np.isfinite(array)):
        rows = np.flatnonzero(~np.isfinite(array).all(axis=1))
        raise invalid_value(
            name,
            array,
            "finite",
            caller=caller,
            fix=f"Rows {rows[:5].tolist()} hold NaN or infinite values; remove or impute them.",
        )
    return np.ascontiguousarray(array)


def check_point(
    at: Any, names: tuple[str, ...], *, name: str = "at", caller: str = "to_polynomial"
) -> FloatArray:
    """One point as a float64 array of shape (n_features,), finite.

    An array of shape ``(n_features,)`` is read by position; a pandas Series
    (a row of a DataFrame) or a one-row DataFrame by the feature names;
    tensors are detached.

    Examples
    --------
    >>> check_point([0.5, -1], ("a", "b"))
    array([ 0.5, -1. ])
    """
    p = len(names)
    expected = f"an array of shape ({p},) (one value per feature)"
    array = _as_float(
        _as_array(at, names, name=name, caller=caller), expected, name=name, caller=caller
    )
    if array.ndim == 2 and array.shape == (1, p) and hasattr(at, "columns"):
        array = array[0]  # a one-row DataFrame
    if array.ndim == 0 and p == 1:
        array = array[None]
    if array.shape != (p,):
        fix = f"The features are {list(names)!r}."
        if array.ndim == 2:
            fix += (
                " For one row of a 2-D array pass X[i]; for many points use "
                "nn2poly.local_polynomials(model, X)."
            )
        raise invalid_value(name, array, expected, caller=caller, fix=fix)
    if not np.all(np.isfinite(array)):
        raise invalid_value(
            name, array, "finite", caller=caller, fix="Remove or impute the NaN/infinite values."
        )
    return np.ascontiguousarray(array)


def shift_inputs(network: Network, x0: FloatArray, *, caller: str = "to_polynomial") -> Network:
    """The network ``t -> network(x0 + t)``.

    A chain's first layer's bias absorbs ``x0``; a graph (whose input may
    reach a sum or a concatenation directly) keeps its nodes and carries the
    point (:class:`nn2poly._local_shift.ShiftedNetwork`), so every layer keeps
    its index.

    Examples
    --------
    >>> net = Network.from_weights([np.array([[1.0], [2.0]]), np.ones((2, 1))],
    ...                            ["tanh", "linear"])
    >>> shift_inputs(net, np.array([0.5])).layers[0].bias
    array([2.])
    """
    if not network.is_chain:
        with np.errstate(over="ignore", invalid="ignore"):
            finite = all(
                np.all(np.isfinite(node.operation.bias + x0 @ node.operation.weight))
                for node in network.nodes
                if isinstance(node.operation, Dense) and node.inputs == (INPUT,)
            )
        if not finite:
            raise invalid_value(
                "at",
                x0,
                "a point where the potentials of the layers reading the input are finite",
                caller=caller,
                fix="Its values are too large for those layers' weights (the potentials "
                "overflow float64); check the point's scale.",
            )
        return ShiftedNetwork(network, x0)
    first = network.layers[0]
    with np.errstate(over="ignore", invalid="ignore"):
        bias = first.bias + x0 @ first.weight
    if not np.all(np.isfinite(bias)):
        raise invalid_value(
            "at",
            x0,
            "a point where the first layer's potentials are finite",
            caller=caller,
            fix="Its values are too large for the first layer's weights (the potentials "
            "overflow float64); check the point's scale.",
        )
    moved = Dense(first.weight, bias, first.activation, _name=first._name)
    return Network((moved, *network.layers[1:]))


def expand_at(
    adapted: AdaptedModel, at: Any, approximation: Any, feature_names: Any, *, caller: str
) -> tuple[AdaptedModel, FloatArray]:
    """The model moved to ``at`` (its network in ``t = x - at``) and the point, checked.

    Only the local Taylor expansion has a point: ``approximation`` must be a
    bound Taylor approximation with centre ``"local"``.

    Examples
    --------
    >>> net = Network.from_weights([np.array([[1.0], [2.0]])], ["tanh"])
    >>> moved, point = expand_at(AdaptedModel(net), [0.5], TaylorLayers((8,), "local"), None,
    ...                          caller="to_polynomial")
    >>> moved.network.layers[0].bias, point
    (array([2.]), array([0.5]))
    """
    if not (isinstance(approximation, TaylorLayers) and approximation.center == "local"):
        raise invalid_value(
            "at",
            at,
            "None unless taylor_center='local'",
            caller=caller,
            fix="at is the point of the network's local Taylor expansion: pass "
            "taylor_center='local' with approximation='taylor' (every neuron is then expanded "
            "at its own potential at that point), or drop at.",
        )
    network = adapted.network
    names = feature_names if feature_names is not None else adapted.feature_names
    point = check_point(
        at, check_names(names, network.n_inputs, "x", "feature_names", caller), caller=caller
    )
    return replace(adapted, network=shift_inputs(network, point, caller=caller)), point


def _moved(poly: Polynomial, point: FloatArray, **fields: Any) -> Polynomial:
    fields = {
        "feature_names": poly.feature_names,
        "output_names": poly.output_names,
        "link": poly.link,
        "provenance": poly.provenance,
        **fields,
    }
    return Polynomial._from_variables(
        poly._variables, poly.coef, poly.n_features, origin=point, **fields
    )


def centred(poly: Polynomial, point: FloatArray) -> Polynomial:
    """``poly`` (and its layers) with variables ``x - point``: origin and provenance set.

    Examples
    --------
    >>> centred(Polynomial([[0], [1]], [1.0, 2.0]), np.array([3.0])).predict([[4.0]])
    array([3.])
    """
    layers = poly.layers
    if layers is not None:
        layers = tuple(
            LayerPolynomials(input=_moved(layer.input, point), output=_moved(layer.output, point))
            for layer in layers
        )
    provenance = {**poly.provenance, "at": point}
    if "origin" in provenance:
        provenance["origin"] = point
    return _moved(poly, point, layers=layers, provenance=provenance)
