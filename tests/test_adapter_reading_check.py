"""Adapters recognise modules by exact type and check their reading against the model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nn2poly
from nn2poly.adapters import adapt
from nn2poly.adapters._agreement import ModelMismatchError, check_agreement, probe_inputs

nn = torch.nn


# ------------------------------------------------------------------ generic
def test_probe_inputs_span_the_range_and_add_the_data() -> None:
    X = probe_inputs(3)
    assert X.min() == -1.0 and X.max() == 1.0
    np.testing.assert_array_equal(probe_inputs(3), X)  # fixed: seeded
    data = np.full((5, 3), 7.0)
    assert probe_inputs(3, data).shape == (X.shape[0] + 5, 3)


def test_check_agreement_names_the_place_and_passes_within_float32() -> None:
    net = nn2poly.Network.from_weights([np.array([[0.1], [2.0]])], ["tanh"])

    def float32_model(X: np.ndarray) -> np.ndarray:
        return np.tanh(2.0 * X.astype(np.float32) + np.float32(0.1))

    check_agreement(net, None, float32_model, what="f", rtol=2e-3)
    with pytest.raises(ModelMismatchError, match="first part at layer 'x'"):
        check_agreement(
            net, None, lambda X: 100 * X, what="f", rtol=2e-3, locate=lambda X: "layer 'x'"
        )


# -------------------------------------------------------------------- torch
class MyTanh(nn.Tanh):
    def forward(self, x):  # type: ignore[no-untyped-def]
        return torch.tanh(2 * x)


class MyLinear(nn.Linear):
    def forward(self, x):  # type: ignore[no-untyped-def]
        return super().forward(x) * 2


class SiLU(nn.Module):  # a user module that only shares torch.nn.SiLU's name
    def forward(self, x):  # type: ignore[no-untyped-def]
        return x * torch.sigmoid(2 * x)


class PlainTanh(nn.Tanh):  # a subclass that does not change the computation
    pass


@pytest.mark.parametrize(
    "module, pattern",
    [
        (
            MyTanh(),
            r"module 'MyTanh' \(subclass of torch.nn.Tanh overriding forward\) is not supported",
        ),
        (SiLU(), r"'SiLU' from .* is not torch.nn.SiLU"),
    ],
)
def test_torch_activation_lookalikes_are_refused(module, pattern) -> None:  # type: ignore[no-untyped-def]
    model = nn.Sequential(nn.Linear(2, 3), module, nn.Linear(3, 1))
    with pytest.raises(TypeError, match=pattern):
        adapt(model)


def test_torch_linear_subclass_overriding_forward_is_refused() -> None:
    model = nn.Sequential(MyLinear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    with pytest.raises(
        TypeError, match=r"'MyLinear' \(subclass of torch.nn.Linear overriding forward\)"
    ):
        adapt(model)


def test_torch_subclass_keeping_forward_is_read_and_checked() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), PlainTanh(), nn.Linear(3, 1))
    assert adapt(model).network.activations == ("tanh", "linear")


def test_sequential_subclass_overriding_forward_is_read_through_its_forward() -> None:
    class Reversed(nn.Sequential):
        def forward(self, x):  # type: ignore[no-untyped-def]
            return self[2](self[1](self[0](x))) * 3

    model = Reversed(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    with pytest.raises((TypeError, ValueError)):
        adapt(model)


def test_torchscript_module_named_tanh_is_read_as_what_it_computes() -> None:
    class Tanh(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 100

    torch.manual_seed(1)
    scripted = torch.jit.script(nn.Sequential(nn.Linear(2, 3), Tanh(), nn.Linear(3, 1)))
    network = adapt(scripted).network
    assert "tanh" not in network.activations
    X = np.random.default_rng(0).uniform(-1, 1, (10, 2))
    with torch.no_grad():
        expected = scripted(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(network.forward(X), expected, rtol=1e-5, atol=1e-4)
    honest = torch.jit.script(nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)))
    assert adapt(honest).network.activations == ("tanh", "linear")


def test_a_registered_module_computing_something_else_is_caught() -> None:
    from nn2poly.activations import ActivationSpec, FrameworkName, register_activation
    from nn2poly.activations._registry import _REGISTRY
    from nn2poly.activations._series import tanh_series

    class Boasting(nn.Module):  # registered below as tanh, computes 100 x
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 100

    spec = ActivationSpec(
        "boasting_tanh", np.tanh, tanh_series, frameworks=(FrameworkName("torch", "Boasting"),)
    )
    register_activation(spec)
    try:
        torch.manual_seed(1)
        model = nn.Sequential(nn.Linear(2, 3), Boasting(), nn.Linear(3, 1))
        with pytest.raises(ModelMismatchError, match=r"Boasting"):
            adapt(model)
    finally:
        _REGISTRY.pop("boasting_tanh")


def test_training_mode_is_restored_after_the_check() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5), nn.Tanh(), nn.Linear(3, 1))
    model.train()
    adapt(model)
    assert all(module.training for module in model.modules())


def test_the_check_uses_the_data_given() -> None:
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(2, 3), nn.Softplus(threshold=20.0), nn.Linear(3, 1)).double()
    with torch.no_grad():
        model[0].weight.fill_(10.0)
    far = np.full((4, 2), 50.0)  # beta*x far above threshold: torch's softplus is x itself
    adapt(model, data=far)  # the gap log1p(exp(-20)) is within tolerance


def test_weights_as_tensors_requiring_grad_are_detached() -> None:
    weights = [torch.randn(3, 2, requires_grad=True), torch.randn(3, 1, requires_grad=True)]
    network = adapt((weights, ["tanh", "linear"])).network
    np.testing.assert_array_equal(network.layers[0].weight, weights[0].detach().numpy()[1:])
    data = torch.zeros(4, 2, requires_grad=True)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    adapt(model, data=data)


# -------------------------------------------------------------------- keras
def test_keras_dense_subclass_overriding_call_is_refused() -> None:
    import keras

    from nn2poly.adapters._keras import KerasModelError

    class Doubled(keras.layers.Dense):
        def call(self, inputs):  # type: ignore[no-untyped-def]
            return super().call(inputs) * 2

    model = keras.Sequential(
        [keras.Input((2,)), Doubled(3, activation="tanh"), keras.layers.Dense(1)]
    )
    with pytest.raises(
        KerasModelError, match=r"'Doubled' \(subclass of keras.layers.Dense overriding call\)"
    ):
        adapt(model)

    class Plain(keras.layers.Dense):
        pass

    model = keras.Sequential(
        [keras.Input((2,)), Plain(3, activation="tanh"), keras.layers.Dense(1)]
    )
    assert adapt(model).network.activations == ("tanh", "linear")


# ------------------------------------------------------------------ sklearn
def test_sklearn_subclass_overriding_predict_is_refused() -> None:
    from sklearn.neural_network import MLPRegressor

    class Shifted(MLPRegressor):
        def predict(self, X):  # type: ignore[no-untyped-def]
            return super().predict(X) + 1

    X = np.linspace(-1, 1, 20).reshape(-1, 2)
    model = Shifted(hidden_layer_sizes=(3,), activation="tanh", max_iter=5, random_state=0)
    with pytest.warns(Warning):
        model.fit(X, X.sum(axis=1))
    with pytest.raises(
        TypeError, match=r"subclass of sklearn.neural_network.MLPRegressor overriding predict"
    ):
        adapt(model)


def test_sklearn_reading_is_checked_against_predict() -> None:
    from sklearn.neural_network import MLPClassifier

    X = np.random.default_rng(0).uniform(-1, 1, (30, 2))
    model = MLPClassifier(hidden_layer_sizes=(3,), activation="tanh", max_iter=5, random_state=0)
    with pytest.warns(Warning):
        model.fit(X, X[:, 0] > 0)
    adapted = adapt(model, data=X)
    assert adapted.link == "sigmoid"
    model.coefs_[0] = model.coefs_[0].copy()
    model.activation = "relu"  # changed after fitting: the reading follows the estimator
    assert adapt(model).network.activations == ("relu", "linear")


# ------------------------------------------- a misreading is caught and located
def test_keras_misreading_is_refused_naming_the_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    from nn2poly.adapters import _keras_layers as _keras

    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(3, activation="tanh"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.Dense(1),
        ]
    )
    assert adapt(model).network.n_inputs == 2
    read = _keras._batch_norm
    monkeypatch.setattr(_keras, "_batch_norm", lambda layer: tuple(2 * v for v in read(layer)))
    with pytest.raises(
        ModelMismatchError, match=r"first part at layer 'norm' \(BatchNormalization\)"
    ):
        adapt(model)


def test_onnx_misreading_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from onnx import TensorProto, helper, numpy_helper

    from nn2poly.adapters import _onnx_graph

    weight = numpy_helper.from_array(np.array([[0.5, -0.2], [0.1, 0.3]], np.float32), "W")
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W"], ["u"]),
            helper.make_node("LeakyRelu", ["u"], ["y"], alpha=0.1),
        ],
        "net",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    assert adapt(model).network.activations == ("leaky_relu(negative_slope=0.1)",)
    monkeypatch.setattr(_onnx_graph, "_float32_value", lambda value: 0.5)
    with pytest.raises(ModelMismatchError, match="the ONNX graph"):
        adapt(model)


def test_a_model_that_cannot_run_on_2d_inputs_is_refused_with_a_value_error() -> None:
    class NeedsThreeDims(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.first = nn.Linear(2, 3)
            self.act = nn.Tanh()

        def forward(self, x):  # type: ignore[no-untyped-def]
            return self.act(self.first(x))

    model = NeedsThreeDims()
    model.first.register_forward_pre_hook(lambda module, args: args[0].unsqueeze(0)[0][:, :1])
    with pytest.raises(ModelMismatchError, match="Could not run the PyTorch model"):
        adapt(model)
