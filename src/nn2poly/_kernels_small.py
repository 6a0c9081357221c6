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

from ._kernels import _SerialKernel, _ThreadedKernel

__all__ = ["basis_tables", "series_recurrence", "shift_series"]

Array = NDArray[Any]
FloatArray = NDArray[np.float64]
#: ``numba.prange`` once numba is loaded (see :func:`nn2poly._kernels._prepare`)
prange = range
#: compiled to be inlined into the kernels that call them
_HELPERS = ("_distinct_counts",)


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
    work = n_terms * (q + 3)  # the table entries written
    _basis_tables_kernel(
        work, n_variables, max_interaction, offsets, variables, parent, last, multinomials
    )
    return variables, parent, last, multinomials


def _distinct_counts(row: Array, degree: int, values: Array, counts: Array) -> int:
    """The distinct variables of the sorted ``row[:degree]`` into ``values`` and
    their multiplicities into ``counts``; returns how many there are."""
    n_distinct = 0
    for j in range(degree):
        if n_distinct > 0 and values[n_distinct - 1] == row[j]:
            counts[n_distinct - 1] += 1
        else:
            values[n_distinct] = row[j]
            counts[n_distinct] = 1
            n_distinct += 1
    return n_distinct


#: Rows per parallel task of :func:`_divisor_counts`.
_COUNT_BLOCK = 4096
#: Pairs per parallel task of :func:`_divisor_pairs` (a task is a run of whole rows).
_PAIR_BLOCK = 16384


def _divisor_counts(variables, degrees, parent, first, counts_out):  # type: ignore[no-untyped-def]
    """Row ``o``'s number of pairs (its divisors but 1) into ``counts_out[o + 1]``
    (``counts_out[1]``, the constant's, is left as it is), and each monomial's
    first child into ``first`` (zeros beforehand): the children of a monomial
    are consecutive rows.  Blocks of equally many rows, in parallel."""
    n_terms, width = variables.shape
    slots = max(width, 1)
    n_blocks = (n_terms - 1 + _COUNT_BLOCK - 1) // _COUNT_BLOCK
    for block in prange(n_blocks):
        values = np.empty(slots, dtype=np.int64)
        counts = np.empty(slots, dtype=np.int64)
        start = 1 + block * _COUNT_BLOCK
        for o in range(start, min(n_terms, start + _COUNT_BLOCK)):
            if parent[o] != parent[o - 1]:
                first[parent[o]] = o
            n_distinct = _distinct_counts(variables[o], degrees[o], values, counts)
            total = 1
            for i in range(n_distinct):
                total *= counts[i] + 1
            counts_out[o + 1] = total - 1


def _divisor_pairs(variables, degrees, last, first, indptr, bounds, left, right):  # type: ignore[no-untyped-def]
    """The pairs of rows ``bounds[i] <= o < bounds[i + 1]``, block ``i``, in parallel.

    Row ``o`` lists the divisors of monomial ``o`` in mixed-radix order of
    their exponents (the smallest variable's digit fastest), each with its
    complement.  A divisor's rank comes from one before it: with ``c`` its
    largest variable present, it is that divisor with ``x_c`` removed times
    ``x_c``, a child appended in the enumeration, whose rank is its parent's
    first child plus ``c`` minus the parent's last variable.
    """
    slots = max(variables.shape[1], 1)
    for block in prange(bounds.shape[0] - 1):
        low = bounds[block]
        high = bounds[block + 1]
        most = 1  # the most divisors of a row of the block
        for o in range(low, high):
            most = max(most, indptr[o + 1] - indptr[o] + 1)
        values = np.empty(slots, dtype=np.int64)
        counts = np.empty(slots, dtype=np.int64)
        taken = np.empty(slots, dtype=np.int64)
        stride = np.empty(slots + 1, dtype=np.int64)
        ranks = np.empty(most, dtype=np.int64)
        for o in range(low, high):
            n_distinct = _distinct_counts(variables[o], degrees[o], values, counts)
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


_divisor_counts_kernel = _ThreadedKernel(_divisor_counts)
_divisor_pairs_kernel = _ThreadedKernel(_divisor_pairs)


def product_table(
    variables: NDArray[np.int32], degrees: Array, parent: Array, last: Array
) -> tuple[Array, NDArray[np.int32], NDArray[np.int32]]:
    """``(indptr, left, right)``: for each monomial ``o`` the pairs ``(left[t], right[t])``,
    ``indptr[o] <= t < indptr[o + 1]``, with ``left * right = o`` and ``deg left >= 1``.

    The table of :meth:`nn2poly._monomials.MonomialBasis.product_table`, from
    the basis' rows and parent maps (see :func:`basis_tables`): a parallel pass
    counting each row's pairs, their running sum, then a parallel pass writing
    them in blocks of about equally many pairs.

    Examples
    --------
    >>> variables, parent, last, _ = basis_tables(2, 2, np.array([0, 1, 3, 6]))
    >>> indptr, left, right = product_table(variables, np.array([0, 1, 1, 2, 2, 2]), parent, last)
    >>> indptr.tolist()
    [0, 0, 1, 2, 4, 7, 9]
    >>> [(int(a), int(b)) for a, b in zip(left[4:7], right[4:7])]  # x0 x1
    [(1, 2), (2, 1), (4, 0)]
    """
    n_terms, width = variables.shape
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    first = np.zeros(n_terms, dtype=np.int64)  # each monomial's first child
    # work in multiply-adds of the engine's kernels taking as long (measured): about
    # 8 per entry of a row counted, 16 per pair written
    _divisor_counts_kernel(8 * n_terms * (width + 1), variables, degrees, parent, first, indptr)
    np.cumsum(indptr, out=indptr)
    n_pairs = int(indptr[-1])
    left = np.empty(n_pairs, dtype=np.int32)
    right = np.empty(n_pairs, dtype=np.int32)
    # each block from the first row whose pairs start at or after a multiple of _PAIR_BLOCK
    starts = np.arange(0, n_pairs, _PAIR_BLOCK, dtype=np.int64)
    bounds = np.append(np.searchsorted(indptr[:-1], starts), n_terms)
    bounds[0] = min(1, n_terms)
    _divisor_pairs_kernel(
        16 * n_pairs, variables, degrees, last, first, indptr, bounds, left, right
    )
    return indptr, left, right
