"""The common result type of every solver."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._critical import CriticalPoint, distinct_levels

__all__ = ["SolverResult"]


@dataclass(frozen=True)
class SolverResult:
    """What one solver found on one loss.

    Attributes
    ----------
    solver : str
        ``"groebner"``, ``"newton"``, ``"layerwise"`` or ``"gd"``.
    status : str
        ``"solved"`` (ran to completion), ``"gave up"`` (time limit reached;
        whatever was found before is kept) or ``"failed"``.
    critical_points : list of CriticalPoint
        Distinct real critical points found, ascending loss.
    run_losses : ndarray of shape (n_runs,)
        Final loss of every start (NaN where a run did not end at a point).
    run_converged : ndarray of shape (n_runs,)
        Whether each run ended at a critical point (gradient below tolerance).
    elapsed : float
        Wall time in seconds, all runs together.
    message : str
        A human-readable note (e.g. the dimension of the critical set).
    dimension : int or None
        Dimension of the complex critical set, when the Gröbner basis was computed.
    """

    solver: str
    status: str
    critical_points: list[CriticalPoint]
    run_losses: NDArray[np.float64]
    run_converged: NDArray[np.bool_]
    elapsed: float
    message: str = ""
    dimension: int | None = None

    @property
    def minima(self) -> list[CriticalPoint]:
        """The critical points that are (possibly flat) local minima."""
        return [p for p in self.critical_points if p.is_minimum]

    @property
    def best_loss(self) -> float:
        """Smallest loss reached by any run or critical point (NaN if none)."""
        values = [p.loss for p in self.critical_points]
        values += [float(v) for v in self.run_losses if np.isfinite(v)]
        return min(values) if values else float("nan")

    def minimum_levels(self, tolerance: float = 1e-6) -> list[float]:
        """Distinct loss values of the minima found."""
        return distinct_levels([p.loss for p in self.minima], tolerance=tolerance)

    def share_reaching(self, target: float, tolerance: float = 1e-6) -> float:
        """Share of runs whose final loss is within ``tolerance`` of ``target``."""
        if not len(self.run_losses):
            return float("nan")
        hit = np.isfinite(self.run_losses) & (
            self.run_losses <= target + tolerance * max(1.0, abs(target))
        )
        return float(np.mean(hit))
