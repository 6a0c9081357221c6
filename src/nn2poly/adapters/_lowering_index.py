"""Argument checks and index arithmetic shared by the lowering of convolutions and pooling.

Every spatial dimension is handled alone (:func:`kernel_taps`: which input,
output and kernel positions meet inside the input) and the dimensions are then
combined into C-order flat indices (:func:`tap_product`).

Examples
--------
>>> i, o, k = kernel_taps(size=3, out=2, kernel=2, stride=1, dilation=1, before=0)
>>> i.tolist(), o.tolist(), k.tolist()
([0, 1, 1, 2], [0, 0, 1, 1], [0, 1, 0, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import Interval, check_param, invalid_value

__all__ = [
    "MAX_MATRIX_BYTES",
    "POSITIVE",
    "guard_size",
    "kernel_taps",
    "output_spatial",
    "padding_pairs",
    "per_dim",
    "read_shape",
    "scatter",
    "tap_product",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: The largest dense matrix a layer may lower to (2 GiB of float64).
MAX_MATRIX_BYTES = 2 * 1024**3

POSITIVE = [Interval(int, 1, None)]


# --------------------------------------------------------------------------- checks
def read_shape(input_shape: Any, caller: str) -> tuple[int, ...]:
    """``input_shape`` as a tuple of positive ints with at least one spatial dimension."""
    expected = "a tuple (channels, *spatial) of positive ints with 1 to 3 spatial dimensions"
    try:
        shape = tuple(input_shape)
    except TypeError:
        raise invalid_value("input_shape", input_shape, expected, caller=caller) from None
    ok = 2 <= len(shape) <= 4 and all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in shape
    )
    if not ok:
        raise invalid_value(
            "input_shape",
            input_shape,
            expected,
            caller=caller,
            fix="Give the shape of one sample without the batch dimension, e.g. (3, 32, 32).",
        )
    return tuple(int(n) for n in shape)


def per_dim(name: str, value: Any, n_dims: int, caller: str, low: int) -> tuple[int, ...]:
    """An int or one int per spatial dimension, each at least ``low``."""
    expected = f"an int >= {low} or a sequence of {n_dims} such ints"
    values = (value,) * n_dims if not isinstance(value, (Sequence, np.ndarray)) else value
    if isinstance(value, str) or len(values) != n_dims:
        raise invalid_value(name, value, expected, caller=caller)
    try:
        return tuple(
            check_param(name, v, [Interval(int, low, None)], caller=caller) for v in values
        )
    except (TypeError, ValueError):
        raise invalid_value(name, value, expected, caller=caller) from None


def padding_pairs(value: Any, n_dims: int, caller: str) -> tuple[tuple[int, int], ...]:
    """Padding as one ``(before, after)`` pair per spatial dimension."""
    expected = (
        f"an int >= 0, {n_dims} such ints (symmetric) or {n_dims} (before, after) pairs of them"
    )
    if not isinstance(value, (Sequence, np.ndarray)) or isinstance(value, str):
        value = (value,) * n_dims
    pairs: list[tuple[int, int]] = []
    try:
        if len(value) != n_dims:
            raise ValueError
        for item in value:
            pair = (item, item) if not isinstance(item, (Sequence, np.ndarray)) else tuple(item)
            if len(pair) != 2:
                raise ValueError
            before, after = (check_param("padding", p, [Interval(int, 0, None)]) for p in pair)
            pairs.append((before, after))
    except (TypeError, ValueError):
        raise invalid_value("padding", value, expected, caller=caller) from None
    return tuple(pairs)


def out_size(
    size: int, kernel: int, stride: int, dilation: int, pad: tuple[int, int], ceil_mode: bool
) -> int:
    """Output length along one dimension (torch's rule, also ONNX's)."""
    span = size + pad[0] + pad[1] - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    steps = -(-span // stride) if ceil_mode else span // stride
    if ceil_mode and steps * stride >= size + pad[0]:
        steps -= 1  # the last window would start in the right padding
    return steps + 1


def output_spatial(
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    ceil_mode: bool,
    caller: str,
    name: str = "kernel_size",
) -> tuple[int, ...]:
    """Output size of every spatial dimension; refuses a kernel that does not fit."""
    out = tuple(
        out_size(n, k, s, d, p, ceil_mode)
        for n, k, s, d, p in zip(spatial, kernel, stride, dilation, padding, strict=True)
    )
    if min(out) < 1:
        extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
        padded = tuple(n + p[0] + p[1] for n, p in zip(spatial, padding, strict=True))
        raise invalid_value(
            name,
            kernel if name == "kernel_size" else f"a kernel of size {kernel}",
            f"a kernel at most the padded input {padded} once dilated (extent {extent})",
            caller=caller,
            fix="Use a smaller kernel or dilation, or more padding.",
        )
    return out


def guard_size(n_in: int, n_out: int, what: str, caller: str) -> None:
    """Refuse a dense matrix over :data:`MAX_MATRIX_BYTES` before allocating it."""
    size = n_in * n_out * 8
    if size > MAX_MATRIX_BYTES:
        raise invalid_value(
            "input_shape",
            what,
            f"a layer whose dense matrix fits in {MAX_MATRIX_BYTES} bytes",
            caller=caller,
            fix=f"Its matrix ({n_in} x {n_out} float64) needs {size} bytes; "
            "reduce the input or the channels.",
        )


# ------------------------------------------------------------------------ index work
def kernel_taps(
    size: int, out: int, kernel: int, stride: int, dilation: int, before: int
) -> tuple[IntArray, IntArray, IntArray]:
    """``(input, output, kernel)`` positions along one dimension that meet inside the input."""
    o = np.arange(out)[:, None]
    k = np.arange(kernel)[None, :]
    i = o * stride - before + k * dilation
    oo, kk = np.nonzero((i >= 0) & (i < size))
    return i[oo, kk].astype(np.intp), oo.astype(np.intp), kk.astype(np.intp)


def tap_product(
    per_dim: Sequence[tuple[IntArray, ...]], sizes: Sequence[tuple[int, ...]]
) -> tuple[IntArray, ...]:
    """Cartesian product of per-dimension taps as C-order flat indices.

    ``per_dim[d]`` holds arrays of equal length (the taps along dimension
    ``d``) and ``sizes[d]`` the extent each array indexes; the result holds, for
    every combination of one tap per dimension, the flat index of each array.
    """
    flat = [np.zeros(1, dtype=np.intp) for _ in per_dim[0]]
    for arrays, extents in zip(per_dim, sizes, strict=True):
        flat = [
            (f[:, None] * n + a[None, :]).ravel()
            for f, a, n in zip(flat, arrays, extents, strict=True)
        ]
    return tuple(flat)


def scatter(
    n_rows: int, n_cols: int, rows: NDArray[Any], cols: NDArray[Any], values: NDArray[Any]
) -> NDArray[np.float64]:
    """A dense ``(n_rows, n_cols)`` matrix, zero but for ``matrix[rows, cols] = values``.

    The pairs ``(rows, cols)`` are distinct; arrays broadcast together.  The
    zeros are written before the entries so that the entries land on memory
    already mapped (much faster than scattering into a lazily zeroed array).
    """
    matrix = np.empty((n_rows, n_cols))
    matrix.fill(0.0)
    flat = np.asarray(rows, dtype=np.intp) * n_cols + np.asarray(cols, dtype=np.intp)
    flat, values = np.broadcast_arrays(flat, np.asarray(values, dtype=np.float64))
    matrix.reshape(-1)[flat.ravel()] = values.ravel()
    return matrix
