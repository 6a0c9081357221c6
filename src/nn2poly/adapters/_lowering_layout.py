"""Feature orders and paddings of convolution inputs, as index arrays and pairs.

Layouts differ between frameworks: Keras keeps channels last, torch and ONNX
first; ``"same"`` padding is computed, and sometimes repeats the edge values
instead of adding zeros.  The functions here turn each into what
:mod:`nn2poly.adapters._lowering` and the graph builder's ``select`` take.

Examples
--------
>>> channels_last_order((2, 3)).tolist()
[0, 2, 4, 1, 3, 5]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ._lowering_index import padding_pairs, per_dim, read_shape

__all__ = ["channels_first_order", "channels_last_order", "edge_pad_order", "same_padding"]

IntArray = NDArray[np.intp]


def same_padding(
    spatial: Sequence[int],
    kernel_size: int | Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    lower: bool = False,
) -> tuple[tuple[int, int], ...]:
    """The ``(before, after)`` padding that keeps ``ceil(size / stride)`` outputs.

    Keras ``padding="same"`` and ONNX ``auto_pad="SAME_UPPER"`` put the odd
    extra zero after (``lower=False``); ONNX ``"SAME_LOWER"`` puts it before.
    torch's ``padding="same"`` (stride 1) is the same as Keras's.

    Parameters
    ----------
    spatial : sequence of int
        Input size of each spatial dimension.
    kernel_size, stride, dilation : int or sequence of int
        For every spatial dimension or each.
    lower : bool
        Put the odd extra zero before instead of after.

    Returns
    -------
    tuple of (int, int)
        One ``(before, after)`` pair per spatial dimension, for the ``padding``
        of :func:`conv_matrix` and :func:`avg_pool_matrix`.

    Examples
    --------
    >>> same_padding((5, 6), 4, stride=(1, 2))
    ((1, 2), (1, 1))
    """
    caller = "same_padding"
    sizes = read_shape((1, *spatial), caller)[1:]
    n = len(sizes)
    kernel = per_dim("kernel_size", kernel_size, n, caller, 1)
    strides = per_dim("stride", stride, n, caller, 1)
    dilations = per_dim("dilation", dilation, n, caller, 1)
    pairs = []
    for size, k, s, d in zip(sizes, kernel, strides, dilations, strict=True):
        total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
        small, large = total // 2, total - total // 2
        pairs.append((large, small) if lower else (small, large))
    return tuple(pairs)


def channels_last_order(shape: Sequence[int]) -> IntArray:
    """Where each channels-first feature sits in a channels-last flat vector.

    Parameters
    ----------
    shape : sequence of int
        The channels-first shape ``(C, *spatial)``.

    Returns
    -------
    ndarray of int of shape (prod(shape),)
        ``x_first = x_last[order]``, where ``x_last`` is a ``(*spatial, C)``
        array flattened in C order (Keras) and ``x_first`` the same values as
        ``(C, *spatial)`` flattened (torch).

    Examples
    --------
    >>> import numpy as np
    >>> x_last = np.arange(6).reshape(3, 2)          # 3 positions, 2 channels
    >>> x_last.ravel()[channels_last_order((2, 3))]
    array([0, 2, 4, 1, 3, 5])
    """
    dims = read_shape(shape, "channels_last_order")
    last = np.arange(math.prod(dims)).reshape(*dims[1:], dims[0])
    return np.moveaxis(last, -1, 0).ravel().astype(np.intp)


def channels_first_order(shape: Sequence[int]) -> IntArray:
    """Where each channels-last feature sits in a channels-first flat vector.

    The inverse permutation of :func:`channels_last_order`.

    Parameters
    ----------
    shape : sequence of int
        The channels-first shape ``(C, *spatial)``.

    Returns
    -------
    ndarray of int of shape (prod(shape),)
        ``x_last = x_first[order]``.

    Examples
    --------
    >>> import numpy as np
    >>> x_first = np.arange(6)                       # 2 channels, 3 positions
    >>> x_first[channels_first_order((2, 3))]
    array([0, 3, 1, 4, 2, 5])
    """
    dims = read_shape(shape, "channels_first_order")
    first = np.arange(math.prod(dims)).reshape(dims)
    return np.moveaxis(first, 0, -1).ravel().astype(np.intp)


def edge_pad_order(
    input_shape: Sequence[int], padding: int | Sequence[int] | Sequence[tuple[int, int]]
) -> tuple[IntArray, tuple[int, ...]]:
    """Padding that repeats each edge value, as a selection of the input's features.

    Keras (torch backend) pads this way (``mode="replicate"``) before an
    average pooling whose ``"same"`` padding is uneven; follow the selection
    with :func:`avg_pool_matrix` and ``padding=0``.

    Parameters
    ----------
    input_shape : sequence of int
        ``(C, *spatial)``, channels first.
    padding : int, sequence of int or sequence of (int, int)
        As in :func:`conv_matrix`.

    Returns
    -------
    order : ndarray of int of shape (prod(padded_shape),)
        ``x_padded_flat = x_flat[order]``.
    padded_shape : tuple of int
        ``(C, *padded_spatial)``.

    Examples
    --------
    >>> import numpy as np
    >>> order, shape = edge_pad_order((1, 3), ((1, 2),))
    >>> np.array([5.0, 6.0, 7.0])[order], shape
    (array([5., 5., 6., 7., 7., 7.]), (1, 6))
    """
    shape = read_shape(input_shape, "edge_pad_order")
    pairs = padding_pairs(padding, len(shape) - 1, "edge_pad_order")
    padded = np.pad(np.arange(math.prod(shape)).reshape(shape), ((0, 0), *pairs), mode="edge")
    return padded.ravel().astype(np.intp), tuple(int(n) for n in padded.shape)
