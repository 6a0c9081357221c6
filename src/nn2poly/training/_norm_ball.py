"""The norm balls the hidden neurons are held in, and a rescaling that never leaves them.

Each hidden neuron's vector ``v = [b; w]`` is kept in a ball ``||v|| <= r``.
What that guarantees for its potential ``u = b + w . x`` on inputs
``x in [-1, 1]^p`` (``[1; x]`` has ``||.||_inf = 1`` and ``||.||_2 <= sqrt(p + 1)``):

``l1`` (Hoelder)
    ``|u| <= ||v||_1 * ||[1; x]||_inf <= r``: the potential stays in
    ``[-r, r]``, where NN2Poly's Taylor expansion around 0 is accurate.
``l2`` (Cauchy-Schwarz)
    ``|u| <= ||v||_2 * ||[1; x]||_2 <= r * sqrt(p + 1)``, reached at
    ``b = w_i = r / sqrt(p + 1)`` and ``x = (1, ..., 1)``.  The l2 ball holds
    the l1 ball, so an l2 constraint is weaker: a potential may reach
    ``sqrt(p + 1)``, beyond the radius where the Taylor expansion is
    accurate, as the inputs grow in number.

The rescaling is computed in float64 and aimed a little inside the ball, so
that the stored weights, rounded to their own dtype (float32 in most
frameworks), still have a norm at most ``r`` when summed in float64 in any
order.  This module needs only numpy.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

__all__ = [
    "NORM_ORDERS",
    "ball_factors",
    "ball_margins",
    "dtype_eps",
    "potential_bound",
    "row_norms",
]

#: Order of the norm of each constraint name.
NORM_ORDERS = {"l1": 1, "l1-project": 1, "l2": 2}

_EPS64 = float(np.finfo(np.float64).eps)


def row_norms(vectors: NDArray[np.float64], order: int) -> NDArray[np.float64]:
    """The l1 or l2 norm of each row, without overflow for huge entries.

    Examples
    --------
    >>> import numpy as np
    >>> row_norms(np.array([[3.0, -4.0], [1e300, 1e300]]), 2)
    array([5.00000000e+000, 1.41421356e+300])
    """
    magnitudes = np.abs(np.asarray(vectors, dtype=np.float64))
    if order == 1:
        with np.errstate(over="ignore"):
            norms: NDArray[np.float64] = magnitudes.sum(axis=1)
        return norms
    peak = magnitudes.max(axis=1, initial=0.0)
    scale = np.where(peak > 0, peak, 1.0)
    with np.errstate(invalid="ignore"):
        scaled = magnitudes / scale[:, None]
    result: NDArray[np.float64] = peak * np.sqrt((scaled * scaled).sum(axis=1))
    return result


def ball_factors(
    vectors: NDArray[np.float64], order: int, radius: float, dtype: DTypeLike
) -> NDArray[np.float64]:
    """The factor each row is multiplied by to lie in the ball, stored in ``dtype``.

    Rows whose norm (of their values rounded to ``dtype``) is at most
    ``radius`` get 1 (up to float64 summation error, which is absorbed);
    the others get ``radius / norm`` times ``1 - margin``, where the margin
    covers the rounding to ``dtype`` (4 units in the last place) and float64
    summation in any order (one unit per entry).

    Parameters
    ----------
    vectors : ndarray of shape (n_vectors, n_entries)
        The rows, in float64.
    order : {1, 2}
    radius : float
    dtype : numpy dtype
        The dtype the rescaled rows will be stored in.

    Returns
    -------
    ndarray of shape (n_vectors,)

    Examples
    --------
    >>> import numpy as np
    >>> factors = ball_factors(np.array([[3.0, 4.0], [0.3, 0.4]]), 2, 1.0, np.float32)
    >>> bool(factors[0] < 0.2), float(factors[1])
    (True, 1.0)
    """
    stored = np.asarray(vectors, dtype=np.float64).astype(dtype).astype(np.float64)
    summation, margin = ball_margins(dtype_eps(dtype), stored.shape[1])
    norms = row_norms(stored, order)
    over = norms > radius * (1.0 - summation)
    factors = np.ones(stored.shape[0])
    factors[over] = radius / norms[over] * (1.0 - margin)
    return factors


def dtype_eps(dtype: DTypeLike) -> float:
    """The machine epsilon of a float dtype, numpy's or not (``ml_dtypes.bfloat16``).

    Examples
    --------
    >>> dtype_eps(np.float32) == float(np.finfo(np.float32).eps)
    True
    """
    return _eps(np.dtype(dtype))


@cache
def _eps(kind: np.dtype[Any]) -> float:
    eps = 1.0
    while float(np.array(1.0 + eps / 2, dtype=np.float64).astype(kind)) != 1.0:
        eps /= 2
    return eps


def ball_margins(dtype_eps: float, n_entries: int) -> tuple[float, float]:
    """Relative tolerances of the rescaling: ``(summation, margin)``.

    ``summation`` bounds the relative difference between two float64 sums of
    ``n_entries`` terms in any order (a row within it of the radius counts
    as on the sphere); ``margin`` adds 4 units of the stored dtype's
    rounding, so that a row rescaled to ``radius * (1 - margin)`` stays
    inside after rounding.

    Examples
    --------
    >>> summation, margin = ball_margins(float(np.finfo(np.float32).eps), 10)
    >>> bool(summation < 1e-14), bool(4.7e-7 < margin < 4.9e-7)
    (True, True)
    """
    summation = (n_entries + 2) * _EPS64
    return summation, 4.0 * dtype_eps + summation


def potential_bound(order: int, n_inputs: int, radius: float = 1.0) -> float:
    """The largest ``|b + w . x|`` over ``x in [-1, 1]^n_inputs`` and ``||[b; w]|| <= radius``.

    Examples
    --------
    >>> potential_bound(1, 8), potential_bound(2, 8)
    (1.0, 3.0)
    """
    return radius if order == 1 else radius * math.sqrt(n_inputs + 1)
