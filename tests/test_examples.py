"""The scripts in examples/ run and find what they claim."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str) -> dict:
    namespace = runpy.run_path(str(EXAMPLES / name), run_name="nn2poly_example")
    return namespace["main"]()


def test_xor_gate(capsys) -> None:
    found = run_example("xor_gate.py")
    np.testing.assert_allclose(found["linear_predictions"], 0.5, atol=1e-12)
    np.testing.assert_allclose(found["network_predictions"], [0, 1, 1, 0], atol=0.1)
    multilinear = found["multilinear"]  # XOR = x1 + x2 - 2 x1 x2 on {0, 1}
    assert multilinear["x1*x2"] == pytest.approx(-2.0, abs=0.2)
    assert multilinear["x1"] == pytest.approx(1.0, abs=0.1)
    assert multilinear["x2"] == pytest.approx(1.0, abs=0.1)
    assert "s1*s2 coefficient -" in capsys.readouterr().out


def test_circles(capsys) -> None:
    found = run_example("circles.py")
    assert found["accuracy"] >= 0.95
    assert found["agreement"] >= 0.95
    assert found["radial_r2"] > 0.8
    assert "x1^2 -" in capsys.readouterr().out


def test_diabetes_top_terms_are_the_most_correlated_inputs(capsys) -> None:
    from sklearn.datasets import load_diabetes

    found = run_example("diabetes.py")
    assert found["fidelity"] > 0.99
    assert found["score"] > 0.3
    data = load_diabetes()
    correlation = [abs(np.corrcoef(column, data.target)[0, 1]) for column in data.data.T]
    strongest = {data.feature_names[i] for i in np.argsort(correlation)[::-1][:2]}
    # the network's two largest terms are the two inputs most correlated with the target
    assert set(found["top"][:2]) == strongest
    assert "Top terms" in capsys.readouterr().out
