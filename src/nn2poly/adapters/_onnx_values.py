"""What flows along an ONNX graph's edges while it is read: tensors of samples.

Every tensor that depends on the graph's input holds, for each sample, an
array of a fixed shape (its *per-sample shape*); the samples lie along one
axis of the full tensor (its *batch axis*, 0 unless a ``Transpose`` moved
it).  A :class:`Tensor` pairs that layout with the builder's value of the
flattened per-sample array (C order), so every reshape, transpose or matrix
product of the graph is a linear map of flat vectors.

:func:`affine_op` finds that map for any operation written with numpy on full
tensors: applied to the identity basis (one sample per feature) it gives the
matrix, applied to zeros it gives the offset, and the axis whose size follows
the number of samples is the output's batch axis.  An operation that mixes
samples (a product over the batch axis, a reshape across it) has no such
axis and is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._lowering import MAX_MATRIX_BYTES

__all__ = [
    "Builder",
    "OnnxGraphError",
    "Tensor",
    "affine_op",
    "attributes",
    "describe",
    "index_op",
    "per_sample_constant",
]

FloatArray = NDArray[np.float64]


class OnnxGraphError(ValueError):
    """The ONNX graph holds an operation nn2poly cannot read as a feed-forward network."""


class Builder(Protocol):
    """What the reader asks of a builder (the graph builder, or an eager one for checks)."""

    @property
    def input(self) -> Any: ...

    def affine(self, value: Any, weight: ArrayLike, bias: ArrayLike | None = None) -> Any: ...

    def scale_shift(self, value: Any, scale: ArrayLike = 1.0, shift: ArrayLike = 0.0) -> Any: ...

    def select(self, value: Any, indices: Sequence[int] | NDArray[np.int64]) -> Any: ...

    def add(self, *values: Any) -> Any: ...

    def concatenate(self, values: Sequence[Any]) -> Any: ...

    def activation(self, value: Any, activation: str, *, name: str | None = None) -> Any: ...

    def softmax(self, value: Any, *, log: bool = False) -> Any: ...


@dataclass(frozen=True, eq=False)
class Tensor:
    """A tensor that depends on the input: the builder's value and its layout.

    ``value`` is the flattened per-sample array; ``shape`` the per-sample
    shape; ``batch_axis`` where the samples lie in the full tensor;
    ``link`` is set on the output of a final ``Softmax``/``LogSoftmax``.
    """

    value: Any
    shape: tuple[int, ...]
    batch_axis: int = 0
    link: str | None = None

    @property
    def width(self) -> int:
        """Number of values per sample."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def full_rank(self) -> int:
        """Rank of the full tensor (samples included)."""
        return len(self.shape) + 1

    def full_shape(self, n_samples: int) -> tuple[int, ...]:
        """The full tensor's shape for ``n_samples`` samples."""
        shape = list(self.shape)
        shape.insert(self.batch_axis, n_samples)
        return tuple(shape)


def attributes(node: Any) -> dict[str, Any]:
    """A node's attributes as Python values."""
    import onnx

    return {
        attribute.name: onnx.helper.get_attribute_value(attribute) for attribute in node.attribute
    }


def describe(node: Any) -> str:
    """``"Gemm node 'fc1'"``: how messages name a node."""
    return f"{node.op_type} node {node.name!r}" if node.name else f"{node.op_type} node"


def per_sample_constant(node: Any, constant: ArrayLike, tensor: Tensor) -> FloatArray:
    """A constant broadcast against ``tensor``, as a flat per-sample vector.

    The constant may hold one value per feature, broadcast along some axes,
    but a single value along the batch axis.
    """
    array = np.asarray(constant, dtype=np.float64)
    full = tensor.full_shape(1)
    try:
        shape = np.broadcast_shapes(array.shape, full)
    except ValueError:
        shape = ()
    if shape != full:
        layout = "samples" if tensor.batch_axis == 0 else f"samples on axis {tensor.batch_axis}"
        raise OnnxGraphError(
            f"{describe(node)} combines a tensor of per-sample shape {tensor.shape} ({layout}) "
            f"with a constant of shape {array.shape}; expected a constant that broadcasts to one "
            "value per feature (a single value along the samples axis) or a scalar."
        )
    flat = np.broadcast_to(array, full)
    return np.asarray(np.moveaxis(flat, tensor.batch_axis, 0)[0].reshape(-1), dtype=np.float64)


def _batch_axis(first: tuple[int, ...], second: tuple[int, ...], n: int) -> int | None:
    """The one axis of size ``n`` in ``first`` and ``n + 1`` in ``second``, others equal."""
    if len(first) != len(second):
        return None
    changed = [axis for axis, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
    if len(changed) == 1 and first[changed[0]] == n and second[changed[0]] == n + 1:
        return changed[0]
    return None


def _run(
    node: Any, tensor: Tensor, operation: Callable[[Any], Any], full: Any, samples: str
) -> NDArray[Any]:
    try:
        with np.errstate(all="ignore"):
            return np.asarray(operation(full))
    except (ValueError, IndexError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise OnnxGraphError(
            f"{describe(node)} cannot be applied to a tensor of per-sample shape {tensor.shape} "
            f"with the samples on axis {tensor.batch_axis} ({reason}); "
            f"{samples or 'expected an operation that keeps each sample apart'}."
        ) from None


def _samples_axis(
    node: Any, tensor: Tensor, first: NDArray[Any], second: NDArray[Any], n: int, samples: str
) -> int:
    axis = _batch_axis(first.shape, second.shape, n)
    if axis is None:
        raise OnnxGraphError(
            f"{describe(node)} mixes the samples of a tensor of per-sample shape {tensor.shape} "
            f"(samples on axis {tensor.batch_axis}, output shape {first.shape} for "
            f"{n} samples); "
            f"{samples or 'nn2poly reads operations that keep each sample apart'}."
        )
    return axis


#: Rows of the identity basis run through an operation at once.
_CHUNK = 512


def affine_op(
    b: Builder,
    node: Any,
    tensor: Tensor,
    operation: Callable[[FloatArray], FloatArray],
    *,
    samples: str = "",
) -> Tensor:
    """The tensor ``operation(full tensor)``, for an operation affine in the tensor.

    ``samples`` explains, in the refusal, why the operation mixes samples.
    """
    width = tensor.width
    size = min(width, _CHUNK)
    zeros = _run(node, tensor, operation, np.zeros(tensor.full_shape(size + 1)), samples)
    n_out = zeros.size // (size + 1)
    if width * n_out * 8 > MAX_MATRIX_BYTES:
        raise OnnxGraphError(
            f"{describe(node)} maps {width} values per sample to {n_out}: as one dense matrix "
            f"that is {width * n_out * 8} bytes, more than the {MAX_MATRIX_BYTES} nn2poly builds."
        )
    blocks, axis = [], None
    for start in range(0, width, size):
        stop = min(start + size, width)
        basis = np.zeros((stop - start, width))
        basis[np.arange(stop - start), np.arange(start, stop)] = 1.0
        full = np.moveaxis(basis.reshape(stop - start, *tensor.shape), 0, tensor.batch_axis)
        out = _run(node, tensor, operation, full, samples)
        if axis is None:
            axis = _samples_axis(node, tensor, out, zeros, size, samples)
        blocks.append(np.moveaxis(out, axis, 0).reshape(stop - start, -1))
    assert axis is not None  # a tensor has at least one value
    offset = np.moveaxis(zeros, axis, 0)[0]
    bias = np.asarray(offset, dtype=np.float64).reshape(-1)
    matrix = np.concatenate(blocks, axis=0).astype(np.float64) - bias[None, :]
    return Tensor(_apply_matrix(b, tensor.value, matrix, bias), offset.shape, axis)


def index_op(
    b: Builder, node: Any, tensor: Tensor, operation: Callable[[Any], Any], *, samples: str = ""
) -> Tensor:
    """The tensor ``operation(full tensor)``, for an operation that only moves values
    (reshape, transpose, squeeze): found on value indices, without a matrix."""
    width = tensor.width
    full = [
        np.moveaxis(np.arange(n * width).reshape(n, *tensor.shape), 0, tensor.batch_axis)
        for n in (2, 3)
    ]
    two, three = (_run(node, tensor, operation, f, samples) for f in full)
    axis = _samples_axis(node, tensor, two, three, 2, samples)
    first, second = np.moveaxis(two, axis, 0)
    if np.any(first >= width) or not np.array_equal(second, first + width):
        raise OnnxGraphError(
            f"{describe(node)} mixes the values of several samples; "
            f"{samples or 'nn2poly reads operations that keep each sample apart'}."
        )
    picked = first.reshape(-1)
    same = picked.size == width and np.array_equal(picked, np.arange(width))
    value = tensor.value if same else b.select(tensor.value, picked)
    return Tensor(value, tuple(int(d) for d in first.shape), axis)


def _apply_matrix(b: Builder, value: Any, matrix: FloatArray, bias: FloatArray) -> Any:
    """``value @ matrix + bias``: a selection where the matrix only picks features."""
    binary = matrix.size and np.all((matrix == 0.0) | (matrix == 1.0))
    if not np.any(bias) and binary and np.all(matrix.sum(axis=0) == 1.0):
        picked = np.argmax(matrix, axis=0)
        if matrix.shape[0] == matrix.shape[1] and np.array_equal(
            picked, np.arange(matrix.shape[0])
        ):
            return value
        return b.select(value, picked)
    return b.affine(value, matrix, bias)
