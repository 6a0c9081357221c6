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

from ._kernels import _ThreadedKernel

Array = NDArray[Any]

__all__ = ["affine_top", "product_top"]

#: ``numba.prange`` once numba is loaded (see :mod:`nn2poly._kernels`)
prange = range

#: Output rows per parallel task.
_ROW_BLOCK = 256


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


def _load() -> None:
    global prange
    import numba

    prange = numba.prange


class _TopKernel(_ThreadedKernel):
    def __call__(self, work: int, *args: Any) -> Any:
        _load()
        return super().__call__(work, *args)


_product_top_kernel = _TopKernel(_product_top)
#: the sum over neurons may be reordered (vectorised) in this one
_affine_top_kernel = _TopKernel(_affine_top, fastmath={"reassoc", "nsz"})


def product_top(
    table: tuple[Array, Array, Array], low: int, v: Array, h1: Array, g: Array, y: Array
) -> None:
    """Add to ``y`` (top rows x outputs) the products ``v * h1`` of a general
    composition's last Horner step, weighted by ``g`` (neurons x outputs)."""
    indptr, left, right = table
    vg = np.ascontiguousarray(v[:, None, :] * g.T[None, :, :])  # (low, n_out, width)
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
