"""ONNX graphs -> Network, checked against onnxruntime.

Graphs come from ``torch.onnx.export`` (the TorchScript exporter: quick and
offline) and from ``onnx.helper`` for the layouts torch does not produce.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from scipy.special import expit, softmax

from nn2poly.adapters._onnx import OnnxGraphError, adapt_onnx
from nn2poly.adapters._onnx_files import load_onnx

pytestmark = pytest.mark.filterwarnings(
    "ignore:You are using the legacy TorchScript-based ONNX export:DeprecationWarning"
)

RNG = np.random.default_rng(3)
X = RNG.uniform(-1.0, 1.0, size=(25, 3))


def run_onnx(model: onnx.ModelProto, X: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    return session.run(None, {name: X})[0]


def export_torch(module: torch.nn.Module, path: Path, n_inputs: int = 3) -> onnx.ModelProto:
    module.eval()
    torch.onnx.export(
        module,
        (torch.zeros(2, n_inputs),),
        str(path),
        dynamo=False,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
    )
    return onnx.load(str(path))


def _seeded(*modules: torch.nn.Module) -> torch.nn.Sequential:
    torch.manual_seed(0)
    return torch.nn.Sequential(*modules)


TORCH_MODELS = {
    "tanh": (
        lambda: _seeded(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)),
        ("tanh", "linear"),
        None,
    ),
    "deep-dropout-flatten": (
        lambda: _seeded(
            torch.nn.Flatten(),
            torch.nn.Linear(3, 5),
            torch.nn.Sigmoid(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(5, 4),
            torch.nn.Softplus(),
            torch.nn.Linear(4, 1),
        ),
        ("sigmoid", "softplus", "linear"),
        None,
    ),
    "non-analytic": (
        lambda: _seeded(
            torch.nn.Linear(3, 4),
            torch.nn.LeakyReLU(0.2),
            torch.nn.Linear(4, 4),
            torch.nn.ELU(0.5),
            torch.nn.Linear(4, 4),
            torch.nn.Softsign(),
            torch.nn.Linear(4, 3),
            torch.nn.ReLU(),
            torch.nn.Linear(3, 1),
        ),
        (
            "leaky_relu(negative_slope=0.2)",
            "elu(alpha=0.5)",
            "softsign",
            "relu",
            "linear",
        ),
        None,
    ),
    "softmax-link": (
        lambda: _seeded(
            torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3), torch.nn.Softmax(dim=1)
        ),
        ("tanh", "linear"),
        "softmax",
    ),
    "sigmoid-link": (
        lambda: _seeded(
            torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1), torch.nn.Sigmoid()
        ),
        ("tanh", "linear"),
        "sigmoid",
    ),
    "decomposed-activations": (
        lambda: _seeded(
            torch.nn.Linear(3, 4),
            torch.nn.Softsign(),
            torch.nn.Linear(4, 4),
            torch.nn.SiLU(),
            torch.nn.Linear(4, 2),
            torch.nn.GELU(),
            torch.nn.Linear(2, 1),
        ),
        ("softsign", "silu", "gelu", "linear"),
        None,
    ),
    "batchnorm": (
        lambda: _seeded(
            torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Tanh(), torch.nn.Linear(4, 1)
        ),
        ("tanh", "linear"),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(TORCH_MODELS))
def test_torch_exports_match_onnxruntime(case: str, tmp_path: Path) -> None:
    build, activations, link = TORCH_MODELS[case]
    module = build()
    for layer in module:
        if isinstance(layer, torch.nn.BatchNorm1d):
            with torch.no_grad():
                layer.running_mean.uniform_(-0.5, 0.5)
                layer.running_var.uniform_(0.5, 2.0)
                layer.weight.uniform_(-1.5, 1.5)
                layer.bias.uniform_(-0.5, 0.5)
    model = export_torch(module, tmp_path / "model.onnx")
    adapted = adapt_onnx(model)
    assert adapted.network.activations == activations
    assert adapted.link == link
    expected = run_onnx(model, X.astype(np.float32))
    logits = adapted.network.forward(X.astype(np.float32))
    got = {None: logits, "softmax": softmax(logits, axis=1), "sigmoid": expit(logits)}[link]
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-6)


def test_torch_weights_are_read_exactly(tmp_path: Path) -> None:
    module = TORCH_MODELS["tanh"][0]()
    network = adapt_onnx(export_torch(module, tmp_path / "m.onnx")).network
    for layer, linear in zip(network.layers, [module[0], module[2]], strict=True):
        np.testing.assert_array_equal(layer.weight, linear.weight.detach().numpy().T)
        np.testing.assert_array_equal(layer.bias, linear.bias.detach().numpy())


# ------------------------------------------------------------ hand-made graphs
def _init(name: str, value: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value), name)


def _model(
    nodes: list,
    initializers: list,
    n_in: int,
    n_out: int,
    dtype: int = TensorProto.DOUBLE,
    inputs: list | None = None,
) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "net",
        inputs or [helper.make_tensor_value_info("x", dtype, ["n", n_in])],
        [helper.make_tensor_value_info("y", dtype, ["n", n_out])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


W1 = RNG.normal(size=(3, 4))
B1 = RNG.normal(size=4)
W2 = RNG.normal(size=(4, 2))
B2 = RNG.normal(size=2)


def test_gemm_with_transb_alpha_beta_in_float64() -> None:
    model = _model(
        [
            helper.make_node("Gemm", ["x", "W1t", "B1"], ["h"], transB=1, alpha=0.5, beta=2.0),
            helper.make_node("Tanh", ["h"], ["z"]),
            helper.make_node("Gemm", ["z", "W2", "B2"], ["y"]),
        ],
        [_init("W1t", W1.T), _init("B1", B1), _init("W2", W2), _init("B2", B2)],
        3,
        2,
    )
    network = adapt_onnx(model).network
    np.testing.assert_allclose(network.layers[0].weight, 0.5 * W1, rtol=1e-15)
    np.testing.assert_allclose(network.layers[0].bias, 2.0 * B1, rtol=1e-15)
    np.testing.assert_allclose(network.forward(X), run_onnx(model, X), rtol=1e-12, atol=1e-13)


def test_matmul_add_and_constant_nodes() -> None:
    model = _model(
        [
            helper.make_node("Constant", [], ["W1"], value=_init("W1c", W1)),
            helper.make_node("MatMul", ["x", "W1"], ["h0"]),
            helper.make_node("Add", ["B1", "h0"], ["h"]),
            helper.make_node("Sigmoid", ["h"], ["z"]),
            helper.make_node("Identity", ["z"], ["z1"]),
            helper.make_node("MatMul", ["z1", "W2"], ["y0"]),
            helper.make_node("Add", ["y0", "B2"], ["y"]),
        ],
        [_init("B1", B1), _init("W2", W2), _init("B2", B2)],
        3,
        2,
    )
    adapted = adapt_onnx(model)
    # a Sigmoid inside the graph is an activation, not the link
    assert adapted.link is None
    assert adapted.network.activations == ("sigmoid", "linear")
    np.testing.assert_allclose(
        adapted.network.forward(X), run_onnx(model, X), rtol=1e-12, atol=1e-13
    )


def test_transposed_layout_with_transa() -> None:
    # h = W1^T x^T (features x samples), then y = (h)^T W2 via transA
    model = _model(
        [
            helper.make_node("Gemm", ["W1", "x", "B1col"], ["h"], transA=1, transB=1),
            helper.make_node("Tanh", ["h"], ["z"]),
            helper.make_node("Gemm", ["z", "W2", "B2"], ["y"], transA=1),
        ],
        [_init("W1", W1), _init("B1col", B1[:, None]), _init("W2", W2), _init("B2", B2)],
        3,
        2,
    )
    network = adapt_onnx(model).network
    np.testing.assert_allclose(network.forward(X), run_onnx(model, X), rtol=1e-12, atol=1e-13)


def test_batchnorm_and_transpose_round_trip() -> None:
    # float32: onnxruntime has no float64 Elu
    scale, offset = RNG.uniform(0.5, 1.5, 4), RNG.normal(size=4)
    mean, variance = RNG.normal(size=4), RNG.uniform(0.5, 2.0, 4)
    f32 = {
        name: value.astype(np.float32)
        for name, value in {
            "W1": W1,
            "B1": B1,
            "s": scale,
            "o": offset,
            "m": mean,
            "v": variance,
            "W2": W2,
            "B2": B2,
        }.items()
    }
    model = _model(
        [
            helper.make_node("Gemm", ["x", "W1", "B1"], ["h"]),
            helper.make_node("BatchNormalization", ["h", "s", "o", "m", "v"], ["hb"], epsilon=1e-3),
            helper.make_node("Elu", ["hb"], ["z"], alpha=0.7),
            helper.make_node("Transpose", ["z"], ["zt"], perm=[1, 0]),
            helper.make_node("Transpose", ["zt"], ["z2"], perm=[1, 0]),
            helper.make_node("Gemm", ["z2", "W2", "B2"], ["y"]),
        ],
        [_init(name, value) for name, value in f32.items()],
        3,
        2,
        dtype=TensorProto.FLOAT,
    )
    network = adapt_onnx(model).network
    assert network.activations == ("elu(alpha=0.7)", "linear")
    X32 = X.astype(np.float32)
    np.testing.assert_allclose(network.forward(X32), run_onnx(model, X32), rtol=1e-5, atol=1e-6)


def test_load_onnx_reads_a_file(tmp_path: Path) -> None:
    module = TORCH_MODELS["tanh"][0]()
    model = export_torch(module, tmp_path / "model.onnx")
    assert load_onnx(tmp_path / "model.onnx").network == adapt_onnx(model).network


def test_corrupt_file_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"\x00\x01 this is not a protobuf \xff\xff")
    with pytest.raises(ValueError, match=r"broken.onnx"):
        load_onnx(path)


# --------------------------------------------------------------------- errors
def test_unknown_operator_is_named() -> None:
    model = _model(
        [
            helper.make_node("Gemm", ["x", "W1", "B1"], ["h"]),
            helper.make_node("Cos", ["h"], ["z"]),
            helper.make_node("Gemm", ["z", "W2", "B2"], ["y"]),
        ],
        [_init("W1", W1), _init("B1", B1), _init("W2", W2), _init("B2", B2)],
        3,
        2,
    )
    with pytest.raises(OnnxGraphError, match="Unsupported ONNX operator 'Cos'"):
        adapt_onnx(model)


def test_branches_are_read_as_a_graph() -> None:
    model = _model(
        [
            helper.make_node("Gemm", ["x", "W1", "B1"], ["h"]),
            helper.make_node("Tanh", ["h"], ["z"]),
            helper.make_node("Add", ["z", "h"], ["s"]),
            helper.make_node("Gemm", ["s", "W2", "B2"], ["y"]),
        ],
        [_init("W1", W1), _init("B1", B1), _init("W2", W2), _init("B2", B2)],
        3,
        2,
    )
    network = adapt_onnx(model).network
    assert not network.is_chain
    np.testing.assert_allclose(network.forward(X), run_onnx(model, X), rtol=1e-12, atol=1e-13)


def test_a_product_of_branches_is_refused() -> None:
    model = _model(
        [
            helper.make_node("Gemm", ["x", "W1", "B1"], ["h"]),
            helper.make_node("Tanh", ["h"], ["z"]),
            helper.make_node("Mul", ["z", "h"], ["s"], name="gate"),
            helper.make_node("Gemm", ["s", "W2", "B2"], ["y"]),
        ],
        [_init("W1", W1), _init("B1", B1), _init("W2", W2), _init("B2", B2)],
        3,
        2,
    )
    with pytest.raises(
        OnnxGraphError, match="Mul node 'gate' multiplies or divides two values"
    ) as info:
        adapt_onnx(model)
    assert "The operators nn2poly reads: [" in str(info.value) and "'Gemm'" in str(info.value)


def test_softmax_before_the_end_is_refused() -> None:
    model = _model(
        [
            helper.make_node("Gemm", ["x", "W1", "B1"], ["h"]),
            helper.make_node("Softmax", ["h"], ["z"]),
            helper.make_node("Gemm", ["z", "W2", "B2"], ["y"]),
        ],
        [_init("W1", W1), _init("B1", B1), _init("W2", W2), _init("B2", B2)],
        3,
        2,
    )
    with pytest.raises(OnnxGraphError, match="Softmax only as the final"):
        adapt_onnx(model)


def test_two_inputs_are_refused() -> None:
    inputs = [helper.make_tensor_value_info(name, TensorProto.DOUBLE, ["n", 3]) for name in "xw"]
    model = _model(
        [
            helper.make_node("Add", ["x", "w"], ["s"]),
            helper.make_node("Gemm", ["s", "W1", "B1"], ["y"]),
        ],
        [_init("W1", W1), _init("B1", B1)],
        3,
        4,
        inputs=inputs,
    )
    with pytest.raises(OnnxGraphError, match="2 data inputs"):
        adapt_onnx(model)


def test_samples_dependent_bias_is_refused() -> None:
    model = _model(
        [helper.make_node("Gemm", ["x", "W1", "Bn"], ["y"])],
        [_init("W1", W1), _init("Bn", RNG.normal(size=(5, 4)))],
        3,
        4,
        inputs=[helper.make_tensor_value_info("x", TensorProto.DOUBLE, [5, 3])],
    )
    with pytest.raises(OnnxGraphError, match=r"shape \(5, 4\)"):
        adapt_onnx(model)


def test_not_a_model_proto() -> None:
    with pytest.raises(TypeError, match=r"onnx.ModelProto"):
        adapt_onnx(object())
