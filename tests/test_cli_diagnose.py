"""The command line: nn2poly diagnose, convert --top and --data, messages in command-line terms."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nn2poly
from nn2poly.cli import app
from nn2poly.cli._terms import command_line_terms

runner = CliRunner()
#: The example network is unconstrained on purpose: its Taylor polynomial warns.
pytestmark = pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")


@pytest.fixture(scope="module")
def unconstrained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray]:
    """A tanh network whose potentials leave the Taylor region on its data, and the data."""
    folder = tmp_path_factory.mktemp("diagnose")
    net = nn2poly.Network.from_weights(
        [np.array([[0.5, 0.0], [3.0, 0.2], [0.0, 0.3]]), np.array([[0.0], [1.0], [1.0]])],
        ["tanh", "linear"],
    )
    model = folder / "net.json"
    net.save(model)
    X = np.random.default_rng(0).uniform(-1, 1, (300, 2))
    data = folder / "x.csv"
    np.savetxt(data, X, delimiter=",", header="a,b", comments="")
    return model, data, X


def test_diagnose_prints_the_library_report(unconstrained) -> None:  # type: ignore[no-untyped-def]
    model, data, X = unconstrained
    result = runner.invoke(app, ["diagnose", str(model), "--data", str(data), "-q", "3"])
    assert result.exit_code == 0, result.output
    expected = nn2poly.diagnose(model, X, max_order=3, approximation="fit")
    assert result.stdout.strip() == command_line_terms(str(expected)).strip()
    assert "--approximation fit" in result.stdout  # auto with data: the fit
    assert expected.faithful and "approximation=" not in result.stdout


def test_diagnose_thresholds_reach_the_verdict(unconstrained) -> None:  # type: ignore[no-untyped-def]
    model, data, X = unconstrained
    arguments = ["diagnose", str(model), "--data", str(data), "-q", "3", "--min-r2", "0.9999"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    strict = nn2poly.diagnose(model, X, max_order=3, approximation="fit", min_r2=0.9999)
    assert not strict.faithful
    assert result.stdout.strip() == command_line_terms(str(strict)).strip()
    result = runner.invoke(app, [*arguments[:-2], "--min-agreement", "2"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: --min-agreement must be")


def test_diagnose_taylor_reports_the_poor_fidelity(unconstrained) -> None:  # type: ignore[no-untyped-def]
    model, data, X = unconstrained
    arguments = ["diagnose", str(model), "--data", str(data), "-q", "3"]
    result = runner.invoke(app, [*arguments, "--approximation", "taylor"])
    assert result.exit_code == 0, result.output
    expected = nn2poly.diagnose(model, X, max_order=3, approximation="taylor")
    assert f"R^2 = {expected.r2:.6g}" in result.stdout and expected.r2 < 0
    assert result.stdout.strip() == command_line_terms(str(expected)).strip()
    assert not expected.faithful and "--approximation taylor" in result.stdout


def test_convert_warning_is_one_clean_line_in_option_terms(unconstrained) -> None:  # type: ignore[no-untyped-def]
    model, _, _ = unconstrained
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        result = runner.invoke(app, ["convert", str(model), "-q", "3"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("Warning: ")
    assert "--approximation fit" in lines[0] and "--data FILE" in lines[0]
    assert "'nn2poly diagnose'" in lines[0]
    assert "approximation=" not in lines[0] and "data=" not in lines[0]
    assert ".py" not in lines[0] and "nn2poly.diagnose" not in lines[0]


def test_diagnose_needs_data_and_checks_it(unconstrained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, _, _ = unconstrained
    result = runner.invoke(app, ["diagnose", str(model)])
    assert result.exit_code == 2 and "--data" in result.stderr
    wide = tmp_path / "wide.csv"
    wide.write_text("1,2,3\n4,5,6\n")
    result = runner.invoke(app, ["diagnose", str(model), "--data", str(wide)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --data has 2 rows of 3 columns")
    assert "pass a file with 2 columns" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_convert_top_lists_the_largest_terms_first(unconstrained) -> None:  # type: ignore[no-untyped-def]
    model, _, _ = unconstrained
    poly = nn2poly.to_polynomial(model, 3)
    result = runner.invoke(app, ["convert", str(model), "-q", "3", "--top", "3", "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.stdout.strip().splitlines()[1:]
    sizes = np.abs(poly.coef[:, 0])
    largest = [poly.term_names[i] for i in np.argsort(-sizes, kind="stable")[:3]]
    assert [row.split(",")[0] for row in rows] == largest
    table = runner.invoke(app, ["convert", str(model), "-q", "3", "--top", "2"])
    assert table.exit_code == 0 and "the 2 largest of 10 terms" in table.stdout
    assert table.stdout.index(largest[0]) < table.stdout.index(largest[1])
    refused = runner.invoke(app, ["convert", str(model), "--top", "0"])
    assert refused.exit_code == 2 and "--top" in refused.stderr


def test_convert_with_data_fits_by_default(unconstrained) -> None:  # type: ignore[no-untyped-def]
    model, data, X = unconstrained
    arguments = ["convert", str(model), "-q", "3", "--data", str(data), "-f", "json"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    poly = nn2poly.Polynomial.from_dict(json.loads(result.stdout))
    fitted = nn2poly.to_polynomial(model, 3, approximation="fit", data=X)
    np.testing.assert_allclose(poly.coef, fitted.coef)
    taylor = runner.invoke(app, [*arguments[:-2], "--approximation", "taylor"])
    assert taylor.exit_code == 2 and "Add --approximation fit" in taylor.stderr


def test_library_advice_reads_as_options(unconstrained) -> None:  # type: ignore[no-untyped-def]
    model, _, _ = unconstrained
    result = runner.invoke(app, ["convert", str(model), "--approximation", "fit"])
    assert result.exit_code == 2
    assert "--data FILE" in result.stderr and "--interval LOW,HIGH" in result.stderr
    assert "data=" not in result.stderr and "approximation='fit'" not in result.stderr
    result = runner.invoke(app, ["convert", str(model), "--taylor-center", "local", "--data", "x"])
    assert result.exit_code == 2 and result.stderr.count("x") >= 1


@pytest.mark.parametrize(
    "text,expected",
    [
        ("pass trust=True (command line: --trust) to load", "pass --trust to load"),
        ('use approximation="fit" here', "use --approximation fit here"),
        (
            "taylor_orders=[5, 5, 1] or taylor_orders=8",
            "--taylor-orders 5,5,1 or --taylor-orders 8",
        ),
        ("The 'interval' parameter of FitApproximation must be", "--interval must be"),
        ("metadata=x and my_data=y stay", "metadata=x and my_data=y stay"),
        ("Train with constraint='l1'.", "Train with constraint='l1'."),
        ("'a/m.onnx' is not valid (a/m.onnx: bad)", "'a/m.onnx' is not valid"),
        ("Got 'x.csv' instead. No rows in 'x.csv'.", "Got 'x.csv' instead. No rows in it."),
        ("the fit of diagnose; to diagnose it", "the fit of diagnose; to diagnose it"),
        ("see nn2poly.to_polynomial.", "see 'nn2poly convert'."),
    ],
)
def test_command_line_terms(text: str, expected: str) -> None:
    assert command_line_terms(text) == expected


def test_plot_error_names_the_argument_and_the_folder_once(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = runner.invoke(app, ["plot", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: RESULTS must be the output folder of a study")
    assert result.stderr.count(str(missing)) == 1 and "'nn2poly study'" in result.stderr
    assert "plot_study" not in result.stderr and "run_study" not in result.stderr


def test_untrusted_file_error_names_the_option_once(tmp_path: Path) -> None:
    model = tmp_path / "model.pkl"
    model.write_bytes(b"\x80\x04N.")
    result = runner.invoke(app, ["convert", str(model)])
    assert result.exit_code == 2
    assert "--trust" in result.stderr and "trust=True" not in result.stderr
    assert result.stderr.count("model.pkl") == 1


def test_commands_in_a_subprocess(unconstrained) -> None:  # type: ignore[no-untyped-def]
    model, data, _ = unconstrained
    command = [sys.executable, "-m", "nn2poly.cli"]
    done = subprocess.run(
        [*command, "diagnose", str(model), "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Fidelity of the polynomial") and not done.stderr
    done = subprocess.run(
        [*command, "convert", str(model), "-q", "3", "--top", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("Warning: ") and len(done.stderr.strip().splitlines()) == 1
    assert "File " not in done.stderr and ".py" not in done.stderr
    assert "--approximation fit" in done.stderr and "the 2 largest of 10 terms" in done.stdout
