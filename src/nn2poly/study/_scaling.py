"""Min-max scaling to [-1, 1] and the exact change of variables it induces on polynomials."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._polynomial import Polynomial
from .._validation import InstanceOf, check_param, invalid_value

__all__ = ["MinMaxScaling", "affine_substitute"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MinMaxScaling:
    """Column-wise affine map of ``[low, high]`` onto ``[-1, 1]``, stored so it can be inverted.

    ``scaled = (x - centre) / half_range`` with ``centre = (low + high) / 2`` and
    ``half_range = (high - low) / 2``; a constant column gets ``half_range = 1``.

    Parameters
    ----------
    low, high : ndarray of shape (n_columns,)
        Column minima and maxima seen by :meth:`fit`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    >>> scaling = MinMaxScaling.fit(X)
    >>> scaling.transform(X)
    array([[-1., -1.],
           [ 0.,  1.],
           [ 1.,  0.]])
    >>> bool(np.allclose(scaling.inverse_transform(scaling.transform(X)), X))
    True
    """

    low: FloatArray
    high: FloatArray

    @classmethod
    def fit(cls, values: ArrayLike) -> MinMaxScaling:
        """Learn the column minima and maxima of ``values`` (n_samples,) or (n_samples, n_columns).

        Examples
        --------
        >>> MinMaxScaling.fit([[0.0], [4.0]]).high.tolist()
        [4.0]
        """
        array = np.asarray(values, dtype=np.float64)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[0] == 0:
            raise invalid_value(
                "values",
                array,
                "a non-empty array of shape (n_samples,) or (n_samples, n_columns)",
                caller="MinMaxScaling.fit",
                fix="Give one row per sample; reshape a single column with values.reshape(-1, 1).",
            )
        return cls(array.min(axis=0), array.max(axis=0))

    @property
    def centre(self) -> FloatArray:
        """Midpoints of the fitted ranges, shape (n_columns,)."""
        return (self.low + self.high) / 2.0

    @property
    def half_range(self) -> FloatArray:
        """Half widths of the fitted ranges (1 for constant columns), shape (n_columns,)."""
        half = (self.high - self.low) / 2.0
        return np.where(half > 0, half, 1.0)

    def transform(self, values: ArrayLike) -> FloatArray:
        """Map original values to the scaled ones (the fitted range goes to [-1, 1])."""
        array = np.asarray(values, dtype=np.float64)
        flat = array.ndim == 1
        out = ((array[:, None] if flat else array) - self.centre) / self.half_range
        return out[:, 0] if flat else out

    def inverse_transform(self, values: ArrayLike) -> FloatArray:
        """Map scaled values back to the original units."""
        array = np.asarray(values, dtype=np.float64)
        flat = array.ndim == 1
        out = (array[:, None] if flat else array) * self.half_range + self.centre
        return out[:, 0] if flat else out


def affine_substitute(
    poly: Polynomial,
    scale: ArrayLike,
    shift: ArrayLike,
    *,
    output_scale: float = 1.0,
    output_shift: float = 0.0,
) -> Polynomial:
    """Rewrite ``P(x)`` in the variables ``z`` where ``x_i = scale_i * z_i + shift_i``.

    Returns the polynomial ``Q(z) = output_scale * P(scale * z + shift) + output_shift``,
    expanded exactly (:meth:`Polynomial.substitute` with a diagonal matrix),
    with its terms in graded lexicographic order and always an intercept term.
    With ``scale = half_range`` and ``shift = centre`` of a :class:`MinMaxScaling`
    of X, and the output affine map of the scaling of y,
    ``Q`` is the true polynomial on the scaled data, comparable term by term with
    the polynomial of a network trained on that data.

    Parameters
    ----------
    poly : Polynomial
    scale, shift : array-like of shape (n_features,)
    output_scale, output_shift : float

    Returns
    -------
    Polynomial

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> p = nn2poly.Polynomial(np.array([[0], [2]]), np.array([1.0, 3.0]))  # 1 + 3 x^2
    >>> q = affine_substitute(p, [2.0], [1.0])                              # x = 2 z + 1
    >>> q.labels, q.coef.ravel().tolist()
    ([(0,), (1,), (1, 1)], [4.0, 12.0, 12.0])
    """
    check_param(
        "poly",
        poly,
        [InstanceOf((Polynomial,), "an nn2poly.Polynomial")],
        caller="affine_substitute",
    )
    n_features = poly.n_features
    scale_array = np.broadcast_to(np.asarray(scale, dtype=np.float64), (n_features,))
    shift_array = np.broadcast_to(np.asarray(shift, dtype=np.float64), (n_features,))
    substituted = poly.substitute(np.diag(scale_array), shift_array)
    return substituted * float(output_scale) + float(output_shift)
