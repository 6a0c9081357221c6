"""ONNX graphs to :class:`Network`.

The graph has one data input whose first axis holds the samples (``(n,
features)``, or ``(n, channels, *spatial)`` before a convolution), and is
read as a directed acyclic graph (:mod:`._onnx_graph`):

* affine nodes: ``Gemm``, ``MatMul`` by constants, ``Add``/``Sub``/``Mul``/
  ``Div``/``Neg`` with constants, ``Conv`` (1-D, 2-D: strides, pads,
  dilations, groups, ``auto_pad``), ``AveragePool``, ``GlobalAveragePool``,
  ``BatchNormalization`` (inference), ``ReduceMean``/``ReduceSum`` over
  features, and the reshapes that keep each sample's values (``Reshape``,
  ``Flatten``, ``Unsqueeze``, ``Squeeze``, ``Transpose``, ``Slice``; ``Identity``,
  ``Dropout`` and float ``Cast`` pass through);
* branches: ``Add``/``Sub`` of two tensors (residual connections),
  ``Concat`` along a feature axis;
* activations by their operator names in the registry (``Tanh``,
  ``Softplus``, ``Gelu`` with its ``approximate`` attribute, ``HardSwish``,
  ``Mish``, ``Selu``, ``Celu``, ``Clip`` as hardtanh or relu6, ...), and the
  subgraphs the PyTorch exporters write for SiLU, Mish, GELU, Softsign,
  Hardswish and Softplus (:mod:`._onnx_patterns`);
* a final ``Softmax``, ``LogSoftmax`` or ``Sigmoid`` becomes the link of a
  classifier.

Any other operator raises an error that names it.  The network read is
checked against the graph run by onnxruntime (or onnx's reference evaluator)
on inputs spanning ``[-1, 1]``; where they part, the first node whose
reading differs is named (:mod:`._onnx_locate`).  Reading files:
:mod:`._onnx_files`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import InstanceOf, check_param
from ._adapted import AdaptedModel
from ._agreement import RTOL_FLOAT32, RTOL_FLOAT64, check_agreement
from ._builder import GraphBuilder
from ._onnx_graph import OnnxGraphError, read_graph
from ._onnx_locate import locate

__all__ = ["OnnxGraphError", "adapt_onnx"]

FloatArray = NDArray[np.float64]

_FLOAT64 = 11  # onnx.TensorProto.DOUBLE


def graph_rtol(model: Any) -> float:
    """Tolerance of the graph's arithmetic: float64 inputs, else float32 or lower."""
    elem = model.graph.input[0].type.tensor_type.elem_type if model.graph.input else 0
    return RTOL_FLOAT64 if elem == _FLOAT64 else RTOL_FLOAT32


def _any_batch(model: Any) -> Any:
    """A copy of the model whose input and output take any number of samples."""
    import onnx

    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    del copy.graph.value_info[:]
    for value in list(copy.graph.input) + list(copy.graph.output):
        shape = value.type.tensor_type.shape
        if value.type.tensor_type.HasField("shape") and len(shape.dim) >= 1:
            shape.dim[0].Clear()
            shape.dim[0].dim_param = "n_samples"
    return copy


def _declared_batch(data: Any) -> int | None:
    """The number of samples the input declares (exporters tracing one example fix it)."""
    dims = data.type.tensor_type.shape.dim
    return int(dims[0].dim_value) if len(dims) and dims[0].HasField("dim_value") else None


def _session(model: Any, trial: dict[str, Any]) -> Callable[[dict[str, Any]], list[Any]]:
    """A function running the graph: onnxruntime where it runs ``trial``, else onnx's
    reference evaluator."""
    try:
        import onnxruntime
        from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors
    except ImportError:
        pass
    else:
        failures = tuple(
            getattr(ort_errors, name)
            for name in ("Fail", "InvalidArgument", "InvalidGraph", "NotImplemented")
            if hasattr(ort_errors, name)
        )
        try:
            session = onnxruntime.InferenceSession(
                model.SerializeToString(), providers=["CPUExecutionProvider"]
            )
            session.run(None, trial)
            return lambda feeds: list(session.run(None, feeds))
        except (*failures, RuntimeError, ValueError):
            pass  # the reference evaluator below runs what onnxruntime does not
    from onnx.reference import ReferenceEvaluator

    evaluator = ReferenceEvaluator(model)
    return lambda feeds: list(evaluator.run(None, feeds))


def _data(model: Any) -> Any:
    initializers = {tensor.name for tensor in model.graph.initializer}
    return next(value for value in model.graph.input if value.name not in initializers)


def run_graph(model: Any, X: NDArray[Any], tensors: Sequence[str] = ()) -> list[NDArray[Any]]:
    """The graph's output for ``X``, then the ``tensors`` named, by onnxruntime or onnx.

    onnxruntime runs the graph; onnx's reference evaluator runs what it
    cannot.  Intermediate tensors are read by adding them to the outputs of a
    copy of the graph.  ``X`` holds the samples on its first axis; a graph
    exported for a fixed number of samples runs on batches of that size.
    """
    from onnx import ValueInfoProto, helper

    data = _data(model)
    batch = _declared_batch(data)
    model = _any_batch(model) if batch is None else _copy(model)
    names = [value.name for value in model.graph.output]
    extra = [name for name in dict.fromkeys(tensors) if name not in names]
    model.graph.output.extend(ValueInfoProto(name=name) for name in extra)
    dtype = helper.tensor_dtype_to_np_dtype(data.type.tensor_type.elem_type or 1)
    array = np.asarray(X, dtype=dtype)
    feeds = []
    size = batch or max(len(array), 1)
    for start in range(0, max(len(array), 1), size):
        part = array[start : start + size]
        padding = np.zeros(((batch or len(part)) - len(part), *part.shape[1:]), dtype=dtype)
        feeds.append((len(part), {data.name: np.concatenate([part, padding])}))
    run = _session(model, feeds[0][1])
    chunks = [[np.asarray(out)[:rows] for out in run(feed)] for rows, feed in feeds]
    outputs = [np.concatenate(parts) for parts in zip(*chunks, strict=True)]
    by_name = dict(zip([*names, *extra], outputs, strict=True))
    return [outputs[0], *(by_name[name] for name in tensors)]


def _copy(model: Any) -> Any:
    import onnx

    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    del copy.graph.value_info[:]
    return copy


def _input_shape(model: Any, n_features: int) -> tuple[int, ...]:
    dims = _data(model).type.tensor_type.shape.dim
    shape = tuple(int(dim.dim_value) for dim in dims[1:])
    return shape if shape and all(shape) and int(np.prod(shape)) == n_features else (n_features,)


def _graph_output(model: Any, X: FloatArray) -> FloatArray:
    inputs = X.reshape(len(X), *_input_shape(model, X.shape[1]))
    return np.asarray(run_graph(model, inputs)[0], dtype=np.float64).reshape(len(X), -1)


def adapt_onnx(model: Any, *, data: ArrayLike | None = None) -> AdaptedModel:
    """Read an ``onnx.ModelProto`` of a feed-forward network.

    Parameters
    ----------
    model : onnx.ModelProto
        A graph of the operators listed in this module's documentation;
        weights come from initializers or ``Constant`` nodes.
    data : array_like of shape (n_samples, n_features), optional
        Inputs on which the reading is checked against the model run by
        onnxruntime (or onnx's reference evaluator), besides points spanning
        ``[-1, 1]``.

    Returns
    -------
    AdaptedModel
        A final ``Softmax``, ``LogSoftmax`` or ``Sigmoid`` is left out of the
        network and becomes the ``link``.

    Raises
    ------
    OnnxGraphError
        (a ValueError) naming the operator or the connection nn2poly cannot read.
    ModelMismatchError
        (a ValueError) when the network does not compute what the graph does.

    Examples
    --------
    >>> import numpy as np
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> weight = numpy_helper.from_array(np.array([[0.5, -0.2], [0.1, 0.3]], np.float32), "W")
    >>> bias = numpy_helper.from_array(np.array([0.1, 0.0], np.float32), "b")
    >>> graph = helper.make_graph(
    ...     [helper.make_node("Gemm", ["x", "W", "b"], ["u"]),
    ...      helper.make_node("Tanh", ["u"], ["y"])],
    ...     "net",
    ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
    ...     initializer=[weight, bias],
    ... )
    >>> adapt_onnx(helper.make_model(graph)).network
    Network(2 -> 2[tanh])

    A residual connection ``y = h + tanh(h)`` is a graph:

    >>> graph = helper.make_graph(
    ...     [helper.make_node("Gemm", ["x", "W", "b"], ["h"]),
    ...      helper.make_node("Tanh", ["h"], ["t"]),
    ...      helper.make_node("Add", ["h", "t"], ["y"])],
    ...     "residual",
    ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
    ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
    ...     initializer=[weight, bias],
    ... )
    >>> adapt_onnx(helper.make_model(graph)).network.is_chain
    False
    """
    import onnx

    check_param(
        "model",
        model,
        [InstanceOf((onnx.ModelProto,), "an onnx.ModelProto")],
        caller="adapt_onnx",
        fix="Load a file with nn2poly.load_network('model.onnx').",
    )
    graph = model.graph
    if len(graph.output) != 1:
        raise OnnxGraphError(
            f"The graph has {len(graph.output)} outputs "
            f"({[value.name for value in graph.output]!r}); nn2poly reads graphs with exactly one "
            "output."
        )
    reading = read_graph(model, GraphBuilder)
    builder = reading.builder
    network = builder.build(reading.output.value, name=graph.output[0].name or "output")
    adapted = AdaptedModel(network, link=network.link)
    rtol = graph_rtol(model)
    check_agreement(
        adapted.network,
        adapted.link,
        lambda X: _graph_output(model, X),
        what="the ONNX graph",
        rtol=rtol,
        data=data,
        log_link=builder.log_link,
        locate=lambda X: locate(model, X, rtol, run_graph),
    )
    return adapted
