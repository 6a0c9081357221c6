"""The command line reading untrusted files: a result (exit 0), or one ``Error:`` line (exit 2).

``test_cli_fuzz`` fuzzes the convert options on a valid network and arbitrary bytes; this
module converts network files with one value replaced by raw JSON text and fits fuzzed
``--data`` files.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_untrusted_contract import (
    NETWORK,
    RAW_VALUES,
    REFERENCE_TEXT,
    _in_file,
    _network_text,
    _splice,
)
from typer.testing import CliRunner

from nn2poly.cli import app

runner = CliRunner()


# ------------------------------------------------------------------ command line
def assert_cli_contract(result: Any) -> None:
    """Exit 0 with output, or exit 2 with one ``Error:`` line; never a traceback.

    Warnings raised before the error are shown as one ``Warning:`` line each.
    """
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if result.exit_code == 0:
        assert result.stdout.strip()
        assert all(line.startswith("Warning: ") for line in lines), result.stderr
        return
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert lines and lines[-1].startswith("Error: "), result.stderr
    assert all(line.startswith("Warning: ") for line in lines[:-1]), result.stderr
    assert "unexpected" not in lines[-1], lines[-1]


@pytest.mark.filterwarnings("default")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    occurrence=st.integers(0, 60),
    raw=st.sampled_from(RAW_VALUES),
    kind=st.sampled_from(["network", "reference"]),
    output_format=st.sampled_from(["csv", "json", "table"]),
)
def test_cli_converts_a_spliced_network_file(
    occurrence: int, raw: str, kind: str, output_format: str
) -> None:
    text = _splice(_network_text() if kind == "network" else REFERENCE_TEXT, occurrence, raw)
    _in_file(
        text,
        ".json",
        lambda path: assert_cli_contract(
            runner.invoke(app, ["convert", path, "--format", output_format])
        ),
    )


DATA_TEXTS = st.one_of(
    st.sampled_from(
        [
            "a,b\n0.1,0.2\n0.3,-0.4\n0.5,0.9\n",
            "0.1,0.2\n0.3,-0.4\n0.5,0.9\n",
            "0.1,0.2,0.3\n0.3,-0.4,0.1\n",
            "a,b\nnan,1\n2,3\n",
            "a,b\n1e308,1e308\n-1e308,1e308\n",
            "a,b\n1e200,1\n-1e200,2\n3e200,0\n",
            "a,b\nx,y\n",
            "a,b\n",
            "a;b\n1;2\n3;4\n",
            '"\n',
            "0.1,0.2\n0.3\n",
        ]
    ),
    st.text(alphabet="0123456789.,-e\n ab", max_size=40),
)


@pytest.mark.filterwarnings("default")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=DATA_TEXTS,
    suffix=st.sampled_from([".csv", ".npy", ".txt"]),
    interval=st.sampled_from([[], ["--interval", "-1,1"], ["--interval", "0,1e-60"]]),
)
def test_cli_fit_with_a_fuzzed_data_file(text: str, suffix: str, interval: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        network = Path(folder) / "net.json"
        NETWORK.save(network)
        data = Path(folder) / f"data{suffix}"
        data.write_text(text, encoding="utf-8")
        arguments = ["convert", str(network), "--approximation", "fit", "--data", str(data)]
        assert_cli_contract(runner.invoke(app, [*arguments, *interval, "--format", "csv"]))


@pytest.mark.filterwarnings("default")
@settings(max_examples=20, deadline=None)
@given(
    values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=8),
    shape=st.sampled_from([(-1,), (-1, 2), (2, -1), (-1, 1, 2)]),
    dtype=st.sampled_from(["float64", "float16", "int8", "complex128", "U3", "bool"]),
)
def test_cli_fit_with_a_fuzzed_npy_file(
    values: list[float], shape: tuple[int, ...], dtype: str
) -> None:
    array = np.array(values, dtype=float)
    if array.size % 2:
        array = array[:-1]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        array = array.reshape(shape).astype(dtype)
    with tempfile.TemporaryDirectory() as folder:
        network = Path(folder) / "net.json"
        NETWORK.save(network)
        data = Path(folder) / "data.npy"
        np.save(data, array)
        arguments = ["convert", str(network), "--approximation", "fit", "--data", str(data)]
        assert_cli_contract(runner.invoke(app, [*arguments, "--format", "csv"]))


def test_cli_refuses_a_pickled_npy_without_running_it(tmp_path: Path) -> None:
    """An object array in a .npy is a pickle: it is refused, its code never runs."""
    marker = tmp_path / "marker"

    class WritesMarker:
        def __reduce__(self) -> tuple[object, tuple[Path]]:
            return (Path.touch, (marker,))

    data = tmp_path / "data.npy"
    np.save(data, np.array([[WritesMarker(), 1.0]], dtype=object), allow_pickle=True)
    network = tmp_path / "net.json"
    NETWORK.save(network)
    result = runner.invoke(
        app, ["convert", str(network), "--approximation", "fit", "--data", str(data)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not marker.exists()
