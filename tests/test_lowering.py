"""Convolutions and average pooling lowered to dense matrices equal the frameworks' own."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nn2poly import InvalidParameterError, InvalidParameterTypeError
from nn2poly.adapters._lowering import (
    avg_pool_matrix,
    channels_first_order,
    channels_last_order,
    conv_matrix,
    edge_pad_order,
    global_avg_pool_matrix,
    same_padding,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional
torch.set_num_threads(1)

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _apply(matrix: np.ndarray, x: np.ndarray, bias: np.ndarray | float = 0.0) -> np.ndarray:
    """The lowered map applied to a batch of channels-first samples, flattened."""
    return x.reshape(len(x), -1) @ matrix + bias


def _flat(y: Any) -> np.ndarray:
    return y.detach().numpy().reshape(len(y), -1)


@st.composite
def conv_cases(draw: st.DrawFn, asymmetric: bool = False) -> dict[str, Any]:
    n_dims = draw(st.sampled_from([1, 2]))
    groups = draw(st.integers(1, 2))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n_dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(n_dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(n_dims))
    spatial = tuple(draw(st.integers(1, 7)) for _ in range(n_dims))
    if asymmetric:
        padding: Any = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in kernel)
        pairs = padding
    else:
        padding = tuple(draw(st.integers(0, 2)) for _ in range(n_dims))
        pairs = tuple((p, p) for p in padding)
    for n, k, d, (b, a) in zip(spatial, kernel, dilation, pairs, strict=True):
        assume(n + b + a >= d * (k - 1) + 1)
    seed = draw(st.integers(0, 2**16))
    return dict(
        n_dims=n_dims,
        groups=groups,
        c_in=c_in,
        c_out=c_out,
        kernel=kernel,
        stride=stride,
        dilation=dilation,
        spatial=spatial,
        padding=padding,
        seed=seed,
        bias=draw(st.booleans()),
    )


def _lowered(
    case: dict[str, Any], weight: np.ndarray, bias: np.ndarray | None
) -> tuple[Any, Any, tuple[int, ...]]:
    """``conv_matrix`` with the case's input shape, strides, padding, dilation and groups."""
    return conv_matrix(
        weight,
        bias,
        (case["c_in"], *case["spatial"]),
        stride=case["stride"],
        padding=case["padding"],
        dilation=case["dilation"],
        groups=case["groups"],
    )


def _conv_data(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    rng = np.random.default_rng(case["seed"])
    weight = rng.normal(size=(case["c_out"], case["c_in"] // case["groups"], *case["kernel"]))
    bias = rng.normal(size=case["c_out"]) if case["bias"] else None
    x = rng.normal(size=(3, case["c_in"], *case["spatial"]))
    return weight, bias, x


def _torch_conv(case: dict[str, Any], x: Any, weight: Any, bias: Any, padding: Any) -> Any:
    b = None if bias is None else torch.tensor(bias)
    conv = CONV[case["n_dims"]]
    return conv(
        x, torch.tensor(weight), b, case["stride"], padding, case["dilation"], case["groups"]
    )


@given(conv_cases())
def test_conv_matrix_equals_torch_conv(case: dict[str, Any]) -> None:
    weight, bias, x = _conv_data(case)
    matrix, bias_flat, shape = _lowered(case, weight, bias)
    expected = _torch_conv(case, torch.tensor(x), weight, bias, case["padding"])
    assert shape == tuple(expected.shape[1:])
    assert matrix.shape == (x[0].size, expected[0].numel())
    assert matrix.dtype == np.float64
    np.testing.assert_allclose(_apply(matrix, x, bias_flat), _flat(expected), atol=1e-12)


@given(conv_cases(asymmetric=True))
def test_asymmetric_padding_equals_padding_then_convolving(case: dict[str, Any]) -> None:
    weight, bias, x = _conv_data(case)
    matrix, bias_flat, shape = _lowered(case, weight, bias)
    pad = [p for pair in reversed(case["padding"]) for p in pair]  # F.pad: last dim first
    padded = F.pad(torch.tensor(x), pad)
    expected = _torch_conv(case, padded, weight, bias, 0)
    assert shape == tuple(expected.shape[1:])
    np.testing.assert_allclose(_apply(matrix, x, bias_flat), _flat(expected), atol=1e-12)


def test_three_dimensional_convolution_equals_conv3d() -> None:
    rng = np.random.default_rng(3)
    weight, bias = rng.normal(size=(4, 1, 2, 3, 2)), rng.normal(size=4)
    x = rng.normal(size=(2, 2, 4, 5, 3))
    matrix, bias_flat, shape = conv_matrix(
        weight, bias, (2, 4, 5, 3), stride=(1, 2, 1), padding=(1, 0, 1), dilation=1, groups=2
    )
    expected = F.conv3d(
        torch.tensor(x), torch.tensor(weight), torch.tensor(bias), (1, 2, 1), (1, 0, 1), 1, 2
    )
    assert shape == tuple(expected.shape[1:])
    np.testing.assert_allclose(_apply(matrix, x, bias_flat), _flat(expected), atol=1e-12)
    options = dict(stride=(2, 1, 2), padding=(1, 0, 1), ceil_mode=True, count_include_pad=False)
    pooled = F.avg_pool3d(torch.tensor(x), (2, 3, 2), **options)
    matrix, shape = avg_pool_matrix((2, 4, 5, 3), kernel_size=(2, 3, 2), **options)
    assert shape == tuple(pooled.shape[1:])
    np.testing.assert_allclose(_apply(matrix, x), _flat(pooled), atol=1e-12)


@st.composite
def pool_cases(draw: st.DrawFn) -> dict[str, Any]:
    n_dims = draw(st.sampled_from([1, 2]))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(n_dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(n_dims))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)  # torch: at most half
    spatial = tuple(
        draw(st.integers(max(1, k - 2 * p), 8)) for k, p in zip(kernel, padding, strict=True)
    )
    return dict(
        n_dims=n_dims,
        kernel=kernel,
        stride=draw(st.one_of(st.none(), st.just(stride))),
        padding=padding,
        spatial=spatial,
        channels=draw(st.integers(1, 3)),
        ceil_mode=draw(st.booleans()),
        count_include_pad=draw(st.booleans()),
        divisor_override=draw(st.one_of(st.none(), st.integers(1, 5))) if n_dims == 2 else None,
        seed=draw(st.integers(0, 2**16)),
    )


@given(pool_cases())
def test_avg_pool_matrix_equals_torch_avg_pool(case: dict[str, Any]) -> None:
    x = np.random.default_rng(case["seed"]).normal(size=(2, case["channels"], *case["spatial"]))
    options = {k: case[k] for k in ("stride", "padding", "ceil_mode", "count_include_pad")}
    extra = {} if case["n_dims"] == 1 else {"divisor_override": case["divisor_override"]}
    expected = POOL[case["n_dims"]](torch.tensor(x), case["kernel"], **options, **extra)
    matrix, shape = avg_pool_matrix(
        (case["channels"], *case["spatial"]), kernel_size=case["kernel"], **options, **extra
    )
    assert shape == tuple(expected.shape[1:])
    np.testing.assert_allclose(_apply(matrix, x), _flat(expected), atol=1e-12)


@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=2, max_size=2),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.booleans(),
)
def test_asymmetric_pool_padding_equals_padding_then_pooling(
    pads: list[tuple[int, int]],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    count_include_pad: bool,
) -> None:
    spatial = (5, 4)
    assume(all(b < k and a < k for (b, a), k in zip(pads, kernel, strict=True)))
    x = np.random.default_rng(0).normal(size=(2, 2, *spatial))
    matrix, shape = avg_pool_matrix(
        (2, *spatial),
        kernel_size=kernel,
        stride=stride,
        padding=pads,
        count_include_pad=count_include_pad,
    )
    flat_pads = [p for pair in reversed(pads) for p in pair]
    sums = F.avg_pool2d(F.pad(torch.tensor(x), flat_pads), kernel, stride, divisor_override=1)
    ones = F.pad(torch.ones(1, 1, *spatial, dtype=torch.float64), flat_pads)
    counts = F.avg_pool2d(
        torch.ones_like(ones) if count_include_pad else ones, kernel, stride, divisor_override=1
    )
    expected = sums / counts
    assert shape == tuple(expected.shape[1:])
    np.testing.assert_allclose(_apply(matrix, x), _flat(expected), atol=1e-12)


@settings(max_examples=20)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=2, max_size=2),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.integers(3, 7), st.integers(3, 7)),
    st.booleans(),
    st.booleans(),
)
def test_avg_pool_matrix_equals_onnx_average_pool(
    pads: list[tuple[int, int]],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    spatial: tuple[int, int],
    ceil_mode: bool,
    count_include_pad: bool,
) -> None:
    ort = pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    assume(all(b < k and a < k for (b, a), k in zip(pads, kernel, strict=True)))
    shape = (2, *spatial)
    node = helper.make_node(
        "AveragePool",
        ["x"],
        ["y"],
        kernel_shape=kernel,
        strides=strides,
        pads=[p[0] for p in pads] + [p[1] for p in pads],  # ONNX: all begins, then all ends
        ceil_mode=int(ceil_mode),
        count_include_pad=int(count_include_pad),
    )
    graph = helper.make_graph(
        [node],
        "pool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *shape])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).normal(size=(1, *shape)).astype(np.float32)
    (expected,) = session.run(None, {"x": x})  # onnxruntime pools float32 only
    matrix, out = avg_pool_matrix(
        shape,
        kernel_size=kernel,
        stride=strides,
        padding=pads,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
    )
    assert out == expected.shape[1:]
    np.testing.assert_allclose(_apply(matrix, x), expected.reshape(1, -1), atol=1e-6)


@given(
    st.lists(st.integers(1, 3), min_size=2, max_size=3),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=2, max_size=2),
)
def test_edge_pad_order_equals_replicate_padding(
    shape: list[int], pads: list[tuple[int, int]]
) -> None:
    pads = pads[: len(shape) - 1]
    x = np.random.default_rng(0).normal(size=(1, *shape))
    order, padded_shape = edge_pad_order(shape, pads)
    flat_pads = [p for pair in reversed(pads) for p in pair]
    expected = F.pad(torch.tensor(x), flat_pads, mode="replicate")
    assert padded_shape == tuple(expected.shape[1:])
    np.testing.assert_array_equal(x.reshape(1, -1)[:, order], _flat(expected))


@pytest.mark.parametrize("spatial", [(5,), (3, 4), (2, 3, 2)])
def test_global_avg_pool_matrix_equals_adaptive_avg_pool(spatial: tuple[int, ...]) -> None:
    x = np.random.default_rng(2).normal(size=(2, 3, *spatial))
    pool = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
    expected = pool[len(spatial)](torch.tensor(x), 1)
    matrix, shape = global_avg_pool_matrix((3, *spatial))
    assert shape == tuple(expected.shape[1:])
    np.testing.assert_allclose(_apply(matrix, x), _flat(expected), atol=1e-12)


@given(st.lists(st.integers(1, 4), min_size=2, max_size=4))
def test_channel_orders_are_the_transposes(shape: list[int]) -> None:
    first = np.random.default_rng(0).normal(size=shape)  # (C, *spatial)
    last = np.moveaxis(first, 0, -1)  # (*spatial, C)
    np.testing.assert_array_equal(last.ravel()[channels_last_order(shape)], first.ravel())
    np.testing.assert_array_equal(first.ravel()[channels_first_order(shape)], last.ravel())
    np.testing.assert_array_equal(
        channels_last_order(shape)[channels_first_order(shape)], np.arange(first.size)
    )


@given(st.integers(1, 9), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.booleans())
def test_same_padding_keeps_ceil_size_over_stride_outputs(
    size: int, kernel: int, stride: int, dilation: int, lower: bool
) -> None:
    ((before, after),) = same_padding(
        (size,), kernel, stride=stride, dilation=dilation, lower=lower
    )
    assert abs(before - after) <= 1 and (before >= after) == (lower or before == after)
    weight = np.random.default_rng(size).normal(size=(1, 1, kernel))
    x = torch.tensor(np.random.default_rng(kernel).normal(size=(1, 1, size)))
    _, _, shape = conv_matrix(
        weight, None, (1, size), stride=stride, dilation=dilation, padding=((before, after),)
    )
    assert shape == (1, -(-size // stride))
    if stride == 1:  # torch's padding="same" (stride 1 only) puts the odd zero after
        with warnings.catch_warnings():  # even kernels: torch notes it pads a copy
            warnings.simplefilter("ignore", UserWarning)
            expected = F.conv1d(x, torch.tensor(weight), padding="same", dilation=dilation)
        matrix, _, _ = conv_matrix(
            weight,
            None,
            (1, size),
            dilation=dilation,
            padding=same_padding((size,), kernel, dilation=dilation),
        )
        np.testing.assert_allclose(_apply(matrix, x.numpy()), _flat(expected), atol=1e-12)


def test_keras_same_padding_with_stride_two_for_conv_and_pooling() -> None:
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(4)
    layer = keras.layers.Conv2D(3, (3, 2), strides=2, padding="same", dtype="float64")
    x = rng.normal(size=(2, 5, 6, 2))  # channels last
    expected = np.asarray(keras.ops.convert_to_numpy(layer(x)))
    kernel, bias = (np.asarray(v) for v in layer.get_weights())  # (kh, kw, C_in, C_out)
    weight = np.transpose(kernel, (3, 2, 0, 1))
    pads = same_padding((5, 6), (3, 2), stride=2)
    matrix, bias_flat, shape = conv_matrix(weight, bias, (2, 5, 6), stride=2, padding=pads)
    x_first = x.reshape(2, -1)[:, channels_last_order((2, 5, 6))]
    y_first = x_first @ matrix + bias_flat
    y_last = y_first[:, channels_first_order(shape)]
    np.testing.assert_allclose(y_last, expected.reshape(2, -1), atol=1e-12)
    pool = keras.layers.AveragePooling2D(3, strides=2, padding="same", dtype="float64")
    expected = np.asarray(keras.ops.convert_to_numpy(pool(x)))
    pads = same_padding((5, 6), 3, stride=2)
    assert pads == ((1, 1), (0, 1))  # uneven: Keras's torch backend repeats the edges
    order, padded = edge_pad_order((2, 5, 6), pads)
    matrix, shape = avg_pool_matrix(padded, kernel_size=3, stride=2)
    y_last = (x_first[:, order] @ matrix)[:, channels_first_order(shape)]
    np.testing.assert_allclose(y_last, expected.reshape(2, -1), atol=1e-12)
    pool = keras.layers.AveragePooling2D(3, strides=2, padding="same", dtype="float64")
    x = rng.normal(size=(2, 5, 7, 2))  # even "same" padding: the pads are not counted
    expected = np.asarray(keras.ops.convert_to_numpy(pool(x)))
    pads = same_padding((5, 7), 3, stride=2)
    matrix, shape = avg_pool_matrix(
        (2, 5, 7), kernel_size=3, stride=2, padding=pads, count_include_pad=False
    )
    x_first = x.reshape(2, -1)[:, channels_last_order((2, 5, 7))]
    y_last = (x_first @ matrix)[:, channels_first_order(shape)]
    np.testing.assert_allclose(y_last, expected.reshape(2, -1), atol=1e-12)


W2 = np.ones((4, 2, 3, 3))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: conv_matrix(W2, None, (2, 2, 2)), r"'weight'.*padded input \(2, 2\)"),
        (lambda: conv_matrix([["a"]], None, (2, 5)), r"'weight'.*arrays of numbers"),
        (lambda: conv_matrix(W2, None, (3, 5, 5), groups=2), r"'groups'.*C_in = 3"),
        (lambda: conv_matrix(W2, None, (2, 5, 5), groups=3), r"'groups'.*C_out = 4"),
        (lambda: conv_matrix(W2, None, (2, 5, 5), stride=0), r"'stride'.*an int >= 1"),
        (lambda: conv_matrix(W2, None, (2, 5, 5), dilation=(1, 0)), r"'dilation'.*Got \(1, 0\)"),
        (lambda: conv_matrix(W2, None, (2, 5, 5), stride=(1, 1, 1)), r"sequence of 2 such"),
        (lambda: conv_matrix(W2, None, (2, 5, 5), padding=-1), r"'padding'.*>= 0"),
        (lambda: conv_matrix(W2, None, (2, 5, 5), padding=((1, 2, 3), 0)), r"'padding'.*pairs"),
        (lambda: conv_matrix(W2, None, (2, 5)), r"'weight'.*1 kernel dimensions"),
        (lambda: conv_matrix(W2, np.ones(3), (2, 5, 5)), r"'bias'.*4 finite numbers"),
        (lambda: conv_matrix(W2 * np.nan, None, (2, 5, 5)), r"'weight'.*finite"),
        (lambda: conv_matrix(W2, None, (2, 0, 5)), r"'input_shape'.*Got \(2, 0, 5\)"),
        (lambda: conv_matrix(W2, None, (2,)), r"'input_shape'.*\(3, 32, 32\)"),
        (lambda: conv_matrix(W2, None, (2, 5, 5), layer="conv1"), None),
        (lambda: conv_matrix(W2, None, (2, 2, 2), layer="conv1"), r"layer 'conv1'"),
        (lambda: avg_pool_matrix((1, 4), kernel_size=5), r"'kernel_size'.*padded input \(4,\)"),
        (lambda: avg_pool_matrix((1, 4), kernel_size=2, stride=0), r"'stride'"),
        (
            lambda: avg_pool_matrix((1, 4), kernel_size=2, padding=2, count_include_pad=False),
            r"'padding'.*every window covers an input position.*half the kernel",
        ),
        (lambda: avg_pool_matrix((1, 4), kernel_size=2, divisor_override=0), "divisor_override"),
        (lambda: avg_pool_matrix((1, 4), kernel_size=2, ceil_mode="yes"), "ceil_mode"),
        (lambda: global_avg_pool_matrix((1, -3)), "input_shape"),
        (lambda: channels_last_order((0, 3)), "input_shape"),
        (lambda: same_padding((4,), 0), "kernel_size"),
        (lambda: edge_pad_order((1, 4), ((1, -1),)), "'padding' parameter of edge_pad_order"),
    ],
)
def test_bad_arguments_are_refused_in_the_template(call: Any, match: str | None) -> None:
    if match is None:
        call()
        return
    with pytest.raises((InvalidParameterError, InvalidParameterTypeError), match=match) as info:
        call()
    assert "Got" in str(info.value) and "must be" in str(info.value)


def test_a_matrix_over_two_gib_is_refused_before_allocating() -> None:
    weight = np.ones((64, 3, 3, 3))
    with pytest.raises(InvalidParameterError, match="reduce the input or the channels") as info:
        conv_matrix(weight, None, (3, 128, 128), padding=1, layer="stem")
    message = str(info.value)
    assert "(3, 128, 128) -> (64, 128, 128)" in message and "bytes" in message
    assert "layer 'stem'" in message
    with pytest.raises(InvalidParameterError, match="reduce the input or the channels"):
        avg_pool_matrix((64, 256, 256), kernel_size=1)


def test_a_window_entirely_in_the_padding_averages_to_zero_when_pads_count() -> None:
    matrix, shape = avg_pool_matrix((1, 2), kernel_size=2, stride=2, padding=((0, 2),))
    assert shape == (1, 2)
    np.testing.assert_array_equal(np.array([2.0, 4.0]) @ matrix, [3.0, 0.0])
