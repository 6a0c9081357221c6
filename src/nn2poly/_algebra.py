"""Truncated polynomial arithmetic on coefficient arrays.

Polynomials in ``p`` variables are arrays of shape ``(n_terms, n_polys)`` over
a :class:`~nn2poly._monomials.MonomialBasis` (rows: monomials in graded
order; columns: one polynomial per neuron).  The one non-linear operation the
conversion needs is the composition ``P_j(u_j(x))`` of a univariate
polynomial per neuron with that neuron's input polynomial, truncated at the
basis degree ``Q``.

Writing ``u_j = c_j + v_j`` with ``c_j = u_j(0)``, the univariate polynomial is
first re-expanded around ``c_j`` (an exact Taylor shift), giving
``P_j(c_j + v) = sum_k d_jk v^k``; since ``v_j^k`` has no term of degree below
``k``, only ``k <= Q`` is needed.  The sum is evaluated by Horner's rule,
``h_k = d_k + v h_{k+1}``, where ``h_k`` is only needed up to degree ``Q - k``.
When ``u_j`` is affine (the first layer), ``v_j^k`` is given by the multinomial
theorem and no product is formed at all.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._kernels import affine_power_terms, horner_step
from ._kernels_small import shift_series
from ._monomials import MonomialBasis

__all__ = ["compose_affine", "compose_general", "taylor_shift"]

FloatArray = NDArray[np.float64]


def taylor_shift(coefficients: FloatArray, shift: FloatArray, max_power: int) -> FloatArray:
    """Re-expand univariate polynomials around a shifted point.

    Given ``P_j(t) = sum_n coefficients[j, n] s^n`` with ``s = t - a_j``, return
    ``d`` of shape (n_polys, max_power + 1) with
    ``P_j(a_j + shift_j + v) = sum_k d[j, k] v^k`` for ``k <= max_power``
    (higher powers dropped), i.e. ``d_k = sum_{n>=k} g_n C(n, k) shift^(n-k)``.

    Examples
    --------
    >>> taylor_shift(np.array([[0.0, 0.0, 1.0]]), np.array([2.0]), 2)  # t^2 at t = 2 + v
    array([[4., 4., 1.]])
    """
    # Repeated synthetic division (Horner's scheme for the Taylor shift), compiled:
    # after pass i, entry i holds the i-th coefficient around the new point.
    # No power of the shift is formed, so a huge shift meets no 0 * inf.
    delta = shift if shift.ndim == 1 else shift[:, 0]
    return shift_series(coefficients, delta, max_power)


def compose_affine(basis: MonomialBasis, linear: FloatArray, d: FloatArray) -> FloatArray:
    """``sum_k d[j, k] v_j^k`` for affine ``v_j = sum_i linear[i, j] x_i``.

    By the multinomial theorem the coefficient of ``x^a`` (``|a| = k``) in
    ``v_j^k`` is ``k!/a! prod_i linear[i, j]^{a_i}``; the products are built
    along the basis' parent map, one multiplication per monomial and neuron.

    Parameters
    ----------
    basis : MonomialBasis
    linear : ndarray of shape (n_variables, n_polys)
    d : ndarray of shape (n_polys, K + 1)

    Returns
    -------
    ndarray of shape (n_terms, n_polys)
    """
    n_polys = linear.shape[1]
    top = min(d.shape[1] - 1, basis.max_degree)
    out = np.zeros((basis.n_terms, n_polys), dtype=np.float64)
    if top >= 1:
        parent, last = basis.parents
        affine_power_terms(
            parent,
            last,
            basis.multinomials,
            basis.degree_offsets,
            np.ascontiguousarray(linear),
            np.ascontiguousarray(d.T),
            out,
            top,
        )
    out[0] = d[:, 0]
    return out


def compose_general(
    basis: MonomialBasis,
    table: tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]],
    u: FloatArray,
    d: FloatArray,
    *,
    overwrite: bool = False,
) -> FloatArray:
    """``sum_k d[j, k] v_j^k`` with ``v_j = u_j - u_j(0)``, truncated at the basis degree.

    Parameters
    ----------
    basis : MonomialBasis
    table : tuple
        ``basis.product_table()``.
    u : ndarray of shape (n_terms, n_polys)
        Input polynomials (their constant row is ignored).
    d : ndarray of shape (n_polys, K + 1)
    overwrite : bool, default=False
        Use ``u`` (float64, C order) as the working array ``v``, saving a copy;
        its constant row is zeroed.

    Returns
    -------
    ndarray of shape (n_terms, n_polys)
    """
    indptr, left, right = table
    offsets = basis.degree_offsets
    top_degree = basis.max_degree
    n_terms, n_polys = u.shape
    in_place = overwrite and u.dtype == np.float64 and u.flags.c_contiguous
    v = u if in_place else np.array(u, dtype=np.float64, order="C", copy=True)
    v[0] = 0.0
    K = min(d.shape[1] - 1, top_degree)
    dk = np.ascontiguousarray(d.T)  # (K + 1, n_polys)
    if K == 0:
        out = np.zeros((n_terms, n_polys))
        out[0] = dk[0]
        return out
    # First Horner step with a constant h_K: h_{K-1} = d_{K-1} + d_K v, up to degree Q - K + 1.
    current = np.empty((n_terms, n_polys), dtype=np.float64)
    rows = int(offsets[top_degree - K + 2])
    np.multiply(v[:rows], dk[K][None, :], out=current[:rows])
    current[0] = dk[K - 1]
    spare = np.empty_like(current)
    for k in range(K - 2, -1, -1):
        rows = int(offsets[top_degree - k + 1])
        horner_step(v, current, spare, dk[k], indptr, left, right, rows)
        current, spare = spare, current
    return current
