"""Keras convolutions, average pooling and spatial rearrangements as affine maps.

Keras stores images channels last, ``(*spatial, C)``; the lowering works on
channels-first vectors (``(C, *spatial)`` in C order).  A convolution is read
as a selection of the features into channels-first order, the dense matrix of
the convolution (:func:`~nn2poly.adapters._lowering.conv_matrix`, kernels
moved from Keras's ``(*kernel, C_in / groups, C_out)`` to ``(C_out, C_in /
groups, *kernel)``) and a selection back; the builder folds all three into
one matrix.  ``padding="same"`` is split as Keras splits it (the extra zero
after), ``"causal"`` pads before only.  Cropping, zero padding, nearest
up-sampling and ``RepeatVector`` pick (or zero) features: selections.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._builder import GraphBuilder, Value
from ._keras_layers import KerasModelError, KerasTensor, activate, describe, to_numpy
from ._lowering import avg_pool_matrix, conv_matrix, global_avg_pool_matrix

__all__ = ["CONVOLUTIONS", "RESHUFFLES", "read_convolution", "read_reshuffle"]

IntArray = NDArray[np.int64]

#: The layers read here.
CONVOLUTIONS = frozenset(
    f"{kind}{n}D" for kind in ("Conv", "AveragePooling", "GlobalAveragePooling") for n in (1, 2, 3)
)


#: Layers that pick, repeat or zero features.
RESHUFFLES = frozenset(
    [f"{kind}{n}D" for kind in ("Cropping", "ZeroPadding", "UpSampling") for n in (1, 2, 3)]
    + ["RepeatVector"]
)


def _to_channels_first(shape: tuple[int, ...]) -> IntArray:
    """Indices picking a channels-last vector of ``shape`` in channels-first order."""
    rank = len(shape)
    order = np.arange(math.prod(shape)).reshape(shape)
    picked: IntArray = order.transpose((rank - 1, *range(rank - 1))).reshape(-1)
    return picked


def _to_channels_last(shape: tuple[int, ...]) -> IntArray:
    """Indices picking a channels-first vector of ``shape`` (C first) in channels-last order."""
    rank = len(shape)
    order = np.arange(math.prod(shape)).reshape(shape)
    picked: IntArray = order.transpose((*range(1, rank), 0)).reshape(-1)
    return picked


def _padding(
    layer: Any, spatial: tuple[int, ...], kernel: tuple[int, ...]
) -> list[tuple[int, int]]:
    mode = str(layer.padding).lower()
    strides = tuple(int(s) for s in layer.strides)
    dilation = tuple(int(d) for d in getattr(layer, "dilation_rate", (1,) * len(spatial)))
    pads = []
    for size, k, s, d in zip(spatial, kernel, strides, dilation, strict=True):
        reach = (k - 1) * d + 1
        if mode == "valid":
            pads.append((0, 0))
        elif mode == "causal":
            pads.append((reach - 1, 0))
        else:  # same
            total = max((math.ceil(size / s) - 1) * s + reach - size, 0)
            pads.append((total // 2, total - total // 2))
    return pads


def _check_layout(layer: Any, x: KerasTensor, rank: int) -> None:
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise KerasModelError(
            f"The {describe(layer)} reads channels first; nn2poly reads Keras convolutions "
            "and poolings with data_format='channels_last' (Keras's default)."
        )
    if len(x.shape) != rank + 1:
        raise KerasModelError(
            f"The {describe(layer)} receives values of shape {x.shape!r}; expected "
            f"{rank} spatial dimensions and channels."
        )


def _to_first(builder: GraphBuilder, x: KerasTensor) -> tuple[Value, tuple[int, ...]]:
    first = (x.shape[-1], *x.shape[:-1])
    return builder.select(x.value, _to_channels_first(x.shape)), first


def _convolution(builder: GraphBuilder, layer: Any, x: KerasTensor, rank: int) -> KerasTensor:
    kernel = to_numpy(layer.kernel)
    weight = np.transpose(kernel, (rank + 1, rank, *range(rank)))
    bias = to_numpy(layer.bias) if layer.use_bias else None
    value, first = _to_first(builder, x)
    matrix, offset, out = conv_matrix(
        weight,
        bias,
        first,
        stride=tuple(int(s) for s in layer.strides),
        padding=_padding(layer, x.shape[:-1], tuple(kernel.shape[:rank])),
        dilation=tuple(int(d) for d in layer.dilation_rate),
        groups=int(getattr(layer, "groups", 1)),
        layer=layer.name,
    )
    value = builder.select(builder.affine(value, matrix, offset), _to_channels_last(out))
    result = KerasTensor(value, (*out[1:], out[0]))
    return activate(builder, layer, result, layer.activation)


def _pooling(builder: GraphBuilder, layer: Any, x: KerasTensor, rank: int) -> KerasTensor:
    pool = tuple(int(p) for p in layer.pool_size)
    pads = _padding(layer, x.shape[:-1], pool)
    if any(before or after for before, after in pads):
        raise KerasModelError(
            f"The {describe(layer)} pads its input (padding={layer.padding!r}); nn2poly reads "
            "average pooling without padding (padding='valid', or 'same' where windows fit)."
        )
    value, first = _to_first(builder, x)
    matrix, out = avg_pool_matrix(
        first, kernel_size=pool, stride=tuple(int(s) for s in layer.strides), layer=layer.name
    )
    value = builder.select(builder.affine(value, matrix), _to_channels_last(out))
    return KerasTensor(value, (*out[1:], out[0]))


def _global_pooling(builder: GraphBuilder, layer: Any, x: KerasTensor) -> KerasTensor:
    value, first = _to_first(builder, x)
    matrix, out = global_avg_pool_matrix(first, layer=layer.name)
    shape = (*out[1:], out[0]) if layer.keepdims else (out[0],)
    return KerasTensor(builder.affine(value, matrix), shape)


def read_convolution(builder: GraphBuilder, layer: Any, kind: str, x: KerasTensor) -> KerasTensor:
    """A Keras convolution or average pooling (``kind``, its class name) applied to ``x``."""
    rank = int(kind[-2])
    _check_layout(layer, x, rank)
    if kind.startswith("Conv"):
        return _convolution(builder, layer, x, rank)
    if kind.startswith("Global"):
        return _global_pooling(builder, layer, x)
    return _pooling(builder, layer, x, rank)


def _pairs(values: Any, rank: int) -> list[tuple[int, int]]:
    if isinstance(values, int):
        return [(values, values)] * rank
    items = list(values)
    if rank == 1 and len(items) == 2 and all(isinstance(v, int) for v in items):
        return [(int(items[0]), int(items[1]))]
    return [(int(a), int(b)) for a, b in items]


def read_reshuffle(builder: GraphBuilder, layer: Any, kind: str, x: KerasTensor) -> KerasTensor:
    """Cropping, ZeroPadding, UpSampling (nearest) or RepeatVector applied to ``x``."""
    order = np.arange(math.prod(x.shape)).reshape(x.shape)
    value = x.value
    if kind == "RepeatVector":
        picked = np.tile(order, (int(layer.n), 1))
        return KerasTensor(builder.select(value, picked.reshape(-1)), picked.shape)
    rank = int(kind[-2])
    _check_layout(layer, x, rank)
    if kind.startswith("Cropping"):
        cuts = _pairs(layer.cropping, rank)
        picked = order[
            tuple(slice(a, size - b) for (a, b), size in zip(cuts, x.shape, strict=False))
        ]
    elif kind.startswith("ZeroPadding"):
        pads = _pairs(layer.padding, rank)
        picked = np.pad(order, [*pads, (0, 0)], constant_values=order.size)
        value = builder.concatenate([value, Value({}, np.zeros(1))])  # the padded zero
    else:
        if getattr(layer, "interpolation", "nearest") != "nearest":
            raise KerasModelError(
                f"The {describe(layer)} interpolates {layer.interpolation!r}; nn2poly reads "
                "nearest up-sampling only."
            )
        sizes = [int(layer.size)] if isinstance(layer.size, int) else [int(s) for s in layer.size]
        picked = order
        for axis, size in enumerate(sizes):
            picked = np.repeat(picked, size, axis=axis)
    return KerasTensor(builder.select(value, picked.reshape(-1)), picked.shape)
