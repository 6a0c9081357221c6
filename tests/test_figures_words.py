"""Figures for a paper: words on every title, axis, tick and legend; the drawn data in order."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import nn2poly
from nn2poly._validation import InvalidParameterTypeError
from nn2poly.diagnostics._plot import worst_first
from nn2poly.plotting import plot_top_coefficients
from nn2poly.plotting._basic import approximation_words
from nn2poly.study import plot_coefficient_recovery, plot_mse_distribution, plot_study


@pytest.fixture(autouse=True)
def close_figures():  # type: ignore[no-untyped-def]
    yield
    plt.close("all")


def texts(items) -> list[str]:  # type: ignore[no-untyped-def]
    return [item.get_text() for item in items]


def deep_results() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {
            "activation": activation,
            "width": width,
            "depth": 3,
            "mse_network_polynomial": 10 ** rng.uniform(-6, 0),
        }
        for activation in ("softplus|softplus|softplus", "tanh|tanh|sigmoid")
        for width in (50, 100)
        for _ in range(10)
    ]
    return pd.DataFrame(rows)


def test_mse_distribution_speaks_in_words() -> None:
    figure = plot_mse_distribution(deep_results(), by=["activation", "width"], panel="depth")
    (ax,) = figure.axes
    assert ax.get_title() == "hidden layers = 3"
    assert ax.get_ylabel() == "MSE (network vs polynomial)"
    assert ax.get_xlabel() == "activation, width"
    ticks = texts(ax.get_xticklabels())
    assert ticks == [
        "softplus \u00d73, 50",
        "softplus \u00d73, 100",
        "tanh \u00d72, sigmoid, 50",
        "tanh \u00d72, sigmoid, 100",
    ]
    assert all("softplussoftplus" not in tick and "|" not in tick for tick in ticks)
    assert all(label.get_rotation() == 30 for label in ax.get_xticklabels())  # long: rotated
    (legend,) = figure.legends
    assert texts(legend.get_texts()) == [
        "threshold 0.01",
        "share of runs below 0.01 (under each box)",
    ]
    shares = [child.get_text() for child in ax.texts]
    assert len(shares) == 4 and all(share.endswith("%") for share in shares)


def test_mse_distribution_without_threshold_has_no_legend_and_takes_a_title() -> None:
    frame = deep_results()
    figure = plot_mse_distribution(frame, threshold=None, title="Deep networks")
    assert figure.legends == [] and len(figure.axes[0].texts) == 0
    assert figure.get_suptitle() == "Deep networks"
    assert texts(figure.axes[0].get_xticklabels()) == ["softplus \u00d73", "tanh \u00d72, sigmoid"]
    assert figure.axes[0].get_xticklabels()[0].get_rotation() == 0
    with pytest.raises(InvalidParameterTypeError, match="'title' parameter"):
        plot_mse_distribution(frame, title=3)  # type: ignore[arg-type]


def test_plot_study_titles_conversions_as_the_papers(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import nn2poly.study._plots as plots

    folder = tmp_path / "study"
    folder.mkdir()
    lines = [
        "run_id,conversion,n_conversions,setting,taylor_order,max_order,"
        "mse_network_polynomial,mse_polynomial_y"
    ]
    for run in range(4):
        for conversion, (q, Q) in enumerate([(3, 3), (8, 3)]):
            mse = 10.0 ** -(run + conversion)
            lines.append(f"{run}-0,{conversion},2,{run % 2},{q},{Q},{mse},{2 * mse}")
    (folder / "results.csv").write_text("\n".join(lines) + "\n")
    drawn = []
    original = plots.plot_mse_distribution

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(original(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(plots, "plot_mse_distribution", recording)
    plot_study(folder)
    network, response = drawn
    assert [ax.get_title() for ax in network.axes] == ["q = 3, Q = 3", "q = 8, Q = 3"]
    assert network.get_suptitle().startswith("MSE (network vs polynomial), per conversion")
    assert "q: Taylor order, Q: max order" in network.get_suptitle()
    assert network.axes[0].get_xlabel() == "setting"
    assert response.axes[0].get_ylabel() == "MSE (polynomial vs response)"
    assert response.legends == []


def test_coefficient_recovery_titles_and_legend() -> None:
    frame = pd.DataFrame(
        {
            "term": ["0", "1", "1,2"] * 2,
            "true": [0.5, -1.0, 2.0] * 2,
            "recovered": [0.4, -0.9, 2.1, 0.6, -1.1, 1.9],
            "constraint": ["none"] * 3 + ["l1"] * 3,
        }
    )
    figure = plot_coefficient_recovery(frame, panel="constraint")
    assert [ax.get_title() for ax in figure.axes] == [
        "weight constraint = none",
        "weight constraint = l1",
    ]
    legend = figure.axes[0].get_legend()
    assert legend.get_title().get_text() == "term"
    assert texts(legend.get_texts()) == ["degree 0", "degree 1", "degree 2", "recovered = true"]


@pytest.fixture(scope="module")
def network_and_data() -> tuple[nn2poly.Network, np.ndarray]:
    rng = np.random.default_rng(1)
    net = nn2poly.Network.from_weights(
        [rng.normal(0, 1.2, (4, 8)), rng.normal(0, 1, (9, 1))], ["tanh", "linear"]
    )
    return net, rng.uniform(-1, 1, (300, 3))


def test_top_coefficients_title_names_output_and_approximation(network_and_data) -> None:  # type: ignore[no-untyped-def]
    net, X = network_and_data
    fitted = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    title = plot_top_coefficients(fitted, n=4).axes[0].get_title()
    assert title == "y1\npolynomials fitted on 300 rows, max order 3"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        taylor = nn2poly.to_polynomial(net, 2, approximation="taylor")
    ax = plot_top_coefficients(taylor, n=3).axes[0]
    assert ax.get_title() == "y1\nNN2Poly (Taylor expansion at 0), max order 2"
    assert texts(ax.get_legend().get_texts()) == ["positive", "negative"]
    plain = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1]], [[5.0], [-1.0], [2.0]])
    assert plot_top_coefficients(plain).axes[0].get_title() == "y1"  # no provenance: the name


def test_top_coefficients_intercept_is_optional() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1]], [[5.0], [-1.0], [2.0]])
    without = plot_top_coefficients(poly, n=2).axes[0]
    assert texts(without.get_yticklabels()) == ["x1", "x1*x2"]
    bars = [patch.get_width() for patch in without.patches]
    assert bars == [-1.0, 2.0]
    shown = plot_top_coefficients(poly, n=2, include_intercept=True).axes[0]
    assert texts(shown.get_yticklabels()) == ["x1*x2", "intercept"]
    with pytest.raises(InvalidParameterTypeError, match="include_intercept"):
        plot_top_coefficients(poly, include_intercept="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "provenance,expected",
    [
        ({"approximation": "taylor", "taylor_center": "local"}, "at each neuron's own potential"),
        ({"approximation": "taylor", "taylor_center": 0.5, "max_order": 4}, "at 0.5), max order 4"),
        ({"approximation": "fit", "fit_interval": [-3.0, 3.0]}, "fitted on [-3, 3]"),
        ({"approximation": "fit", "fit_interval": [[-3, 3], [-1, 2]]}, "an interval per layer"),
        ({"approximation": "fit", "fit_rows": 10, "refined": True}, "10 rows, refined"),
        ({"approximation": "FitApproximation"}, "FitApproximation"),
    ],
)
def test_approximation_words(provenance: dict[str, object], expected: str) -> None:
    assert expected in approximation_words(provenance)


def test_activation_fit_orders_every_neuron_worst_first(network_and_data) -> None:  # type: ignore[no-untyped-def]
    net, X = network_and_data
    diagnosis = nn2poly.diagnose(net, X, max_order=3, approximation="taylor", n_worst=1)
    layer = diagnosis.layers[0]
    order = worst_first(layer)
    assert sorted(order) == list(range(8)) and order[0] == layer.worst[0]
    shares = layer.neuron_share_off[order]
    assert np.all(np.diff(shares) <= 0)  # worst first, beyond the n_worst the report lists
    ax = diagnosis.plot(0, max_neurons=8).axes[0]
    labels = [text for text in texts(ax.get_legend().get_texts()) if text.startswith("neuron")]
    assert [int(label.split()[1].rstrip(":")) for label in labels] == order
    assert labels[0] == f"neuron {order[0]}: {100 * shares[0]:.0f}% off"
    assert "dotted: beyond the neuron's potentials" in texts(ax.get_legend().get_texts())
    assert ax.get_title().startswith("Layer 0: tanh, Taylor expansion (NN2Poly), max order 3")


def test_coefficient_intervals_say_intercept_and_explain_the_points() -> None:
    from nn2poly.study import coefficient_spread, plot_coefficient_intervals

    powers = np.array([[0, 0], [1, 0], [0, 1]])
    polys = [nn2poly.Polynomial(powers, np.array([3.0, 1.0 + d, -d])) for d in (-0.1, 0.0, 0.1)]
    spread = coefficient_spread(polys)
    ax = plot_coefficient_intervals(spread, include_intercept=True).axes[0]
    assert texts(ax.get_yticklabels()) == ["x2", "x1", "intercept"]  # largest on top
    assert texts(ax.get_legend().get_texts()) == ["mean (colour: sign)", "one network"]
    ax = plot_coefficient_intervals(spread).axes[0]
    assert "intercept" not in texts(ax.get_yticklabels())
