"""nn2poly.load_network and ``nn2poly convert`` on every saved-model format."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from scipy.special import softmax
from typer.testing import CliRunner

import nn2poly
from nn2poly.adapters._loading import load_adapted
from nn2poly.cli import app

pytestmark = pytest.mark.filterwarnings(
    "ignore:You are using the legacy TorchScript-based ONNX export:DeprecationWarning",
    "ignore::sklearn.exceptions.ConvergenceWarning",
)

runner = CliRunner()
RNG = np.random.default_rng(5)
X = RNG.uniform(-1.0, 1.0, size=(12, 3))
WEIGHTS = [RNG.normal(size=(4, 4)) * 0.2, RNG.normal(size=(5, 2))]


def convert_with_cli(path: Path, *extra: str) -> nn2poly.Polynomial:
    out = path.parent / "poly.json"
    result = runner.invoke(
        app, ["convert", str(path), "-q", "2", "--format", "json", "-o", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    return nn2poly.Polynomial.load(out)


def fitted_classifier() -> object:
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(3,), activation="tanh", max_iter=3, random_state=0)
    model.fit(X, np.arange(X.shape[0]) % 3)
    model.coefs_ = [weight * 0.1 for weight in model.coefs_]
    return model


# ----------------------------------------------------------------- data formats
def test_json_round_trip(tmp_path: Path) -> None:
    net = nn2poly.Network.from_weights(WEIGHTS, ["tanh", "linear"])
    net.save(tmp_path / "net.json")
    assert nn2poly.load_network(tmp_path / "net.json") == net
    assert nn2poly.load_network(str(tmp_path / "net.json")) == net


def test_onnx_file_keeps_the_link(tmp_path: Path) -> None:
    import torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3), torch.nn.Softmax(dim=1)
    ).eval()
    with torch.no_grad():
        module[0].weight.mul_(0.2)
        module[0].bias.mul_(0.2)
    path = tmp_path / "model.onnx"
    torch.onnx.export(module, (torch.zeros(1, 3),), str(path), dynamo=False)
    network = nn2poly.load_network(path)
    with torch.no_grad():
        expected = module(torch.from_numpy(X.astype(np.float32))).numpy()
    np.testing.assert_allclose(
        softmax(network.forward(X.astype(np.float32)), axis=1), expected, rtol=1e-5, atol=1e-6
    )
    poly = nn2poly.to_polynomial(path, max_order=2)
    assert poly.link == "softmax"
    assert convert_with_cli(path) == poly


def test_keras_file(tmp_path: Path) -> None:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)]
    )
    model.layers[0].set_weights([w * 0.2 for w in model.layers[0].get_weights()])
    path = tmp_path / "model.keras"
    model.save(path)
    network = nn2poly.load_network(path)
    np.testing.assert_allclose(
        network.forward(X.astype(np.float32)),
        model.predict(X.astype(np.float32), verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )
    assert convert_with_cli(path) == nn2poly.to_polynomial(path, max_order=2)


@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file:UserWarning")
def test_legacy_keras_h5_needs_trust(tmp_path: Path) -> None:
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)]
    )
    path = tmp_path / "model.h5"
    model.save(path)
    with pytest.raises(ValueError, match="trust=True"):
        nn2poly.load_network(path)
    weights = [np.vstack([d.get_weights()[1][None, :], d.get_weights()[0]]) for d in model.layers]
    assert nn2poly.load_network(path, trust=True) == nn2poly.Network.from_weights(
        weights, ["tanh", "linear"]
    )


# -------------------------------------------------------------- pickled models
@pytest.mark.parametrize("suffix", [".pkl", ".joblib"])
def test_pickled_sklearn_model_needs_trust(tmp_path: Path, suffix: str) -> None:
    model = fitted_classifier()
    path = tmp_path / f"model{suffix}"
    if suffix == ".joblib":
        import joblib

        joblib.dump(model, path)
    else:
        path.write_bytes(pickle.dumps(model))
    with pytest.raises(ValueError, match="trust=True"):
        nn2poly.load_network(path)
    adapted = load_adapted(path, trust=True)
    assert adapted.link == "softmax"
    assert adapted.output_names == ("0", "1", "2")
    np.testing.assert_allclose(
        softmax(adapted.network.forward(X), axis=1), model.predict_proba(X), rtol=1e-12
    )
    refused = runner.invoke(app, ["convert", str(path)])
    assert refused.exit_code != 0 and "--trust" in refused.output
    assert convert_with_cli(path, "--trust") == nn2poly.to_polynomial(adapted, max_order=2)


def test_pickled_dictionary_of_weights_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "weights.pkl"
    path.write_bytes(pickle.dumps({"0.weight": np.ones((2, 2)), "0.bias": np.ones(2)}))
    with pytest.raises(ValueError, match=r"dictionary of parameters.*Network.from_weights"):
        nn2poly.load_network(path, trust=True)


def test_torch_files(tmp_path: Path) -> None:
    import torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    scripted = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(module), str(scripted))
    with pytest.raises(ValueError, match="trust=True"):
        nn2poly.load_network(scripted)
    expected = nn2poly.load_network(scripted, trust=True)
    with torch.no_grad():
        reference = module(torch.from_numpy(X.astype(np.float32))).numpy()
    np.testing.assert_allclose(
        expected.forward(X.astype(np.float32)), reference, rtol=1e-5, atol=1e-6
    )

    whole = tmp_path / "whole.pt"
    torch.save(module, str(whole))
    with pytest.raises(ValueError, match="trust=True"):
        nn2poly.load_network(whole)
    assert nn2poly.load_network(whole, trust=True) == expected

    state = tmp_path / "state.pt"
    torch.save(module.state_dict(), str(state))
    with pytest.raises(ValueError, match="state_dict"):
        nn2poly.load_network(state)


# ----------------------------------------------------------------------- errors
def test_unknown_extension_lists_the_formats(tmp_path: Path) -> None:
    path = tmp_path / "model.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"Unsupported model file 'model.txt'.*\.onnx.*\.keras"):
        nn2poly.load_network(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"absent.onnx"):
        nn2poly.load_network(tmp_path / "absent.onnx")


def test_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "saved_model"
    folder.mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        nn2poly.load_network(folder)


def test_trust_must_be_a_bool(tmp_path: Path) -> None:
    net = nn2poly.Network.from_weights(WEIGHTS, ["tanh", "linear"])
    net.save(tmp_path / "net.json")
    with pytest.raises(TypeError, match="'trust' parameter of load_network must be True or False"):
        nn2poly.load_network(tmp_path / "net.json", trust="yes")  # type: ignore[arg-type]
