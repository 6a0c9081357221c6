"""Activation polynomials fitted over an interval: ``FitApproximation(interval=...)``.

Without data every neuron of a layer gets the same polynomial: the
near-minimax Chebyshev least-squares fit of the activation on the interval,
written in powers of ``t - m`` around the interval's midpoint ``m``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._data import FitDataError

__all__ = ["MIN_INTERVAL_WIDTH", "N_INTERVAL_NODES", "check_interval", "interval_polynomial"]

FloatArray = NDArray[np.float64]

#: Narrowest interval accepted, relative to its magnitude (and at least this wide).
MIN_INTERVAL_WIDTH = 1e-6
#: Chebyshev nodes used to fit a polynomial over an interval.
N_INTERVAL_NODES = 256


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
    if not np.isfinite(high - low):
        raise FitDataError(message)
    if high - low < MIN_INTERVAL_WIDTH * max(1.0, abs(low), abs(high)):
        raise FitDataError(
            f"{where}=({low:g}, {high:g}) is too narrow: a polynomial fitted on it has "
            "coefficients growing like width**-degree, far beyond what the data justify. Use "
            f"an interval at least {MIN_INTERVAL_WIDTH:g} times its magnitude wide (and at "
            f"least {MIN_INTERVAL_WIDTH:g}), e.g. interval=(-3.0, 3.0)."
        )
    return low, high


def check_interval(interval: Any, n_layers: int) -> tuple[tuple[float, float], ...]:
    """One ``(low, high)`` per layer from a single pair or a list with one pair per layer.

    Examples
    --------
    >>> check_interval((0, 1), 2)
    ((0.0, 1.0), (0.0, 1.0))
    """
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


def interval_polynomial(
    activation: Any, low: float, high: float, degree: int, index: int
) -> tuple[float, FloatArray]:
    """Chebyshev least-squares fit on ``[low, high]``, in powers of ``t - m``.

    Examples
    --------
    >>> from nn2poly.activations import get_activation
    >>> middle, coefficients = interval_polynomial(get_activation("square"), 0.0, 2.0, 2, 0)
    >>> middle, coefficients.round(6).tolist()
    (1.0, [1.0, 2.0, 1.0])
    """
    middle, half = 0.5 * (low + high), 0.5 * (high - low)
    k = np.arange(N_INTERVAL_NODES)
    nodes = np.cos(np.pi * (k + 0.5) / N_INTERVAL_NODES)  # Chebyshev points of the first kind
    values = activation.evaluate(middle + half * nodes)
    chebyshev = np.polynomial.chebyshev.chebfit(nodes, values, degree)
    powers_of_s = np.polynomial.chebyshev.cheb2poly(chebyshev)  # in s = (t - m) / half
    powers_of_s = np.pad(powers_of_s, (0, degree + 1 - powers_of_s.size))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        coefficients = powers_of_s / half ** np.arange(degree + 1)
    if not np.all(np.isfinite(coefficients)):
        raise FitDataError(
            f"interval ({low:g}, {high:g}) for layer {index} is too narrow or too wide for a "
            f"polynomial of degree {degree}: its coefficients overflow. Use an interval that "
            "covers the potentials, e.g. interval=(-3.0, 3.0), or pass data=X_train."
        )
    return middle, coefficients
