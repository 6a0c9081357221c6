"""Formats whose loading can run code are read only with trust=True (docs/loading.md).

Each malicious file would write a marker file when its code runs; without
trust the marker must never appear.
"""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nn2poly
from nn2poly.adapters._files import ModelFileError, UntrustedFormatError
from nn2poly.cli import app

runner = CliRunner()


class _WritesMarker:
    """Unpickling this object creates the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (Path(self.marker),))


def _evil_torchscript(path: Path, marker: Path) -> None:
    """A scripted Sequential whose 'Tanh' module writes ``marker`` in __setstate__."""
    import torch

    class Tanh(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.path = os.fspath(marker)

        @torch.jit.export
        def __getstate__(self) -> tuple[str, bool]:
            return (self.path, self.training)

        @torch.jit.export
        def __setstate__(self, state: tuple[str, bool]) -> None:
            self.path = state[0]
            self.training = state[1]
            written = torch.from_file(state[0], True, 1, dtype=torch.uint8)
            written.fill_(1)
            if written.numel() < 0:  # keeps the write alive in the scripted graph
                self.path = ""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.tanh(x)

    model = torch.nn.Sequential(torch.nn.Linear(2, 3), Tanh(), torch.nn.Linear(3, 1))
    torch.jit.save(torch.jit.script(model), os.fspath(path))


@pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")
def test_torchscript_runs_code_only_with_trust(tmp_path: Path) -> None:
    path, marker = tmp_path / "model.pt", tmp_path / "marker"
    _evil_torchscript(path, marker)
    assert not marker.exists()
    with pytest.raises(UntrustedFormatError, match=r"TorchScript.*trust=True.*--trust"):
        nn2poly.load_network(path)
    with pytest.raises(UntrustedFormatError):
        nn2poly.to_polynomial(path, max_order=2)
    result = runner.invoke(app, ["convert", os.fspath(path)])
    assert result.exit_code != 0 and "--trust" in result.output
    assert "Traceback" not in result.output
    assert not marker.exists()
    # the advice works: with trust the archive is loaded (and its code runs)
    network = nn2poly.load_network(path, trust=True)
    assert marker.exists()
    assert network.activations == ("tanh", "linear")
    assert nn2poly.to_polynomial(path, max_order=2, trust=True).n_features == 2


@pytest.mark.parametrize("suffix", [".pkl", ".pickle", ".joblib"])
def test_pickles_run_code_only_with_trust(tmp_path: Path, suffix: str) -> None:
    path, marker = tmp_path / f"model{suffix}", tmp_path / "marker"
    path.write_bytes(pickle.dumps(_WritesMarker(marker)))
    with pytest.raises(UntrustedFormatError, match="trust=True"):
        nn2poly.load_network(path)
    assert not marker.exists()
    with pytest.raises((ValueError, TypeError)):  # with trust it runs, then is not a model
        nn2poly.load_network(path, trust=True)
    assert marker.exists()


def test_whole_model_torch_save_runs_code_only_with_trust(tmp_path: Path) -> None:
    import torch

    path, marker = tmp_path / "model.pth", tmp_path / "marker"
    torch.save(_WritesMarker(marker), os.fspath(path))
    with pytest.raises(UntrustedFormatError, match="trust=True"):
        nn2poly.load_network(path)
    assert not marker.exists()
    with pytest.raises((ValueError, TypeError)):
        nn2poly.load_network(path, trust=True)
    assert marker.exists()


@pytest.mark.slow
def test_torch_export_archive_needs_trust(tmp_path: Path) -> None:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    path = tmp_path / "model.pt2"
    torch.export.save(torch.export.export(model, (torch.zeros(1, 2),)), os.fspath(path))
    with pytest.raises(nn2poly.UntrustedFormatError, match="trust=True"):
        nn2poly.load_network(path)
    network = nn2poly.load_network(path, trust=True)
    X = np.random.default_rng(0).uniform(-1, 1, (5, 2))
    with torch.no_grad():
        expected = model(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(network.forward(X), expected, rtol=1e-5, atol=1e-6)


def _lambda_model(marker: Path):  # type: ignore[no-untyped-def]
    import keras

    target = os.fspath(marker)

    def write_marker(x):  # type: ignore[no-untyped-def]
        with open(target, "w"):
            pass
        return x

    return keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(2), keras.layers.Lambda(write_marker)]
    )


def test_keras_archive_with_lambda_is_refused_without_running_it(tmp_path: Path) -> None:
    path, marker = tmp_path / "model.keras", tmp_path / "marker"
    model = _lambda_model(marker)
    model.save(path)
    marker.unlink(missing_ok=True)  # building the model may have called the function
    for trust in (False, True):
        with pytest.raises(ModelFileError, match="never runs"):
            nn2poly.load_network(path, trust=trust)
    assert not marker.exists()


@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file:UserWarning")
def test_legacy_h5_is_not_opened_without_trust(tmp_path: Path) -> None:
    path, marker = tmp_path / "model.h5", tmp_path / "marker"
    model = _lambda_model(marker)
    model.save(path)
    marker.unlink(missing_ok=True)
    with pytest.raises(UntrustedFormatError, match=r"HDF5.*trust=True"):
        nn2poly.load_network(path)
    assert not marker.exists()


def test_garbage_h5_is_one_clear_error_even_with_trust(tmp_path: Path) -> None:
    path = tmp_path / "garbage.h5"
    path.write_bytes(b"not an hdf5 file" * 8)
    with pytest.raises(ModelFileError, match=r"'garbage.h5' could not be read as a Keras model"):
        nn2poly.load_network(path, trust=True)
    result = runner.invoke(app, ["convert", os.fspath(path), "--trust"])
    assert result.exit_code != 0 and "garbage.h5" in result.output
    assert "Traceback" not in result.output


def test_json_and_onnx_are_data(tmp_path: Path) -> None:
    net = nn2poly.Network.from_weights([np.array([[0.1], [0.5], [-0.2]])], ["tanh"])
    net.save(tmp_path / "net.json")
    assert nn2poly.load_network(tmp_path / "net.json") == net
    data = json.loads((tmp_path / "net.json").read_text())
    assert data["nodes"][0]["activation"] == "tanh"


def test_onnx_external_data_outside_its_folder_is_refused(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    weight = helper.make_tensor("W", TensorProto.FLOAT, [2, 1], [0.5, -0.25])
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W"], ["y"])],
        "net",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 1])],
        initializer=[weight],
    )
    model = helper.make_model(graph)
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.array([0.5, -0.25], dtype=np.float32).tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    tensor = model.graph.initializer[0]
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "../secret.bin"), ("offset", "0"), ("length", "8")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    path = folder / "model.onnx"
    onnx.save(model, os.fspath(path))
    with pytest.raises(ModelFileError, match=r"'model.onnx'.*outside the model's folder"):
        nn2poly.load_network(path)
    result = runner.invoke(app, ["convert", os.fspath(path)])
    assert result.exit_code != 0 and "outside the model's folder" in result.output
    assert "Traceback" not in result.output
    # next to the model it is read
    (folder / "weights.bin").write_bytes(secret.read_bytes())
    tensor.external_data[0].value = "weights.bin"
    onnx.save(model, os.fspath(path))
    network = nn2poly.load_network(path)
    np.testing.assert_array_equal(network.layers[0].weight, [[0.5], [-0.25]])


def test_torch_zip_with_an_extra_entry_is_refused(tmp_path: Path) -> None:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    path = tmp_path / "model.pt"
    torch.save(model, os.fspath(path))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("evil.txt", "x")
    for trust in (False, True):
        with pytest.raises(ModelFileError, match=r"'model.pt'.*not all in one folder.*'evil.txt'"):
            nn2poly.load_network(path, trust=trust)
    result = runner.invoke(app, ["convert", os.fspath(path), "--trust"])
    assert result.exit_code != 0 and "one folder" in result.output
