"""approximation="auto", the default: Taylor where provably accurate, else the fit on data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn2poly
from nn2poly import Network


def _network(scale: float, seed: int = 0, p: int = 3) -> Network:
    rng = np.random.default_rng(seed)
    first = rng.normal(size=(p + 1, 6))
    second = rng.normal(size=(7, 1))
    first *= scale / np.abs(first).sum(axis=0)  # every hidden neuron's l1 norm is `scale`
    return Network.from_weights([first, second], ["tanh", "linear"])


X = np.random.default_rng(1).uniform(-1, 1, (200, 3))


def _quiet_taylor(net: Network, order: int = 3) -> nn2poly.Polynomial:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        return nn2poly.to_polynomial(net, order, approximation="taylor")


def test_constrained_network_with_data_is_converted_by_taylor() -> None:
    net = _network(0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(net, 3, data=X)
    assert poly == _quiet_taylor(net)
    assert poly.provenance["approximation"] == "taylor"
    assert poly.provenance["approximation_choice"].startswith("auto: every expanded neuron")


def test_unconstrained_network_with_data_is_fitted() -> None:
    net = _network(4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(net, 3, data=X)
    fitted = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    np.testing.assert_array_equal(poly.coef, fitted.coef)
    assert poly.provenance["approximation"] == "fit"
    assert "not l1-constrained" in poly.provenance["approximation_choice"]
    truth = net.forward(X)[:, 0]
    taylor_error = np.mean((_quiet_taylor(net).predict(X) - truth) ** 2)
    assert np.mean((poly.predict(X) - truth) ** 2) < taylor_error / 10


def test_constrained_network_with_data_outside_the_unit_box_is_fitted() -> None:
    poly = nn2poly.to_polynomial(_network(0.9), 3, data=3.0 * X)
    assert poly.provenance["approximation"] == "fit"
    assert "outside [-1, 1]" in poly.provenance["approximation_choice"]


def test_interval_on_an_unconstrained_network_is_fitted() -> None:
    poly = nn2poly.to_polynomial(_network(4.0), 3, interval=(-4, 4))
    assert poly.provenance["approximation"] == "fit"
    assert poly.provenance["fit_interval"][0] == (-4.0, 4.0)


def test_without_data_taylor_with_a_warning_that_names_the_fix() -> None:
    with pytest.warns(nn2poly.TaylorAccuracyWarning) as caught:
        poly = nn2poly.to_polynomial(_network(4.0), 3)
    message = str(caught[0].message)
    assert "can reach |u| = 4" in message
    assert 'approximation="fit"' in message and "data=X_train" in message
    assert "constraint='l1'" in message
    assert poly.provenance["approximation_choice"] == "auto: neither data nor interval given"


def test_explicit_choices_keep_their_meaning() -> None:
    net = _network(4.0)
    assert _quiet_taylor(net).provenance["approximation_choice"] == "given"
    with pytest.raises(ValueError, match="approximation='fit' only"):
        nn2poly.to_polynomial(net, 3, approximation="taylor", data=X)
    with pytest.raises(nn2poly.FitDataError):
        nn2poly.to_polynomial(net, 3, approximation="fit")


def test_a_taylor_center_with_data_is_refused_not_silently_taylor() -> None:
    with pytest.raises(ValueError, match="'data' parameter of to_polynomial"):
        nn2poly.to_polynomial(_network(4.0), 3, taylor_center="local", data=X)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"approximation": "Auto"}, ValueError, "'auto', 'fit', 'taylor'"),
        ({"approximation": 3}, TypeError, "'approximation' parameter"),
        ({"data": np.full((5, 3), np.nan)}, ValueError, "NaN"),
        ({"data": np.zeros((5, 2))}, ValueError, "3 inputs"),
        ({"data": X, "interval": (-1, 1)}, ValueError, "either data or interval"),
    ],
)
def test_bad_inputs_to_auto_are_refused(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        nn2poly.to_polynomial(_network(4.0), 2, **kwargs)


def test_relu_network_with_data_is_fitted_and_without_data_refused() -> None:
    rng = np.random.default_rng(3)
    net = Network.from_weights(
        [rng.normal(size=(4, 5)), rng.normal(size=(6, 1))], ["relu", "linear"]
    )
    assert nn2poly.to_polynomial(net, 2, data=X).provenance["approximation"] == "fit"
    with pytest.raises(nn2poly.NotAnalyticError):
        nn2poly.to_polynomial(net, 2)


def test_diagnose_defaults_to_auto() -> None:
    report = nn2poly.diagnose(_network(4.0), X, max_order=3)
    assert report.approximation == "fit" and report.faithful
    assert nn2poly.diagnose(_network(0.9), X, max_order=3).approximation == "taylor"


def test_errors_of_auto_name_the_entry_point() -> None:
    with pytest.raises(TypeError, match="'taylor_orders' parameter of diagnose"):
        nn2poly.diagnose(_network(4.0), X, taylor_orders="a")
    with pytest.raises(TypeError, match="'taylor_orders' parameter of to_polynomial"):
        nn2poly.to_polynomial(_network(4.0), 2, data=X, taylor_orders="a")
