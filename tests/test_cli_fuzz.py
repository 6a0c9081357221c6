"""Random command lines: a result, or one line on stderr with exit status 2; never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import nn2poly
from nn2poly.cli import app

runner = CliRunner()

VALUES = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "1",
            "2",
            "3",
            "8",
            "1e308",
            "nan",
            "inf",
            "-inf",
            "local",
            "3,3",
            "1,",
            ",",
            "",
            "0.5",
            "-3,3",
            "3,-3",
            "1e-320,1",
            "2**63",
            "9" * 30,
            "x",
            "all",
        ]
    ),
    st.text(alphabet="0123456789,.-einfalx ", max_size=8),
)
CONVERT_OPTIONS = [
    "--max-order",
    "--taylor-orders",
    "--taylor-center",
    "--format",
    "--interval",
    "--approximation",
]
PLOT_OPTIONS = ["--threshold"]


def assert_contract(result) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code in (0, 2), (result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


@pytest.fixture(scope="module")
def network_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "net.json"
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(3, 3)) * 0.1, rng.normal(size=(4, 1)) * 0.1]
    nn2poly.Network.from_weights(weights, ["tanh", "linear"]).save(path)
    return path


@pytest.fixture(scope="module")
def study_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("study")
    (folder / "results.csv").write_text(
        "run_id,conversion,n_conversions,setting,taylor_order,max_order,mse_network_polynomial,"
        "mse_polynomial_y\n0-0,0,1,0,3,3,0.001,0.01\n1-0,0,1,1,3,3,0.02,0.03\n"
    )
    return folder


@pytest.mark.filterwarnings("default")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(options=st.lists(st.tuples(st.sampled_from(CONVERT_OPTIONS), VALUES), max_size=3))
def test_convert_options(network_file: Path, options: list[tuple[str, str]]) -> None:
    arguments = [item for pair in options for item in pair]
    assert_contract(
        runner.invoke(app, ["convert", str(network_file), "--format", "csv", *arguments])
    )


@pytest.mark.slow
@pytest.mark.filterwarnings("default")
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(threshold=VALUES)
def test_plot_threshold(study_folder: Path, threshold: str) -> None:
    out = study_folder / "figures"
    assert_contract(
        runner.invoke(app, ["plot", str(study_folder), "-o", str(out), "--threshold", threshold])
    )


@pytest.mark.filterwarnings("default")
@settings(max_examples=30, deadline=None)
@given(content=st.binary(max_size=64), suffix=st.sampled_from([".json", ".onnx", ".pt", ".h5"]))
def test_convert_of_arbitrary_bytes(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"model{suffix}"
    path.write_bytes(content)
    result = runner.invoke(app, ["convert", str(path)])
    assert_contract(result)
    assert result.exit_code == 2
