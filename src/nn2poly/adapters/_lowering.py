"""Convolutions and average pooling lowered exactly to dense affine maps.

A convolution or an average pooling of a fixed-size input is linear in the
input, so it is one matrix: with the input and the output flattened in C order
of ``(channels, *spatial)`` (what ``torch.flatten(x, 1)`` does),
``y_flat = x_flat @ matrix + bias_flat``.  The adapters hand these matrices to
:meth:`~nn2poly.adapters._builder.GraphBuilder.affine`, where they fold into
the next dense layer.

The functions here work for any number of spatial dimensions (1-D, 2-D and
3-D layers alike) and compute what PyTorch and ONNX compute:

* :func:`conv_matrix`: ``torch.nn.functional.conv1d/2d/3d`` and ONNX ``Conv``
  (cross-correlation, zero padding, stride, dilation, groups);
* :func:`avg_pool_matrix`: ``torch.nn.AvgPool1d/2d/3d`` (``ceil_mode``,
  ``count_include_pad``, ``divisor_override``) and ONNX ``AveragePool``:
  ``pads = [b_1, ..., b_n, e_1, ..., e_n]`` is ``padding=((b_1, e_1), ...,
  (b_n, e_n))``, and its ``count_include_pad`` and ``ceil_mode`` attributes
  are the arguments of the same names (ONNX's default ``count_include_pad``
  is 0, torch's is True);
* :func:`global_avg_pool_matrix`: ``AdaptiveAvgPool(1)``, ONNX
  ``GlobalAveragePool``, Keras ``GlobalAveragePooling``;
* :func:`same_padding`: the padding of Keras ``padding="same"`` and ONNX
  ``auto_pad="SAME_UPPER"``/``"SAME_LOWER"`` (Keras ``AveragePooling`` with
  ``padding="same"`` does not count the padded zeros: ``count_include_pad=False``);
* :func:`channels_last_order` and :func:`channels_first_order`: the feature
  orders of channels-last frameworks (Keras) as index arrays;
* :func:`edge_pad_order`: padding that repeats the edge values (what Keras's
  torch backend does before an average pooling with uneven ``"same"``
  padding), as an index array.

Every matrix is dense float64; one that would exceed :data:`MAX_MATRIX_BYTES`
is refused before it is allocated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import check_param, invalid_value
from ._lowering_index import (
    MAX_MATRIX_BYTES,
    POSITIVE,
    guard_size,
    kernel_taps,
    output_spatial,
    padding_pairs,
    per_dim,
    read_shape,
    scatter,
    tap_product,
)
from ._lowering_layout import (
    channels_first_order,
    channels_last_order,
    edge_pad_order,
    same_padding,
)

__all__ = [
    "MAX_MATRIX_BYTES",
    "avg_pool_matrix",
    "channels_first_order",
    "channels_last_order",
    "conv_matrix",
    "edge_pad_order",
    "global_avg_pool_matrix",
    "same_padding",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


# --------------------------------------------------------------------------- public
def conv_matrix(
    weight: ArrayLike,
    bias: ArrayLike | None,
    input_shape: Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | Sequence[tuple[int, int]] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    layer: str | None = None,
) -> tuple[FloatArray, FloatArray, tuple[int, ...]]:
    """A convolution of a fixed-size input as one dense affine map.

    Cross-correlation as ``torch.nn.functional.conv1d/conv2d/conv3d`` and ONNX
    ``Conv`` compute it, with zero padding.

    Parameters
    ----------
    weight : array_like of shape (C_out, C_in / groups, *kernel)
        The kernels, as torch and ONNX store them.
    bias : array_like of shape (C_out,) or None
        One bias per output channel; None for none.
    input_shape : sequence of int
        ``(C_in, *spatial)``: one sample's shape without the batch dimension
        (1 to 3 spatial dimensions).
    stride, dilation : int or sequence of int
        One value for every spatial dimension, or one each; at least 1.
    padding : int, sequence of int or sequence of (int, int)
        Zeros added on both sides of every spatial dimension (an int), of each
        dimension (one int each), or ``(before, after)`` per dimension (ONNX
        ``pads`` ``[b_1, ..., b_n, e_1, ..., e_n]`` is ``((b_1, e_1), ...)``).
    groups : int
        Number of channel groups; divides ``C_in`` and ``C_out``.
    layer : str, optional
        The layer's name in the model, for error messages.

    Returns
    -------
    matrix : ndarray of shape (C_in * prod(spatial), C_out * prod(out_spatial))
        ``y_flat = x_flat @ matrix + bias_flat`` with both flattened in C order
        of ``(channels, *spatial)`` (``torch.flatten(x, 1)``).
    bias_flat : ndarray of shape (C_out * prod(out_spatial),)
        Each channel's bias repeated over its output positions.
    output_shape : tuple of int
        ``(C_out, *out_spatial)``.

    Examples
    --------
    A 1-D kernel ``[1, -1]`` takes differences of neighbours:

    >>> import numpy as np
    >>> matrix, bias, shape = conv_matrix(np.array([[[1.0, -1.0]]]), [0.5], (1, 4))
    >>> shape
    (1, 3)
    >>> np.array([1.0, 2.0, 4.0, 8.0]) @ matrix + bias
    array([-0.5, -1.5, -3.5])
    """
    caller = f"conv_matrix for layer {layer!r}" if layer else "conv_matrix"
    shape = read_shape(input_shape, caller)
    n_dims = len(shape) - 1
    try:
        w = np.asarray(weight, dtype=np.float64)
        b = np.zeros(w.shape[:1]) if bias is None else np.asarray(bias, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid_value(
            "weight", (weight, bias), "arrays of numbers", caller=caller, type_error=True
        ) from None
    groups = check_param("groups", groups, POSITIVE, caller=caller)
    c_in, spatial = shape[0], shape[1:]
    if w.ndim != n_dims + 2 or min(w.shape) < 1:
        raise invalid_value(
            "weight",
            w,
            f"an array of shape (C_out, C_in / groups, *kernel) with {n_dims} kernel dimensions",
            caller=caller,
            fix="Pass the layer's weight as torch or ONNX stores it.",
        )
    c_out = w.shape[0]
    if c_in % groups or c_out % groups or w.shape[1] * groups != c_in:
        raise invalid_value(
            "groups",
            groups,
            f"a divisor of C_in = {c_in} and C_out = {c_out} with weight.shape[1] * groups = "
            f"C_in (weight shape {w.shape})",
            caller=caller,
        )
    if not np.all(np.isfinite(w)):
        raise invalid_value("weight", w, "finite", caller=caller, fix="Check the trained model.")
    if b.shape != (c_out,) or not np.all(np.isfinite(b)):
        raise invalid_value("bias", b, f"None or {c_out} finite numbers", caller=caller)
    kernel = tuple(int(k) for k in w.shape[2:])
    strides = per_dim("stride", stride, n_dims, caller, 1)
    dilations = per_dim("dilation", dilation, n_dims, caller, 1)
    pads = padding_pairs(padding, n_dims, caller)
    out = output_spatial(spatial, kernel, strides, dilations, pads, False, caller, "weight")
    n_in_sp, n_out_sp = math.prod(spatial), math.prod(out)
    guard_size(
        c_in * n_in_sp, c_out * n_out_sp, f"a convolution {shape} -> {(c_out, *out)}", caller
    )

    taps = [
        kernel_taps(n, o, k, s, d, p[0])
        for n, o, k, s, d, p in zip(spatial, out, kernel, strides, dilations, pads, strict=True)
    ]
    i_flat, o_flat, k_flat = tap_product(
        taps, [(n, o, k) for n, o, k in zip(spatial, out, kernel, strict=True)]
    )
    per_group = c_in // groups
    c_o = np.arange(c_out)[:, None, None]
    c_i = (c_o // (c_out // groups)) * per_group + np.arange(per_group)[None, :, None]
    rows = c_i * n_in_sp + i_flat[None, None, :]
    cols = np.broadcast_to(c_o * n_out_sp + o_flat[None, None, :], rows.shape)
    values = w.reshape(c_out, per_group, -1)[:, :, k_flat]
    # every (input, output) pair meets through one kernel tap: no entry is written twice
    matrix = scatter(c_in * n_in_sp, c_out * n_out_sp, rows, cols, values)
    return matrix, np.repeat(b, n_out_sp), (c_out, *out)


def avg_pool_matrix(
    input_shape: Sequence[int],
    *,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] | Sequence[tuple[int, int]] = 0,
    count_include_pad: bool = True,
    ceil_mode: bool = False,
    divisor_override: int | None = None,
    layer: str | None = None,
) -> tuple[FloatArray, tuple[int, ...]]:
    """An average pooling of a fixed-size input as one dense matrix.

    Computes what ``torch.nn.AvgPool1d/2d/3d`` compute, and ONNX
    ``AveragePool`` (without dilations): ``pads`` ``[b_1, ..., b_n, e_1, ...,
    e_n]`` is ``padding=((b_1, e_1), ...)``; ``count_include_pad`` and
    ``ceil_mode`` have the same meaning (ONNX's ``count_include_pad`` defaults
    to 0).  A window covers ``kernel_size`` positions clipped to the padded
    input; with ``ceil_mode`` a last, partial window is kept when it starts
    inside the input or the left padding.  The divisor is the window's size
    within the padded input (``count_include_pad=True``), its number of input
    positions (``False``), or ``divisor_override``.

    Parameters
    ----------
    input_shape : sequence of int
        ``(C, *spatial)`` without the batch dimension (1 to 3 spatial dimensions).
    kernel_size : int or sequence of int
        Window size, for every spatial dimension or each.
    stride : int, sequence of int or None
        Step between windows; None means ``kernel_size``.
    padding : int, sequence of int or sequence of (int, int)
        Zeros on both sides of every dimension, of each dimension, or
        ``(before, after)`` per dimension.
    count_include_pad : bool
        Whether padded zeros count in the divisor.
    ceil_mode : bool
        Round the number of windows up instead of down.
    divisor_override : int, optional
        Divide every window's sum by this instead.
    layer : str, optional
        The layer's name in the model, for error messages.

    Returns
    -------
    matrix : ndarray of shape (C * prod(spatial), C * prod(out_spatial))
        ``y_flat = x_flat @ matrix``, C order of ``(channels, *spatial)``.
    output_shape : tuple of int
        ``(C, *out_spatial)``.

    Examples
    --------
    >>> import numpy as np
    >>> matrix, shape = avg_pool_matrix((1, 5), kernel_size=2, ceil_mode=True)
    >>> shape
    (1, 3)
    >>> np.arange(5.0) @ matrix
    array([0.5, 2.5, 4. ])
    """
    caller = f"avg_pool_matrix for layer {layer!r}" if layer else "avg_pool_matrix"
    shape = read_shape(input_shape, caller)
    n_dims = len(shape) - 1
    channels, spatial = shape[0], shape[1:]
    kernel = per_dim("kernel_size", kernel_size, n_dims, caller, 1)
    strides = kernel if stride is None else per_dim("stride", stride, n_dims, caller, 1)
    pads = padding_pairs(padding, n_dims, caller)
    include = check_param("count_include_pad", count_include_pad, [bool], caller=caller)
    ceil = check_param("ceil_mode", ceil_mode, [bool], caller=caller)
    if divisor_override is not None:
        check_param("divisor_override", divisor_override, [*POSITIVE, None], caller=caller)
    ones = (1,) * n_dims
    out = output_spatial(spatial, kernel, strides, ones, pads, ceil, caller)
    n_in_sp, n_out_sp = math.prod(spatial), math.prod(out)
    guard_size(
        channels * n_in_sp, channels * n_out_sp, f"a pooling {shape} -> {(channels, *out)}", caller
    )

    taps, weights = [], []
    for n, o, k, s, p in zip(spatial, out, kernel, strides, pads, strict=True):
        i, oo, _ = kernel_taps(n, o, k, s, 1, p[0])
        start = np.arange(o) * s - p[0]
        end = np.minimum(start + k, n + p[1])
        inside = np.minimum(end, n) - np.maximum(start, 0)
        if divisor_override is None and not include and inside.min() < 1:
            raise invalid_value(
                "padding",
                padding,
                "small enough that every window covers an input position",
                caller=caller,
                fix="Use at most half the kernel as padding, as torch requires.",
            )
        divisor = (end - start) if include else inside
        taps.append((i, oo))
        weights.append(1.0 / np.maximum(divisor[oo], 1))
    i_flat, o_flat = tap_product(taps, [(n, o) for n, o in zip(spatial, out, strict=True)])
    values: FloatArray = np.ones(1)
    if divisor_override is not None:
        values = np.full(i_flat.shape, 1.0 / divisor_override)
    else:
        for w in weights:
            values = (values[:, None] * w[None, :]).ravel()
    c = np.arange(channels)[:, None]
    rows, cols = c * n_in_sp + i_flat[None, :], c * n_out_sp + o_flat[None, :]
    matrix = scatter(channels * n_in_sp, channels * n_out_sp, rows, cols, values[None, :])
    return matrix, (channels, *out)


def global_avg_pool_matrix(
    input_shape: Sequence[int], *, layer: str | None = None
) -> tuple[FloatArray, tuple[int, ...]]:
    """The mean of every channel over all positions, as one dense matrix.

    ``AdaptiveAvgPool`` to size 1, ONNX ``GlobalAveragePool``, Keras
    ``GlobalAveragePooling`` (whose output is ``(C,)``; the flat vectors agree;
    reorder a channels-last input with :func:`channels_last_order` first).

    Parameters
    ----------
    input_shape : sequence of int
        ``(C, *spatial)`` without the batch dimension.
    layer : str, optional
        The layer's name in the model, for error messages.

    Returns
    -------
    matrix : ndarray of shape (C * prod(spatial), C)
        ``y = x_flat @ matrix``.
    output_shape : tuple of int
        ``(C, 1, ..., 1)``, one 1 per spatial dimension.

    Examples
    --------
    >>> import numpy as np
    >>> matrix, shape = global_avg_pool_matrix((2, 2, 2))
    >>> shape
    (2, 1, 1)
    >>> np.arange(8.0) @ matrix
    array([1.5, 5.5])
    """
    caller = f"global_avg_pool_matrix for layer {layer!r}" if layer else "global_avg_pool_matrix"
    shape = read_shape(input_shape, caller)
    channels, n_sp = shape[0], math.prod(shape[1:])
    guard_size(channels * n_sp, channels, f"a global pooling {shape} -> {(channels,)}", caller)
    rows, cols = np.arange(channels * n_sp), np.repeat(np.arange(channels), n_sp)
    matrix = scatter(channels * n_sp, channels, rows, cols, np.array(1.0 / n_sp))
    return matrix, (channels, *(1,) * (len(shape) - 1))
