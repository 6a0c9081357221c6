"""The command line: nn2poly convert and its errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import reference_dir
from typer.testing import CliRunner

import nn2poly
from nn2poly.cli import app

runner = CliRunner()
CASE = reference_dir() / "nn2poly_cases" / "c11_p3_L1_sig6-lin3_Q2_tdef_l1.json"


def test_help_everywhere() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "convert" in result.output
    result = runner.invoke(app, ["convert", "--help"])
    assert result.exit_code == 0 and "--max-order" in result.output


def test_convert_reference_case_to_json_matches_library(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "poly.json"
    result = runner.invoke(
        app, ["convert", str(CASE), "--max-order", "2", "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    poly = nn2poly.Polynomial.load(out)
    case = json.loads(CASE.read_text())
    expected = nn2poly.to_polynomial(case, 2)
    np.testing.assert_array_equal(poly.coef, expected.coef)


def test_convert_csv_to_stdout_with_orders_and_center() -> None:
    result = runner.invoke(
        app,
        [
            "convert",
            str(CASE),
            "-q",
            "2",
            "--taylor-orders",
            "3,1",
            "--taylor-center",
            "local",
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "term,label,degree,y1,y2,y3" and len(lines) == 11
    case = json.loads(CASE.read_text())
    expected = nn2poly.to_polynomial(case, 2, taylor_orders=[3, 1], taylor_center="local")
    assert float(lines[1].split(",")[3]) == expected.coef[0, 0]


def test_convert_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["convert", str(CASE)])
    assert result.exit_code == 0 and "x1" in result.output
    out = tmp_path / "table.txt"
    result = runner.invoke(app, ["convert", str(CASE), "-o", str(out)])
    assert result.exit_code == 0
    text = out.read_text()
    assert "x1*x2" in text and text.count("\n") >= 10


@pytest.mark.parametrize(
    "arguments,message",
    [
        (["--taylor-orders", "a,b"], "--taylor-orders must be"),
        (["--taylor-center", "zero"], "--taylor-center must be"),
        (["--max-order", "-2"], "--max-order must be"),
        (["--taylor-orders", "3,3,3"], "--taylor-orders has 3 entries"),
    ],
)
def test_bad_options_give_one_line_errors(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["convert", str(CASE), *arguments])
    assert result.exit_code == 2
    assert message in result.stderr and "must" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_malformed_and_missing_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = runner.invoke(app, ["convert", str(broken)])
    assert (
        result.exit_code == 2
        and "not valid JSON" in result.output
        and "Traceback" not in result.output
    )
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"hello": 1}))
    result = runner.invoke(app, ["convert", str(wrong)])
    assert result.exit_code == 2 and "Unrecognised network dictionary" in result.output
    result = runner.invoke(app, ["convert", str(tmp_path / "absent.json")])
    assert result.exit_code == 2 and "No such file" in result.output
    nan = tmp_path / "nan.json"
    nan.write_text('{"input": {"weights": [[[NaN], [1.0]]], "activations": ["tanh"]}}')
    result = runner.invoke(app, ["convert", str(nan)])
    assert result.exit_code == 2 and "non-finite" in result.output


def test_fit_approximation_from_csv_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (300, 3))
    data = tmp_path / "x.csv"
    np.savetxt(data, X, delimiter=",", header="a,b,c", comments="")
    out = tmp_path / "fit.json"
    result = runner.invoke(
        app,
        [
            "convert",
            str(CASE),
            "-q",
            "2",
            "--approximation",
            "fit",
            "--data",
            str(data),
            "--format",
            "json",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    case = json.loads(CASE.read_text())
    expected = nn2poly.to_polynomial(case, 2, approximation="fit", data=X)
    np.testing.assert_allclose(
        nn2poly.Polynomial.load(out).coef, expected.coef, rtol=1e-12, atol=1e-14
    )


def test_fit_options_are_checked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    arguments = ["--approximation", "taylor", "--data", str(tmp_path / "x.csv")]
    result = runner.invoke(app, ["convert", str(CASE), *arguments])
    assert result.exit_code == 2 and "--approximation fit" in result.output
    result = runner.invoke(app, ["convert", str(CASE), "--approximation", "fit", "--interval", "1"])
    assert result.exit_code == 2 and "--interval must be two numbers" in result.output
    result = runner.invoke(
        app, ["convert", str(CASE), "--approximation", "fit", "--interval", "-3,3"]
    )
    assert result.exit_code == 0, result.output
