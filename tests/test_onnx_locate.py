"""A misread ONNX graph is refused naming the first node where graph and network part."""

from __future__ import annotations

import numpy as np
import pytest

from nn2poly.adapters import adapt
from nn2poly.adapters._agreement import ModelMismatchError

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from nn2poly.adapters import _onnx, _onnx_graph, _onnx_locate, _onnx_patterns  # noqa: E402


def _model(final: str | None = None) -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    weights = [
        numpy_helper.from_array(rng.uniform(-1, 1, shape).astype(np.float32), name)
        for name, shape in (("W1", (3, 4)), ("W2", (4, 4)), ("W3", (4, 2)))
    ]
    bias = numpy_helper.from_array(np.full(4, 0.1, np.float32), "b2")
    nodes = [
        helper.make_node("Gemm", ["x", "W1"], ["h1"], name="dense1"),
        helper.make_node("Tanh", ["h1"], ["a1"], name="act1"),
        helper.make_node("MatMul", ["a1", "W2"], ["h2"], name="dense2"),
        helper.make_node("Add", ["h2", "b2"], ["h2b"], name="bias2"),
        helper.make_node("LeakyRelu", ["h2b"], ["a2"], name="act2", alpha=0.1),
        helper.make_node("Gemm", ["a2", "W3"], ["z"], name="dense3"),
    ]
    if final:
        nodes.append(helper.make_node(final, ["z"], ["y"], name="link"))
    graph = helper.make_graph(
        nodes,
        "net",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
        [helper.make_tensor_value_info("y" if final else "z", TensorProto.FLOAT, ["n", 2])],
        initializer=[*weights, bias],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("final", [None, "Softmax", "Sigmoid"])
def test_the_first_misread_node_is_named(monkeypatch: pytest.MonkeyPatch, final: str) -> None:
    model = _model(final)
    assert adapt(model).network.activations == ("tanh", "leaky_relu(negative_slope=0.1)", "linear")
    monkeypatch.setattr(_onnx_graph, "_float32_value", lambda value: 0.5)
    with pytest.raises(ModelMismatchError, match="first part at LeakyRelu node 'act2'"):
        adapt(model)


def test_a_misread_bias_names_its_add_node(monkeypatch: pytest.MonkeyPatch) -> None:
    read = _onnx_patterns._constant
    monkeypatch.setattr(_onnx_patterns, "_constant", lambda *args: read(*args) + 1.0)
    with pytest.raises(ModelMismatchError, match="first part at Add node 'bias2'"):
        adapt(_model())


def test_a_misread_branch_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model()
    graph = model.graph
    # a residual sum after the first activation: z = dense3(act2(...) + a1)
    graph.node.insert(5, helper.make_node("Add", ["a2", "a1"], ["r"], name="residual"))
    graph.node[6].input[0] = "r"
    assert not adapt(model).network.is_chain
    monkeypatch.setattr(_onnx_graph, "_float32_value", lambda value: 0.5)
    with pytest.raises(ModelMismatchError, match="first part at LeakyRelu node 'act2'"):
        adapt(model)


def test_intermediate_tensors_are_read_from_a_copy() -> None:
    model = _model()
    X = np.random.default_rng(1).uniform(-1, 1, (5, 3))
    out, hidden = _onnx.run_graph(model, X, ["a1"])
    assert hidden.shape == (5, 4)
    assert np.allclose(hidden, np.tanh(X @ numpy_helper.to_array(model.graph.initializer[0])))
    assert [value.name for value in model.graph.output] == ["z"]  # the model is unchanged
    assert np.array_equal(out, _onnx.run_graph(model, X)[0])


def test_a_graph_of_a_fixed_number_of_samples_runs_by_batches() -> None:
    model = _model()
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 2
    X = np.random.default_rng(1).uniform(-1, 1, (5, 3))
    out, hidden = _onnx.run_graph(model, X, ["a1"])
    assert out.shape == (5, 2) and hidden.shape == (5, 4)
    assert np.allclose(out, adapt(model).network.forward(X), rtol=1e-5, atol=1e-6)


def test_every_node_output_is_read_eagerly() -> None:
    X = np.random.default_rng(1).uniform(-1, 1, (4, 3))
    reading = _onnx_graph.read_graph(_model(), lambda n: _onnx_locate.EagerBuilder(X))
    graph_values = _onnx.run_graph(_model(), X, ["h1", "a1", "h2b", "a2"])[1:]
    for name, expected in zip(["h1", "a1", "h2b", "a2"], graph_values, strict=True):
        tensor = reading.tensor(name)
        assert tensor is not None and tensor.shape == (4,)
        np.testing.assert_allclose(tensor.value, expected, rtol=1e-5, atol=1e-6)
    assert reading.producers["h2b"].name == "bias2"
