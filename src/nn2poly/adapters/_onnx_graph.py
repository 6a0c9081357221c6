"""Walk an ONNX graph as a chain of steps on one running tensor.

The reader follows the running tensor from the single data input through
nodes that each take it and constants (initializers or ``Constant`` nodes),
and records each node as a step: an affine map, a per-feature scaling, an
activation (looked up in the registry by the operator's name) or a final
link.  Exporters' decompositions of softsign (``Abs``, ``Add`` 1, ``Div``)
and SiLU (``Sigmoid``, ``Mul``) are recognised as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..activations import activation_for, framework_names
from ._onnx_tensors import tensor_array

__all__ = ["OnnxGraphError", "read_steps", "supported_operators"]

FloatArray = NDArray[np.float64]

SKIPPED = {"Identity", "Dropout", "Flatten"}
LINEAR = {"Gemm", "MatMul", "Add", "BatchNormalization", "Transpose"}


def supported_operators() -> list[str]:
    """The operators read: the structural ones and the registry's activations."""
    return sorted(set(framework_names("onnx")) | SKIPPED | LINEAR | {"Softmax", "Constant"})


class OnnxGraphError(ValueError):
    """The ONNX graph is not a feed-forward chain nn2poly can read."""


@dataclass
class _Step:
    """One operation on the running tensor: ``("affine", W, b)``, ``("scale", s, t)``,
    ``("activation", name)`` or ``("link", name)``."""

    kind: str
    args: tuple[Any, ...] = field(default_factory=tuple)
    op: str = ""
    #: The node that completes the step, its output tensor and that tensor's layout.
    where: str = ""
    output: str = ""
    transposed: bool = False


def _attributes(node: Any) -> dict[str, Any]:
    import onnx

    return {
        attribute.name: onnx.helper.get_attribute_value(attribute) for attribute in node.attribute
    }


def _describe(node: Any) -> str:
    return f"{node.op_type} node {node.name!r}" if node.name else f"{node.op_type} node"


def _constant_value(node: Any) -> NDArray[Any]:
    attributes = {attribute.name: attribute for attribute in node.attribute}
    if "value" in attributes:
        return tensor_array(attributes["value"].t)
    values = _attributes(node)
    for key in ("value_float", "value_floats", "value_int", "value_ints"):
        if key in values:
            return np.asarray(values[key], dtype=np.float64)
    raise OnnxGraphError(
        f"{_describe(node)} holds a {sorted(values)!r} value; nn2poly reads numeric tensors only."
    )


def _float32_value(value: float) -> float:
    """The shortest decimal that a float32 attribute stands for (0.2f -> 0.2)."""
    return float(str(np.float32(value)))


def _activation_name(node: Any) -> str | None:
    """The registry's activation for an operator, with its attributes; None if unknown."""
    values = _attributes(node)
    if node.op_type == "Gelu" and values.get("approximate", b"none") not in (b"none", "none"):
        raise OnnxGraphError(
            f"{_describe(node)} uses the tanh approximation of GELU; nn2poly's gelu is the exact "
            "(erf) form. Export the model with the exact GELU."
        )

    def read(attribute: str) -> float | None:
        value = values.get(attribute)
        return None if value is None else _float32_value(value)

    activation = activation_for("onnx", node.op_type, read)
    return None if activation is None else activation.name


class _GraphReader:
    """Walk a graph's nodes in order, tracking the running tensor."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.constants: dict[str, NDArray[Any]] = {
            tensor.name: tensor_array(tensor, "initializer") for tensor in graph.initializer
        }
        data_inputs = [value for value in graph.input if value.name not in self.constants]
        if len(data_inputs) != 1:
            raise OnnxGraphError(
                f"The graph has {len(data_inputs)} data inputs "
                f"({[value.name for value in data_inputs]!r}); nn2poly reads graphs with exactly "
                "one input of shape (n_samples, n_features)."
            )
        data = data_inputs[0]
        dims = data.type.tensor_type.shape.dim
        if data.type.tensor_type.HasField("shape") and len(dims) != 2:
            raise OnnxGraphError(
                f"The graph input {data.name!r} has rank {len(dims)}; nn2poly reads inputs of "
                "shape (n_samples, n_features). Export the model with a 2-D input."
            )
        self.input_name = data.name
        self.n_features: int | None = None
        if len(dims) == 2 and dims[1].HasField("dim_value"):
            self.n_features = int(dims[1].dim_value)
        self.current = data.name
        self.transposed = False  # running tensor laid out as (features, samples)
        self.steps: list[_Step] = []

    # ------------------------------------------------------------- helpers
    def _split_inputs(self, node: Any) -> tuple[int, list[NDArray[Any] | None]]:
        """Position of the running tensor among the node's inputs, and the constants."""
        position = -1
        values: list[NDArray[Any] | None] = []
        for index, name in enumerate(node.input):
            if name == self.current and position < 0:
                position = index
                values.append(None)
            elif name == "":
                values.append(None)
            elif name in self.constants:
                values.append(self.constants[name])
            else:
                raise OnnxGraphError(
                    f"{_describe(node)} reads {name!r}, which is neither the running tensor nor a "
                    "constant; nn2poly reads chains of layers without branches."
                )
        return position, values

    def _bias(self, node: Any, value: NDArray[Any], width: int) -> FloatArray:
        """A constant added to the running tensor, as a per-feature vector."""
        array = np.asarray(value, dtype=np.float64)
        allowed = [(), (1,), (1, 1)]
        allowed += [(width, 1)] if self.transposed else [(width,), (1, width)]
        if array.shape not in allowed:
            layout = "(features, samples)" if self.transposed else "(samples, features)"
            raise OnnxGraphError(
                f"{_describe(node)} adds a constant of shape {array.shape} to a tensor laid out "
                f"as {layout} with {width} features; expected one value per feature (shapes "
                f"{allowed[3:]!r}) or a scalar."
            )
        return np.broadcast_to(array.reshape(-1), (width,)).astype(np.float64)

    def _width(self) -> int | None:
        for step in reversed(self.steps):
            if step.kind in ("affine", "scale"):
                return int(step.args[1].shape[0])
        return self.n_features

    # ---------------------------------------------------------------- ops
    def _product(self, node: Any, alpha: float, beta: float, trans_a: bool, trans_b: bool) -> None:
        position, values = self._split_inputs(node)
        if position not in (0, 1) or values[1 - position] is None:
            raise OnnxGraphError(
                f"{_describe(node)} must multiply the running tensor by a constant matrix."
            )
        other = np.asarray(values[1 - position], dtype=np.float64)
        if other.ndim != 2:
            raise OnnxGraphError(
                f"{_describe(node)} multiplies by a constant of shape {other.shape}; expected a "
                "2-D weight matrix."
            )
        if position == 0:
            # Y = A' B' with A' the data: A' must be (samples, features)
            if self.transposed != trans_a:
                raise OnnxGraphError(
                    f"{_describe(node)} multiplies the data laid out as (features, samples) from "
                    "the left; nn2poly needs the samples on the rows of the product."
                )
            weight = alpha * (other.T if trans_b else other)
            transposed_out = False
        else:
            # Y = A' B' with B' the data: B' must be (features, samples)
            if self.transposed == trans_b:
                raise OnnxGraphError(
                    f"{_describe(node)} multiplies the data laid out as (samples, features) from "
                    "the right; nn2poly needs the samples on the columns of this product."
                )
            weight = alpha * (other.T if trans_a else other).T
            transposed_out = True
        width = self._width()
        if width is not None and weight.shape[0] != width:
            raise OnnxGraphError(
                f"{_describe(node)} has a weight for {weight.shape[0]} inputs but the running "
                f"tensor has {width} features."
            )
        self.transposed = transposed_out
        bias = np.zeros(weight.shape[1])
        if len(values) > 2 and values[2] is not None:
            bias = beta * self._bias(node, values[2], weight.shape[1])
        self.steps.append(_Step("affine", (weight, bias), node.op_type))

    def _add(self, node: Any) -> None:
        position, values = self._split_inputs(node)
        constant = values[1 - position] if position >= 0 and len(values) == 2 else None
        if constant is None:
            raise OnnxGraphError(f"{_describe(node)} must add a constant to the running tensor.")
        width = self._width() if any(s.kind in ("affine", "scale") for s in self.steps) else None
        if width is None:
            raise OnnxGraphError(
                f"{_describe(node)} comes before any matrix product; the graph must start with "
                "a Gemm or MatMul."
            )
        shift = self._bias(node, constant, width)
        self.steps.append(_Step("scale", (np.ones(width), shift), node.op_type))

    def _batch_norm(self, node: Any) -> None:
        position, values = self._split_inputs(node)
        values_ = _attributes(node)
        if position != 0 or any(value is None for value in values[1:5]):
            raise OnnxGraphError(
                f"{_describe(node)} must normalise the running tensor with constant statistics."
            )
        if values_.get("training_mode", 0):
            raise OnnxGraphError(
                f"{_describe(node)} is in training mode; export in inference mode."
            )
        if self.transposed:
            raise OnnxGraphError(
                f"{_describe(node)} normalises a tensor laid out as (features, samples); nn2poly "
                "reads batch normalisation over the features of (samples, features) tensors."
            )
        scale, offset, mean, variance = (
            np.asarray(v, dtype=np.float64).reshape(-1) for v in values[1:5]
        )
        factor = scale / np.sqrt(variance + float(values_.get("epsilon", 1e-5)))
        self.steps.append(_Step("scale", (factor, offset - mean * factor), node.op_type))

    def _transpose(self, node: Any) -> None:
        perm = list(_attributes(node).get("perm", [1, 0]))
        if perm not in ([1, 0], [0, 1]):
            raise OnnxGraphError(
                f"{_describe(node)} has perm={perm!r}; expected [1, 0] on a 2-D tensor."
            )
        if perm == [1, 0]:
            self.transposed = not self.transposed

    def _softmax(self, node: Any, opset: int) -> None:
        axis = int(_attributes(node).get("axis", -1 if opset >= 13 else 1))
        feature_axis = 0 if self.transposed else 1
        if axis % 2 != feature_axis:
            raise OnnxGraphError(
                f"{_describe(node)} normalises over axis {axis}, not over the outputs; expected "
                f"axis={feature_axis}."
            )
        self.steps.append(_Step("link", ("softmax",), node.op_type))

    def _constant_equals(self, name: str, value: float) -> bool:
        constant = self.constants.get(name)
        return (
            constant is not None and constant.size == 1 and float(constant.reshape(-1)[0]) == value
        )

    def _match_decomposed(self, nodes: list[Any], start: int) -> tuple[str, int] | None:
        """A known activation written as several nodes, starting at ``nodes[start]``.

        Exporters write ``softsign`` as ``x / (1 + |x|)`` (Abs, Add, Div) and
        ``silu`` as ``x * sigmoid(x)`` (Sigmoid, Mul).  Returns the activation
        and the number of nodes it spans.
        """
        x = self.current
        first = nodes[start]
        if list(first.input) != [x]:
            return None
        if first.op_type == "Abs" and start + 2 < len(nodes):
            add, div = nodes[start + 1], nodes[start + 2]
            absolute = first.output[0]
            others = [name for name in add.input if name != absolute]
            if (
                add.op_type == "Add"
                and len(add.input) == 2
                and len(others) == 1
                and self._constant_equals(others[0], 1.0)
                and div.op_type == "Div"
                and list(div.input) == [x, add.output[0]]
                and self._used_only_within(nodes, start, 3)
            ):
                return "softsign", 3
        if first.op_type == "Sigmoid" and start + 1 < len(nodes):
            mul = nodes[start + 1]
            if (
                mul.op_type == "Mul"
                and sorted(mul.input) == sorted([x, first.output[0]])
                and self._used_only_within(nodes, start, 2)
            ):
                return "silu", 2
        return None

    def _used_only_within(self, nodes: list[Any], start: int, count: int) -> bool:
        """True when the pattern's intermediate tensors feed nothing outside it."""
        inner = {name for node in nodes[start : start + count - 1] for name in node.output}
        outside = [
            name
            for index, node in enumerate(nodes)
            if not start <= index < start + count
            for name in node.input
        ]
        outputs = {value.name for value in self.graph.output}
        return not inner & (set(outside) | outputs)

    def _advance(self, node: Any, output: str, before: int) -> None:
        """Move the running tensor to ``output``; steps added since ``before`` record the node."""
        self.current = output
        for step in self.steps[before:]:
            step.where, step.output, step.transposed = _describe(node), output, self.transposed

    def read(self, opset: int) -> list[_Step]:
        nodes = []
        for node in self.graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                self.constants[node.output[0]] = _constant_value(node)
            else:
                nodes.append(node)
        index = 0
        while index < len(nodes):
            node = nodes[index]
            index += 1
            before = len(self.steps)
            op = node.op_type
            if node.domain not in ("", "ai.onnx"):
                raise OnnxGraphError(
                    f"{_describe(node)} is from the operator domain {node.domain!r}; nn2poly reads "
                    f"the standard ONNX operators {supported_operators()}."
                )
            if node.input and all(name in self.constants for name in node.input if name):
                if op in {"Identity", "Transpose"}:
                    value = self.constants[node.input[0]]
                    perm = _attributes(node).get("perm")
                    self.constants[node.output[0]] = (
                        value if op == "Identity" else np.transpose(value, perm)
                    )
                    continue
                raise OnnxGraphError(
                    f"{_describe(node)} computes a constant; nn2poly reads constant Identity and "
                    "Transpose only. Export with constant folding enabled."
                )
            decomposed = self._match_decomposed(nodes, index - 1)
            if decomposed is not None:
                name, count = decomposed
                self.steps.append(_Step("activation", (name,), node.op_type))
                self._advance(node, nodes[index + count - 2].output[0], before)
                index += count - 1
                continue
            if self.current not in node.input:
                raise OnnxGraphError(
                    f"{_describe(node)} does not read the running tensor {self.current!r}; "
                    "nn2poly reads chains of layers without branches."
                )
            values = _attributes(node)
            if op == "Gemm":
                self._product(
                    node,
                    float(values.get("alpha", 1.0)),
                    float(values.get("beta", 1.0)),
                    bool(values.get("transA", 0)),
                    bool(values.get("transB", 0)),
                )
            elif op == "MatMul":
                self._product(node, 1.0, 1.0, False, False)
            elif op == "Add":
                self._add(node)
            elif op == "BatchNormalization":
                self._batch_norm(node)
            elif op == "Transpose":
                self._transpose(node)
            elif op == "Softmax":
                self._softmax(node, opset)
            elif op == "Flatten":
                if int(values.get("axis", 1)) not in (1, -1):
                    raise OnnxGraphError(
                        f"{_describe(node)} flattens with axis={values['axis']}; on a 2-D tensor "
                        "only axis=1 leaves it unchanged."
                    )
            elif op in SKIPPED:
                pass
            else:
                activation = _activation_name(node)
                if activation is None:
                    raise OnnxGraphError(
                        f"Unsupported ONNX operator {op!r} ({_describe(node)}); nn2poly reads "
                        f"{supported_operators()}. Export the network as a chain of dense layers "
                        "and activations."
                    )
                self.steps.append(_Step("activation", (activation,), op))
            self._advance(node, node.output[0], before)
        return self.steps


def _opset(model: Any) -> int:
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    return 1


def read_steps(model: Any) -> tuple[list[_Step], _GraphReader]:
    """The steps of a model's graph, and the reader (its final layout and tensor)."""
    reader = _GraphReader(model.graph)
    return reader.read(_opset(model)), reader
