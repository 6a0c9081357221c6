"""Walk an ONNX graph, a directed acyclic graph of nodes, into a graph builder.

The graph has one data input whose first axis holds the samples.  Nodes are
read in the graph's (topological) order; every tensor is a constant
(initializers, ``Constant`` nodes, and whatever nodes compute from
constants alone, ``Shape`` of a tensor included), an element-wise
expression kept for later (:mod:`._onnx_patterns`), or a :class:`Tensor`
built by an affine node (:mod:`._onnx_layers`).  Activations are looked up
in the registry by their ONNX operator names, with their attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..activations import activation_for, framework_names, get_activation
from ._onnx_layers import BATCH, HANDLERS, Context
from ._onnx_patterns import PATTERN_OPS, Expr, clip_bounds, elementwise, leaf, make_expr, realize
from ._onnx_tensors import tensor_array
from ._onnx_values import Builder, OnnxGraphError, Tensor, attributes, describe

__all__ = ["OnnxGraphError", "Reading", "read_graph", "supported_operators"]

#: Nodes passed through unchanged (Cast between float types).
PASS_THROUGH = frozenset({"Identity", "Dropout", "Cast"})
#: Nodes never read, even on constants.
_CONTROL_FLOW = frozenset({"If", "Loop", "Scan"})
_FLOAT_TYPES = frozenset({1, 10, 11, 16})  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


def supported_operators() -> list[str]:
    """The operators read: structural ones, the registry's activations, and the nodes of
    activations exporters write as several nodes."""
    names = set(framework_names("onnx")) | set(HANDLERS) | PASS_THROUGH | PATTERN_OPS
    return sorted(names | {"Add", "Sub", "Mul", "Div", "Neg", "Clip", "Constant", "Shape"})


def _constant_value(node: Any) -> NDArray[Any]:
    attributes_ = {attribute.name: attribute for attribute in node.attribute}
    if "value" in attributes_:
        return tensor_array(attributes_["value"].t)
    values = attributes(node)
    for key in ("value_float", "value_floats", "value_int", "value_ints"):
        if key in values:
            return np.asarray(values[key], dtype=np.float64 if "float" in key else np.int64)
    raise OnnxGraphError(
        f"{describe(node)} holds a {sorted(values)!r} value; nn2poly reads numeric tensors only."
    )


def _float32_value(value: float) -> float:
    """The shortest decimal that a float32 attribute stands for (0.2f -> 0.2)."""
    return float(str(np.float32(value)))


def _activation_name(node: Any, expr: Expr) -> str | None:
    """The registry's activation for an element-wise node, with its settings; None if none."""
    values = attributes(node)
    if node.op_type == "Clip":
        low, high = clip_bounds(expr)
        low = None if low is None else _float32_value(low)
        high = None if high is None else _float32_value(high)
        if low == 0.0 and high in (6.0, None):
            return "relu6" if high == 6.0 else "relu"
        if low is None or high is None or not low < high:
            return None
        return get_activation("hardtanh", min_val=low, max_val=high).name

    def read(attribute: str) -> float | str | bytes | None:
        value = values.get(attribute)
        if isinstance(value, (str, bytes)) or value is None:
            return value
        return _float32_value(value)

    activation = activation_for("onnx", node.op_type, read)
    return None if activation is None else activation.name


def _opset(model: Any) -> int:
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    return 1


#: Nodes on constants whose output is never larger than their inputs.
_FOLD_ANY = frozenset(
    {"Identity", "Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Cast", "Neg",
     "Abs", "Sqrt", "Reciprocal", "Slice", "Concat", "Size", "Shape"}
)  # fmt: skip
#: Nodes on constants folded when their output stays small (shape arithmetic).
_FOLD_SMALL = frozenset({"Gather", "Add", "Sub", "Mul", "Div", "Max", "Min", "Equal", "Where"})
_MAX_FOLDED = 10**6


def _folded_size(node: Any, inputs: list[NDArray[Any] | None]) -> int:
    """An upper bound of the values a foldable node makes (refused nodes: -1)."""
    arrays = [np.asarray(value) for value in inputs if value is not None]
    if node.op_type in _FOLD_ANY:
        return sum(array.size for array in arrays)
    if node.op_type not in _FOLD_SMALL:
        return -1
    if node.op_type == "Gather" and len(arrays) == 2:
        return int(arrays[0].size * max(arrays[1].size, 1))
    try:
        return int(np.prod(np.broadcast_shapes(*(array.shape for array in arrays))))
    except ValueError:
        return -1


def _fold(node: Any, inputs: list[NDArray[Any] | None]) -> list[NDArray[Any]]:
    """A node on constants, run by onnx's reference evaluator (shape arithmetic only)."""
    from onnx.reference import ReferenceEvaluator

    size = _folded_size(node, inputs)
    if not 0 <= size <= _MAX_FOLDED and node.op_type not in _FOLD_ANY:
        raise OnnxGraphError(
            f"{describe(node)} computes a constant nn2poly does not evaluate (it reads "
            f"{sorted(_FOLD_ANY | _FOLD_SMALL)} on constants, up to {_MAX_FOLDED} values); "
            "export with constant folding enabled."
        )

    feeds = {name: value for name, value in zip(node.input, inputs, strict=True) if name}
    try:
        outputs = ReferenceEvaluator(node).run(None, feeds)
    except (RuntimeError, ValueError, TypeError, KeyError, NotImplementedError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise OnnxGraphError(
            f"{describe(node)} computes a constant that could not be evaluated ({reason}); "
            "export with constant folding enabled."
        ) from None
    return [np.asarray(output) for output in outputs]


@dataclass
class Reading:
    """What reading a graph gives: the builder, the output and every tensor read."""

    builder: Any
    output: Tensor
    #: ONNX tensor name -> Tensor, Expr or constant array.
    values: dict[str, Any] = field(default_factory=dict)
    #: ONNX tensor name -> the node that computes it.
    producers: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Tensor] = field(default_factory=dict)

    def tensor(self, name: str) -> Tensor | None:
        """What the reading computes for the ONNX tensor ``name`` (None for constants)."""
        value = self.values.get(name)
        if isinstance(value, Expr):
            return realize(self.builder, value, self.cache, _activation_of)
        return value if isinstance(value, Tensor) else None


def _activation_of(node: Any, expr: Expr) -> str | None:
    return _activation_name(node, expr)


def _data_input(model: Any, constants: dict[str, Any]) -> tuple[Any, tuple[int, ...], int | None]:
    """The graph's data input, its per-sample shape and its declared number of samples."""
    graph = model.graph
    data_inputs = [value for value in graph.input if value.name not in constants]
    if len(data_inputs) != 1:
        raise OnnxGraphError(
            f"The graph has {len(data_inputs)} data inputs "
            f"({[value.name for value in data_inputs]!r}); nn2poly reads graphs with exactly "
            "one input of shape (n_samples, *features)."
        )
    data = data_inputs[0]
    dims = list(data.type.tensor_type.shape.dim)
    batch = int(dims[0].dim_value) if dims and dims[0].HasField("dim_value") else None
    known = all(dim.HasField("dim_value") for dim in dims[1:])
    if data.type.tensor_type.HasField("shape") and len(dims) >= 2 and known:
        return data, tuple(int(dim.dim_value) for dim in dims[1:]), batch
    # a 2-D input of unknown width: the rows of the first product's weight
    for node in graph.node:
        if node.op_type in ("Gemm", "MatMul") and list(node.input[:1]) == [data.name]:
            weight = constants.get(node.input[1])
            if weight is not None and np.ndim(weight) == 2:
                trans_b = node.op_type == "Gemm" and attributes(node).get("transB", 0)
                return data, (int(np.shape(weight)[1 if trans_b else 0]),), batch
    raise OnnxGraphError(
        f"The graph input {data.name!r} does not declare its feature dimensions; nn2poly reads "
        "inputs of a fixed shape (n_samples, *features). Export the model with a fixed input "
        "shape (only the number of samples may vary)."
    )


def read_graph(model: Any, make_builder: Callable[[int], Builder]) -> Reading:
    """Read the graph of ``model`` into the builder ``make_builder(n_input_features)`` makes.

    Every refusal ends with the list of operators read.
    """
    try:
        return _read_graph(model, make_builder)
    except OnnxGraphError as exc:
        if "nn2poly reads [" in str(exc):
            raise
        raise OnnxGraphError(
            f"{exc} The operators nn2poly reads: {supported_operators()}."
        ) from None


def _read_graph(model: Any, make_builder: Callable[[int], Builder]) -> Reading:
    graph = model.graph
    constants: dict[str, Any] = {
        tensor.name: tensor_array(tensor, "initializer") for tensor in graph.initializer
    }
    data, shape, batch = _data_input(model, constants)
    builder = make_builder(int(np.prod(shape, dtype=np.int64)))
    context = Context(_opset(model), batch)
    reading = Reading(builder, Tensor(builder.input, shape, 0))
    values = reading.values
    values.update(constants)
    values[data.name] = Tensor(builder.input, shape, 0)
    for node in graph.node:
        for name in node.output:
            reading.producers[name] = node
        _read_node(reading, node, context)
    output = graph.output[0].name
    if output not in values or not isinstance(values[output], (Tensor, Expr)):
        raise OnnxGraphError(
            f"The graph output {output!r} does not depend on the input; nn2poly reads networks "
            "whose output is computed from their input."
        )
    result = reading.tensor(output)
    assert result is not None  # a Tensor or an Expr, checked above
    if result.batch_axis != 0:
        raise OnnxGraphError(
            "The graph output is laid out as (outputs, samples); nn2poly needs (samples, outputs). "
            "Add a final Transpose."
        )
    reading.output = result
    return reading


def _read_node(reading: Reading, node: Any, context: Context) -> None:
    values, op = reading.values, node.op_type
    if node.domain not in ("", "ai.onnx"):
        raise OnnxGraphError(
            f"{describe(node)} is from the operator domain {node.domain!r}; nn2poly reads "
            f"the standard ONNX operators {supported_operators()}."
        )
    if op == "Constant":
        values[node.output[0]] = _constant_value(node)
        return
    for name in node.input:
        if name and name not in values:
            raise OnnxGraphError(
                f"{describe(node)} reads {name!r}, which no earlier node computes; the graph's "
                "nodes must be in topological order."
            )
    inputs = [values[name] if name else None for name in node.input]
    data = [arg for arg in inputs if isinstance(arg, (Tensor, Expr))]
    if not data and op not in _CONTROL_FLOW:
        for name, value in zip(node.output, _fold(node, inputs), strict=False):
            values[name] = value
        return
    readable = PASS_THROUGH | set(HANDLERS) | {"Shape"}
    if op in _CONTROL_FLOW or not (op in readable or elementwise(op)):
        raise OnnxGraphError(
            f"Unsupported ONNX operator {op!r} ({describe(node)}); nn2poly reads "
            f"{supported_operators()}. Layer normalisation, max pooling, attention, embeddings "
            "(Gather) and data-dependent control flow are not polynomial-friendly maps; export "
            "a network of dense or convolutional layers, activations, sums and concatenations."
        )
    for arg in data:
        linked = arg if isinstance(arg, Tensor) else None
        if linked is not None and linked.link:
            raise OnnxGraphError(
                f"{describe(node)} reads the output of a {linked.link}; nn2poly reads Softmax "
                "only as the final output link of a classifier."
            )
    if op == "Shape":
        tensor = data[0]
        layout = Tensor(None, tensor.shape, tensor.batch_axis)
        full = np.asarray(layout.full_shape(BATCH))
        start, end = attributes(node).get("start", 0), attributes(node).get("end")
        values[node.output[0]] = full[start:end].astype(np.int64)
        return
    if op in PASS_THROUGH:
        to = attributes(node).get("to")
        if op == "Cast" and to not in _FLOAT_TYPES:
            raise OnnxGraphError(
                f"{describe(node)} casts the data to a non-float type ({to}); nn2poly reads "
                "float computations only."
            )
        values[node.output[0]] = inputs[0]
        return
    if elementwise(op):
        args = [leaf(name, arg) if isinstance(arg, Tensor) else arg
                for name, arg in zip(node.input, inputs, strict=True)]  # fmt: skip
        values[node.output[0]] = make_expr(node, args)
        return
    tensors = [
        reading.tensor(name) if isinstance(arg, (Tensor, Expr)) else arg
        for name, arg in zip(node.input, inputs, strict=True)
    ]
    if not isinstance(tensors[0], Tensor) and op not in ("Gemm", "MatMul"):
        raise OnnxGraphError(
            f"{describe(node)} applies to a constant with the data as a parameter; nn2poly "
            "reads nodes whose first input is the data."
        )
    values[node.output[0]] = HANDLERS[op](reading.builder, node, tensors, context)
