"""ONNX nodes that are affine maps of whole tensors, read as builder operations.

Matrix products (``Gemm``, ``MatMul``), convolutions and average pooling
(lowered by :mod:`._lowering`), batch normalisation in inference, the
reshapes that keep each sample's values (``Reshape``, ``Flatten``,
``Unsqueeze``, ``Squeeze``, ``Transpose``, ``Slice``), means and sums over features
(``ReduceMean``, ``ReduceSum``), ``Concat`` along a feature axis, and a final
``Softmax``/``LogSoftmax`` (the link).  Each handler takes the builder, the
node, its inputs (a :class:`Tensor` where it depends on the graph's input, an
array where it is constant) and the :class:`Context` of the graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._lowering import avg_pool_matrix, conv_matrix, global_avg_pool_matrix, same_padding
from ._onnx_values import (
    Builder,
    OnnxGraphError,
    Tensor,
    affine_op,
    attributes,
    describe,
    index_op,
    per_sample_constant,
)

__all__ = ["HANDLERS", "Context"]

FloatArray = NDArray[np.float64]
Input = Tensor | NDArray[Any] | None

#: Stands for the number of samples in constants computed from a tensor's ``Shape``.
BATCH = 2**31 - 19


@dataclass(frozen=True)
class Context:
    """What handlers need to know of the graph: its opset and declared batch size."""

    opset: int
    batch: int | None


def _tensor_and_constant(node: Any, args: list[Input]) -> tuple[int, Tensor, FloatArray]:
    """The position of the one input that depends on the data, it, and the other (constant)."""
    data = [index for index, arg in enumerate(args[:2]) if isinstance(arg, Tensor)]
    if len(data) != 1 or any(arg is None for arg in args[:2]):
        raise OnnxGraphError(
            f"{describe(node)} multiplies two values that both depend on the input; nn2poly "
            "reads products of the data by constant matrices (weights) only."
        )
    position = data[0]
    tensor, other = args[position], args[1 - position]
    assert isinstance(tensor, Tensor)  # for mypy: data[0] indexes a Tensor
    return position, tensor, np.asarray(other, dtype=np.float64)


def _product(
    b: Builder, node: Any, args: list[Input], alpha: float, trans: tuple[bool, bool]
) -> Tensor:
    position, tensor, other = _tensor_and_constant(node, args)
    trans_a, trans_b = trans

    def operation(full: FloatArray) -> FloatArray:
        left, right = (full, other) if position == 0 else (other, full)
        left = left.T if trans_a else left
        right = right.T if trans_b else right
        return np.asarray(alpha * np.matmul(left, right), dtype=np.float64)

    return affine_op(
        b,
        node,
        tensor,
        operation,
        samples="nn2poly needs the samples on the rows of a product of the data by weights "
        "(on its columns when the data is the right factor)",
    )


def gemm(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    values = attributes(node)
    trans = (bool(values.get("transA", 0)), bool(values.get("transB", 0)))
    out = _product(b, node, args, float(values.get("alpha", 1.0)), trans)
    if len(args) > 2 and args[2] is not None:
        if isinstance(args[2], Tensor):
            raise OnnxGraphError(
                f"{describe(node)} adds a value that depends on the input as its bias; expected "
                "a constant (a residual sum is an Add node)."
            )
        shift = float(values.get("beta", 1.0)) * per_sample_constant(node, args[2], out)
        out = Tensor(b.scale_shift(out.value, 1.0, shift), out.shape, out.batch_axis)
    return out


def matmul(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    return _product(b, node, args, 1.0, (False, False))


def _channels_first(node: Any, tensor: Tensor) -> None:
    if tensor.batch_axis != 0 or len(tensor.shape) < 2:
        raise OnnxGraphError(
            f"{describe(node)} reads a tensor of per-sample shape {tensor.shape} with the samples "
            f"on axis {tensor.batch_axis}; expected (samples, channels, *spatial)."
        )


def _padding(node: Any, tensor: Tensor, kernel: list[int], strides: list[int],
             dilations: list[int]) -> tuple[tuple[int, int], ...]:  # fmt: skip
    values = attributes(node)
    n = len(kernel)
    auto = values.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return same_padding(
            tensor.shape[1:], kernel, stride=strides, dilation=dilations,
            lower=auto == "SAME_LOWER",
        )  # fmt: skip
    pads = [int(p) for p in values.get("pads", [0] * (2 * n))] if auto != "VALID" else [0] * 2 * n
    return tuple((pads[i], pads[i + n]) for i in range(n))


def conv(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor, weight = args[0], args[1] if len(args) > 1 else None
    if not isinstance(tensor, Tensor) or weight is None or isinstance(weight, Tensor):
        raise OnnxGraphError(f"{describe(node)} must convolve the data with constant weights.")
    bias = args[2] if len(args) > 2 else None
    if isinstance(bias, Tensor):
        raise OnnxGraphError(f"{describe(node)} has a bias that depends on the input.")
    _channels_first(node, tensor)
    values = attributes(node)
    weight = np.asarray(weight, dtype=np.float64)
    n = weight.ndim - 2
    kernel = [int(k) for k in values.get("kernel_shape", weight.shape[2:])]
    strides = [int(s) for s in values.get("strides", [1] * n)]
    dilations = [int(d) for d in values.get("dilations", [1] * n)]
    padding = _padding(node, tensor, kernel, strides, dilations)
    matrix, offset, shape = conv_matrix(
        weight, bias, tensor.shape, stride=strides, padding=padding, dilation=dilations,
        groups=int(values.get("group", 1)), layer=describe(node),
    )  # fmt: skip
    return Tensor(b.affine(tensor.value, matrix, offset), tuple(shape), 0)


def average_pool(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    _channels_first(node, tensor)
    values = attributes(node)
    kernel = [int(k) for k in values["kernel_shape"]]
    n = len(kernel)
    strides = [int(s) for s in values.get("strides", [1] * n)]
    dilations = [int(d) for d in values.get("dilations", [1] * n)]
    if any(d != 1 for d in dilations):
        raise OnnxGraphError(
            f"{describe(node)} pools with dilations {dilations}; nn2poly reads average pooling "
            "without dilation."
        )
    matrix, shape = avg_pool_matrix(
        tensor.shape, kernel_size=kernel, stride=strides,
        padding=_padding(node, tensor, kernel, strides, dilations),
        count_include_pad=bool(values.get("count_include_pad", 0)),
        ceil_mode=bool(values.get("ceil_mode", 0)), layer=describe(node),
    )  # fmt: skip
    return Tensor(b.affine(tensor.value, matrix), tuple(shape), 0)


def global_average_pool(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    _channels_first(node, tensor)
    matrix, shape = global_avg_pool_matrix(tensor.shape, layer=describe(node))
    return Tensor(b.affine(tensor.value, matrix), tuple(shape), 0)


def batch_norm(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor, *stats = args
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    values = attributes(node)
    if len(stats) < 4 or any(s is None or isinstance(s, Tensor) for s in stats[:4]):
        raise OnnxGraphError(f"{describe(node)} must normalise the data with constant statistics.")
    if values.get("training_mode", 0):
        raise OnnxGraphError(f"{describe(node)} is in training mode; export in inference mode.")
    if tensor.batch_axis != 0:
        raise OnnxGraphError(
            f"{describe(node)} normalises a tensor laid out as (features, samples); nn2poly "
            "reads batch normalisation over the features of (samples, features) tensors."
        )
    scale, offset, mean, variance = (np.asarray(s, dtype=np.float64).reshape(-1) for s in stats[:4])
    factor = scale / np.sqrt(variance + float(values.get("epsilon", 1e-5)))
    spread = (-1,) + (1,) * (len(tensor.shape) - 1)
    factors = np.broadcast_to(factor.reshape(spread), tensor.shape).reshape(-1)
    shifts = np.broadcast_to((offset - mean * factor).reshape(spread), tensor.shape).reshape(-1)
    return Tensor(b.scale_shift(tensor.value, factors, shifts), tensor.shape, 0)


def reshape(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor, target = args[0], args[1]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    if isinstance(target, Tensor) or target is None:
        raise OnnxGraphError(f"{describe(node)} reshapes to a shape that depends on the data.")
    dims = [int(d) for d in np.asarray(target).reshape(-1)]
    allow_zero = bool(attributes(node).get("allowzero", 0))
    shown = ["n_samples" if d == BATCH else d for d in dims]
    samples = (
        f"nn2poly reads reshapes that keep each sample's values together, with the number of "
        f"samples (or 0, or -1) where the samples lie; this one reshapes a tensor of per-sample "
        f"shape {tensor.shape} (samples on axis {tensor.batch_axis}) to {shown}"
    )

    def operation(full: NDArray[Any]) -> NDArray[Any]:
        n = full.shape[tensor.batch_axis]
        shape = [
            full.shape[i] if d == 0 and not allow_zero and i < full.ndim
            else n if d == BATCH or (i == tensor.batch_axis and d == context.batch)
            else d
            for i, d in enumerate(dims)
        ]  # fmt: skip
        return full.reshape(shape)

    return index_op(b, node, tensor, operation, samples=samples)


def _axes(node: Any, args: list[Input], rank: int) -> list[int] | None:
    """Axes from the second input (recent opsets) or the ``axes`` attribute, in ``[0, rank)``."""
    axes = attributes(node).get("axes")
    if len(args) > 1 and args[1] is not None and not isinstance(args[1], Tensor):
        axes = [int(a) for a in np.asarray(args[1]).reshape(-1)]
    return None if axes is None else [int(a) % rank if -rank <= a < rank else rank for a in axes]


def unsqueeze(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    count = len(_axes(node, args, 1) or [])
    axes = tuple(_axes(node, args, tensor.full_rank + count) or ())
    return index_op(b, node, tensor, lambda full: np.expand_dims(full, axes))


def squeeze(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    axes = _axes(node, args, tensor.full_rank)
    if axes is None:
        full = tensor.full_shape(BATCH)
        axes = [axis for axis, size in enumerate(full) if size == 1]
    chosen = tuple(axes)
    return index_op(b, node, tensor, lambda full: np.squeeze(full, axis=chosen))


def transpose(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    perm = attributes(node).get("perm")
    order = None if perm is None else tuple(int(p) for p in perm)
    return index_op(b, node, tensor, lambda full: np.transpose(full, order))


def slice_(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    values = attributes(node)

    def constant(index: int, key: str) -> list[int] | None:
        arg = args[index] if len(args) > index else None
        if arg is not None and not isinstance(arg, Tensor):
            return [int(v) for v in np.asarray(arg).reshape(-1)]
        found = values.get(key)
        return None if found is None else [int(v) for v in found]

    starts, ends = constant(1, "starts") or [], constant(2, "ends") or []
    axes = constant(3, "axes") or list(range(len(starts)))
    steps = constant(4, "steps") or [1] * len(starts)

    def operation(full: NDArray[Any]) -> NDArray[Any]:
        index = [slice(None)] * full.ndim
        for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
            index[axis] = slice(start, end, step)
        return full[tuple(index)]

    return index_op(
        b, node, tensor, operation, samples="nn2poly reads slices of the features, not of samples"
    )


def flatten(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    axis = int(attributes(node).get("axis", 1)) % (tensor.full_rank + 1)

    def operation(full: NDArray[Any]) -> NDArray[Any]:
        return full.reshape(math.prod(full.shape[:axis]), -1)

    return index_op(
        b, node, tensor, operation,
        samples=f"flattening with axis={axis} puts values of several samples in one row",
    )  # fmt: skip


def reduce(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    values = attributes(node)
    axes = _axes(node, args, tensor.full_rank)
    if axes is None and values.get("noop_with_empty_axes", 0):
        return tensor
    keep = bool(values.get("keepdims", 1))
    chosen = None if axes is None else tuple(axes)
    function = np.mean if node.op_type == "ReduceMean" else np.sum
    return affine_op(
        b, node, tensor, lambda full: function(full, axis=chosen, keepdims=keep),
        samples="nn2poly reads means and sums over features, not over samples",
    )  # fmt: skip


def concat(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensors = [arg for arg in args if isinstance(arg, Tensor)]
    if len(tensors) != len(args):
        raise OnnxGraphError(
            f"{describe(node)} concatenates constants with the data; nn2poly reads "
            "concatenations of values that depend on the input."
        )
    first = tensors[0]
    axis = int(attributes(node).get("axis", 1)) % first.full_rank
    layouts = {(t.full_rank, t.batch_axis) for t in tensors}
    if len(layouts) != 1 or axis == first.batch_axis:
        raise OnnxGraphError(
            f"{describe(node)} concatenates along axis {axis} tensors of per-sample shapes "
            f"{[t.shape for t in tensors]} with the samples on axes "
            f"{[t.batch_axis for t in tensors]}; expected a concatenation along a feature axis."
        )
    feature_axis = axis - (axis > first.batch_axis)
    blocks, start = [], 0
    for tensor in tensors:
        blocks.append(start + np.arange(tensor.width).reshape(tensor.shape))
        start += tensor.width
    try:
        order = np.concatenate(blocks, axis=feature_axis)
    except ValueError:
        raise OnnxGraphError(
            f"{describe(node)} concatenates tensors of per-sample shapes "
            f"{[t.shape for t in tensors]} along axis {axis}, whose other sizes differ."
        ) from None
    joined = b.concatenate([t.value for t in tensors])
    flat = order.reshape(-1)
    value = joined if np.array_equal(flat, np.arange(start)) else b.select(joined, flat)
    return Tensor(value, tuple(order.shape), first.batch_axis)


def softmax(b: Builder, node: Any, args: list[Input], context: Context) -> Tensor:
    tensor = args[0]
    assert isinstance(tensor, Tensor)  # the reader passes the data first
    axis = int(attributes(node).get("axis", -1 if context.opset >= 13 else 1))
    axis %= tensor.full_rank
    over_features = axis == 1 and (len(tensor.shape) == 1 or context.opset < 13)
    if tensor.batch_axis != 0 or not over_features:
        raise OnnxGraphError(
            f"{describe(node)} normalises over axis {axis} of a tensor of per-sample shape "
            f"{tensor.shape} (samples on axis {tensor.batch_axis}), not over the outputs; "
            "expected axis=1 on (samples, outputs)."
        )
    value = b.softmax(tensor.value, log=node.op_type == "LogSoftmax")
    return Tensor(value, tensor.shape, 0, link="softmax")


Handler = Callable[[Builder, Any, list[Input], Context], Tensor]

HANDLERS: dict[str, Handler] = {
    "Gemm": gemm,
    "MatMul": matmul,
    "Conv": conv,
    "AveragePool": average_pool,
    "GlobalAveragePool": global_average_pool,
    "BatchNormalization": batch_norm,
    "Reshape": reshape,
    "Flatten": flatten,
    "Slice": slice_,
    "Unsqueeze": unsqueeze,
    "Squeeze": squeeze,
    "Transpose": transpose,
    "ReduceMean": reduce,
    "ReduceSum": reduce,
    "Concat": concat,
    "Softmax": softmax,
    "LogSoftmax": softmax,
}
