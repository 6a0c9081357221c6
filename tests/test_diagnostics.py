"""distill, diagnose and the activation-fit plot."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn2poly
from nn2poly.adapters import AdaptedModel
from nn2poly.diagnostics import Diagnosis, plot_activation_fit


def _network(rng, p=3, widths=(6,), activation="tanh", scale=1.0, n_outputs=1):
    sizes = [p, *widths, n_outputs]
    weights = [rng.normal(0.0, scale, (sizes[i] + 1, sizes[i + 1])) for i in range(len(sizes) - 1)]
    return nn2poly.Network.from_weights(weights, [activation] * len(widths) + ["linear"])


def _planted(rng):
    """Every hidden neuron l1-bounded by 0.5, except neuron 2 with potentials up to 6."""
    weights = [rng.uniform(-1, 1, (4, 5)), rng.normal(0, 1, (6, 1))]
    weights[0] *= 0.5 / np.abs(weights[0]).sum(axis=0)
    weights[0][:, 2] = [0.0, 6.0, 0.0, 0.0]
    return nn2poly.Network.from_weights(weights, ["tanh", "linear"])


# ------------------------------------------------------------------ distill
@pytest.mark.parametrize("max_order", [1, 2, 3])
def test_distill_is_the_least_squares_polynomial(max_order):
    from sklearn.preprocessing import PolynomialFeatures

    rng = np.random.default_rng(0)
    net = _network(rng, n_outputs=2)
    X = rng.uniform(-1, 1, (200, 3))
    poly = nn2poly.distill(net, X, max_order)
    design = PolynomialFeatures(max_order).fit_transform(X)
    expected, *_ = np.linalg.lstsq(design, net.forward(X), rcond=None)
    np.testing.assert_allclose(poly.coef, expected, rtol=1e-7, atol=1e-9)
    assert poly.coef.shape == (design.shape[1], 2)


def test_distill_is_at_least_as_close_on_its_data_as_any_conversion():
    rng = np.random.default_rng(1)
    net = _network(rng, widths=(8, 8), scale=0.8)
    X = rng.uniform(-1, 1, (300, 3))
    truth = net.forward(X)[:, 0]
    distilled = nn2poly.distill(net, X, 3)
    fitted = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        taylor = nn2poly.to_polynomial(net, 3)
    best = np.mean((distilled.predict(X) - truth) ** 2)
    assert best <= np.mean((fitted.predict(X) - truth) ** 2) + 1e-15
    assert best <= np.mean((taylor.predict(X) - truth) ** 2)


def test_distill_keeps_the_link_and_names():
    rng = np.random.default_rng(2)
    net = _network(rng)
    model = AdaptedModel(net, link="sigmoid", feature_names=("a", "b", "c"))
    poly = nn2poly.distill(model, rng.uniform(-1, 1, (50, 3)), 2)
    assert poly.link == "sigmoid"
    assert poly.feature_names == ("a", "b", "c")


def test_distill_errors():
    rng = np.random.default_rng(3)
    net = _network(rng)
    with pytest.raises(ValueError, match="at least 20 samples"):
        nn2poly.distill(net, rng.uniform(-1, 1, (10, 3)), 3)
    with pytest.raises(ValueError, match="3 inputs"):
        nn2poly.distill(net, rng.uniform(-1, 1, (50, 4)), 2)
    data = rng.uniform(-1, 1, (50, 3))
    data[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        nn2poly.distill(net, data, 2)
    with pytest.raises(ValueError, match="max_order"):
        nn2poly.distill(net, rng.uniform(-1, 1, (50, 3)), 0)


# ----------------------------------------------------------------- diagnose
def test_diagnose_flags_a_planted_out_of_range_neuron():
    rng = np.random.default_rng(4)
    net = _planted(rng)
    X = rng.uniform(-1, 1, (400, 3))
    report = nn2poly.diagnose(net, X, max_order=3)
    hidden = report.layers[0]
    assert hidden.worst[0] == 2
    assert hidden.neuron_share_off[2] > 0.5
    others = np.delete(hidden.neuron_share_off, 2)
    np.testing.assert_array_equal(others, 0.0)  # |u| <= 0.5: cubic Taylor error < 1e-2
    assert hidden.neuron_ranges[2, 1] > 5.0
    np.testing.assert_allclose(hidden.share_off, hidden.neuron_share_off.mean())
    assert report.layers[1].exact and report.layers[1].share_off == 0.0
    assert "2 (" in str(report).splitlines()[4]


def test_diagnose_potentials_and_fidelity_match_independent_computations():
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(5)
    net = _network(rng, widths=(5, 4), scale=1.2)
    X = rng.uniform(-1, 1, (250, 3))
    report = nn2poly.diagnose(net, X, max_order=3, approximation="fit")
    poly = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    truth, prediction = net.forward(X)[:, 0], poly.predict(X)
    assert report.mse == pytest.approx(np.mean((prediction - truth) ** 2), rel=1e-9)
    assert report.max_abs_error == pytest.approx(np.max(np.abs(prediction - truth)), rel=1e-9)
    assert report.r2 == pytest.approx(r2_score(truth, prediction), rel=1e-9)
    assert report.class_agreement is None
    for layer, u in zip(report.layers, net.pre_activations(X), strict=True):
        np.testing.assert_allclose(
            layer.quantiles, np.quantile(u, [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1])
        )
        np.testing.assert_allclose(layer.neuron_ranges[:, 0], u.min(axis=0))


def test_diagnose_measures_the_fitted_polynomials_against_the_activation():
    rng = np.random.default_rng(6)
    net = _network(rng, scale=1.5)
    X = rng.uniform(-1, 1, (300, 3))
    report = nn2poly.diagnose(net, X, max_order=3, approximation="fit", tolerance=0.05)
    u = net.pre_activations(X)[0]
    # first layer: the fitted cubic of each neuron is numpy's least-squares cubic
    errors = np.column_stack(
        [
            np.abs(np.polyval(np.polyfit(u[:, j], np.tanh(u[:, j]), 3), u[:, j]) - np.tanh(u[:, j]))
            for j in range(u.shape[1])
        ]
    )
    np.testing.assert_allclose(report.layers[0].neuron_max_error, errors.max(axis=0), rtol=1e-6)
    np.testing.assert_allclose(report.layers[0].neuron_share_off, (errors > 0.05).mean(axis=0))


def test_diagnose_judges_a_given_polynomial():
    rng = np.random.default_rng(7)
    net = _network(rng)
    X = rng.uniform(-1, 1, (200, 3))
    distilled = nn2poly.distill(net, X, 2)
    report = nn2poly.diagnose(net, X, distilled)
    assert report.polynomial is distilled
    assert report.max_order == 2
    assert report.mse == pytest.approx(np.mean((distilled.predict(X) - net.forward(X)[:, 0]) ** 2))


def test_diagnose_class_agreement():
    rng = np.random.default_rng(8)
    net = _network(rng, n_outputs=3, scale=1.5)
    X = rng.uniform(-1, 1, (300, 3))
    model = AdaptedModel(net, link="softmax")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(model, 3)
    report = nn2poly.diagnose(model, X, poly, max_order=3)
    expected = np.mean(np.argmax(net.forward(X), axis=1) == np.argmax(poly.predict(X), axis=1))
    assert report.class_agreement == pytest.approx(expected)
    assert "class agreement" in str(report)


def test_diagnose_relu_network_with_fit():
    rng = np.random.default_rng(9)
    net = _network(rng, widths=(10, 10), activation="relu", scale=0.7)
    X = rng.uniform(-1, 1, (300, 3))
    with pytest.raises(nn2poly.NotAnalyticError):
        nn2poly.diagnose(net, X, approximation="taylor")
    report = nn2poly.diagnose(net, X, max_order=3, approximation="fit")
    assert report.r2 > 0.8
    assert isinstance(report, Diagnosis)


def test_diagnose_errors():
    rng = np.random.default_rng(10)
    net = _network(rng)
    X = rng.uniform(-1, 1, (30, 3))
    with pytest.raises(ValueError, match="tolerance"):
        nn2poly.diagnose(net, X, tolerance=0.0)
    with pytest.raises(TypeError, match="Polynomial"):
        nn2poly.diagnose(net, X, "poly")
    other = nn2poly.distill(_network(rng, p=2), rng.uniform(-1, 1, (30, 2)), 2)
    with pytest.raises(ValueError, match="2 features"):
        nn2poly.diagnose(net, X, other)
    with pytest.raises(ValueError, match="NaN"):
        nn2poly.diagnose(net, np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match="'approximation' parameter of diagnose must be"):
        nn2poly.diagnose(net, X, approximation="chebyshev")
    with pytest.raises(ValueError, match="approximation='fit'"):
        nn2poly.diagnose(net, X, approximation="taylor", interval=(-1, 1))


# -------------------------------------------------------------------- plot
@pytest.mark.parametrize("approximation", ["taylor", "fit"])
def test_plot_shows_activation_polynomials_and_density(approximation):
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(11)
    net = _planted(rng)
    X = rng.uniform(-1, 1, (200, 3))
    report = nn2poly.diagnose(net, X, max_order=3, approximation=approximation)
    figure = report.plot(0, max_neurons=2)
    ax = figure.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "tanh" in labels
    assert labels[1].startswith("neuron 2")  # the planted neuron is drawn first
    assert len(ax.collections) == 1  # the density
    black = next(line for line in ax.get_lines() if line.get_label() == "tanh")
    x, y = black.get_data()
    np.testing.assert_allclose(y, np.tanh(x))
    assert x.min() < net.pre_activations(X)[0].min()
    plt.close(figure)
    figure, ax = plt.subplots()
    assert plot_activation_fit(report, 1, ax=ax) is figure  # exact output layer
    plt.close(figure)


def test_plot_errors():
    rng = np.random.default_rng(12)
    report = nn2poly.diagnose(_planted(rng), rng.uniform(-1, 1, (50, 3)), max_order=2)
    with pytest.raises(ValueError, match="out of range"):
        report.plot(5)
    with pytest.raises(ValueError, match="do not exist"):
        report.plot(0, neurons=[7])
