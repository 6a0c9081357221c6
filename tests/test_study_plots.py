"""Study figures render (Agg) with the expected panels; the same-data spread of coefficients."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import nn2poly
from nn2poly.study import (
    coefficient_spread,
    plot_coefficient_intervals,
    plot_coefficient_recovery,
    plot_mse_distribution,
    plot_study,
    plot_surfaces,
    random_polynomial,
    same_data_networks,
    simulate,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def results_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for activation in ["tanh", "softplus", "sigmoid"]:
        for constraint in ["none", "l1"]:
            for q in [3, 5]:
                for rep in range(4):
                    rows.append(
                        {
                            "activation": activation,
                            "constraint": constraint,
                            "taylor_order": q,
                            "mse_network_polynomial": 10 ** rng.uniform(-8, 0),
                            "repetition": rep,
                        }
                    )
    return pd.DataFrame(rows)


def test_mse_distribution_panels_boxes_and_log_scale():
    figure = plot_mse_distribution(
        results_frame(), by=["activation", "constraint"], panel="taylor_order"
    )
    assert len(figure.axes) == 2
    ax = figure.axes[0]
    assert ax.get_yscale() == "log"
    assert len(ax.get_xticks()) == 6
    assert ax.get_title() == "Taylor order q = 3"
    assert len(plot_mse_distribution(results_frame()).axes) == 1
    with pytest.raises(ValueError, match="not in the results"):
        plot_mse_distribution(results_frame(), metric="mse_nope")


def test_coefficient_recovery_one_panel_per_value():
    frame = pd.DataFrame(
        {
            "term": ["0", "1", "1,2"] * 4,
            "true": [0.5, -1.0, 2.0] * 4,
            "recovered": np.linspace(-1, 2, 12),
            "constraint": ["none"] * 6 + ["l1"] * 6,
            "activation": ["tanh", "sigmoid", "softplus", "tanh"] * 3,
        }
    )
    assert len(plot_coefficient_recovery(frame, panel="constraint").axes) == 2
    assert len(plot_coefficient_recovery(frame, panel="activation").axes) == 3
    assert len(plot_coefficient_recovery(frame).axes) == 1


def test_surfaces_two_ranges_three_models():
    truth = random_polynomial(2, 2, rng=0)
    figure = plot_surfaces(truth, truth, truth.truncate(1), resolution=6)
    assert len(figure.axes) == 6
    assert all(ax.name == "3d" for ax in figure.axes)
    single = plot_surfaces(truth, truth, truth, ranges=[(-1, 1)], resolution=5)
    assert len(single.axes) == 3
    with pytest.raises(TypeError, match="callable"):
        plot_surfaces(truth, 3.0, truth)


def test_coefficient_spread_statistics_and_interval_plot():
    powers = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])
    values = np.array([[0.1, 1.0, 0.2, -0.5], [0.1, 1.2, -0.2, -0.7], [0.1, 0.8, 0.0, -0.6]])
    spread = coefficient_spread([nn2poly.Polynomial(powers, v) for v in values], level=0.9)
    assert np.allclose(spread.mean, values.mean(axis=0))
    assert np.allclose(spread.sd, values.std(axis=0, ddof=1))
    assert spread.stable.tolist() == [True, True, False, True]
    assert list(spread.to_frame().columns) == ["term", "mean", "sd", "lower", "upper", "stable"]
    figure = plot_coefficient_intervals(spread, n=2)
    assert len(figure.axes) == 1 and len(figure.axes[0].get_yticks()) == 2
    with pytest.raises(ValueError, match="at least 2"):
        coefficient_spread([nn2poly.Polynomial(powers, values[0])])


def test_same_data_networks_trains_k_networks():
    data = simulate(random_polynomial(2, 2, rng=1), 60, rng=1)
    spread, models = same_data_networks(
        data.X_scaled[data.train],
        data.y_scaled[data.train],
        k=3,
        max_order=2,
        hidden_layer_sizes=(4,),
        activation="tanh",
        constraint="l1",
        epochs=2,
        batch_size=32,
    )
    assert len(models) == 3 and spread.values.shape == (3, 6)
    assert np.ptp(spread.values, axis=0).max() > 0  # different seeds, different networks
    assert all(isinstance(model.polynomial_, nn2poly.Polynomial) for model in models)


def test_plot_study_writes_every_figure(tmp_path):
    from nn2poly.study import StudyConfig, run_study

    config = StudyConfig(
        "p",
        data={"n_features": 2, "n": 30},
        network={"width": 3, "epochs": 1},
        grid={"activation": ["tanh", "sigmoid"], "width": [2, 3]},
        repetitions=1,
        conversions=[{"max_order": 2, "taylor_order": 3}],
    )
    run_study(config, tmp_path, backend="serial")
    written = plot_study(tmp_path)
    assert sorted(path.name for path in written) == [
        "coefficient_recovery.png",
        "mse_network_polynomial.png",
        "mse_polynomial_y.png",
        "summary.csv",
    ]
    summary = pd.read_csv(tmp_path / "figures" / "summary.csv")
    assert len(summary) == 4 and summary["runs"].eq(1).all()
