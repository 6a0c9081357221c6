"""The scripts in examples/ run, find what they claim and draw their figure."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def run_example(name: str) -> dict:
    namespace = runpy.run_path(str(EXAMPLES / name), run_name="nn2poly_example")
    found = namespace["main"]()
    figure = found["figure"]
    # the gallery shows what the script leaves open: the figure, with something drawn
    assert plt.fignum_exists(figure.number)
    assert figure.axes
    assert all(axes.has_data() for axes in figure.axes if axes.get_label() != "<colorbar>")
    return found


def test_xor_gate(capsys) -> None:
    found = run_example("xor_gate.py")
    np.testing.assert_allclose(found["linear_predictions"], 0.5, atol=1e-12)
    np.testing.assert_allclose(found["network_predictions"], [0, 1, 1, 0], atol=0.1)
    multilinear = found["multilinear"]  # XOR = x1 + x2 - 2 x1 x2 on {0, 1}
    assert multilinear["x1*x2"] == pytest.approx(-2.0, abs=0.2)
    assert multilinear["x1"] == pytest.approx(1.0, abs=0.1)
    assert multilinear["x2"] == pytest.approx(1.0, abs=0.1)
    assert "s1*s2 coefficient -" in capsys.readouterr().out
    surface, bars = found["figure"].axes[:2]
    # the bar chart's largest coefficient (drawn on top) is the interaction
    assert bars.get_yticklabels()[-1].get_text() == "s1*s2"
    assert surface.get_xlabel() == "s1"


@pytest.mark.slow
def test_circles(capsys) -> None:
    found = run_example("circles.py")
    assert found["accuracy"] >= 0.95
    assert found["agreement"] >= 0.95
    assert found["radial_r2"] > 0.8
    assert "x1^2 -" in capsys.readouterr().out
    (axes,) = found["figure"].axes
    assert len(axes.collections) >= 3  # the points and the two boundaries
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert labels == ["network (p = 0.5)", "polynomial (logit = 0)"]


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
    fidelity_axes, bars = found["figure"].axes
    assert fidelity_axes.get_xlabel() == "network"
    shown = [label.get_text() for label in bars.get_yticklabels()]
    assert shown[::-1] == list(found["top"])


def test_example_network_file_converts() -> None:
    import nn2poly

    path = EXAMPLES / "example_network.json"
    network = nn2poly.load_network(path)
    X = np.random.default_rng(0).uniform(-1, 1, (200, network.n_inputs))
    errors = []
    for max_order in (2, 3):
        poly = nn2poly.to_polynomial(path, max_order=max_order)
        assert (poly.n_features, poly.degree) == (network.n_inputs, max_order)
        errors.append(np.abs(poly(X) - network.forward(X)[:, 0]).max())
    # the polynomial follows the network, closer at the higher order
    assert errors[1] < errors[0] < 0.5


def test_interactions_bars_and_heat_map_are_the_polynomials_pairs(capsys) -> None:
    found = run_example("interactions.py")
    assert found["accuracy"] > 0.9
    assert found["agreement"] > 0.95
    poly = found["polynomial"]
    # only main effects and pairwise interactions are kept
    assert (np.count_nonzero(poly.powers, axis=1) <= 2).all()
    # and each kept coefficient is the full conversion's
    full = found["model"].to_polynomial(max_order=3)
    rows = {tuple(row): k for k, row in enumerate(full.powers)}
    kept = [rows[tuple(row)] for row in poly.powers]
    np.testing.assert_allclose(poly.coef, full.coef[kept], rtol=1e-12, atol=1e-15)
    # the strength of a pair, computed from the full polynomial's coefficients
    p = poly.n_features
    expected = np.zeros((p, p))
    for row, value in zip(full.powers, np.abs(full.coef[:, 0]), strict=True):
        used = np.flatnonzero(row)
        if len(used) == 2:
            expected[used[0], used[1]] += value
            expected[used[1], used[0]] += value
    np.testing.assert_allclose(found["strength"], expected, rtol=1e-12, atol=1e-15)
    upper = expected[np.triu_indices(p, k=1)]
    heat, bars = found["figure"].axes[:2]
    np.testing.assert_allclose(heat.get_images()[0].get_array(), expected, rtol=1e-12)
    widths = [patch.get_width() for patch in bars.patches][::-1]  # drawn weakest first
    np.testing.assert_allclose(widths, np.sort(upper)[::-1][:15], rtol=1e-12)
    names = poly.feature_names
    i, j = found["pairs"][0]
    assert bars.get_yticklabels()[-1].get_text() == f"{names[i]} x {names[j]}"
    out = capsys.readouterr().out
    assert "Strongest pairwise interactions" in out
    assert f"{names[i]:<24} x {names[j]:<24}" in out
