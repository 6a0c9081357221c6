"""``nn2poly demo --quick``: the known polynomial is recovered from the trained network."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from nn2poly.cli import app
from nn2poly.cli._demo import TRUE_COEFFICIENTS, make_data, true_polynomial_values

ROW = re.compile(r"^[│|]\s*(\S+)\s*[│|]\s*([+-]?[\d.]+)\s*[│|]\s*([+-][\d.]+)\s*[│|]\s*$")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "figures"
    result = CliRunner().invoke(app, ["demo", "--quick", "-o", str(folder)])
    return result, folder


def table_rows(output: str) -> dict[str, tuple[float, float]]:
    rows = {}
    for line in output.splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    return rows


def test_quick_demo_recovers_signs_and_sizes_of_the_true_terms(quick_run) -> None:
    result, _ = quick_run
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    names = {(0,): "1", (1,): "x1", (2,): "x2", (3,): "x3", (1, 2): "x1*x2", (3, 4): "x3*x4"}
    for label, value in TRUE_COEFFICIENTS.items():
        true, recovered = rows[names[label]]
        assert true == pytest.approx(value)
        assert recovered * value > 0, f"{names[label]}: sign of {recovered} differs from {value}"
        assert abs(recovered - value) <= 0.25 * abs(value) + 0.05, names[label]
    spurious = [recovered for name, (true, recovered) in rows.items() if true == 0]
    assert spurious and max(abs(value) for value in spurious) < 0.2


def test_quick_demo_reports_fidelity_and_saves_two_figures(quick_run) -> None:
    result, folder = quick_run
    match = re.search(r"R² ([\d.]+), MSE ([\d.e+-]+)", result.output)
    assert match and float(match.group(1)) > 0.99
    for name in ("top_coefficients.png", "fidelity.png"):
        path = folder / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Network(5 -> 32[softplus(beta=2.0)] -> 1[linear])" in result.output
    assert "40/40" in result.output  # the progress bar reached the last epoch


def test_demo_data_come_from_the_known_polynomial() -> None:
    import numpy as np

    X_train, y_train, X_test, y_test = make_data(500, 100)
    X = np.vstack([X_train, X_test])
    assert X.min() == -1.0 and X.max() == 1.0
    residual = np.concatenate([y_train, y_test]) - true_polynomial_values(X)
    assert abs(residual.mean()) < 0.02 and 0.08 < residual.std() < 0.12
    # an independent least-squares fit on the monomials recovers the true coefficients
    design = np.column_stack(
        [np.ones(len(X)), X, X[:, 0] * X[:, 1], X[:, 2] * X[:, 3], X[:, 0] * X[:, 2]]
    )
    y = np.concatenate([y_train, y_test])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose(beta, [0.5, 2.0, -1.5, 1.0, 0.0, 0.0, 1.5, -1.0, 0.0], atol=0.05)


def test_demo_refuses_an_output_path_that_is_a_file(tmp_path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = CliRunner().invoke(app, ["demo", "--quick", "-o", str(target)])
    assert result.exit_code == 2
    assert "not a folder" in result.output
