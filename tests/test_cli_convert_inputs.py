"""nn2poly convert on odd option values and on JSON files that are not networks."""

from __future__ import annotations

import json

import pytest
from oracles import assert_matches, random_weights, truncated_composition
from typer.testing import CliRunner

import nn2poly

runner = CliRunner()


def app_cli():  # type: ignore[no-untyped-def]
    from nn2poly.cli import app

    return app


@pytest.fixture()
def saved_network(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "net.json"
    nn2poly.Network.from_weights(random_weights([2, 2, 1], seed=0), ["tanh", "linear"]).save(path)
    return path


@pytest.mark.parametrize(
    "arguments,message",
    [
        (["--taylor-orders", ""], "--taylor-orders must be"),
        (["--taylor-orders", "8,"], "--taylor-orders must be"),
        (["--taylor-orders", "-3"], "non-negative"),
        (["--taylor-orders", "3,3,3"], "3 entries"),
        (["--taylor-center", "nan"], "finite"),
        (["--taylor-center", "inf"], "finite"),
        (["-q", "0"], "--max-order"),
    ],
)
def test_cli_convert_odd_option_values(saved_network, arguments, message) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app_cli(), ["convert", str(saved_network), *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output


@pytest.mark.parametrize(
    "content,message",
    [
        ("[1, 2]", "must be a mapping"),
        ('{"a": 1}', "Unrecognised network dictionary"),
        ('{"layers": [{"weight": "abc", "bias": [0]}]}', "numeric array"),
        ('{"layers": [{"weight": [[1e400]], "bias": [0]}]}', "non-finite"),
        (
            '{"input": {"weights": [[[0.1], [0.2]], [[0.0], [1.0]], [[0.0], [1.0]]], '
            '"activations": ["tanh", "linear"]}}',
            "3 weight matrices but 2",
        ),
        ("{", "not valid JSON"),
    ],
)
def test_cli_convert_json_that_is_not_a_network(tmp_path, content, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    path.write_text(content)
    result = runner.invoke(app_cli(), ["convert", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_cli_reference_layout_with_extra_layers_converts_like_the_library(tmp_path) -> None:  # type: ignore[no-untyped-def]
    weights = random_weights([2, 3, 2, 1], seed=12)
    path = tmp_path / "case.json"
    path.write_text(
        json.dumps(
            {
                "input": {
                    "weights": [w.tolist() for w in weights],
                    "activations": ["tanh", "sigmoid", "linear"],
                }
            }
        )
    )
    out = tmp_path / "poly.json"
    result = runner.invoke(
        app_cli(), ["convert", str(path), "-q", "3", "-f", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    poly = nn2poly.Polynomial.load(out)
    assert_matches(
        poly, truncated_composition(weights, ["tanh", "sigmoid", "linear"], [8, 8, 1], 3)
    )


@pytest.mark.parametrize("target", ["missing/poly.json", "."])
def test_cli_convert_unwritable_output_is_a_clean_error(saved_network, tmp_path, target) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        app_cli(), ["convert", str(saved_network), "-f", "json", "-o", str(tmp_path / target)]
    )
    assert result.exit_code == 2 and "Error:" in result.output
