"""Compiled kernels for the top-degree slice of a conversion, contracted with the outputs.

The monomials of the top degree ``Q`` are most of a wide basis (for p = 200,
Q = 3: 1,353,400 of 1,373,701), and every layer's top slice reaches the
outputs only linearly (a monomial of degree Q times anything of degree >= 1
is truncated).  So the top slice of each layer is never stored at full width:
its contribution to the outputs is summed directly, each layer's neurons
weighted by ``g``, the linear map from that layer's outputs to the network's
outputs along the top slice (see :mod:`nn2poly._top_slice`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._kernels import _SerialKernel, _ThreadedKernel
from ._threads import share_rows

Array = NDArray[Any]

__all__ = ["affine_top", "product_top"]

#: ``numba.prange`` once numba is loaded (see :func:`nn2poly._kernels._prepare`)
prange = range

#: Output rows per parallel task.
_ROW_BLOCK = 256

#: Rows of an element-wise product below which one thread does it all.
_SHARED_ROWS = 1 << 14


def _product_top(indptr, left, right, low, vg, h1, y):  # type: ignore[no-untyped-def]
    """``y[o - low, m] += sum_(a, b) sum_k vg[a, m, k] h1[b, k]`` over the pairs of each
    top row ``o >= low`` whose factors both lie below ``low`` (degree < Q).

    Each row sums into one accumulator per (output, neuron), so the loop over
    neurons vectorises; the neurons are summed once per row.
    """
    n_terms = indptr.shape[0] - 1
    n_out, width = vg.shape[1], vg.shape[2]
    n_blocks = (n_terms - low + _ROW_BLOCK - 1) // _ROW_BLOCK
    for block in prange(n_blocks):
        acc = np.empty((n_out, width), dtype=np.float64)
        start = low + block * _ROW_BLOCK
        for o in range(start, min(n_terms, start + _ROW_BLOCK)):
            acc[:] = 0.0
            for t in range(indptr[o], indptr[o + 1]):
                a = left[t]
                if a >= low:
                    continue  # (a of degree Q) x (constant): the linear part, passed on in g
                b = right[t]
                for m in range(n_out):
                    for k in range(width):
                        acc[m, k] += vg[a, m, k] * h1[b, k]
            for m in range(n_out):
                total = 0.0
                for k in range(width):
                    total += acc[m, k]
                y[o - low, m] += total


def _gram_top(variables, a_start, b_start, i, multichoose, gram, y, column, triangle):  # type: ignore[no-untyped-def]
    """``y[rank(a * b), column] += gram[a - a_start, b - b_start]`` for every monomial
    ``a`` of degree ``Q - i`` in the block and ``b`` of degree ``i``; with
    ``triangle`` (``a`` and ``b`` of one degree) only ``b >= a``, halved at ``b = a``.

    The monomials ``b`` come in runs that differ in their last variable ``c``
    only (the children of one parent ``P``, ``c`` increasing): per run the
    monomial ``m = a P`` is merged once, and ``a * b = m x_c`` is ranked as in
    :func:`_single_top`.
    """
    n_a, n_b = gram.shape
    q = variables.shape[1]
    j = q - i
    p = multichoose.shape[0] - 2
    t = np.zeros(q + 1, dtype=np.int64)
    prefix = np.zeros(q, dtype=np.int64)
    suffix = np.zeros(q, dtype=np.int64)
    for ai in range(n_a):
        a = a_start + ai
        first = a - b_start if triangle else 0
        s = 0
        for bi in range(first, n_b):
            b = b_start + bi
            c = variables[b, i - 1]
            if bi == first or c <= variables[b - 1, i - 1]:  # a new parent: merge a and P
                x = 0
                z = 0
                for k in range(1, q):
                    if z >= i - 1 or (x < j and variables[a, x] <= variables[b, z]):
                        t[k] = variables[a, x]
                        x += 1
                    else:
                        t[k] = variables[b, z]
                        z += 1
                for k in range(1, q):
                    prefix[k] = prefix[k - 1] + multichoose[p - t[k - 1], q - k + 1]
                    prefix[k] -= multichoose[p - t[k], q - k + 1]
                for k in range(q - 3, -1, -1):
                    suffix[k] = suffix[k + 1] + multichoose[p - t[k + 1], q - k - 2]
                    suffix[k] -= multichoose[p - t[k + 2], q - k - 2]
                s = 0
            while s < q - 1 and t[s + 1] <= c:
                s += 1
            rank = prefix[s] + suffix[s] + multichoose[p - t[s], q - s]
            rank -= multichoose[p - c, q - s]
            if s < q - 1:
                rank += multichoose[p - c, q - s - 1] - multichoose[p - t[s + 1], q - s - 1]
            value = gram[ai, bi]
            y[rank, column] += 0.5 * value if b == a else value


def _single_top(variables, m_start, multichoose, gram, y, column):  # type: ignore[no-untyped-def]
    """``y[rank(m x_c), column] += gram[m - m_start, c]`` for monomials ``m`` of degree
    ``Q - 1`` and variables ``c``: the top rows' pairs with a factor of degree 1.

    With ``m = (t_1 <= ... <= t_{Q-1})``, ``x_c`` goes in at position ``s + 1``
    (``t_s <= c < t_{s+1}``): the rank is the sums over the positions before
    and after it, formed once per ``m``, and the two terms around it.
    """
    # The rank's sums are written out here and in _gram_top: as a compiled helper
    # called from both (inlined or not) the additions ran 35% slower.
    n_m, p = gram.shape
    q = variables.shape[1]
    t = np.zeros(q + 1, dtype=np.int64)
    prefix = np.zeros(q, dtype=np.int64)
    suffix = np.zeros(q, dtype=np.int64)
    for mi in range(n_m):
        m = m_start + mi
        for k in range(1, q):
            t[k] = variables[m, k - 1]
        for s in range(1, q):
            prefix[s] = prefix[s - 1] + multichoose[p - t[s - 1], q - s + 1]
            prefix[s] -= multichoose[p - t[s], q - s + 1]
        for s in range(q - 3, -1, -1):
            suffix[s] = suffix[s + 1] + multichoose[p - t[s + 1], q - s - 2]
            suffix[s] -= multichoose[p - t[s + 2], q - s - 2]
        s = 0
        for c in range(p):
            while s < q - 1 and t[s + 1] <= c:
                s += 1
            rank = prefix[s] + suffix[s] + multichoose[p - t[s], q - s]
            rank -= multichoose[p - c, q - s]
            if s < q - 1:
                rank += multichoose[p - c, q - s - 1] - multichoose[p - t[s + 1], q - s - 1]
            y[rank, column] += gram[mi, c]


def _affine_top(parent, last, multinomials, low, raw, linear, gd, y):  # type: ignore[no-untyped-def]
    """``y[a - low, m] += mult(a) sum_j gd[m, j] prod_i linear[i, j]^(a_i)`` for every top
    row ``a``, the product built from its parent's ``raw`` row (degree Q - 1).

    The top rows of one parent are consecutive and differ in their last
    variable only: ``gd[m] * raw[parent]`` is formed once per parent.
    """
    n_terms = parent.shape[0]
    n_out, width = gd.shape
    n_blocks = (n_terms - low + _ROW_BLOCK - 1) // _ROW_BLOCK
    for block in prange(n_blocks):
        weighted = np.empty((n_out, width), dtype=np.float64)
        lanes = np.empty(width, dtype=np.float64)
        current = -1
        start = low + block * _ROW_BLOCK
        for a in range(start, min(n_terms, start + _ROW_BLOCK)):
            b = parent[a]
            if b != current:
                for m in range(n_out):
                    for j in range(width):
                        weighted[m, j] = gd[m, j] * raw[b, j]
                current = b
            variable = last[a]
            scale = multinomials[a]
            for m in range(n_out):
                for j in range(width):
                    lanes[j] = weighted[m, j] * linear[variable, j]
                total = 0.0
                for j in range(width):
                    total += lanes[j]
                y[a - low, m] += scale * total


_product_top_kernel = _ThreadedKernel(_product_top)
#: the sum over neurons may be reordered (vectorised) in this one
# no parallel loop in these two: threads run them on blocks of products
# (nn2poly._kernels_gram.gram_top)
_gram_top_kernel = _SerialKernel(_gram_top, nogil=True)
_single_top_kernel = _SerialKernel(_single_top, nogil=True)
_affine_top_kernel = _ThreadedKernel(_affine_top, fastmath={"reassoc", "nsz"})


def product_top(
    table: tuple[Array, Array, Array], low: int, v: Array, h1: Array, g: Array, y: Array
) -> None:
    """Add to ``y`` (top rows x outputs) the products ``v * h1`` of a general
    composition's last Horner step, weighted by ``g`` (neurons x outputs)."""
    indptr, left, right = table
    vg = np.empty((v.shape[0], g.shape[1], v.shape[1]))  # (low, n_out, width)

    def weigh(start: int, stop: int) -> None:
        np.multiply(v[start:stop, None, :], g.T[None, :, :], out=vg[start:stop])

    share_rows(v.shape[0], weigh, minimum=_SHARED_ROWS)
    work = int(indptr[-1] - indptr[low]) * v.shape[1] * g.shape[1]
    _product_top_kernel(work, indptr, left, right, low, vg, np.ascontiguousarray(h1), y)


def affine_top(
    parent: Array,
    last: Array,
    multinomials: Array,
    low: int,
    raw: Array,
    linear: Array,
    gd: Array,
    y: Array,
) -> None:
    """Add to ``y`` the top rows of the first non-linear layer's multinomial
    expansion, weighted by ``gd`` (outputs x neurons, the top coefficient included)."""
    work = (parent.shape[0] - low) * linear.shape[1] * gd.shape[0]
    _affine_top_kernel(
        work,
        parent,
        last,
        multinomials,
        low,
        np.ascontiguousarray(raw),
        np.ascontiguousarray(linear),
        np.ascontiguousarray(gd),
        y,
    )
