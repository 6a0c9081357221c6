"""Keras 3 models -> Network, checked against Keras's own predict (torch backend in tests)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest
from scipy.special import expit, softmax

import nn2poly
from nn2poly.adapters._keras import KerasModelError, adapt_keras, load_keras
from nn2poly.training import keras_l1_constraint

RNG = np.random.default_rng(11)
X = RNG.uniform(-1.0, 1.0, size=(20, 3)).astype(np.float32)
L = keras.layers


def predict(model: keras.Model, X: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(X, verbose=0), dtype=np.float64)


def randomise_batch_norm(model: keras.Model) -> None:
    rng = np.random.default_rng(5)
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            shape = layer.moving_mean.shape
            layer.moving_mean.assign(rng.normal(size=shape))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, size=shape))
            if layer.scale:
                layer.gamma.assign(rng.uniform(-1.5, 1.5, size=shape))
            if layer.center:
                layer.beta.assign(rng.normal(size=shape))


def test_sequential_dense_activations() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            L.Dense(5, activation="tanh"),
            L.Dense(4, activation="sigmoid"),
            L.Dropout(0.3),
            L.Dense(4, activation="softplus", use_bias=False),
            L.Dense(2),
        ]
    )
    adapted = adapt_keras(model)
    assert adapted.link is None
    assert adapted.network.activations == ("tanh", "sigmoid", "softplus", "linear")
    np.testing.assert_array_equal(adapted.network.layers[2].bias, np.zeros(4))
    np.testing.assert_allclose(adapted.network.forward(X), predict(model, X), rtol=1e-5, atol=1e-6)
    for layer, dense in zip(
        adapted.network.layers,
        [layer for layer in model.layers if isinstance(layer, L.Dense)],
        strict=True,
    ):
        np.testing.assert_array_equal(layer.weight, dense.get_weights()[0])


def test_functional_with_batch_norm_and_softmax_link() -> None:
    keras.utils.set_random_seed(2)
    inputs = keras.Input((3,))
    h = L.Dense(4)(inputs)
    h = L.BatchNormalization()(h)  # before the activation: folded into the Dense above
    h = L.Activation("tanh")(h)
    h = L.GaussianNoise(0.1)(h)
    h = L.Dense(5, activation="silu")(h)
    h = L.BatchNormalization(center=False, epsilon=0.01)(h)  # after it: folded forward
    h = L.Dense(4, activation="elu")(h)
    h = L.BatchNormalization(scale=False)(h)  # last: a linear layer of its own
    outputs = L.Dense(3, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    randomise_batch_norm(model)
    adapted = adapt_keras(model)
    assert adapted.link == "softmax"
    assert adapted.network.activations == ("tanh", "silu", "elu", "linear")
    np.testing.assert_allclose(
        softmax(adapted.network.forward(X), axis=1), predict(model, X), rtol=1e-5, atol=1e-6
    )


def test_batch_norm_between_two_activations_becomes_a_layer() -> None:
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            L.Dense(4, activation="tanh"),
            L.BatchNormalization(),
            L.Activation("sigmoid"),
            L.Dense(1),
        ]
    )
    randomise_batch_norm(model)
    network = adapt_keras(model).network
    assert network.activations == ("tanh", "sigmoid", "linear")
    np.testing.assert_allclose(network.forward(X), predict(model, X), rtol=1e-5, atol=1e-6)


def test_activation_layers_and_sigmoid_link() -> None:
    keras.utils.set_random_seed(4)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            L.Dense(4),
            L.LeakyReLU(negative_slope=0.1),
            L.Dense(4),
            L.ReLU(),
            L.Dense(4),
            L.ELU(alpha=0.5),
            L.Dense(4, activation="leaky_relu"),
            L.Dense(4, activation="softsign"),
            L.Dense(4, activation="gelu"),
            L.Dense(1),
            L.Activation("sigmoid"),
        ]
    )
    adapted = adapt_keras(model)
    assert adapted.link == "sigmoid"
    assert adapted.network.activations == (
        "leaky_relu(negative_slope=0.1)",
        "relu",
        "elu(alpha=0.5)",
        "leaky_relu(negative_slope=0.2)",
        "softsign",
        "gelu",
        "linear",
    )
    np.testing.assert_allclose(
        expit(adapted.network.forward(X)), predict(model, X), rtol=1e-5, atol=1e-6
    )


def test_nested_sequential_in_functional() -> None:
    keras.utils.set_random_seed(5)
    block = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="tanh"), L.Dense(2)])
    inputs = keras.Input((3,))
    outputs = block(L.Dense(4, activation="tanh")(inputs))
    model = keras.Model(inputs, outputs)
    network = adapt_keras(model).network
    assert network.widths == (4, 3, 2)
    np.testing.assert_allclose(network.forward(X), predict(model, X), rtol=1e-5, atol=1e-6)


def test_to_polynomial_of_keras_model_equals_polynomial_of_its_weights() -> None:
    keras.utils.set_random_seed(6)
    model = keras.Sequential([keras.Input((3,)), L.Dense(4, activation="tanh"), L.Dense(1)])
    keras_l1_constraint().apply(model)
    weights = [np.vstack([d.get_weights()[1][None, :], d.get_weights()[0]]) for d in model.layers]
    expected = nn2poly.to_polynomial((weights, ["tanh", "linear"]), max_order=3)
    np.testing.assert_array_equal(nn2poly.to_polynomial(model, max_order=3).coef, expected.coef)


def test_save_and_load_keras_file(tmp_path: Path) -> None:
    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [keras.Input((3,)), L.Dense(4, activation="tanh"), L.BatchNormalization(), L.Dense(2)]
    )
    randomise_batch_norm(model)
    path = tmp_path / "model.keras"
    model.save(path)
    assert load_keras(path).network == adapt_keras(model).network


# --------------------------------------------------------------------- errors
def test_unsupported_layer_is_named() -> None:
    model = keras.Sequential(
        [
            keras.Input((3,)),
            L.Dense(4, activation="tanh"),
            L.LayerNormalization(name="norm"),
            L.Dense(1),
        ]
    )
    with pytest.raises(KerasModelError, match="Unsupported layer 'norm' \\(LayerNormalization\\)"):
        adapt_keras(model)


def test_unsupported_activation_is_named() -> None:
    model = keras.Sequential([keras.Input((3,)), L.Dense(4, activation="exponential"), L.Dense(1)])
    with pytest.raises(KerasModelError, match="activation 'exponential'"):
        adapt_keras(model)


def test_softmax_before_the_end_is_refused() -> None:
    model = keras.Sequential([keras.Input((3,)), L.Dense(4, activation="softmax"), L.Dense(1)])
    with pytest.raises(KerasModelError, match="softmax only as the final"):
        adapt_keras(model)


def test_product_of_branches_is_refused() -> None:
    inputs = keras.Input((3,))
    merged = L.Multiply(name="gate")([L.Dense(2)(inputs), L.Dense(2)(inputs)])
    model = keras.Model(inputs, L.Dense(1)(merged))
    with pytest.raises(KerasModelError, match=r"layer 'gate' \(Multiply\): a product of two"):
        adapt_keras(model)


def test_unbuilt_sequential_is_refused() -> None:
    model = keras.Sequential([L.Dense(4, activation="tanh"), L.Dense(1)])
    with pytest.raises(KerasModelError, match="not built"):
        adapt_keras(model)


def test_subclassed_model_is_refused() -> None:
    class Custom(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.dense = L.Dense(1)

        def call(self, inputs):  # type: ignore[no-untyped-def]
            return self.dense(inputs)

    model = Custom()
    model(X[:2])
    with pytest.raises(KerasModelError, match="subclassed"):
        adapt_keras(model)


def test_not_a_keras_model() -> None:
    with pytest.raises(TypeError, match=r"keras.Model"):
        adapt_keras([1, 2])


# ----------------------------------------------------------------- constraint
def _train(callbacks: list) -> keras.Model:
    keras.utils.set_random_seed(8)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            L.Dense(6, activation="tanh"),
            L.Dense(4, activation="tanh"),
            L.Dense(1),
        ]
    )
    model.compile(keras.optimizers.Adam(0.05), "mse")
    y = (4.0 * X[:, 0] - 3.0 * X[:, 1] * X[:, 2]).astype(np.float32)
    model.fit(X, y, epochs=4, batch_size=5, verbose=0, callbacks=callbacks)
    return model


def test_l1_constraint_bounds_hidden_neurons() -> None:
    free = adapt_keras(_train([])).network
    assert max(norms.max() for norms in nn2poly.hidden_l1_norms(free)) > 1.1
    constrained = adapt_keras(_train([nn2poly.keras_l1_constraint()])).network
    for norms in nn2poly.hidden_l1_norms(constrained):
        assert norms.max() <= 1.0 + 1e-6
    # the output layer is free: it has grown to fit the target
    assert np.abs(constrained.layers[-1].weight).sum() > 1.5


def test_l1_constraint_rescales_only_neurons_outside_the_ball() -> None:
    model = keras.Sequential([keras.Input((2,)), L.Dense(2, activation="tanh"), L.Dense(1)])
    hidden = model.layers[0]
    hidden.set_weights([np.array([[0.2, 3.0], [0.1, -1.0]]), np.array([0.3, 1.0])])
    keras_l1_constraint(max_norm=0.5).apply(model)
    kernel, bias = hidden.get_weights()
    np.testing.assert_allclose(kernel, [[0.2 * 0.5 / 0.6, 0.3], [0.1 * 0.5 / 0.6, -0.1]], rtol=1e-6)
    np.testing.assert_allclose(bias, [0.3 * 0.5 / 0.6, 0.1], rtol=1e-6)


@pytest.mark.parametrize(
    "value, error", [(0, ValueError), (-1.0, ValueError), ("1", TypeError), (True, TypeError)]
)
def test_l1_constraint_rejects_bad_max_norm(value: object, error: type) -> None:
    with pytest.raises(error, match="'max_norm' parameter of keras_l1_constraint must be"):
        keras_l1_constraint(max_norm=value)  # type: ignore[arg-type]
