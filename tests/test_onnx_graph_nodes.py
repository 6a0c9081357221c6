"""Hand-made ONNX graphs: reshapes, transposes, convolutions, written activations, refusals.

Each graph is built with ``onnx.helper`` (float64 unless said otherwise), read,
and its network's forward pass compared with onnx's reference evaluator.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx.reference import ReferenceEvaluator

import nn2poly
from nn2poly.adapters._onnx import OnnxGraphError, adapt_onnx


def _graph(
    nodes: list,
    initializers: dict[str, np.ndarray],
    in_shape: list,
    out_shape: list,
    *,
    dtype: int = onnx.TensorProto.DOUBLE,
    opset: int = 20,
) -> onnx.ModelProto:
    from onnx import helper, numpy_helper

    graph = helper.make_graph(
        nodes,
        "net",
        [helper.make_tensor_value_info("x", dtype, in_shape)],
        [helper.make_tensor_value_info("y", dtype, out_shape)],
        initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in initializers.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    return model


def _reference(model: onnx.ModelProto, X: np.ndarray) -> np.ndarray:
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    out = ReferenceEvaluator(model).run(None, {"x": X.reshape(len(X), *shape)})[0]
    return np.asarray(out).reshape(len(X), -1)


RNG = np.random.default_rng(11)
XH = RNG.uniform(-2, 2, (17, 6))


def _node(op: str, inputs: list[str], output: str, **attrs) -> onnx.NodeProto:
    from onnx import helper

    return helper.make_node(op, inputs, [output], name=f"{op.lower()}_{output}", **attrs)


def test_reshape_transpose_concat_squeeze_in_float64() -> None:
    model = _graph(
        [
            _node("Reshape", ["x", "s3"], "a"),  # (n, 2, 3)
            _node("Transpose", ["a"], "t", perm=[0, 2, 1]),  # (n, 3, 2)
            _node("Tanh", ["t"], "h"),
            _node("Concat", ["h", "t"], "c", axis=2),  # (n, 3, 4)
            _node("Unsqueeze", ["c", "ax1"], "u"),  # (n, 1, 3, 4)
            _node("Squeeze", ["u", "ax1"], "q"),
            _node("Neg", ["q"], "m"),
            _node("Sub", ["m", "c"], "d"),  # a residual difference
            _node("Flatten", ["d"], "f"),
            _node("MatMul", ["f", "W"], "y"),
        ],
        {"s3": np.array([0, 2, 3]), "ax1": np.array([1]), "W": RNG.normal(size=(12, 2))},
        ["n", 6],
        ["n", 2],
    )
    network = adapt_onnx(model).network
    np.testing.assert_allclose(network.forward(XH), _reference(model, XH), rtol=1e-12)


def test_conv_auto_pad_global_pool_and_batch_norm_in_float64() -> None:
    model = _graph(
        [
            _node("Reshape", ["x", "shape"], "a"),  # (n, 1, 2, 3)
            _node("Conv", ["a", "K", "kb"], "c", kernel_shape=[2, 2], auto_pad="SAME_UPPER"),
            _node("BatchNormalization", ["c", "g", "b", "m", "v"], "n"),
            _node("Celu", ["n"], "h", alpha=0.5),
            _node("GlobalAveragePool", ["h"], "p"),
            _node("Flatten", ["p"], "f"),
            _node("Gemm", ["f", "W"], "y", transB=1),
        ],
        {
            "shape": np.array([-1, 1, 2, 3]),
            "K": RNG.normal(size=(3, 1, 2, 2)),
            "kb": RNG.normal(size=3),
            "g": RNG.uniform(0.5, 1.5, 3),
            "b": RNG.normal(size=3),
            "m": RNG.normal(size=3),
            "v": RNG.uniform(0.5, 1.5, 3),
            "W": RNG.normal(size=(1, 3)),
        },
        ["n", 6],
        ["n", 1],
    )
    adapted = adapt_onnx(model)
    assert adapted.network.activations == ("celu(alpha=0.5)", "linear")
    np.testing.assert_allclose(
        adapted.network.forward(XH), _reference(model, XH), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize(
    ("op", "attrs", "name"),
    [
        ("Gelu", {"approximate": "tanh"}, "gelu_tanh"),
        ("Gelu", {}, "gelu"),
        ("HardSigmoid", {}, "hardsigmoid(alpha=0.2)"),
        ("Selu", {}, "selu"),
        ("Mish", {}, "mish"),
        ("HardSwish", {}, "hardswish"),
    ],
)
def test_activation_operators_by_their_onnx_names(op: str, attrs: dict, name: str) -> None:
    model = _graph(
        [
            _node("Gemm", ["x", "W"], "h"),
            _node(op, ["h"], "a", **attrs),
            _node("Gemm", ["a", "V"], "y"),
        ],
        {"W": RNG.normal(size=(6, 3)), "V": RNG.normal(size=(3, 1))},
        ["n", 6],
        ["n", 1],
        dtype=onnx.TensorProto.FLOAT,
    )
    model.graph.initializer[0].CopyFrom(
        onnx.numpy_helper.from_array(RNG.normal(size=(6, 3)).astype(np.float32), "W")
    )
    model.graph.initializer[1].CopyFrom(
        onnx.numpy_helper.from_array(RNG.normal(size=(3, 1)).astype(np.float32), "V")
    )
    adapted = adapt_onnx(model)
    assert adapted.network.activations == (name, "linear")
    X32 = XH.astype(np.float32)
    np.testing.assert_allclose(
        adapted.network.forward(X32), _reference(model, X32), rtol=2e-5, atol=2e-6
    )


def _softplus_where(threshold: float) -> onnx.ModelProto:
    return _graph(
        [
            _node("Gemm", ["x", "W"], "h"),
            _node("Softplus", ["h"], "sp"),
            _node("Greater", ["h", "t"], "g"),
            _node("Where", ["g", "h", "sp"], "a"),
            _node("Gemm", ["a", "V"], "y"),
        ],
        {"W": RNG.normal(size=(6, 3)), "V": RNG.normal(size=(3, 1)), "t": np.array(threshold)},
        ["n", 6],
        ["n", 1],
    )


def test_the_constants_of_a_written_activation_are_checked() -> None:
    assert adapt_onnx(_softplus_where(20.0)).network.activations == ("softplus", "linear")
    with pytest.raises(OnnxGraphError, match=r"Greater node 'greater_g' is read only as part of"):
        adapt_onnx(_softplus_where(1.0))
    silu_of_2x = _graph(
        [
            _node("Gemm", ["x", "W"], "h"),
            _node("Mul", ["h", "two"], "h2"),
            _node("Sigmoid", ["h2"], "s"),
            _node("Mul", ["h", "s"], "a"),
            _node("Gemm", ["a", "V"], "y"),
        ],
        {"W": RNG.normal(size=(6, 3)), "V": RNG.normal(size=(3, 1)), "two": np.array(2.0)},
        ["n", 6],
        ["n", 1],
    )
    with pytest.raises(OnnxGraphError, match=r"Mul node 'mul_a' multiplies or divides two"):
        adapt_onnx(silu_of_2x)


@pytest.mark.parametrize(
    ("nodes", "initializers", "message"),
    [
        (
            [_node("Reshape", ["x", "s"], "r"), _node("Gemm", ["r", "W"], "y")],
            {"s": np.array([-1, 4]), "W": np.ones((4, 1))},
            r"Reshape node 'reshape_r' .* reshapes a tensor of per-sample shape \(6,\) \(samples "
            r"on axis 0\) to \[-1, 4\]",
        ),
        (
            [_node("Div", ["two", "x"], "d"), _node("Gemm", ["d", "W"], "y")],
            {"two": np.array(2.0), "W": np.ones((6, 1))},
            r"Div node 'div_d' divides by a value that depends on the input",
        ),
        (
            [_node("Pow", ["x", "two"], "p"), _node("Gemm", ["p", "W"], "y")],
            {"two": np.array(2.0), "W": np.ones((6, 1))},
            r"Pow node 'pow_p' is read only as part of an activation",
        ),
        (
            [_node("Clip", ["x", "", "one"], "c"), _node("Gemm", ["c", "W"], "y")],
            {"one": np.array(1.0), "W": np.ones((6, 1))},
            r"Clip node 'clip_c' clips to \[None, 1.0\]; nn2poly reads Clip as relu",
        ),
        (
            [_node("Gemm", ["x", "W"], "h"), _node("Softmax", ["h"], "y", axis=0)],
            {"W": np.ones((6, 2))},
            r"Softmax node 'softmax_y' normalises over axis 0",
        ),
        (
            [_node("Transpose", ["x"], "t"), _node("ReduceMean", ["t"], "y", keepdims=0)],
            {},
            r"ReduceMean node 'reducemean_y' mixes the samples",
        ),
        (
            [_node("BatchNormalization", ["x", "o", "z", "z", "o"], "y", training_mode=1)],
            {"o": np.ones(6), "z": np.zeros(6)},
            r"training mode",
        ),
        (
            [_node("Gemm", ["x", "W"], "y", transA=1)],
            {"W": np.ones((6, 2))},
            r"Gemm node 'gemm_y' cannot be applied .* nn2poly needs the samples on the rows",
        ),
    ],
)
def test_refusals_name_the_node(nodes: list, initializers: dict, message: str) -> None:
    model = _graph(nodes, initializers, ["n", 6], ["n", 1])
    with pytest.raises(OnnxGraphError, match=message):
        adapt_onnx(model)


def test_control_flow_and_foreign_domains_are_refused() -> None:
    from onnx import helper

    branch = helper.make_graph(
        [_node("Identity", ["x"], "o")], "b", [], [helper.make_tensor_value_info("o", 11, None)]
    )
    model = _graph(
        [_node("If", ["c"], "y", then_branch=branch, else_branch=branch)],
        {"c": np.array(True)},
        ["n", 6],
        ["n", 6],
    )
    with pytest.raises(OnnxGraphError, match=r"Unsupported ONNX operator 'If' \(If node 'if_y'\)"):
        adapt_onnx(model)
    foreign = _graph([helper.make_node("Gelu", ["x"], ["y"], domain="com.microsoft")], {},
                     ["n", 6], ["n", 6])  # fmt: skip
    with pytest.raises(OnnxGraphError, match=r"operator domain 'com.microsoft'"):
        adapt_onnx(foreign)


def test_constants_are_folded_only_for_shape_arithmetic() -> None:
    huge = _graph(
        [
            _node("ConstantOfShape", ["dims"], "big"),
            _node("Add", ["x", "big"], "y"),
        ],
        {"dims": np.array([1, 6])},
        ["n", 6],
        ["n", 6],
    )
    with pytest.raises(
        OnnxGraphError, match=r"ConstantOfShape node 'constantofshape_big' computes"
    ):
        adapt_onnx(huge)
    shifted = _graph(
        [
            _node("Gather", ["vec", "idx"], "g"),
            _node("Mul", ["g", "two"], "c"),
            _node("Add", ["x", "c"], "y"),
        ],
        {"vec": np.arange(6.0), "idx": np.array([5, 4, 3, 2, 1, 0]), "two": np.array(2.0)},
        ["n", 6],
        ["n", 6],
    )
    network = adapt_onnx(shifted).network
    np.testing.assert_allclose(network.forward(XH), XH + 2 * np.arange(6.0)[::-1])


def test_a_registered_activation_is_read_by_its_onnx_name() -> None:
    from nn2poly.activations import ActivationSpec, FrameworkName, _registry

    spec = ActivationSpec(
        "onnx_sine_test",
        np.sin,
        None,
        description="sin(x)",
        frameworks=(FrameworkName("onnx", "Sin"),),
    )
    nn2poly.register_activation(spec)
    try:
        model = _graph(
            [
                _node("Gemm", ["x", "W"], "h"),
                _node("Sin", ["h"], "s"),
                _node("Gemm", ["s", "V"], "y"),
            ],
            {"W": RNG.normal(size=(6, 3)), "V": RNG.normal(size=(3, 1))},
            ["n", 6],
            ["n", 1],
        )
        network = adapt_onnx(model).network
        assert network.activations == ("onnx_sine_test", "linear")
        np.testing.assert_allclose(network.forward(XH), _reference(model, XH), rtol=1e-12)
    finally:
        _registry._REGISTRY.pop("onnx_sine_test")
        _registry._by_name.clear()
    with pytest.raises(OnnxGraphError, match=r"Unsupported ONNX operator 'Sin'"):
        adapt_onnx(model)


@pytest.mark.filterwarnings("ignore::UserWarning")  # weights beyond the l1 bound, on purpose
def test_a_residual_polynomial_is_the_sum_of_its_branches() -> None:
    """y = h + W2 tanh(h) with h = tanh(x W1): the polynomial of the graph is the sum of the
    polynomials of its two branches."""
    model = _graph(
        [
            _node("Gemm", ["x", "W1"], "g"),
            _node("Tanh", ["g"], "h"),
            _node("Gemm", ["h", "W2"], "b"),
            _node("Tanh", ["b"], "t"),
            _node("Add", ["h", "t"], "s"),
            _node("Gemm", ["s", "W3"], "y"),
        ],
        {  # l1 norms below 1 whatever ran before: the Taylor expansion is faithful
            "W1": np.random.default_rng(7).uniform(-0.15, 0.15, (6, 3)),
            "W2": np.random.default_rng(8).uniform(-0.3, 0.3, (3, 3)),
            "W3": np.random.default_rng(9).uniform(-0.3, 0.3, (3, 1)),
        },
        ["n", 6],
        ["n", 1],
    )
    weights = {  # nn2poly's layout: bias in row 0
        t.name: np.vstack([np.zeros((1, t.dims[1])), onnx.numpy_helper.to_array(t)])
        for t in model.graph.initializer
    }
    whole = nn2poly.to_polynomial(model, max_order=3)
    skip = nn2poly.Network.from_weights([weights["W1"], weights["W3"]], ["tanh", "linear"])
    inner = nn2poly.Network.from_weights(
        [weights["W1"], weights["W2"], weights["W3"]], ["tanh", "tanh", "linear"]
    )
    branches = nn2poly.to_polynomial(skip, max_order=3).predict(XH) + nn2poly.to_polynomial(
        inner, max_order=3
    ).predict(XH)
    np.testing.assert_allclose(whole.predict(XH), branches, rtol=1e-9, atol=1e-12)


def test_an_input_of_unknown_width_takes_the_first_weight_rows() -> None:
    nodes = [_node("Gemm", ["x", "W"], "h", transB=1), _node("Tanh", ["h"], "y")]
    model = _graph(nodes, {"W": RNG.normal(size=(2, 6))}, ["n", "d"], ["n", 2])
    network = adapt_onnx(model).network
    assert network.n_inputs == 6
    expected = np.tanh(XH @ onnx.numpy_helper.to_array(model.graph.initializer[0]).T)
    np.testing.assert_allclose(network.forward(XH), expected, rtol=1e-12)
    conv = _graph([_node("Relu", ["x"], "y")], {}, ["n", "c", 4], ["n", "c", 4])
    with pytest.raises(OnnxGraphError, match=r"does not declare its feature dimensions"):
        adapt_onnx(conv)
