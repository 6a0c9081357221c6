"""Many-start Newton-type solution of the critical-point equations (scipy)."""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import least_squares

from .._validation import Interval, check_param, invalid_value
from ._critical import classify_point, deduplicate
from ._loss import LossPolynomial
from ._results import SolverResult

__all__ = ["random_starts", "solve_newton"]


def check_n_starts(n_starts: int, *, caller: str) -> int:
    """``n_starts`` as an int; refuse anything but an int >= 1.

    Examples
    --------
    >>> check_n_starts(3, caller="solve_newton")
    3
    """
    value: int = check_param(
        "n_starts",
        n_starts,
        [Interval(int, 1, None)],
        caller=caller,
        fix="It is the number of random starting points, e.g. 20.",
    )
    return value


def random_starts(
    n_variables: int, n_starts: int, *, seed: int = 0, scale: float = 1.0
) -> np.ndarray:
    """Starting points, shape (n_starts, n_variables), normal with std ``scale``.

    Examples
    --------
    >>> random_starts(3, 2, seed=1).shape
    (2, 3)
    """
    n_starts = check_n_starts(n_starts, caller="random_starts")
    return np.random.default_rng(seed).normal(scale=scale, size=(n_starts, n_variables))


def solve_newton(
    loss: LossPolynomial,
    *,
    n_starts: int = 50,
    seed: int = 0,
    scale: float = 1.0,
    starts: np.ndarray | None = None,
    gradient_tolerance: float = 1e-8,
    max_evaluations: int = 400,
) -> SolverResult:
    """Find critical points by solving ``grad L = 0`` from many random starts.

    Each start runs Levenberg-Marquardt (``scipy.optimize.least_squares``,
    method ``"lm"``) on the square system ``grad L(theta) = 0`` with the exact
    Hessian as its Jacobian: Newton's method with a trust region. Unlike a
    descent method it converges to saddles and maxima as readily as to minima,
    so it maps the whole critical set. Points whose gradient norm is below
    ``gradient_tolerance * max(1, L)`` are kept, classified, and deduplicated.

    Parameters
    ----------
    loss : LossPolynomial
    n_starts : int, default=50
    seed : int, default=0
    scale : float, default=1
        Standard deviation of the normal starting points.
    starts : ndarray of shape (n_starts, n_variables), optional
        Explicit starting points in ``loss``'s variable order (overrides the above).
    gradient_tolerance : float, default=1e-8
    max_evaluations : int, default=400
        Function evaluations allowed per start.

    Returns
    -------
    SolverResult

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork, LossPolynomial, gate_data
    >>> loss = LossPolynomial.build(PolynomialNetwork(2, (), "identity"), *gate_data("or"))
    >>> result = solve_newton(loss, n_starts=3)
    >>> result.critical_points[0].parameters.round(6).tolist()
    [0.25, 0.5, 0.5]
    """
    begin = time.perf_counter()
    if starts is None:
        n_starts = check_n_starts(n_starts, caller="solve_newton")
        starts = random_starts(loss.n_variables, n_starts, seed=seed, scale=scale)
    starts = np.asarray(starts, dtype=float)
    if starts.ndim != 2 or starts.shape[1] != loss.n_variables:
        raise invalid_value(
            "starts",
            starts,
            f"an array of shape (n_starts, {loss.n_variables})",
            caller="solve_newton",
            fix="Give one starting point per row, in the loss's variable order.",
        )
    points, losses, converged = [], [], []
    for start in starts:
        fit = least_squares(
            loss.gradient,
            start,
            jac=loss.hessian,
            method="lm",
            xtol=1e-15,
            ftol=1e-15,
            gtol=1e-15,
            max_nfev=max_evaluations,
        )
        value = loss.value(fit.x)
        ok = bool(
            np.all(np.isfinite(fit.x))
            and np.linalg.norm(loss.gradient(fit.x)) <= gradient_tolerance * max(1.0, value)
        )
        converged.append(ok)
        losses.append(value if ok else np.nan)
        if ok:
            points.append(classify_point(loss, fit.x))
    distinct = deduplicate(points)
    return SolverResult(
        "newton",
        "solved",
        distinct,
        np.array(losses),
        np.array(converged),
        time.perf_counter() - begin,
        f"{sum(converged)}/{len(starts)} starts reached a critical point",
    )
