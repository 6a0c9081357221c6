"""Keras functional models read as graphs: branches, merges, scalers and convolutions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest
from scipy.special import expit, softmax

import nn2poly
from nn2poly.adapters._agreement import ModelMismatchError
from nn2poly.adapters._keras import KerasModelError, adapt_keras, chain_layers

L = keras.layers
RNG = np.random.default_rng(17)


def inputs_for(shape: tuple[int, ...], n: int = 24, scale: float = 1.0) -> np.ndarray:
    return (scale * RNG.uniform(-1.0, 1.0, size=(n, *shape))).astype(np.float32)


def assert_reads(model: keras.Model, X: np.ndarray) -> nn2poly.Network:
    """The network's forward (with its link) equals Keras's predict to float32 precision."""
    adapted = adapt_keras(model, data=X.reshape(len(X), -1))
    got = adapted.network.forward(X.reshape(len(X), -1).astype(np.float64))
    if adapted.link == "softmax":
        got = softmax(got, axis=1)
    elif adapted.link == "sigmoid":
        got = expit(got)
    expected = np.asarray(model.predict(X, verbose=0), dtype=np.float64).reshape(len(X), -1)
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5 * np.abs(expected).max())
    return adapted.network


def functional(shape: tuple[int, ...], body: Callable[[Any], Any], name: str = "net") -> Any:
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape)
    return keras.Model(inputs, body(inputs), name=name)


# ----------------------------------------------------------------------- merges
def test_residual_add_is_a_graph() -> None:
    def body(x: Any) -> Any:
        h = L.Dense(4, activation="tanh", name="h")(x)
        h = L.Add()([h, L.Dense(4, activation="tanh", name="f")(h)])
        return L.Dense(2)(h)

    network = assert_reads(functional((3,), body), inputs_for((3,)))
    assert not network.is_chain
    assert {"h", "f"} <= {node.name for node in network.nodes}


@pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")
def test_add_of_two_branches_is_the_sum_of_their_polynomials() -> None:
    keras.utils.set_random_seed(1)
    x = keras.Input((2,))
    first = keras.Sequential([L.Dense(3, activation="tanh"), L.Dense(1)])
    second = keras.Sequential([L.Dense(2, activation="sigmoid"), L.Dense(1)])
    model = keras.Model(x, L.Add()([first(x), second(x)]))
    assert_reads(model, inputs_for((2,)))
    whole = nn2poly.to_polynomial(model, max_order=3, taylor_orders=3)
    parts = [keras.Model(x, branch(x)) for branch in (first, second)]
    total = nn2poly.to_polynomial(parts[0], max_order=3, taylor_orders=3) + nn2poly.to_polynomial(
        parts[1], max_order=3, taylor_orders=3
    )
    a, b = whole.align(total)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10, atol=1e-12)


def test_subtract_average_and_concatenate() -> None:
    def body(x: Any) -> Any:
        a = L.Dense(4, activation="softplus")(x)
        b = L.Dense(4, activation="silu")(x)
        c = L.Subtract()([a, b])
        d = L.Average()([a, b, c])
        return L.Dense(3, activation="softmax")(L.Concatenate()([c, d, x]))

    network = assert_reads(functional((3,), body), inputs_for((3,)))
    assert network.link == "softmax"


def test_concatenate_along_a_middle_axis_and_permute() -> None:
    def body(x: Any) -> Any:
        a = L.Dense(2, activation="tanh")(L.Reshape((2, 3))(x))  # dense on the last axis
        b = L.Permute((2, 1))(L.Reshape((3, 2))(x))
        joined = L.Concatenate(axis=1)([a, L.Dense(2)(b)])  # (2 + 2, 2)
        return L.Dense(1)(L.Flatten()(joined))

    assert_reads(functional((6,), body), inputs_for((6,)))


def test_shared_layer_called_twice_and_nested_functional() -> None:
    keras.utils.set_random_seed(2)
    shared = L.Dense(3, activation="tanh", name="shared")
    inner_in = keras.Input((3,))
    inner = keras.Model(inner_in, L.Dense(3, activation="elu")(inner_in), name="inner")
    x = keras.Input((3,))
    h = shared(shared(x))
    model = keras.Model(x, L.Dense(1)(L.Add()([inner(h), h])))
    network = assert_reads(model, inputs_for((3,)))
    names = [node.name for node in network.nodes]
    assert len(names) == len(set(names))
    assert [layer.name for layer in chain_layers(model)][:1] == ["shared"]


# ---------------------------------------------------------------------- scalers
def test_normalization_rescaling_and_batch_norm_fold_into_dense_layers() -> None:
    data = RNG.normal([10.0, -5.0, 100.0], [2.0, 0.5, 30.0], size=(64, 3)).astype(np.float32)
    adapted = L.Normalization(name="adapted")
    adapted.adapt(data)

    def body(x: Any) -> Any:
        h = L.Rescaling(scale=[0.5, 2.0, 0.01], offset=1.0)(adapted(x))
        h = L.BatchNormalization(name="bn")(L.Dense(4)(h))
        h = L.Dropout(0.5)(L.Activation("tanh")(h))
        given = L.Normalization(mean=[1.0, 0.0, -1.0, 2.0], variance=[4.0, 1.0, 0.25, 9.0])
        inverted = L.Normalization(mean=0.5, variance=4.0, invert=True)
        return L.Dense(1)(inverted(given(h)))

    model = functional((3,), body)
    bn = model.get_layer("bn")
    bn.moving_mean.assign(RNG.normal(size=4))
    bn.moving_variance.assign(RNG.uniform(0.5, 2.0, size=4))
    network = assert_reads(model, data)
    assert network.activations == ("tanh", "linear")


def test_normalised_polynomial_is_the_raw_one_substituted() -> None:
    data = RNG.normal([10.0, -5.0], [2.0, 0.5], size=(64, 2)).astype(np.float32)
    norm = L.Normalization()
    norm.adapt(data)
    keras.utils.set_random_seed(3)
    x = keras.Input((2,))
    net = keras.Sequential([L.Dense(3, activation="tanh"), L.Dense(1)])
    model = keras.Model(x, net(norm(x)))
    raw = nn2poly.to_polynomial(model, max_order=2, approximation="fit", data=data)
    mean = np.ravel(keras.ops.convert_to_numpy(norm.mean)).astype(np.float64)
    std = np.sqrt(np.ravel(keras.ops.convert_to_numpy(norm.variance)).astype(np.float64))
    scaled_data = (data - mean) / std
    scaled = nn2poly.to_polynomial(
        keras.Model(x, net(x)), max_order=2, approximation="fit", data=scaled_data
    )
    a, b = raw.align(scaled.substitute(np.diag(1 / std), -mean / std))
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-4, atol=1e-6 * np.abs(a.coef).max())


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("relu6", "relu6"),
        ("hard_sigmoid", "hardsigmoid"),
        ("hard_swish", "hardswish"),
        ("hard_silu", "hardswish"),
        ("mish", "mish"),
        ("selu", "selu"),
        ("celu", "celu"),
        ("gelu", "gelu"),
        ("hard_tanh", "hardtanh"),
    ],
)
def test_new_activations_by_their_keras_names(activation: str, expected: str) -> None:
    model = functional((3,), lambda x: L.Dense(1)(L.Dense(4, activation=activation)(x)))
    network = assert_reads(model, inputs_for((3,), scale=4.0))
    assert network.activations[0].startswith(expected)


def test_relu6_layer_and_log_softmax_output() -> None:
    def body(x: Any) -> Any:
        h = L.ReLU(max_value=6.0)(L.Dense(4)(x))
        return L.Dense(3, activation="log_softmax")(h)

    model = functional((3,), body)
    adapted = adapt_keras(model)
    assert adapted.network.activations[0] == "relu6" and adapted.link == "softmax"
    X = inputs_for((3,), scale=5.0)
    expected = model.predict(X, verbose=0)
    got = adapted.network.forward(X.astype(np.float64))
    centred = expected - expected.max(axis=1, keepdims=True)
    np.testing.assert_allclose(got - got.max(axis=1, keepdims=True), centred, atol=1e-5)


# ------------------------------------------------------------------ keras.ops
def test_keras_ops_between_layers() -> None:
    ops = keras.ops

    def body(x: Any) -> Any:
        h = ops.tanh(2 * L.Dense(6)(x) + 1)
        g = ops.gelu(L.Dense(6)(x), approximate=True)
        k = -((h - g) / 3.0)
        m = ops.leaky_relu(ops.concatenate([k[:, :3], x], axis=-1), negative_slope=0.3)
        m = ops.squeeze(ops.reshape(1.0 - m, (-1, 7, 1)), axis=-1)
        return ops.softmax(L.Dense(3)(ops.elu(m, alpha=0.5)))

    network = assert_reads(functional((4,), body), inputs_for((4,), scale=2.0))
    assert "gelu_tanh" in network.activations and network.link == "softmax"

    def shapes(x: Any) -> Any:
        h = ops.expand_dims(L.Dense(6, activation="relu")(x), -1)
        h = ops.transpose(ops.reshape(h, (-1, 3, 2)), (0, 2, 1))
        return L.Dense(1)(L.Flatten()(ops.sigmoid(h) * 2.0))

    assert_reads(functional((6,), shapes), inputs_for((6,)))


def test_keras_ops_products_and_quotients_of_values_are_refused() -> None:
    ops = keras.ops
    product = functional((3,), lambda x: L.Dense(1)(L.Dense(2)(x) * L.Dense(2)(x)))
    refused(product, r"\(keras.ops Multiply\): a product or quotient of two values")
    inverse = functional((3,), lambda x: L.Dense(1)(1.0 / L.Dense(2)(x)))
    refused(inverse, r"\(keras.ops TrueDivide\): a constant divided by a value")
    squared = functional((3,), lambda x: L.Dense(1)(ops.square(L.Dense(2)(x))))
    refused(squared, r"\(keras.ops Square\): an operation that is neither affine")


@pytest.fixture
def leaky_tanh() -> Any:
    """``tanh(x) + 0.1 x`` registered under the Keras names of a function and a layer."""
    from nn2poly.activations import ActivationSpec, FrameworkName, _registry

    spec = ActivationSpec(
        "keras_test_leaky_tanh",
        lambda x: np.tanh(x) + 0.1 * x,
        None,
        frameworks=(FrameworkName("keras", "leaky_tanh"), FrameworkName("keras", "LeakyTanh")),
    )
    nn2poly.register_activation(spec)
    yield
    _registry._REGISTRY.pop("keras_test_leaky_tanh", None)
    _registry._by_name.clear()


def test_registered_activation_function_and_layer(leaky_tanh: None) -> None:
    def leaky_tanh(x: Any) -> Any:
        return keras.ops.tanh(x) + 0.1 * x

    class LeakyTanh(L.Layer):
        def call(self, x: Any) -> Any:
            return keras.ops.tanh(x) + 0.1 * x

    def body(x: Any) -> Any:
        return L.Dense(1)(LeakyTanh()(L.Dense(3, activation=leaky_tanh)(x)))

    network = assert_reads(functional((3,), body), inputs_for((3,), scale=3.0))
    assert network.activations == ("keras_test_leaky_tanh",) * 2 + ("linear",)


# ---------------------------------------------------------------- convolutions
def test_conv1d_with_average_pooling() -> None:
    def body(x: Any) -> Any:
        h = L.Conv1D(3, 3, activation="tanh")(x)
        h = L.AveragePooling1D(2)(h)
        h = L.Conv1D(2, 2, padding="causal", dilation_rate=2, groups=1)(h)
        return L.Dense(1)(L.Flatten()(h))

    assert_reads(functional((10, 2), body), inputs_for((10, 2)))


def test_conv2d_same_padding_strides_groups_and_global_pooling() -> None:
    def body(x: Any) -> Any:
        h = L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(x)
        h = L.Conv2D(4, (2, 1), groups=2, activation="tanh")(h)
        return L.Dense(3, activation="softmax")(L.GlobalAveragePooling2D()(h))

    model, X = functional((7, 6, 2), body), inputs_for((7, 6, 2))
    network = assert_reads(model, X)
    assert network.n_inputs == 7 * 6 * 2
    assert adapt_keras(model, data=X).network == network  # images as data: flattened


def test_cropping_zero_padding_up_sampling_and_repeat_vector() -> None:
    def one_d(x: Any) -> Any:
        h = L.Conv1D(3, 2, activation="tanh")(L.ZeroPadding1D((1, 2))(x))
        return L.Dense(1)(L.Flatten()(L.UpSampling1D(2)(L.Cropping1D((1, 1))(h))))

    assert_reads(functional((6, 2), one_d), inputs_for((6, 2)))

    def two_d(x: Any) -> Any:
        h = L.Cropping2D(((0, 1), (1, 1)))(L.ZeroPadding2D(((1, 0), (0, 2)))(x))
        return L.Dense(2)(L.Flatten()(L.Dense(2, activation="tanh")(L.UpSampling2D((2, 1))(h))))

    assert_reads(functional((5, 4, 1), two_d), inputs_for((5, 4, 1)))
    repeated = functional(
        (3,), lambda x: L.Dense(1)(L.Flatten()(L.RepeatVector(4)(L.Dense(2, activation="tanh")(x))))
    )
    assert_reads(repeated, inputs_for((3,)))
    bilinear = functional(
        (4, 4, 1), lambda x: L.Flatten()(L.UpSampling2D(interpolation="bilinear")(x))
    )
    refused(bilinear, r"interpolates 'bilinear'; nn2poly reads nearest up-sampling only")


# ---------------------------------------------------------------------- refusals
def refused(model: keras.Model, pattern: str) -> str:
    with pytest.raises(KerasModelError, match=pattern) as error:
        adapt_keras(model)
    return str(error.value)


def test_layer_normalization_is_named_with_the_supported_list() -> None:
    model = functional((3,), lambda x: L.Dense(1)(L.LayerNormalization(name="ln_1")(x)))
    message = refused(model, r"Unsupported layer 'ln_1' \(LayerNormalization\)")
    assert "Dense, Activation" in message and "Concatenate" in message


def test_max_pooling_and_embedding_are_named() -> None:
    pooled = functional((8, 1), lambda x: L.Flatten()(L.MaxPooling1D(2, name="pool")(x)))
    refused(pooled, r"layer 'pool' \(MaxPooling1D\)")
    embedded = functional((4,), lambda x: L.Flatten()(L.Embedding(10, 2, name="emb")(x)))
    refused(embedded, r"layer 'emb' \(Embedding\)")


def test_product_and_maximum_of_branches_are_refused() -> None:
    def body(x: Any) -> Any:
        return L.Multiply(name="gate")([L.Dense(2)(x), L.Dense(2, activation="sigmoid")(x)])

    refused(functional((3,), body), r"'gate' \(Multiply\): a product of two branches")
    maximum = functional((3,), lambda x: L.Maximum(name="max")([L.Dense(2)(x), x[:, :2]]))
    with pytest.raises(KerasModelError, match=r"'max' \(Maximum\)|operation"):
        adapt_keras(maximum)


def test_multi_input_model_is_refused() -> None:
    a, b = keras.Input((2,)), keras.Input((3,))
    model = keras.Model([a, b], L.Dense(1)(L.Concatenate()([a, b])))
    refused(model, r"2 inputs and 1 outputs; nn2poly reads models with one input")


def test_padded_average_pooling_and_channels_first_are_refused() -> None:
    padded = functional((5, 1), lambda x: L.Flatten()(L.AveragePooling1D(2, padding="same")(x)))
    refused(padded, r"pads its input \(padding='same'\)")
    first = functional((2, 6), lambda x: L.Flatten()(L.Conv1D(2, 2, data_format="channels_first",
                                                              name="cf")(x)))  # fmt: skip
    refused(first, r"layer 'cf' \(Conv1D\) reads channels first")


def test_softmax_inside_the_graph_is_refused() -> None:
    def body(x: Any) -> Any:
        h = L.Dense(3, activation="softmax", name="early")(x)
        return L.Add()([h, L.Dense(3)(x)])

    refused(functional((3,), body), r"after the softmax of layer 'early' \(Dense\)")


def test_misreading_in_a_graph_is_located(monkeypatch: pytest.MonkeyPatch) -> None:
    from nn2poly.adapters import _keras_layers

    def body(x: Any) -> Any:
        h = L.Dense(3, activation="tanh")(x)
        return L.Dense(1)(L.Add()([h, L.BatchNormalization(name="bn")(h)]))

    model = functional((3,), body)
    model.get_layer("bn").moving_variance.assign(np.full(3, 4.0))
    read = _keras_layers._batch_norm
    monkeypatch.setattr(
        _keras_layers, "_batch_norm", lambda layer: tuple(0.5 * v for v in read(layer))
    )
    with pytest.raises(
        ModelMismatchError, match=r"first part at layer 'bn' \(BatchNormalization\)"
    ):
        adapt_keras(model)
