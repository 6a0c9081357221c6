"""Sparse multivariate polynomials as arrays, with exact derivatives.

A polynomial in P variables is ``(exponents (n_terms, P) int, coefficients
(n_terms,) float)``. Values, gradients and Hessians are computed from the
arrays, so that Newton-type solvers never go back to sympy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SparsePolynomial"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SparsePolynomial:
    """``sum_t coefficients[t] * prod_p theta_p ** exponents[t, p]``.

    Examples
    --------
    >>> poly = SparsePolynomial(np.array([[2, 0], [1, 1]]), np.array([1.0, 3.0]))  # a^2 + 3ab
    >>> float(poly.value([1.0, 2.0]))
    7.0
    >>> poly.gradient([1.0, 2.0]).tolist()
    [8.0, 3.0]
    >>> poly.hessian([1.0, 2.0]).tolist()
    [[2.0, 3.0], [3.0, 0.0]]
    """

    exponents: IntArray
    coefficients: FloatArray

    @classmethod
    def from_ring_element(cls, element: Any, n_variables: int) -> "SparsePolynomial":
        """From a sympy ``PolyElement`` (``sympy.polys.rings``) over QQ or ZZ."""
        terms = list(element.terms())
        if not terms:
            return cls(np.zeros((0, n_variables), dtype=np.int64), np.zeros(0))
        exponents = np.array([monomial for monomial, _ in terms], dtype=np.int64)
        coefficients = np.array([float(coefficient) for _, coefficient in terms])
        return cls(exponents.reshape(len(terms), n_variables), coefficients)

    @property
    def n_variables(self) -> int:
        """Number of variables P."""
        return int(self.exponents.shape[1])

    @property
    def degree(self) -> int:
        """Total degree (-1 for the zero polynomial)."""
        return int(self.exponents.sum(axis=1).max()) if len(self.coefficients) else -1

    def derivative(self, variable: int) -> "SparsePolynomial":
        """Exact partial derivative with respect to variable ``variable``."""
        powers = self.exponents[:, variable]
        keep = powers > 0
        exponents = self.exponents[keep].copy()
        exponents[:, variable] -= 1
        return SparsePolynomial(exponents, self.coefficients[keep] * powers[keep])

    def _factors(self, theta: FloatArray) -> FloatArray:
        max_power = int(self.exponents.max()) if self.exponents.size else 0
        table = theta[:, None] ** np.arange(max_power + 1)[None, :]  # (P, max_power + 1)
        return table[np.arange(self.n_variables)[None, :], self.exponents]  # (T, P)

    def value(self, parameters: ArrayLike) -> float:
        """Value at one point of shape (P,)."""
        theta = np.asarray(parameters, dtype=float)
        if not len(self.coefficients):
            return 0.0
        return float(self.coefficients @ self._factors(theta).prod(axis=1))

    def gradient(self, parameters: ArrayLike) -> FloatArray:
        """Gradient (P,) at one point, without dividing by any coordinate."""
        theta = np.asarray(parameters, dtype=float)
        n = self.n_variables
        if not len(self.coefficients):
            return np.zeros(n)
        factors = self._factors(theta)
        ones = np.ones((len(self.coefficients), 1))
        before = np.hstack([ones, np.cumprod(factors, axis=1)[:, :-1]])
        after = np.hstack([np.cumprod(factors[:, ::-1], axis=1)[:, ::-1][:, 1:], ones])
        max_power = int(self.exponents.max())
        table = theta[:, None] ** np.arange(max_power + 1)[None, :]
        lowered = table[np.arange(n)[None, :], np.maximum(self.exponents - 1, 0)]
        derivative_factors = self.exponents * lowered
        return (self.coefficients[:, None] * before * derivative_factors * after).sum(axis=0)

    def hessian(self, parameters: ArrayLike) -> FloatArray:
        """Hessian (P, P) at one point."""
        n = self.n_variables
        result = np.empty((n, n))
        for p in range(n):
            result[p] = self.derivative(p).gradient(parameters)
        return 0.5 * (result + result.T)
