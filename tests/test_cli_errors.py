"""The command line never shows a traceback: each error is one line on stderr, a non-zero exit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nn2poly
from nn2poly.cli import app

runner = CliRunner()


def assert_one_line_error(result, *fragments: str, code: int = 2) -> str:  # type: ignore[no-untyped-def]
    """Exit ``code``, nothing but one ``Error:`` line on stderr, no traceback nor bare Aborted."""
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output and "Aborted" not in result.output
    assert ".py" not in lines[0] or "site-packages" not in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def network_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.json"
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 3)) * 0.2, rng.normal(size=(4, 1)) * 0.2]
    nn2poly.Network.from_weights(weights, ["tanh", "linear"]).save(path)
    return path


@pytest.fixture()
def study_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "results.csv").write_text(
        "run_id,conversion,n_conversions,setting,taylor_order,max_order,mse_network_polynomial,"
        "mse_polynomial_y\n0-0,0,1,0,3,3,0.001,0.01\n1-0,0,1,1,3,3,0.02,0.03\n"
    )
    return folder


# ------------------------------------------------------------------ output folders
def test_study_output_that_cannot_be_created(tmp_path: Path) -> None:
    result = runner.invoke(app, ["study", "tnnls2023", "--quick", "-o", "/proc/x", "--no-plots"])
    assert_one_line_error(result, "Cannot create the folder '/proc/x'")


def test_study_output_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = runner.invoke(app, ["study", "tnnls2023", "--quick", "-o", str(target)])
    assert_one_line_error(result, "--output must be a folder", "not a folder")
    assert target.read_text() == "x"


def test_plot_output_that_cannot_be_created(study_folder: Path) -> None:
    result = runner.invoke(app, ["plot", str(study_folder), "-o", "/proc/x"])
    assert_one_line_error(result, "Cannot create the folder '/proc/x'")


def test_demo_output_that_cannot_be_created() -> None:
    result = runner.invoke(app, ["demo", "--quick", "-o", "/proc/x"])
    assert_one_line_error(result, "Cannot create the folder '/proc/x'")


# ------------------------------------------------------------------ plot
@pytest.mark.parametrize(
    "text,fragment",
    [
        ("a,b\n1,2\n", "no column 'run_id'"),
        ("run_id,conversion\n0-0,0\n", "no column 'n_conversions'"),
        ("run_id,conversion,n_conversions\n0-0,0,1\n", "no column"),
        ("", "no finished runs"),
        ("run_id,conversion,n_conversions,setting\n0-0,x,y,0\n", "no finished runs"),
    ],
)
def test_plot_of_malformed_results(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / "results.csv").write_text(text)
    result = runner.invoke(app, ["plot", str(tmp_path), "-o", str(tmp_path / "figures")])
    assert_one_line_error(result, fragment)


def test_plot_of_a_malformed_configuration(study_folder: Path) -> None:
    (study_folder / "config.json").write_text("[1, 2")
    result = runner.invoke(app, ["plot", str(study_folder)])
    assert_one_line_error(result, "not the configuration of a study")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_plot_threshold_must_be_finite(study_folder: Path, value: str) -> None:
    result = runner.invoke(app, ["plot", str(study_folder), "--threshold", value])
    assert_one_line_error(result, "--threshold must be a finite float")


def test_plot_of_a_minimal_study_folder(study_folder: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["plot", str(study_folder), "-o", str(tmp_path / "figs")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "figs" / "summary.csv").is_file()


# ------------------------------------------------------------------ study
def test_unreachable_dask_scheduler_fails_fast(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(
        app,
        [
            "study",
            "tnnls2023",
            "--quick",
            "--backend",
            "dask",
            "--scheduler",
            f"tcp://127.0.0.1:{port}",
            "--connect-timeout",
            "1",
            "-o",
            str(tmp_path / "s"),
            "--no-plots",
        ],
    )
    assert_one_line_error(result, f"No Dask scheduler answered at 'tcp://127.0.0.1:{port}'")


@pytest.mark.parametrize(
    "arguments,fragment",
    [
        (["--connect-timeout", "0"], "--connect-timeout must be"),
        (["--connect-timeout", "nan"], "--connect-timeout must be"),
        (["--n-jobs", "0"], "--n-jobs"),
        (["--repetitions", "0"], "--repetitions"),
        (["--backend", "threads"], "--backend"),
        (["--scheduler", "tcp://x:1"], "--backend dask"),
    ],
)
def test_study_option_values(tmp_path: Path, arguments: list[str], fragment: str) -> None:
    result = runner.invoke(app, ["study", "tnnls2023", "--quick", "-o", str(tmp_path), *arguments])
    assert_one_line_error(result, fragment)


def test_study_of_a_folder_from_another_program(tmp_path: Path) -> None:
    (tmp_path / "results.csv").write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["study", "tnnls2023", "--quick", "-o", str(tmp_path)])
    assert_one_line_error(result, "not a file written by a study")
    assert (tmp_path / "results.csv").read_text() == "a,b\n1,2\n"


def test_study_of_a_toml_file_that_is_a_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["study", str(tmp_path)])
    assert_one_line_error(result, "No study configuration")


# ------------------------------------------------------------------ convert
def test_convert_data_that_is_a_folder(network_file: Path, tmp_path: Path) -> None:
    folder = tmp_path / "x.npy"
    folder.mkdir()
    result = runner.invoke(
        app, ["convert", str(network_file), "--approximation", "fit", "--data", str(folder)]
    )
    assert_one_line_error(result, "--data must be a .npy or .csv file", "a folder")


def test_convert_data_that_is_not_numeric(network_file: Path, tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    data.write_text("a,b,c\n1,2,x\n")
    result = runner.invoke(
        app, ["convert", str(network_file), "--approximation", "fit", "--data", str(data)]
    )
    assert_one_line_error(result, "--data must be a numeric CSV file")


def test_convert_deeply_nested_json(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert_one_line_error(runner.invoke(app, ["convert", str(path)]))


def test_convert_empty_torch_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    for extra in ([], ["--trust"]):
        assert_one_line_error(runner.invoke(app, ["convert", str(path), *extra]))


def test_convert_garbage_h5_with_trust(tmp_path: Path) -> None:
    path = tmp_path / "model.h5"
    path.write_bytes(b"not an HDF5 file" * 8)
    assert_one_line_error(runner.invoke(app, ["convert", str(path), "--trust"]))


def test_convert_torch_zip_with_an_extra_entry(tmp_path: Path) -> None:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), str(path))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("model/extra/payload.bin", b"\x00" * 64)
    for extra in ([], ["--trust"]):
        result = runner.invoke(app, ["convert", str(path), "-q", "2", "--format", "json", *extra])
        if result.exit_code:
            assert_one_line_error(result)
        else:
            assert "Traceback" not in result.output


def test_convert_onnx_whose_external_data_is_outside_its_folder(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.ones(6, dtype=np.float32).tobytes())
    weight = numpy_helper.from_array(np.zeros((2, 3), dtype=np.float32), "W")
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "../secret.bin"), ("offset", "0"), ("length", "24")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])],
        initializer=[weight],
    )
    folder = tmp_path / "model"
    folder.mkdir()
    path = folder / "model.onnx"
    onnx.save_model(helper.make_model(graph), str(path))
    assert_one_line_error(runner.invoke(app, ["convert", str(path)]))


@pytest.mark.parametrize(
    "arguments,fragment",
    [
        (["--approximation", "fit", "--interval", "0,inf"], "--interval must be two numbers"),
        (["--approximation", "fit", "--interval", "1,2,3"], "--interval must be two numbers"),
        (["--approximation", "taylor", "--interval", "-1,1"], "--approximation must be 'fit'"),
        (["--taylor-center", "inf"], "--taylor-center must be a finite"),
        (["--format", "xml"], "--format"),
        (["--approximation", "exact"], "--approximation"),
    ],
)
def test_convert_option_values(network_file: Path, arguments: list[str], fragment: str) -> None:
    result = runner.invoke(app, ["convert", str(network_file), *arguments])
    assert_one_line_error(result, fragment)


def test_convert_output_that_cannot_be_written(network_file: Path) -> None:
    result = runner.invoke(app, ["convert", str(network_file), "-o", "/proc/x/poly.json"])
    assert_one_line_error(result, "/proc/x/poly.json")


def test_usage_errors_are_one_line() -> None:
    assert_one_line_error(runner.invoke(app, ["convert"]), "Missing argument", "--help")
    assert_one_line_error(runner.invoke(app, ["bogus"]), "No such command")


# ------------------------------------------------------------------ warnings and internal errors
@pytest.mark.filterwarnings("default")
def test_warnings_are_one_line_without_a_source_location(tmp_path: Path) -> None:
    path = tmp_path / "wide.json"
    weights = [np.full((3, 3), 2.0), np.full((4, 1), 0.5)]
    nn2poly.Network.from_weights(weights, ["tanh", "linear"]).save(path)
    result = runner.invoke(app, ["convert", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.strip()]
    assert warnings and all(line.startswith("Warning: ") for line in warnings), result.stderr
    assert "l1" in warnings[0] and ".py:" not in result.stderr


@pytest.mark.filterwarnings("error")
def test_warnings_turned_into_errors_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "wide.json"
    weights = [np.full((3, 3), 2.0), np.full((4, 1), 0.5)]
    nn2poly.Network.from_weights(weights, ["tanh", "linear"]).save(path)
    assert_one_line_error(runner.invoke(app, ["convert", str(path)]), "l1")


def test_an_internal_error_is_one_line_with_a_hint(network_file: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from nn2poly.cli import _convert

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("something inside\nbroke")

    monkeypatch.setattr(_convert, "_convert", broken)
    result = runner.invoke(app, ["convert", str(network_file)])
    line = assert_one_line_error(result, "unexpected RuntimeError: something inside", code=1)
    assert "NN2POLY_TRACEBACK=1" in line and "broke" not in line  # the first line only
    monkeypatch.setenv("NN2POLY_TRACEBACK", "1")
    result = runner.invoke(app, ["convert", str(network_file)])
    assert isinstance(result.exception, RuntimeError)


def test_an_interruption_is_one_line(network_file: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from nn2poly.cli import _convert

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(_convert, "_convert", interrupted)
    assert_one_line_error(
        runner.invoke(app, ["convert", str(network_file)]), "interrupted", code=130
    )


def test_a_real_process_prints_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    environment = {key: value for key, value in os.environ.items() if key != "NN2POLY_TRACEBACK"}
    completed = subprocess.run(
        [sys.executable, "-c", "from nn2poly.cli import main; main()", "convert", str(empty)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), completed.stderr
    assert json.dumps(completed.stdout) == '""'


# ------------------------------------------------------------------ --trust
class _WritesAMarker:
    """Unpickling this runs ``Path.touch`` on the marker: code from the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def test_code_in_a_pickle_runs_only_with_trust(tmp_path: Path) -> None:
    import pickle

    marker = tmp_path / "marker"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_WritesAMarker(marker)))
    assert_one_line_error(runner.invoke(app, ["convert", str(path)]), "--trust")
    assert not marker.exists()
    result = runner.invoke(app, ["convert", str(path), "--trust"])
    assert marker.exists()  # trusted: the file was unpickled (and is not a model)
    assert_one_line_error(result)


def test_trust_reaches_the_loader(tmp_path: Path) -> None:
    import torch

    from nn2poly.training import L1Constraint

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    L1Constraint("l1")(model)
    path = tmp_path / "whole.pt"
    torch.save(model, str(path))  # a whole pickled model
    assert_one_line_error(runner.invoke(app, ["convert", str(path)]), "--trust")
    result = runner.invoke(app, ["convert", str(path), "--trust", "-q", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    poly = nn2poly.Polynomial.from_dict(json.loads(result.stdout))
    np.testing.assert_array_equal(poly.coef, nn2poly.to_polynomial(model, max_order=2).coef)


def test_plot_creates_no_output_folder_when_the_results_are_wrong(tmp_path: Path) -> None:
    (tmp_path / "results.csv").write_text("a,b\n1,2\n")
    out = tmp_path / "figures"
    assert_one_line_error(runner.invoke(app, ["plot", str(tmp_path), "-o", str(out)]))
    assert not out.exists()
    target = tmp_path / "file.png"
    target.write_text("x")
    assert_one_line_error(
        runner.invoke(app, ["plot", str(tmp_path), "-o", str(target)]), "--output must be a folder"
    )
