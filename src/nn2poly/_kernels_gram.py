"""The top-degree products of a full basis as matrix products, shared by threads.

Over a full basis, every pair of monomials of degrees ``(i, Q - i)`` is one,
so the top-degree products that a contracted walk adds into the outputs
(:mod:`nn2poly._top_slice`) are the entries of matrix products (BLAS), each
added into the row of the monomial its pair multiplies to by the kernels of
:mod:`nn2poly._kernels_top`.  The products come in blocks of rows, which the
engine's threads share (see :mod:`nn2poly._threads`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._kernels_top import _gram_top_kernel, _single_top_kernel
from ._threads import blas_on_one_thread, run_together, thread_count

Array = NDArray[Any]

__all__ = ["gram_top", "scatter_bytes", "scatter_threads"]

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
