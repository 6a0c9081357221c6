"""ONNX graphs to :class:`Network`.

The graph must be a chain: one data input of rank 2 (samples by features),
and nodes that each take the running tensor and constants (initializers or
``Constant`` nodes).  Read operators:

* affine: ``Gemm`` (``transA``, ``transB``, ``alpha``, ``beta``), ``MatMul``,
  ``Add``, ``BatchNormalization`` (inference), ``Transpose`` of the running
  tensor between products;
* activations: ``Tanh``, ``Sigmoid``, ``Softplus``, ``Relu``, ``LeakyRelu``,
  ``Elu``, ``Softsign``, ``Gelu`` (exact form), and the decompositions
  exporters write for softsign (``Abs``, ``Add`` 1, ``Div``) and SiLU
  (``Sigmoid``, ``Mul``);
* skipped: ``Identity``, ``Dropout`` (inference), ``Flatten`` of a 2-D tensor;
* a final ``Softmax`` or ``Sigmoid`` becomes the link of a classifier.

Any other operator raises an error that names it.  The network read is
checked against the graph run by onnxruntime (or onnx's reference evaluator)
on inputs spanning ``[-1, 1]``.  Reading files: :mod:`._onnx_files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import InstanceOf, check_param
from ..activations import get_activation
from ._adapted import AdaptedModel
from ._affine_chain import ChainBuilder
from ._agreement import RTOL_FLOAT32, RTOL_FLOAT64, check_agreement, disagreement, with_link
from ._onnx_graph import OnnxGraphError, _Step, read_steps

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
        if value.type.tensor_type.HasField("shape") and len(shape.dim) == 2:
            shape.dim[0].Clear()
            shape.dim[0].dim_param = "n_samples"
    return copy


def run_graph(model: Any, X: FloatArray, tensors: Sequence[str] = ()) -> list[NDArray[Any]]:
    """The graph's output for ``X``, then the ``tensors`` named, by onnxruntime or onnx.

    onnxruntime runs the graph; onnx's reference evaluator runs what it
    cannot.  Intermediate tensors are read by adding them to the outputs of a
    copy of the graph.
    """
    from onnx import ValueInfoProto, helper

    model = _any_batch(model)
    names = [value.name for value in model.graph.output]
    extra = [name for name in dict.fromkeys(tensors) if name not in names]
    model.graph.output.extend(ValueInfoProto(name=name) for name in extra)
    initializers = {tensor.name for tensor in model.graph.initializer}
    data = next(value for value in model.graph.input if value.name not in initializers)
    dtype = helper.tensor_dtype_to_np_dtype(data.type.tensor_type.elem_type or 1)
    feeds = {data.name: np.asarray(X, dtype=dtype)}
    outputs: Any = None
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
            outputs = session.run(None, feeds)
        except (*failures, RuntimeError, ValueError):
            outputs = None  # the reference evaluator below runs what onnxruntime does not
    if outputs is None:
        from onnx.reference import ReferenceEvaluator

        outputs = ReferenceEvaluator(model).run(None, feeds)
    by_name = dict(zip([*names, *extra], outputs, strict=True))
    return [np.asarray(outputs[0]), *(np.asarray(by_name[name]) for name in tensors)]


def _graph_output(model: Any, X: FloatArray) -> FloatArray:
    return np.asarray(run_graph(model, X)[0], dtype=np.float64).reshape(len(X), -1)


def _apply(step: _Step, values: FloatArray) -> FloatArray:
    """What nn2poly reads a step as, applied to its input (samples, features)."""
    if step.kind == "affine":
        weight, bias = step.args
        return np.asarray(values @ weight + bias, dtype=np.float64)
    if step.kind == "scale":
        factor, shift = step.args
        return np.asarray(values * factor + shift, dtype=np.float64)
    if step.kind == "activation":
        return np.asarray(get_activation(step.args[0])(values), dtype=np.float64)
    return with_link(values, str(step.args[0]))


def _locate(model: Any, steps: list[_Step], rtol: float, X: FloatArray) -> str | None:
    """The first node whose output differs from what its reading computes on its input.

    Every step's output tensor is read from the graph, and each step is
    applied to the graph's own value of the tensor before it.
    """
    outputs = [step.output for step in steps if step.output]
    try:
        values = run_graph(model, X, outputs)[1:]
    except (RuntimeError, ValueError, TypeError):
        return None
    previous = X
    for step, tensor in zip(steps, values, strict=True):
        graph_value = np.asarray(tensor, dtype=np.float64)
        graph_value = (graph_value.T if step.transposed else graph_value).reshape(len(X), -1)
        if disagreement(graph_value, _apply(step, previous), rtol) > 1.0:
            return step.where
        previous = graph_value
    return None


def adapt_onnx(model: Any, *, data: ArrayLike | None = None) -> AdaptedModel:
    """Read an ``onnx.ModelProto`` of a feed-forward network.

    Parameters
    ----------
    model : onnx.ModelProto
        A chain of the operators listed in this module's documentation;
        weights come from initializers or ``Constant`` nodes.
    data : array_like of shape (n_samples, n_features), optional
        Inputs on which the reading is checked against the model run by
        onnxruntime (or onnx's reference evaluator), besides points spanning
        ``[-1, 1]``.

    Returns
    -------
    AdaptedModel
        A final ``Softmax`` or ``Sigmoid`` is left out of the network and
        becomes the ``link``.

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
    steps, reader = read_steps(model)
    if reader.current != graph.output[0].name:
        raise OnnxGraphError(
            f"The graph output {graph.output[0].name!r} is not the end of the chain of layers "
            f"({reader.current!r}); nn2poly reads chains of layers without branches."
        )
    if reader.transposed:
        raise OnnxGraphError(
            "The graph output is laid out as (outputs, samples); nn2poly needs (samples, outputs). "
            "Add a final Transpose."
        )
    link = None
    last = steps[-1] if steps else None
    if last is not None and (last.kind == "link" or last.op == "Sigmoid"):
        link = str(last.args[0])
        steps = steps[:-1]
    chain = ChainBuilder()
    for step in steps:
        if step.kind == "affine":
            chain.affine(*step.args)
        elif step.kind == "scale":
            chain.scale_shift(*step.args)
        elif step.kind == "activation":
            chain.activation(step.args[0])
        else:
            raise OnnxGraphError(
                f"A {step.op} that is not the last operation of the graph; nn2poly reads Softmax "
                "only as the final output link of a classifier."
            )
    adapted = AdaptedModel(chain.build(), link=link)
    rtol = graph_rtol(model)
    read = [*steps, *([last] if link and last is not None else [])]
    check_agreement(
        adapted.network,
        adapted.link,
        lambda X: _graph_output(model, X),
        what="the ONNX graph",
        rtol=rtol,
        data=data,
        locate=lambda X: _locate(model, read, rtol, X),
    )
    return adapted
