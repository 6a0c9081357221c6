"""Compiled kernels (numba) for the small loops of every conversion.

A conversion of a small network spends its time in loops of a few dozen
scalar operations each: the Taylor shift of each neuron's series, the
recurrence of the ``tanh`` series, and the enumeration of the monomial basis.
As loops of numpy calls they cost microseconds per operation; here each is one
compiled call.  Each kernel does exactly the arithmetic of the numpy code it
replaces, in the same order, so its results are the same to the last bit.

Like :mod:`nn2poly._kernels`, numba is imported when a kernel first runs (the
functions are compiled by :func:`nn2poly._kernels._compile`, from numba's
on-disk cache after the first time), never with the package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _kernels
from ._kernels import _SerialKernel, _ThreadedKernel

__all__ = ["basis_tables", "series_recurrence", "shift_series"]

Array = NDArray[Any]
FloatArray = NDArray[np.float64]
#: ``numba.prange`` once numba is loaded (see :mod:`nn2poly._kernels`)
prange = range


def _load() -> None:
    """Take ``numba.prange`` from :mod:`nn2poly._kernels`, loading numba there."""
    global prange
    _kernels._load()
    prange = _kernels.prange


def _shift_series(coefficients, delta, keep, out):  # type: ignore[no-untyped-def]
    """Repeated synthetic division: row ``m`` of ``coefficients`` shifted by ``delta[m]``.

    After pass ``i`` entry ``i`` holds the ``i``-th coefficient around the new
    point; entries ``0..keep`` are written to ``out`` (zeroed beforehand).
    """
    n, width = coefficients.shape
    order = width - 1
    work = np.empty(max(width, 1), dtype=np.float64)
    for m in range(n):
        for j in range(width):
            work[j] = coefficients[m, j]
        d = delta[m]
        for i in range(keep + 1):
            for j in range(order - 1, i - 1, -1):
                work[j] += d * work[j + 1]
        for j in range(keep + 1):
            out[m, j] = work[j]


_shift_series_kernel = _SerialKernel(_shift_series)


def shift_series(coefficients: FloatArray, delta: FloatArray, max_power: int) -> FloatArray:
    """``d[m, k] = sum_{n>=k} coefficients[m, n] C(n, k) delta[m]^(n-k)`` for ``k <= max_power``.

    The Taylor shift of :func:`nn2poly._algebra.taylor_shift` by repeated
    synthetic division (no power of ``delta`` is formed, so a huge shift meets
    no ``0 * inf``); entries above the series' order are zero.

    Examples
    --------
    >>> shift_series(np.array([[0.0, 0.0, 1.0]]), np.array([2.0]), 2)  # t^2 at t = 2 + v
    array([[4., 4., 1.]])
    """
    coefficients = np.ascontiguousarray(coefficients, dtype=np.float64)
    delta = np.ascontiguousarray(delta, dtype=np.float64)
    if delta.shape != coefficients.shape[:1]:
        delta = np.ascontiguousarray(np.broadcast_to(delta, coefficients.shape[:1]))
    keep = min(max_power, coefficients.shape[1] - 1)
    out = np.zeros((coefficients.shape[0], max_power + 1), dtype=np.float64)
    _shift_series_kernel(coefficients, delta, keep, out)
    return out


def _series_recurrence(c, order):  # type: ignore[no-untyped-def]
    """``(n + 1) c_{n+1} = -sum_{k=0}^{n} c_k c_{n-k}`` for ``n = 1..order - 1``, row by row."""
    for r in range(c.shape[0]):
        for n in range(1, order):
            total = 0.0
            for k in range(n + 1):
                total += c[r, k] * c[r, n - k]
            c[r, n + 1] = -total / (n + 1)


_series_recurrence_kernel = _SerialKernel(_series_recurrence)


def series_recurrence(c: FloatArray, order: int) -> None:
    """Fill ``c[:, 2:order + 1]`` in place from ``c[:, 0]`` and ``c[:, 1]``: the series of
    ``y' = 1 - y^2`` (``tanh``), ``(n + 1) y_{n+1} = -sum_{k=0}^{n} y_k y_{n-k}``.

    ``c``: float64, C order, shape (m, order + 1).

    Examples
    --------
    >>> c = np.zeros((1, 4))
    >>> c[0, 1] = 1.0  # tanh at 0
    >>> series_recurrence(c, 3)
    >>> c.round(4).tolist()
    [[0.0, 1.0, -0.0, -0.3333]]
    """
    if order >= 2:
        _series_recurrence_kernel(c, order)


#: Rows per parallel task of :func:`_basis_tables`.
_CHILD_BLOCK = 4096


def _basis_tables(n_variables, k, offsets, variables, parent, last, multinomials):  # type: ignore[no-untyped-def]
    """The rows of a graded-lexicographic basis, degree by degree, and their parent maps.

    Each row of degree ``d`` is a row of degree ``d - 1`` (its parent) with one
    variable appended, from the parent's last variable upwards (only that one
    again once the parent has ``k`` distinct variables), so the rows come in
    lexicographic order.  Per degree, a pass over the parents counts their
    children (the first row of each parent's children is the running sum),
    then blocks of equally many rows are written in parallel.  Every entry of
    the four tables is written here, the -1 padding included.
    """
    p = n_variables
    q = offsets.shape[0] - 2
    width = variables.shape[1]
    n_parents = offsets[q]  # the rows of degree < q
    distinct = np.empty(n_parents, dtype=np.int64)
    trailing = np.empty(n_parents, dtype=np.int64)  # multiplicity of each row's last variable
    first = np.empty(n_parents + 1, dtype=np.int64)  # each parent's first child
    for j in range(width):
        variables[0, j] = -1
    parent[0] = -1
    last[0] = -1
    multinomials[0] = 1.0
    if offsets[2] - offsets[1] != (p if k >= 1 else 0):
        raise ValueError("the degree offsets do not match the basis")
    for i in range(offsets[2] - offsets[1]):
        o = offsets[1] + i
        variables[o, 0] = i
        for j in range(1, width):
            variables[o, j] = -1
        parent[o] = 0
        last[o] = i
        multinomials[o] = multinomials[0] * 1 / 1
        if q >= 2:
            distinct[o] = 1
            trailing[o] = 1
    for d in range(2, q + 1):
        low = offsets[d - 1]
        high = offsets[d]
        first[low] = high
        for b in range(low, high):
            previous = variables[b, d - 2]
            first[b + 1] = first[b] + (p - previous if distinct[b] < k else 1)
        if first[high] != offsets[d + 1]:
            raise ValueError("the degree offsets do not match the basis")
        # blocks of equally many child rows, each from the parent of its first row on
        n_blocks = (offsets[d + 1] - high + _CHILD_BLOCK - 1) // _CHILD_BLOCK
        for block in prange(n_blocks):
            o = high + block * _CHILD_BLOCK
            stop = min(offsets[d + 1], o + _CHILD_BLOCK)
            b = low + np.searchsorted(first[low : high + 1], o, side="right") - 1
            while o < stop:
                previous = variables[b, d - 2]
                v = previous + o - first[b]
                end = min(first[b + 1], stop)
                while o < end:
                    for j in range(d - 1):
                        variables[o, j] = variables[b, j]
                    variables[o, d - 1] = v
                    for j in range(d, width):
                        variables[o, j] = -1
                    parent[o] = b
                    last[o] = v
                    t = trailing[b] + 1 if v == previous else 1
                    multinomials[o] = multinomials[b] * d / t
                    if d < q:
                        distinct[o] = distinct[b] if v == previous else distinct[b] + 1
                        trailing[o] = t
                    v += 1
                    o += 1
                b += 1


_basis_tables_kernel = _ThreadedKernel(_basis_tables)


def basis_tables(
    n_variables: int, max_interaction: int, offsets: Array
) -> tuple[NDArray[np.int32], Array, Array, FloatArray]:
    """``variables``, ``parent``, ``last`` and ``multinomials`` of a graded basis.

    ``offsets``: the basis' degree offsets (shape (Q + 2,)); ``max_interaction``:
    the most distinct variables in a monomial (``Q`` for the full basis).  See
    :class:`nn2poly._monomials.MonomialBasis` for what each array holds.

    Examples
    --------
    >>> variables, parent, last, multinomials = basis_tables(2, 2, np.array([0, 1, 3, 6]))
    >>> variables.tolist()
    [[-1, -1], [0, -1], [1, -1], [0, 0], [0, 1], [1, 1]]
    >>> parent.tolist(), multinomials.tolist()
    ([-1, 0, 0, 1, 1, 2], [1.0, 1.0, 1.0, 1.0, 2.0, 1.0])
    """
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    q = offsets.shape[0] - 2
    n_terms = int(offsets[-1])
    if q < 1:
        empty = np.full(n_terms, -1, dtype=np.int64)
        return np.full((n_terms, 0), -1, dtype=np.int32), empty, empty.copy(), np.ones(n_terms)
    variables = np.empty((n_terms, q), dtype=np.int32)
    parent = np.empty(n_terms, dtype=np.int64)
    last = np.empty(n_terms, dtype=np.int64)
    multinomials = np.empty(n_terms, dtype=np.float64)
    _load()
    work = n_terms * (q + 3)  # the table entries written
    _basis_tables_kernel(
        work, n_variables, max_interaction, offsets, variables, parent, last, multinomials
    )
    return variables, parent, last, multinomials


def _product_table(variables, degrees, parent, last, indptr):  # type: ignore[no-untyped-def]
    """The pairs (a, b), deg a >= 1, with a * b = each monomial, in compressed rows.

    Row ``o`` lists the divisors of monomial ``o`` in mixed-radix order of
    their exponents (the smallest variable's digit fastest), each with its
    complement.  A divisor's rank comes from one before it: with ``c`` its
    largest variable present, it is that divisor with ``x_c`` removed times
    ``x_c``, a child appended in the enumeration, whose rank is its parent's
    first child plus ``c`` minus the parent's last variable.  ``indptr`` holds
    the row counts at ``o + 1`` on entry and the offsets on return.
    """
    n_terms, width = variables.shape
    first = np.zeros(n_terms, dtype=np.int64)  # each monomial's first child
    for o in range(n_terms - 1, 0, -1):
        first[parent[o]] = o
    slots = max(width, 1)
    values = np.empty(slots, dtype=np.int64)
    counts = np.empty(slots, dtype=np.int64)
    taken = np.empty(slots, dtype=np.int64)
    stride = np.empty(slots + 1, dtype=np.int64)
    most = 1
    for o in range(1, n_terms):
        total = 1
        n_distinct = 0
        for j in range(degrees[o]):
            if n_distinct > 0 and values[n_distinct - 1] == variables[o, j]:
                counts[n_distinct - 1] += 1
            else:
                values[n_distinct] = variables[o, j]
                counts[n_distinct] = 1
                n_distinct += 1
        for i in range(n_distinct):
            total *= counts[i] + 1
        indptr[o + 1] = total - 1
        most = max(most, total)
    for o in range(n_terms):
        indptr[o + 1] += indptr[o]
    left = np.empty(indptr[n_terms], dtype=np.int32)
    right = np.empty(indptr[n_terms], dtype=np.int32)
    ranks = np.empty(most, dtype=np.int64)
    for o in range(1, n_terms):
        n_distinct = 0
        for j in range(degrees[o]):
            if n_distinct > 0 and values[n_distinct - 1] == variables[o, j]:
                counts[n_distinct - 1] += 1
            else:
                values[n_distinct] = variables[o, j]
                counts[n_distinct] = 1
                n_distinct += 1
        stride[0] = 1
        for i in range(n_distinct):
            taken[i] = 0
            stride[i + 1] = stride[i] * (counts[i] + 1)
        ranks[0] = 0
        index = 0
        while True:  # odometer over the divisors' exponents
            carry = 0
            while carry < n_distinct:
                if taken[carry] < counts[carry]:
                    taken[carry] += 1
                    break
                taken[carry] = 0
                carry += 1
            if carry == n_distinct:
                break
            index += 1
            c = n_distinct - 1
            while taken[c] == 0:
                c -= 1
            before = ranks[index - stride[c]]
            ranks[index] = first[before] + values[c] - (last[before] if before > 0 else 0)
        position = indptr[o]
        for i in range(1, index + 1):
            left[position] = ranks[i]
            right[position] = ranks[index - i]
            position += 1
    return left, right


_product_table_kernel = _SerialKernel(_product_table)


def product_table(
    variables: NDArray[np.int32], degrees: Array, parent: Array, last: Array
) -> tuple[Array, NDArray[np.int32], NDArray[np.int32]]:
    """``(indptr, left, right)``: for each monomial ``o`` the pairs ``(left[t], right[t])``,
    ``indptr[o] <= t < indptr[o + 1]``, with ``left * right = o`` and ``deg left >= 1``.

    The table of :meth:`nn2poly._monomials.MonomialBasis.product_table`, from
    the basis' rows and parent maps (see :func:`basis_tables`).

    Examples
    --------
    >>> variables, parent, last, _ = basis_tables(2, 2, np.array([0, 1, 3, 6]))
    >>> indptr, left, right = product_table(variables, np.array([0, 1, 1, 2, 2, 2]), parent, last)
    >>> indptr.tolist()
    [0, 0, 1, 2, 4, 7, 9]
    >>> [(int(a), int(b)) for a, b in zip(left[4:7], right[4:7])]  # x0 x1
    [(1, 2), (2, 1), (4, 0)]
    """
    indptr = np.zeros(variables.shape[0] + 1, dtype=np.int64)
    left, right = _product_table_kernel(variables, degrees, parent, last, indptr)
    return indptr, left, right
