"""Critical points: second-order classification and deduplication."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._loss import LossPolynomial

__all__ = ["CriticalPoint", "classify_point", "deduplicate"]

FloatArray = NDArray[np.float64]

MINIMUM = "minimum"
FLAT_MINIMUM = "flat minimum"
SADDLE = "saddle"
MAXIMUM = "maximum"


@dataclass(frozen=True)
class CriticalPoint:
    """A real point where the loss gradient vanishes, with its second-order type.

    Attributes
    ----------
    parameters : ndarray of shape (n_parameters,)
        The point, in the network's canonical parameter order.
    loss : float
        Loss at the point.
    gradient_norm : float
        Euclidean norm of the gradient there (0 up to round-off).
    eigenvalues : ndarray of shape (n_parameters,)
        Eigenvalues of the Hessian, ascending.
    kind : str
        ``"minimum"`` (positive definite Hessian), ``"flat minimum"`` (positive
        semidefinite Hessian and no descent found by probing the flat
        directions: typical of networks with a continuous rescaling symmetry),
        ``"saddle"`` or ``"maximum"``.
    n_flat : int
        Number of Hessian eigenvalues within the tolerance of zero.
    """

    parameters: FloatArray
    loss: float
    gradient_norm: float
    eigenvalues: FloatArray
    kind: str
    n_flat: int

    @property
    def is_minimum(self) -> bool:
        """Whether the point is a (possibly flat) local minimum."""
        return self.kind in (MINIMUM, FLAT_MINIMUM)


def _descends_nearby(
    loss: LossPolynomial,
    theta: FloatArray,
    value: float,
    flat_directions: FloatArray,
    radius: float,
    n_probes: int,
    seed: int,
    gradient_norm: float,
) -> bool:
    """Whether points at ``5 radius``, ``radius`` or ``radius/10`` along the flat subspace
    lower the loss.

    ``flat_directions`` (P, k) holds an orthonormal basis of the Hessian's
    (near-)null space: along other directions the loss rises at second order.
    """
    rng = np.random.default_rng(seed)
    k = flat_directions.shape[1]
    combos = rng.normal(size=(n_probes, k))
    combos /= np.linalg.norm(combos, axis=1, keepdims=True)
    directions = np.vstack([flat_directions.T, -flat_directions.T, combos @ flat_directions.T])
    scale = max(1.0, float(np.abs(theta).max()))
    for step in (5.0 * radius * scale, radius * scale, radius * scale / 10.0):
        # a drop larger than the first-order term can explain
        threshold = value - 1e-12 * max(1.0, abs(value)) - 2.0 * gradient_norm * step
        for direction in directions:
            if loss.value(theta + step * direction) < threshold:
                return True
    return False


def classify_point(
    loss: LossPolynomial,
    theta: ArrayLike,
    *,
    eigenvalue_tolerance: float = 1e-9,
    probe_radius: float = 1e-2,
    n_probes: int = 100,
    seed: int = 0,
) -> CriticalPoint:
    """Classify a point (in ``loss``'s variable order) by its Hessian.

    An eigenvalue counts as zero when its size is at most
    ``eigenvalue_tolerance * max(1, largest |eigenvalue|) + 10 * |gradient|``
    (the second term allows for end points of iterative methods that are
    critical only to a tolerance). When the Hessian
    is only semidefinite, the second-order test is inconclusive; the point is
    then probed along its flat directions (a flat direction of a degree-6 loss
    may still descend at third order, as at the origin of a deep linear network).

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork, LossPolynomial, gate_data
    >>> loss = LossPolynomial.build(PolynomialNetwork(2, (), "identity"), *gate_data("or"))
    >>> point = classify_point(loss, [0.25, 0.5, 0.5])
    >>> point.kind, round(point.loss, 6)
    ('minimum', 0.25)
    """
    point = np.asarray(theta, dtype=float)
    value = loss.value(point)
    gradient_norm = float(np.linalg.norm(loss.gradient(point)))
    eigenvalues, eigenvectors = np.linalg.eigh(loss.hessian(point))
    tolerance = eigenvalue_tolerance * max(1.0, float(np.abs(eigenvalues).max()))
    tolerance += 10.0 * gradient_norm
    flat = np.abs(eigenvalues) <= tolerance
    n_flat = int(np.sum(flat))
    n_negative = int(np.sum(eigenvalues < -tolerance))
    n_positive = int(np.sum(eigenvalues > tolerance))
    if n_negative and n_positive:
        kind = SADDLE
    elif n_negative:
        kind = MAXIMUM if n_flat == 0 else SADDLE
    elif n_flat == 0:
        kind = MINIMUM
    else:
        descends = _descends_nearby(
            loss, point, value, eigenvectors[:, flat], probe_radius, n_probes, seed, gradient_norm
        )
        kind = SADDLE if descends else FLAT_MINIMUM
    return CriticalPoint(loss.to_canonical(point), value, gradient_norm, eigenvalues, kind, n_flat)


def deduplicate(points: Sequence[CriticalPoint], *, tolerance: float = 1e-5) -> list[CriticalPoint]:
    """Drop points within ``tolerance`` (relative, max-norm) of an earlier one; sort by loss.

    Examples
    --------
    >>> a = CriticalPoint(np.array([1.0, 2.0]), 0.0, 0.0, np.ones(2), "minimum", 0)
    >>> b = CriticalPoint(np.array([1.0, 2.0 + 1e-9]), 0.0, 0.0, np.ones(2), "minimum", 0)
    >>> len(deduplicate([a, b]))
    1
    """
    kept: list[CriticalPoint] = []
    for point in sorted(points, key=lambda p: (p.loss, tuple(p.parameters))):
        scale = max(1.0, float(np.abs(point.parameters).max()))
        if all(
            np.abs(point.parameters - other.parameters).max() > tolerance * scale for other in kept
        ):
            kept.append(point)
    return sorted(kept, key=lambda p: p.loss)


def distinct_levels(values: Sequence[float], *, tolerance: float = 1e-6) -> list[float]:
    """Distinct values up to a relative tolerance, ascending.

    Examples
    --------
    >>> distinct_levels([1.0, 1.0 + 1e-12, 2.0])
    [1.0, 2.0]
    """
    levels: list[float] = []
    for value in sorted(values):
        if not levels or abs(value - levels[-1]) > tolerance * max(1.0, abs(value)):
            levels.append(float(value))
    return levels
