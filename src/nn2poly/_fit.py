"""Range-fitted activation polynomials: ``approximation="fit"``.

Instead of the Taylor expansion at a fixed point, each neuron's activation is
replaced by a polynomial fitted where that neuron's potentials really are.

With ``data`` the network is walked layer by layer, exactly as the engine
does.  At layer ``l`` the neurons' input polynomials ``u_j(x)`` are known
(built from the fits of the layers before, truncated at the basis degree
``Q``); writing ``u_j = c_j + v_j`` with ``c_j = u_j(0)``, the conversion turns
a polynomial ``P_j(c_j + v) = sum_k d_jk v^k`` into
``T_Q[P_j(u_j)] = sum_k d_jk T_Q[v_j^k]``, which is *linear* in the
``d_jk``.  The ``d_jk`` are therefore chosen by least squares so that this
truncated composition matches the network's true activations
``g(u_j^true(x))`` on ``data``.  In the first layer ``u_j`` is exact and this
is the ordinary least-squares fit of ``g`` over the potentials the neuron
receives; in deeper layers the fit also absorbs the truncation and the
approximation errors of the layers before.

With an ``interval`` instead (no data), every neuron of a layer gets the same
polynomial: the near-minimax Chebyshev least-squares fit of ``g`` on that
interval, written in powers of ``t - m`` around the interval's midpoint ``m``.

Only powers ``k <= Q`` of each re-expanded polynomial survive the truncation
(``v^k`` has no term below degree ``k``), so the degree of every fitted
polynomial is ``min(order, max_order)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._algebra import compose_general
from ._monomials import MonomialBasis
from ._network import Dense, Network
from .activations import get_activation

__all__ = ["FitApproximation", "check_data", "check_interval", "fit_approximation"]

FloatArray = NDArray[np.float64]

#: At most this many rows of ``data`` are used for the fits (evenly spaced); each
#: neuron's fit has at most ``max_order + 1`` unknowns.
MAX_FIT_SAMPLES = 10_000
#: Cap on ``n_samples * n_terms`` of the monomial matrix built for the fits.
MAX_MONOMIAL_VALUES = 20_000_000
#: Chebyshev nodes used to fit a polynomial over an interval.
N_INTERVAL_NODES = 256


class FitDataError(ValueError):
    """Raised for ``data`` or ``interval`` arguments that cannot be used for a fit."""


def check_data(data: Any, n_inputs: int) -> FloatArray:
    """Validate the inputs used to fit: finite, 2-D, one column per network input."""
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):
        data = data.to_numpy(dtype=np.float64)
    try:
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"data must be a numeric array of shape (n_samples, {n_inputs}); got "
            f"{type(data).__name__}."
        ) from None
    if array.ndim == 1 and n_inputs == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != n_inputs:
        raise FitDataError(
            f"data has shape {array.shape} but the network has {n_inputs} inputs; pass an "
            f"array of shape (n_samples, {n_inputs}), e.g. the training inputs."
        )
    if array.shape[0] < 2:
        raise FitDataError(
            f"data has {array.shape[0]} row(s); at least 2 samples are needed to fit, "
            "ideally the whole training set."
        )
    if not np.all(np.isfinite(array)):
        bad = int(np.count_nonzero(~np.isfinite(array).all(axis=1)))
        raise FitDataError(
            f"data contains NaN or infinite values ({bad} of {array.shape[0]} rows); remove or "
            "impute them before converting."
        )
    return np.ascontiguousarray(array)


def _check_pair(value: Any, where: str) -> tuple[float, float]:
    message = (
        f"{where} must be a pair (low, high) of finite floats with low < high; got {value!r}. "
        "Example: interval=(-3.0, 3.0)."
    )
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise FitDataError(message)
    if len(value) != 2:
        raise FitDataError(message)
    try:
        low, high = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        raise FitDataError(message) from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise FitDataError(message)
    return low, high


def check_interval(interval: Any, n_layers: int) -> tuple[tuple[float, float], ...]:
    """One ``(low, high)`` per layer from a single pair or a list with one pair per layer."""
    if isinstance(interval, (Sequence, np.ndarray)) and not isinstance(interval, (str, bytes)):
        items = list(interval)
        if items and all(
            isinstance(item, (Sequence, np.ndarray)) and not isinstance(item, (str, bytes))
            for item in items
        ):
            if len(items) != n_layers:
                raise FitDataError(
                    f"interval lists {len(items)} ranges but the network has {n_layers} "
                    "layers; give one (low, high) for every layer, or a single pair."
                )
            return tuple(_check_pair(item, f"interval[{i}]") for i, item in enumerate(items))
    pair = _check_pair(interval, "interval")
    return (pair,) * n_layers


@dataclass(frozen=True)
class FitApproximation:
    """Fitted univariate polynomials, one per neuron and layer.

    Implements the engine's ``LayerApproximation`` protocol.

    Attributes
    ----------
    degrees : tuple of int
        Degree of the fitted polynomials of each layer.
    identity : tuple of bool
        Layers (linear activation) that are kept exact.
    fits : tuple of (centers, coefficients) or None
        Per layer: ``centers`` (n_out,) and ``coefficients`` (n_out, degree + 1),
        neuron ``j``'s polynomial being ``sum_n coefficients[j, n] (t - centers[j])^n``;
        None for identity layers.
    ranges : tuple of ndarray or None
        Per layer, shape (n_out, 2): the range each neuron's polynomial was
        fitted over (observed potentials with data; the interval otherwise).
    """

    degrees: tuple[int, ...]
    identity: tuple[bool, ...]
    fits: tuple[tuple[FloatArray, FloatArray] | None, ...]
    ranges: tuple[FloatArray | None, ...]

    def is_identity(self, index: int, layer: Dense) -> bool:
        return self.identity[index]

    def degree(self, index: int, layer: Dense) -> int:
        return 1 if self.identity[index] else self.degrees[index]

    def polynomials(
        self, index: int, layer: Dense, constants: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        fit = self.fits[index]
        if fit is None:  # pragma: no cover - the engine never asks for identity layers
            raise ValueError(f"layer {index} is kept exact and has no fitted polynomial.")
        return fit


def _interval_polynomial(activation: Any, low: float, high: float, degree: int) -> tuple[float, FloatArray]:
    """Chebyshev least-squares fit on ``[low, high]``, in powers of ``t - m``."""
    middle, half = 0.5 * (low + high), 0.5 * (high - low)
    k = np.arange(N_INTERVAL_NODES)
    nodes = np.cos(np.pi * (k + 0.5) / N_INTERVAL_NODES)  # Chebyshev points of the first kind
    values = activation.evaluate(middle + half * nodes)
    chebyshev = np.polynomial.chebyshev.chebfit(nodes, values, degree)
    powers_of_s = np.polynomial.chebyshev.cheb2poly(chebyshev)  # in s = (t - m) / half
    powers_of_s = np.pad(powers_of_s, (0, degree + 1 - powers_of_s.size))
    return middle, powers_of_s / half ** np.arange(degree + 1)


def _least_squares(columns: FloatArray, target: FloatArray) -> FloatArray:
    """Solve ``columns @ d ~ target`` for one neuron, columns scaled for conditioning."""
    scale = np.sqrt(np.mean(columns * columns, axis=0))
    scale[scale == 0.0] = 1.0
    solution, *_ = np.linalg.lstsq(columns / scale, target, rcond=None)
    return solution / scale


def _monomial_values(basis: MonomialBasis, X: FloatArray) -> FloatArray:
    """Every basis monomial at every sample, shape (n_samples, n_terms)."""
    variables = basis.variables
    out = np.ones((X.shape[0], basis.n_terms), dtype=np.float64)
    for column in range(variables.shape[1]):
        present = variables[:, column] >= 0
        out[:, present] *= X[:, variables[present, column]]
    return out


def _basis_degree(degrees: Sequence[int], identity: Sequence[bool], max_order: int) -> int:
    """Degree of the conversion's basis, as the engine plans it."""
    degree = 1
    for layer_degree, is_identity in zip(degrees, identity):
        if not is_identity:
            degree = min(max_order, degree * layer_degree)
    return degree


def _fit_on_data(
    network: Network,
    X: FloatArray,
    degrees: tuple[int, ...],
    identity: tuple[bool, ...],
    max_order: int,
) -> tuple[list[tuple[FloatArray, FloatArray] | None], list[FloatArray | None]]:
    """Layer-by-layer least squares against the network's true activations on ``X``."""
    basis = MonomialBasis(network.n_inputs, _basis_degree(degrees, identity, max_order))
    n_keep = max(200, min(MAX_FIT_SAMPLES, MAX_MONOMIAL_VALUES // basis.n_terms))
    if X.shape[0] > n_keep:
        X = X[np.linspace(0, X.shape[0] - 1, n_keep).round().astype(np.int64)]
    monomials = _monomial_values(basis, X)
    table = basis.product_table() if basis.max_degree >= 2 else None
    z = np.zeros((basis.n_terms, network.n_inputs), dtype=np.float64)
    if basis.max_degree >= 1:
        z[1 : network.n_inputs + 1] = np.eye(network.n_inputs)
    true_z = X
    fits: list[tuple[FloatArray, FloatArray] | None] = []
    ranges: list[FloatArray | None] = []
    for index, layer in enumerate(network.layers):
        u = z @ layer.weight
        u[0] += layer.bias
        true_u = layer.pre_activation(true_z)
        activation = get_activation(layer.activation)
        true_z = activation.evaluate(true_u)
        if identity[index]:
            fits.append(None)
            ranges.append(None)
            z = u
            continue
        degree = min(degrees[index], basis.max_degree)
        constants = u[0].copy()
        # powers[k] = T_Q[v^k] for every neuron, v = u - u(0); by linearity
        # T_Q[P(u)] = sum_k d_k powers[k].
        powers = np.empty((degree + 1, basis.n_terms, layer.n_out), dtype=np.float64)
        powers[0] = 0.0
        powers[0][0] = 1.0
        if degree >= 1:
            powers[1] = u
            powers[1][0] = 0.0
        for k in range(2, degree + 1):  # degree >= 2 implies a product table
            unit = np.zeros((layer.n_out, degree + 1), dtype=np.float64)
            unit[:, k] = 1.0
            powers[k] = compose_general(basis, table, u, unit)  # type: ignore[arg-type]
        d = np.empty((layer.n_out, degree + 1), dtype=np.float64)
        for j in range(layer.n_out):
            # columns: T_Q[v_j^k] at every sample, shape (n_samples, degree + 1)
            d[j] = _least_squares(monomials @ powers[:, :, j].T, true_z[:, j])
        fits.append((constants, d))
        ranges.append(np.column_stack([true_u.min(axis=0), true_u.max(axis=0)]))
        z = np.einsum("ktj,jk->tj", powers, d)
    return fits, ranges


def fit_approximation(
    network: Network,
    max_order: int,
    *,
    data: Any = None,
    interval: Any = None,
    orders: Sequence[int],
    memory_limit: int | None = None,
) -> FitApproximation:
    """Fit each neuron's activation polynomial, from ``data`` or over ``interval``.

    Parameters
    ----------
    network : Network
    max_order : int
        Largest total degree kept by the conversion.
    data : array_like of shape (n_samples, n_inputs), optional
        Inputs whose forward pass gives the potentials (the training inputs).
    interval : (low, high) or sequence of them, optional
        Range of potentials to fit over when there is no data: one pair for
        every layer, or one pair per layer.
    orders : sequence of int
        Requested degree per layer; capped at ``max_order``.
    memory_limit : int or None, default=None
        Bytes the conversion may use (None: :func:`nn2poly.get_memory_limit`);
        checked before fitting.

    Returns
    -------
    FitApproximation

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights([np.array([[0.0], [2.0]]), np.array([[0.0], [1.0]])],
    ...                            ["tanh", "linear"])
    >>> fit = fit_approximation(net, 3, interval=(-2.0, 2.0), orders=(8, 1))
    >>> fit.degrees
    (3, 1)
    >>> centers, coefficients = fit.fits[0]
    >>> float(abs(np.polyval(coefficients[0, ::-1], 1.0) - np.tanh(1.0))) < 0.05
    True
    """
    if data is None and interval is None:
        raise FitDataError(
            "approximation='fit' needs the inputs the network sees: pass data=X_train "
            "(n_samples, n_inputs), or interval=(low, high) for the range of potentials to "
            "fit over when there is no data."
        )
    if data is not None and interval is not None:
        raise FitDataError(
            "Pass either data or interval to approximation='fit', not both: with data each "
            "neuron is fitted over the potentials it receives."
        )
    layers = network.layers
    identity = tuple(
        get_activation(layer.activation).is_linear and orders[index] >= 1
        for index, layer in enumerate(layers)
    )
    degrees = tuple(
        1 if identity[index] else min(int(orders[index]), max_order) for index in range(len(layers))
    )
    if data is not None:
        X = check_data(data, network.n_inputs)
        # refuse a conversion over the memory limit before fitting
        from ._convert import _check_memory, _plan
        from ._memory import get_memory_limit

        planned = FitApproximation(degrees, identity, (None,) * len(layers), (None,) * len(layers))
        plan = _plan(network, planned, max_order, False)
        _check_memory(plan, network, max_order, get_memory_limit() if memory_limit is None else memory_limit)
        fits, ranges = _fit_on_data(network, X, degrees, identity, max_order)
        degrees = tuple(
            degree if fit is None else fit[1].shape[1] - 1 for degree, fit in zip(degrees, fits)
        )
        return FitApproximation(degrees, identity, tuple(fits), tuple(ranges))
    intervals = check_interval(interval, len(layers))
    fits_i: list[tuple[FloatArray, FloatArray] | None] = []
    ranges_i: list[FloatArray | None] = []
    for index, layer in enumerate(layers):
        if identity[index]:
            fits_i.append(None)
            ranges_i.append(None)
            continue
        low, high = intervals[index]
        middle, coefficients = _interval_polynomial(
            get_activation(layer.activation), low, high, degrees[index]
        )
        fits_i.append(
            (np.full(layer.n_out, middle), np.tile(coefficients, (layer.n_out, 1)))
        )
        ranges_i.append(np.tile([low, high], (layer.n_out, 1)).astype(np.float64))
    return FitApproximation(degrees, identity, tuple(fits_i), tuple(ranges_i))
