"""Bar chart of top coefficients and the fidelity scatter."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as pyplot
from matplotlib.colors import to_hex

import nn2poly
from nn2poly.plotting import plot_fidelity, plot_top_coefficients
from nn2poly.plotting._basic import NEGATIVE_COLOR, POSITIVE_COLOR


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    pyplot.close("all")


def two_output_polynomial() -> nn2poly.Polynomial:
    powers = np.array([[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]])
    coef = np.array([[9.0, 0.0], [0.5, -3.0], [-2.0, 0.1], [0.1, 0.2], [1.5, -0.4], [-0.2, 1.0]])
    return nn2poly.Polynomial(
        powers, coef, feature_names=["a", "b"], output_names=["first", "second"]
    )


def test_top_coefficients_one_panel_per_output_largest_on_top() -> None:
    poly = two_output_polynomial()
    figure = plot_top_coefficients(poly, n=3)
    assert len(figure.axes) == 2
    first, second = figure.axes
    # barh draws bottom-up: the last bar is the largest |coefficient|, intercept excluded
    assert [tick.get_text() for tick in first.get_yticklabels()] == ["a", "a*b", "b"]
    assert [patch.get_width() for patch in first.patches] == [0.5, 1.5, -2.0]
    colors = [to_hex(patch.get_facecolor()) for patch in first.patches]
    assert colors == [to_hex(c) for c in (POSITIVE_COLOR, POSITIVE_COLOR, NEGATIVE_COLOR)]
    assert [patch.get_width() for patch in second.patches] == [-0.4, 1.0, -3.0]
    assert first.get_title() == "first" and second.get_title() == "second"


def test_top_coefficients_on_given_axes_and_bad_input() -> None:
    poly = two_output_polynomial()
    figure, axes = pyplot.subplots(1, 2)
    assert plot_top_coefficients(poly, n=2, ax=axes) is figure
    with pytest.raises(ValueError, match="'ax' parameter of plot_top_coefficients must be 2 "):
        plot_top_coefficients(poly, ax=axes[0])
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="'n' parameter of plot_top_coefficients"):
            plot_top_coefficients(poly, n=bad)
    with pytest.raises(TypeError, match="Polynomial"):
        plot_top_coefficients(np.zeros(3))


def test_classifier_panels_say_logit() -> None:
    poly = nn2poly.Polynomial(np.array([[0], [1]]), np.array([[0.0], [2.0]]), link="sigmoid")
    assert "(logit)" in plot_top_coefficients(poly).axes[0].get_title()


def test_fidelity_scatter_and_identity_line() -> None:
    network = np.array([0.0, 1.0, 2.0, 3.0])
    polynomial = np.array([0.1, 0.9, 2.2, 3.0])
    figure = plot_fidelity(network, polynomial)
    axes = figure.axes[0]
    offsets = axes.collections[0].get_offsets()
    np.testing.assert_array_equal(offsets, np.column_stack([network, polynomial]))
    line = axes.lines[0]
    np.testing.assert_array_equal(line.get_xdata(), line.get_ydata())
    assert min(line.get_xdata()) == 0.0 and max(line.get_xdata()) == 3.0
    mse = np.mean((network - polynomial) ** 2)
    assert f"MSE {mse:.3g}" in axes.get_title()


def test_fidelity_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"'y_polynomial' parameter of plot_fidelity.*same inputs"):
        plot_fidelity(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="must be a non-empty array"):
        plot_fidelity(np.zeros(0), np.zeros(0))
