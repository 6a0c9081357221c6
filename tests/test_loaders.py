"""Loaders read regular, non-empty files of bounded size and fail with one clear line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nn2poly
from nn2poly.adapters._files import ModelFileError, check_model_file
from nn2poly.cli import app

runner = CliRunner()


@pytest.mark.parametrize("suffix", [".pt", ".json", ".onnx", ".keras", ".pkl"])
def test_empty_files_are_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(ModelFileError, match=rf"'empty{suffix}' is empty"):
        nn2poly.load_network(path, trust=True)


def test_empty_pt_on_the_command_line_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")
    result = runner.invoke(app, ["convert", os.fspath(path)])
    assert result.exit_code != 0
    assert "empty.pt" in result.output and "empty" in result.output
    assert "Aborted" not in result.output and "Traceback" not in result.output


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_link_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "net.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(ModelFileError, match="not a regular file"):
        nn2poly.load_network(link)


def test_fifo_is_refused(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "net.json"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match=r"not a regular file \(a pipe\)"):
        nn2poly.load_network(fifo)


def test_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text("{}" * 100)
    assert check_model_file(path) == path
    with pytest.raises(ModelFileError, match="more than the 10 bytes"):
        check_model_file(path, limit=10)


def test_garbage_files_name_the_file_and_the_format(tmp_path: Path) -> None:
    for name, expected in [
        ("model.onnx", "not a valid ONNX model file"),
        ("model.pt", "neither a zip archive nor a pickle"),
        ("model.keras", "could not be read as a Keras model"),
    ]:
        path = tmp_path / name
        path.write_bytes(b"\x00\x01garbage" * 7)
        with pytest.raises(ModelFileError, match=rf"'{name}'.*{expected}"):
            nn2poly.load_network(path, trust=True)
        result = runner.invoke(app, ["convert", os.fspath(path), "--trust"])
        assert result.exit_code != 0 and name in result.output
        assert "Traceback" not in result.output


def test_unpickling_garbage_with_trust_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(b"garbage, not a pickle")
    with pytest.raises(ModelFileError, match=r"'model.pkl' could not be unpickled"):
        nn2poly.load_network(path, trust=True)


def test_pickle_that_is_not_a_torch_file_is_one_error_with_trust(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    path.write_bytes(b"\x80\x04garbage")
    with pytest.raises(ModelFileError, match=r"'model.pt' could not be read as a PyTorch file"):
        nn2poly.load_network(path, trust=True)
