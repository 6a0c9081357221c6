"""approximation="fit": range-fitted activation polynomials."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn2poly
from nn2poly._fit import check_interval

SMOOTH = ("tanh", "sigmoid", "softplus", "arctan", "silu", "gelu", "isru")
KINKED = ("relu", "leaky_relu", "elu", "softsign")


def _random_network(rng, p, widths, activation, scale):
    sizes = [p, *widths, 1]
    weights = [rng.normal(0.0, scale, (sizes[i] + 1, sizes[i + 1])) for i in range(len(sizes) - 1)]
    return nn2poly.Network.from_weights(weights, [activation] * len(widths) + ["linear"])


def _mse(a, b):
    return float(np.mean((np.asarray(a).ravel() - np.asarray(b).ravel()) ** 2))


def _single_neuron(activation):
    # y = g(x): potential equals the input
    return nn2poly.Network.from_weights(
        [np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])], [activation, "linear"]
    )


@pytest.mark.parametrize("activation", SMOOTH + KINKED)
@pytest.mark.parametrize("degree", [3, 5, 8])
def test_interval_fit_is_near_minimax(activation, degree):
    net = _single_neuron(activation)
    g = nn2poly.get_activation(activation)
    poly = nn2poly.to_polynomial(net, degree, approximation="fit", interval=(-3.0, 3.0))
    grid = np.linspace(-3.0, 3.0, 601)
    error = np.max(np.abs(poly.predict(grid[:, None]) - g(grid)))
    # oracle: numpy's Chebyshev interpolant of the same degree, within a few % of minimax
    oracle = np.polynomial.Chebyshev.interpolate(g, degree, domain=[-3.0, 3.0])
    assert error <= 1.3 * np.max(np.abs(oracle(grid) - g(grid)))


@pytest.mark.parametrize("activation", SMOOTH + KINKED)
def test_interval_fit_reproduces_the_activation(activation):
    net = _single_neuron(activation)
    poly = nn2poly.to_polynomial(net, 8, approximation="fit", interval=(-1.0, 1.0))
    grid = np.linspace(-1.0, 1.0, 401)[:, None]
    error = np.max(np.abs(poly.predict(grid) - net.forward(grid)[:, 0]))
    tolerance = 5e-4 if activation in SMOOTH else 0.04
    assert error < tolerance
    # shifted interval: the polynomial follows it
    poly = nn2poly.to_polynomial(net, 8, approximation="fit", interval=(2.0, 4.0))
    grid = np.linspace(2.0, 4.0, 401)[:, None]
    assert np.max(np.abs(poly.predict(grid) - net.forward(grid)[:, 0])) < 5e-4


@pytest.mark.parametrize("activation", ["tanh", "relu", "softplus"])
def test_first_layer_fit_is_the_least_squares_fit_of_each_neuron(activation):
    rng = np.random.default_rng(1)
    net = _random_network(rng, 3, [6], activation, 1.5)
    X = rng.uniform(-1, 1, (300, 3))
    poly = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    hidden, output = net.layers
    u = hidden.pre_activation(X)
    g = nn2poly.get_activation(activation)
    fitted = np.column_stack(
        [np.polyval(np.polyfit(u[:, j], g(u[:, j]), 3), u[:, j]) for j in range(u.shape[1])]
    )
    expected = output.pre_activation(fitted)[:, 0]
    np.testing.assert_allclose(poly.predict(X), expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(("widths", "max_order"), [((4,), 2), ((3, 2), 4)])
def test_polynomial_activations_are_reproduced_exactly(widths, max_order):
    rng = np.random.default_rng(2)
    net = _random_network(rng, 2, list(widths), "square", 0.7)
    X = rng.uniform(-1, 1, (50, 2))
    poly = nn2poly.to_polynomial(net, max_order, approximation="fit", data=X)
    X_new = rng.uniform(-2, 2, (40, 2))
    np.testing.assert_allclose(poly.predict(X_new), net.forward(X_new)[:, 0], rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
def test_fit_agrees_with_taylor_when_potentials_are_small(activation):
    rng = np.random.default_rng(3)
    net = _random_network(rng, 3, [5, 5], activation, 1.0)
    # rescale every hidden neuron so that |potential| <= 0.1 on [-1, 1]^3
    weights = net.to_weights()
    for index in range(2):
        bound = np.abs(weights[index]).sum(axis=0)
        if index == 1:
            bound = np.abs(weights[1][0]) + np.abs(weights[1][1:]).sum(axis=0) * 1.0
        weights[index] = weights[index] / bound * 0.1
    net = nn2poly.Network.from_weights(weights, net.activations)
    X = rng.uniform(-1, 1, (400, 3))
    for layer_u in net.pre_activations(X)[:-1]:
        assert np.abs(layer_u).max() <= 0.1 + 1e-12
    fit = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    taylor = nn2poly.to_polynomial(net, 3, taylor_center="local")
    scale = np.std(net.forward(X))
    assert np.max(np.abs(fit.predict(X) - taylor.predict(X))) < 1e-3 * scale + 1e-6
    np.testing.assert_allclose(fit.coef[:4], taylor.coef[:4], rtol=1e-2, atol=1e-5)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu", "softsign"])
def test_non_analytic_networks_convert(activation):
    rng = np.random.default_rng(4)
    net = _random_network(rng, 4, [16, 16], activation, 0.6)
    X = rng.uniform(-1, 1, (600, 4))
    X_test = rng.uniform(-1, 1, (300, 4))
    with pytest.raises(nn2poly.NotAnalyticError):
        nn2poly.to_polynomial(net, 3)
    poly = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    truth = net.forward(X_test)[:, 0]
    assert np.all(np.isfinite(poly.coef))
    assert _mse(poly.predict(X_test), truth) < 0.1 * np.var(truth)


def test_fit_beats_taylor_on_an_unconstrained_deep_network():
    rng = np.random.default_rng(5)
    net = _random_network(rng, 5, [20, 20], "tanh", 0.8)
    X = rng.uniform(-1, 1, (500, 5))
    X_test = rng.uniform(-1, 1, (500, 5))
    truth = net.forward(X_test)[:, 0]
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        taylor = nn2poly.to_polynomial(net, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "fit" must not warn about Taylor accuracy
        fit = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    # the best cubic on these inputs (direct least squares) bounds what any cubic can do
    M = fit.monomial_values(X)
    best, *_ = np.linalg.lstsq(M, net.forward(X)[:, 0], rcond=None)
    distilled = _mse(fit.monomial_values(X_test) @ best, truth)
    fit_error = _mse(fit.predict(X_test), truth)
    assert fit_error < 0.01 * _mse(taylor.predict(X_test), truth)
    assert fit_error < 3.0 * distilled


def test_interval_per_layer_and_degree_cap():
    rng = np.random.default_rng(6)
    net = _random_network(rng, 2, [3, 3], "tanh", 0.5)
    fit = nn2poly.FitApproximation(interval=[(-1, 1), (-2, 2), (0, 1)], orders=(5, 1, 1)).bind(
        net, 2
    )
    assert fit.degrees == (2, 1, 1)
    assert fit.identity == (False, False, True)
    np.testing.assert_allclose(fit.ranges[1], np.tile([-2.0, 2.0], (3, 1)))
    assert check_interval((0, 1), 3) == ((0.0, 1.0),) * 3


def test_fit_uses_requested_orders_as_degrees():
    rng = np.random.default_rng(7)
    net = _random_network(rng, 2, [3], "tanh", 0.5)
    X = rng.uniform(-1, 1, (100, 2))
    poly = nn2poly.to_polynomial(net, 4, approximation="fit", data=X, taylor_orders=[2, 1])
    assert poly.degree == 2


class TestErrors:
    @pytest.fixture
    def net(self):
        return _random_network(np.random.default_rng(8), 3, [4], "tanh", 0.5)

    def test_fit_without_data_or_interval(self, net):
        with pytest.raises(ValueError, match="data=X_train"):
            nn2poly.to_polynomial(net, 2, approximation="fit")

    def test_data_of_the_wrong_width(self, net):
        with pytest.raises(ValueError, match=r"shape \(10, 2\).*3 inputs"):
            nn2poly.to_polynomial(net, 2, approximation="fit", data=np.zeros((10, 2)))

    def test_nan_in_data(self, net):
        data = np.zeros((10, 3))
        data[4, 1] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            nn2poly.to_polynomial(net, 2, approximation="fit", data=data)

    def test_too_few_rows(self, net):
        with pytest.raises(ValueError, match="at least 2"):
            nn2poly.to_polynomial(net, 2, approximation="fit", data=np.zeros((1, 3)))

    def test_non_numeric_data(self, net):
        with pytest.raises(TypeError, match="numeric"):
            nn2poly.to_polynomial(net, 2, approximation="fit", data=[["a", "b", "c"]] * 3)

    @pytest.mark.parametrize(
        "interval", [(1.0, -1.0), (0.0, 0.0), (0.0, np.inf), (1.0, 2.0, 3.0), "wide", 3.0, ("a", 1)]
    )
    def test_malformed_interval(self, net, interval):
        with pytest.raises(ValueError, match="interval"):
            nn2poly.to_polynomial(net, 2, approximation="fit", interval=interval)

    def test_interval_list_of_the_wrong_length(self, net):
        with pytest.raises(ValueError, match="one \\(low, high\\) for every layer"):
            nn2poly.to_polynomial(net, 2, approximation="fit", interval=[(0, 1)] * 3)

    def test_both_data_and_interval(self, net):
        with pytest.raises(ValueError, match="not both"):
            nn2poly.to_polynomial(
                net, 2, approximation="fit", data=np.zeros((5, 3)), interval=(-1, 1)
            )

    def test_taylor_center_with_fit(self, net):
        with pytest.raises(ValueError, match="taylor_center"):
            nn2poly.to_polynomial(
                net, 2, approximation="fit", interval=(-1, 1), taylor_center="local"
            )

    def test_data_with_taylor(self, net):
        with pytest.raises(ValueError, match="approximation='fit'"):
            nn2poly.to_polynomial(net, 2, approximation="taylor", data=np.zeros((5, 3)))

    def test_memory_limit_is_checked_before_fitting(self, net):
        with pytest.raises(nn2poly.MemoryLimitError, match="memory limit"):
            nn2poly.to_polynomial(
                net, 3, approximation="fit", data=np.zeros((5, 3)), memory_limit=1000
            )


def test_step_network_converts():
    rng = np.random.default_rng(9)
    net = _random_network(rng, 3, [8], "step", 1.0)
    X = rng.uniform(-1, 1, (400, 3))
    poly = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    truth = net.forward(X)[:, 0]
    assert np.all(np.isfinite(poly.coef))
    assert _mse(poly.predict(X), truth) < 0.5 * np.var(truth)
