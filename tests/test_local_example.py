"""examples/local_explanations.py runs, explains each patient exactly and draws its figure."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "local_explanations.py"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.mark.slow
def test_local_explanations(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    found = runpy.run_path(str(EXAMPLE), run_name="nn2poly_example")["main"]()
    local, model, X_test = found["local"], found["model"], found["X_test"]
    # each patient's constant is the network's prediction, its gradient the network's
    np.testing.assert_allclose(local.values[:, 0], model.predict(X_test), rtol=1e-10)
    h = 1e-5
    for j in range(X_test.shape[1]):
        step = np.zeros(X_test.shape[1])
        step[j] = h
        central = (model.predict(X_test + step) - model.predict(X_test - step)) / (2 * h)
        np.testing.assert_allclose(local.gradients[:, j, 0], central, atol=1e-7)
    # near the patient, each order follows the network more closely
    errors = found["errors"]
    assert errors[3] < errors[2] < errors[1] < 0.05
    assert "Largest terms of its local polynomial" in capsys.readouterr().out
    effects, line = found["figure"].axes
    assert effects.has_data() and line.has_data()
    labels = [label.get_text() for label in effects.get_yticklabels()]
    assert "body-mass index" in labels and "s5" not in labels
    assert [text.get_text() for text in line.get_legend().get_texts()] == [
        "network",
        "local polynomial, order 1",
        "local polynomial, order 2",
        "local polynomial, order 3",
    ]
