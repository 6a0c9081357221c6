"""One contract for every adapter.

Each framework gets the same network (the weights below, bias in row 0):

1. the adapted :class:`Network` reproduces the framework's own inference
   (float64 frameworks to round-off, float32 ones to their precision);
2. the adapted network *is* the weight list, read at the framework's
   precision;
3. ``to_polynomial(model)`` equals ``to_polynomial`` of those weights;
4. a classifier's final softmax becomes the link, and the link applied to
   the network gives the framework's probabilities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import softmax

import nn2poly
from nn2poly.adapters import _framework_of, adapt

pytestmark = pytest.mark.filterwarnings(
    "ignore:You are using the legacy TorchScript-based ONNX export:DeprecationWarning",
    "ignore::sklearn.exceptions.ConvergenceWarning",
)

RNG = np.random.default_rng(2024)
X = RNG.uniform(-1.0, 1.0, size=(30, 3))


def _constrained(n_in: int, n_out: int, total: float) -> np.ndarray:
    """(n_in + 1, n_out) with each column's l1 norm equal to ``total``."""
    matrix = RNG.normal(size=(n_in + 1, n_out))
    return matrix / np.abs(matrix).sum(axis=0) * total


WEIGHTS = [_constrained(3, 4, 0.9), _constrained(4, 3, 0.8), _constrained(3, 3, 2.0)]
ACTIVATIONS = ["tanh", "tanh", "linear"]


def at_precision(dtype: type) -> list[np.ndarray]:
    return [matrix.astype(dtype).astype(np.float64) for matrix in WEIGHTS]


@dataclass
class Case:
    model: Any
    infer: Callable[[np.ndarray], np.ndarray]  # the framework's own forward pass
    weights: list[np.ndarray]  # WEIGHTS as the framework stores them
    rtol: float


# ------------------------------------------------------------------- builders
def weight_list_case(tmp_path: Path, classifier: bool) -> Case:
    def infer(x: np.ndarray) -> np.ndarray:
        z = x
        for matrix, activation in zip(WEIGHTS, ACTIVATIONS, strict=True):
            z = z @ matrix[1:] + matrix[0]
            z = np.tanh(z) if activation == "tanh" else z
        return z

    return Case((WEIGHTS, ACTIVATIONS), infer, WEIGHTS, 1e-12)


def keras_case(tmp_path: Path, classifier: bool) -> Case:
    import keras

    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((3,)),
            L.Dense(4, activation="tanh"),
            L.Dense(3, activation="tanh"),
            L.Dense(3, activation="softmax" if classifier else None),
        ]
    )
    for layer, matrix in zip(model.layers, WEIGHTS, strict=True):
        layer.set_weights([matrix[1:].astype(np.float32), matrix[0].astype(np.float32)])
    # on the torch backend a Keras model is also a torch.nn.Module: Keras must win
    assert _framework_of(model) == "keras"
    return Case(
        model,
        lambda x: np.asarray(model.predict(x.astype(np.float32), verbose=0), dtype=np.float64),
        at_precision(np.float32),
        1e-5,
    )


def sklearn_case(tmp_path: Path, classifier: bool) -> Case:
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    if classifier:
        model = MLPClassifier(hidden_layer_sizes=(4, 3), activation="tanh", max_iter=2)
        model.fit(X, np.arange(X.shape[0]) % 3)
    else:
        model = MLPRegressor(hidden_layer_sizes=(4, 3), activation="tanh", max_iter=2)
        model.fit(X, X[:, :3])
    model.coefs_ = [matrix[1:].copy() for matrix in WEIGHTS]
    model.intercepts_ = [matrix[0].copy() for matrix in WEIGHTS]
    infer = model.predict_proba if classifier else model.predict
    return Case(model, infer, WEIGHTS, 1e-12)


def _torch_module(classifier: bool, dtype: Any) -> Any:
    import torch

    linears = [
        torch.nn.Linear(n_in, n_out, dtype=dtype) for n_in, n_out in [(3, 4), (4, 3), (3, 3)]
    ]
    with torch.no_grad():
        for linear, matrix in zip(linears, WEIGHTS, strict=True):
            linear.weight.copy_(torch.from_numpy(matrix[1:].T.copy()).to(dtype))
            linear.bias.copy_(torch.from_numpy(matrix[0].copy()).to(dtype))
    tail = [torch.nn.Softmax(dim=1)] if classifier else []
    module = torch.nn.Sequential(
        linears[0], torch.nn.Tanh(), linears[1], torch.nn.Tanh(), linears[2], *tail
    )
    return module.eval()


def onnx_case(tmp_path: Path, classifier: bool) -> Case:
    import onnx
    import onnxruntime as ort
    import torch

    module = _torch_module(classifier, torch.float32)
    path = tmp_path / "model.onnx"
    torch.onnx.export(
        module,
        (torch.zeros(2, 3),),
        str(path),
        dynamo=False,
        input_names=["x"],
        dynamic_axes={"x": {0: "n"}},
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def infer(x: np.ndarray) -> np.ndarray:
        return session.run(None, {"x": x.astype(np.float32)})[0].astype(np.float64)

    return Case(onnx.load(str(path)), infer, at_precision(np.float32), 1e-5)


def torch_case(tmp_path: Path, classifier: bool) -> Case:
    import torch

    module = _torch_module(classifier, torch.float64)

    def infer(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return module(torch.from_numpy(x)).numpy()

    return Case(module, infer, WEIGHTS, 1e-12)


BUILDERS = {
    "weights": weight_list_case,
    "keras": keras_case,
    "sklearn": sklearn_case,
    "onnx": onnx_case,
    "torch": torch_case,
}


@pytest.fixture(params=sorted(BUILDERS))
def regression(request: pytest.FixtureRequest, tmp_path: Path) -> Case:
    return BUILDERS[request.param](tmp_path, classifier=False)


# a weight list has no output link: classifiers come from the frameworks only
@pytest.fixture(params=sorted(set(BUILDERS) - {"weights"}))
def classification(request: pytest.FixtureRequest, tmp_path: Path) -> Case:
    return BUILDERS[request.param](tmp_path, classifier=True)


# ---------------------------------------------------------------- the contract
def test_network_reproduces_the_framework(regression: Case) -> None:
    adapted = adapt(regression.model)
    assert adapted.link is None
    expected = regression.infer(X)
    got = adapted.network.forward(X.astype(np.float32) if regression.rtol > 1e-12 else X)
    np.testing.assert_allclose(got, expected, rtol=regression.rtol, atol=regression.rtol * 0.1)


def test_network_is_the_weight_list(regression: Case) -> None:
    assert adapt(regression.model).network == nn2poly.Network.from_weights(
        regression.weights, ACTIVATIONS
    )


def test_polynomial_of_model_equals_polynomial_of_weights(regression: Case) -> None:
    got = nn2poly.to_polynomial(regression.model, max_order=3)
    expected = nn2poly.to_polynomial((regression.weights, ACTIVATIONS), max_order=3)
    np.testing.assert_array_equal(got.powers, expected.powers)
    np.testing.assert_allclose(got.coef, expected.coef, rtol=1e-12, atol=1e-15)
    assert got.link is None


def test_classifier_link_gives_the_framework_probabilities(classification: Case) -> None:
    adapted = adapt(classification.model)
    assert adapted.link == "softmax"
    assert adapted.network == nn2poly.Network.from_weights(
        classification.weights, ACTIVATIONS, link="softmax"
    )
    logits = adapted.network.forward(X.astype(np.float32) if classification.rtol > 1e-12 else X)
    np.testing.assert_allclose(
        softmax(logits, axis=1),
        classification.infer(X),
        rtol=classification.rtol,
        atol=classification.rtol * 0.1,
    )
    poly = nn2poly.to_polynomial(classification.model, max_order=2)
    assert poly.link == "softmax"
    assert poly.predict_proba(X).shape == (X.shape[0], 3)
