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

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._kernels import _SerialKernel, _ThreadedKernel
from ._threads import blas_on_one_thread, run_together, share_rows, thread_count

Array = NDArray[Any]

__all__ = ["affine_top", "gram_top", "product_top", "scatter_bytes"]

#: ``numba.prange`` once numba is loaded (see :mod:`nn2poly._kernels`)
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
# no parallel loop in these two: threads run them on parts of a product (gram_top)
_gram_top_kernel = _SerialKernel(_gram_top, nogil=True)
_single_top_kernel = _SerialKernel(_single_top, nogil=True)
_affine_top_kernel = _TopKernel(_affine_top, fastmath={"reassoc", "nsz"})


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


#: Entries of each matrix product of :func:`gram_top` (32 MiB): large enough
#: for BLAS to run at full speed, small beside the coefficient arrays.
_GRAM_ENTRIES = 1 << 22

#: Bytes that the private copies of an output column of :func:`gram_top` may
#: take together.  The products of two different pairs of monomials can be
#: one monomial, so two threads adding entries into the same column could
#: lose an addition: each thread but the first adds its products into a copy
#: of its own, and the copies are summed into the column once all are in.
_PRIVATE_BYTES = 1 << 28

#: Top rows below which one thread does all (a few milliseconds of work).
_THREADED_TOP_ROWS = 1 << 16

#: Matrix products per thread, at least, where several threads share them.
_BLOCKS_PER_THREAD = 4

#: Entries of a matrix product (a block of rows), at least, once products
#: are made smaller so that every thread has several.
_MIN_BLOCK_ENTRIES = 1 << 16


def scatter_threads(n_top: int) -> int:
    """Threads that share :func:`gram_top`'s matrix products over ``n_top`` top rows:
    numba's thread count, fewer where the private copies would pass
    ``_PRIVATE_BYTES``, one for fewer than ``_THREADED_TOP_ROWS`` rows."""
    if n_top < _THREADED_TOP_ROWS:
        return 1
    copies = _PRIVATE_BYTES // max(8 * n_top, 1)
    return 1 + max(0, min(thread_count() - 1, copies))


def scatter_bytes(n_top: int, block: int) -> int:
    """Bytes that :func:`gram_top` holds beyond one thread's matrix product of
    ``block`` entries, for ``n_top`` top rows: each further thread's product
    and left factor, and its private copy of a column."""
    return 8 * (scatter_threads(n_top) - 1) * (n_top + 2 * min(block, _GRAM_ENTRIES))


def _row_blocks(start: int, stop: int, row_entries: int, threads: int) -> list[tuple[int, int]]:
    """Blocks of the rows ``start:stop`` (``row_entries`` entries each): at most
    ``_GRAM_ENTRIES`` entries, and several per thread where threads share them."""
    rows = max(1, _GRAM_ENTRIES // max(row_entries, 1))
    if threads > 1:
        share = (stop - start) // (_BLOCKS_PER_THREAD * threads)
        rows = min(rows, max(share, _MIN_BLOCK_ENTRIES // max(row_entries, 1), 1))
    return [(r, min(r + rows, stop)) for r in range(start, stop, rows)]


def gram_top(
    variables: Array,
    offsets: Array,
    multichoose: Array,
    v: Array,
    h1: Array,
    g: Array,
    y: Array,
) -> None:
    """Add to ``y`` (top rows x outputs) the top-degree products ``v * h1`` of a full
    basis, weighted by ``g`` (neurons x outputs), by blocks of matrix products.

    The pairs ``(a, b)`` of a top monomial have degrees ``(i, Q - i)``,
    ``1 <= i < Q``; over a full basis every such pair is one, so the sums over
    neurons ``sum_k w[a, k] h1[b, k]`` (``w = v g[:, m]``) are the entries of
    matrix products (BLAS), each added into the row of ``a * b``.  The pairs
    ``(a, b)`` and ``(b, a)`` come from one entry, ``[w_a, h1_a] . [h1_b, w_b]``,
    so each product of monomials is ranked once.  The same results as
    :func:`product_top` with the product table's top rows, which are not built.

    The products are shared by the threads (:func:`scatter_threads`), each
    taking the next one when it is done with its own, so that the matrix
    products and the additions run in parallel.
    """
    q = variables.shape[1]
    p = int(offsets[2] - offsets[1])
    width = v.shape[1]
    threads = scatter_threads(y.shape[0])
    copies = np.empty((threads - 1, y.shape[0], 1)) if threads > 1 else None
    scratches = [_Scratch() for _ in range(threads)]
    for column in range(g.shape[1]):
        w = v * g[:, column][None, :]
        blocks: list[Callable[[Array, int, _Scratch], None]] = []
        # pairs with a factor of degree 1, both ways round in one product for Q > 2:
        # [h1_m, w_m] . [w_c, h1_c] = <w_c, h1_m> + <w_m, h1_c>
        w_c, h1_c = w[1 : p + 1], h1[1 : p + 1]
        right = w_c if q == 2 else np.concatenate([w_c, h1_c], axis=1)
        m_start, m_end = int(offsets[q - 1]), int(offsets[q])
        for m0, m1 in _row_blocks(m_start, m_end, 2 * max(p, width), threads):
            single = partial(_add_single, variables, multichoose, w, h1, right, m0, m1)
            blocks.append(single)
        # the other pairs, degrees {i, Q - i} with 2 <= i <= Q / 2, both ways round:
        # [w_a, h1_a] . [h1_b, w_b] for a of degree Q - i, b of degree i (and b >= a
        # where the two degrees are one: the pair (a, a) once)
        for i in range(2, q // 2 + 1):
            b_start, b_end = int(offsets[i]), int(offsets[i + 1])
            right = np.concatenate([h1[b_start:b_end], w[b_start:b_end]], axis=1)
            a_start, a_end = int(offsets[q - i]), int(offsets[q - i + 1])
            row_entries = b_end - b_start + 2 * width
            triangle = 2 * i == q
            if triangle:  # narrow blocks: little of each product falls below b = a
                row_entries = max(row_entries, _GRAM_ENTRIES // max(64, (b_end - b_start) // 8))
            for a0, a1 in _row_blocks(a_start, a_end, row_entries, threads):
                b0 = a0 if triangle else b_start
                pairs = (variables, multichoose, w, h1, right[b0 - b_start :], i, a0, a1, b0)
                blocks.append(partial(_add_pairs, *pairs, triangle))
        _share(blocks, y, column, copies, scratches)


class _Scratch:
    """One thread's buffers for its matrix products, reused block after block (a
    fresh array of 32 MiB each time would have its pages faulted in each time)."""

    def __init__(self) -> None:
        self.buffers: dict[str, Array] = {}

    def array(self, name: str, shape: tuple[int, int]) -> Array:
        """A C-ordered float array of ``shape`` in the buffer ``name``."""
        size = shape[0] * shape[1]
        buffer = self.buffers.get(name)
        if buffer is None or buffer.size < size:
            buffer = self.buffers[name] = np.empty(size)
        return buffer[:size].reshape(shape)


def _share(
    blocks: list[Callable[[Array, int, _Scratch], None]],
    y: Array,
    column: int,
    copies: Array | None,
    scratches: list[_Scratch],
) -> None:
    """Run ``blocks`` (each adds its products into a target column), on as many
    threads as there are copies of the column, plus one, each with its scratch."""
    used = 1 if copies is None else min(copies.shape[0] + 1, len(blocks))
    if used == 1:
        for block in blocks:
            block(y, column, scratches[0])
        return
    assert copies is not None
    pending = iter(blocks)
    lock = threading.Lock()

    def work(target: Array, target_column: int, scratch: _Scratch) -> None:
        while True:
            with lock:
                block = next(pending, None)
            if block is None:
                return
            block(target, target_column, scratch)

    mine = copies[: used - 1]
    mine.fill(0.0)
    calls = [partial(work, y, column, scratches[0])]
    others = zip(mine, scratches[1:used], strict=True)
    calls += [partial(work, copy, 0, scratch) for copy, scratch in others]
    with blas_on_one_thread():
        run_together(calls)
    y[:, column] += mine[0, :, 0] if used == 2 else mine[:, :, 0].sum(axis=0)


def _add_single(
    variables: Array,
    multichoose: Array,
    w: Array,
    h1: Array,
    right: Array,
    m0: int,
    m1: int,
    y: Array,
    column: int,
    scratch: _Scratch,
) -> None:
    """The products of the monomials ``m0:m1`` of degree ``Q - 1`` with the
    variables (:func:`_single_top`), added into ``y[:, column]``."""
    left = h1[m0:m1]
    if variables.shape[1] > 2:
        left = np.concatenate(
            [left, w[m0:m1]], axis=1, out=scratch.array("left", (m1 - m0, 2 * w.shape[1]))
        )
    gram = np.matmul(left, right.T, out=scratch.array("gram", (m1 - m0, right.shape[0])))
    _single_top_kernel(variables, m0, multichoose, gram, y, column)


def _add_pairs(
    variables: Array,
    multichoose: Array,
    w: Array,
    h1: Array,
    right: Array,
    i: int,
    a0: int,
    a1: int,
    b0: int,
    triangle: bool,
    y: Array,
    column: int,
    scratch: _Scratch,
) -> None:
    """The products of the monomials ``a0:a1`` of degree ``Q - i`` with those of
    degree ``i`` from ``b0`` on (:func:`_gram_top`), added into ``y[:, column]``."""
    left = scratch.array("left", (a1 - a0, 2 * w.shape[1]))
    np.concatenate([w[a0:a1], h1[a0:a1]], axis=1, out=left)
    gram = np.matmul(left, right.T, out=scratch.array("gram", (a1 - a0, right.shape[0])))
    _gram_top_kernel(variables, a0, b0, i, multichoose, gram, y, column, triangle)


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
