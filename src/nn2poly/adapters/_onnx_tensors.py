"""ONNX tensors as numpy arrays, their declared shape checked against their data first.

A tensor's ``dims`` are only a claim of the file: ``numpy_helper.to_array``
reshapes the data to them, so dims that do not match the data give numpy's
bare reshape error, and some element types are unpacked into an array of the
declared size.  :func:`tensor_array` compares the number of values the dims
declare with the number the data hold before anything is allocated.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["OnnxTensorError", "check_tensors", "tensor_array"]


class OnnxTensorError(ValueError):
    """A tensor whose declared shape does not match its data (or that cannot be read)."""


def _describe(tensor: Any, kind: str) -> str:
    return f"{kind} {tensor.name!r}" if tensor.name else f"an unnamed {kind}"


_PACKED = ("INT4", "UINT4", "FLOAT4E2M1", "INT2", "UINT2", "FLOAT6E2M3", "FLOAT6E3M2")


def _data_values(tensor: Any) -> tuple[int, bool]:
    """How many values the data hold (-1: not a whole number), and whether that count is
    exact (packed sub-byte types give an upper bound)."""
    from onnx import TensorProto, helper

    packed = tensor.data_type in {getattr(TensorProto, name, -1) for name in _PACKED}
    if tensor.HasField("raw_data"):
        n_bytes = len(tensor.raw_data)
        try:
            itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
        except (KeyError, TypeError, ValueError):
            itemsize = 0
        if packed or itemsize == 0:
            return 4 * n_bytes, False  # at most four (2-bit) values per byte
        return n_bytes // itemsize if n_bytes % itemsize == 0 else -1, True
    field = helper.tensor_dtype_to_field(
        helper.tensor_dtype_to_storage_tensor_dtype(tensor.data_type)
    )
    entries = len(getattr(tensor, field))
    if packed:
        return 8 * entries, False
    if tensor.data_type in (TensorProto.COMPLEX64, TensorProto.COMPLEX128):
        return (entries // 2 if entries % 2 == 0 else -1), True
    return entries, True


def tensor_array(tensor: Any, kind: str = "tensor") -> NDArray[Any]:
    """The tensor as a numpy array, refused when its dims do not match its data.

    ``kind`` names the tensor in messages (``"initializer"``).

    Raises
    ------
    OnnxTensorError
        (a ValueError) naming the tensor, its declared shape and the values
        its data hold; also for data stored in an external file not loaded.

    Examples
    --------
    >>> import numpy as np
    >>> from onnx import numpy_helper
    >>> tensor = numpy_helper.from_array(np.ones((2, 1), np.float32), "W")
    >>> tensor_array(tensor).shape
    (2, 1)
    >>> tensor.dims[:] = [100000, 100000]
    >>> tensor_array(tensor)
    Traceback (most recent call last):
    ...
    nn2poly.adapters._onnx_tensors.OnnxTensorError: tensor 'W' declares the shape \
(100000, 100000) (10000000000 values) but its data hold 2 values; the file is damaged or \
was not written by an ONNX exporter.
    """
    from onnx import TensorProto, numpy_helper

    dims = tuple(int(dim) for dim in tensor.dims)
    what = _describe(tensor, kind)
    if tensor.data_location == TensorProto.EXTERNAL:
        raise OnnxTensorError(
            f"{what} keeps its data in an external file that was not read; load "
            "the model from its path (nn2poly.load_network) so the file next to it is read."
        )
    if any(dim < 0 for dim in dims):
        raise OnnxTensorError(
            f"{what} declares the shape {dims}, with a negative size; the file is "
            "damaged or was not written by an ONNX exporter."
        )
    declared = math.prod(dims)
    if tensor.data_type != TensorProto.STRING:
        held, exact = _data_values(tensor)
        if (exact and held != declared) or (not exact and declared > held):
            shown = f"{held} values" if held >= 0 else "a size that is not a whole number of values"
            shown = shown if exact else f"at most {held} values"
            raise OnnxTensorError(
                f"{what} declares the shape {dims} ({declared} values) but its data "
                f"hold {shown}; the file is damaged or was not written by an ONNX exporter."
            )
    try:
        return numpy_helper.to_array(tensor)
    except (ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise OnnxTensorError(f"{what} cannot be read ({reason[:200]}).") from None


def check_tensors(model: Any) -> None:
    """Every initializer and ``Constant`` value of the graph read, or OnnxTensorError."""
    for tensor in model.graph.initializer:
        tensor_array(tensor, "initializer")
    for node in model.graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                tensor_array(attribute.t)
