"""Inputs of the wrong kind: tensors, badly scaled data, bad options, with clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import nn2poly


def _network() -> nn2poly.Network:
    rng = np.random.default_rng(0)
    return nn2poly.Network.from_weights(
        [rng.normal(0, 0.4, (3, 4)), rng.normal(size=(5, 1))], ["tanh", "linear"]
    )


X = np.random.default_rng(1).uniform(-1, 1, (200, 2))


def test_tensors_that_require_grad_are_detached() -> None:
    import torch

    net = _network()
    tensor = torch.tensor(X, requires_grad=True)
    expected = nn2poly.to_polynomial(net, 3, approximation="fit", data=X).coef
    np.testing.assert_array_equal(
        nn2poly.to_polynomial(net, 3, approximation="fit", data=tensor).coef, expected
    )
    assert nn2poly.diagnose(net, tensor, max_order=2).r2 > 0.9
    assert nn2poly.distill(net, tensor, 2).n_terms == 6
    weights = [torch.tensor(w, requires_grad=True) for w in net.to_weights()]
    rebuilt = nn2poly.Network.from_weights(weights, list(net.activations))
    assert rebuilt == net
    np.testing.assert_array_equal(net.forward(tensor), net.forward(X))


@pytest.mark.parametrize("scale", [1e200, 1e120])
def test_badly_scaled_fit_data_is_refused_with_advice(scale: float) -> None:
    with pytest.raises(nn2poly.FitDataError, match="Scale the inputs"):
        nn2poly.to_polynomial(_network(), 3, approximation="fit", data=X * scale)
    with pytest.raises(nn2poly.FitDataError, match="Scale the inputs"):
        nn2poly.distill(_network(), X * scale, 3)


@pytest.mark.parametrize(
    ("options", "error", "pattern"),
    [
        ({"tolerance": 0.0}, ValueError, "'tolerance' parameter of diagnose"),
        ({"tolerance": "small"}, TypeError, "'tolerance' parameter of diagnose"),
        ({"n_worst": -1}, ValueError, "'n_worst' parameter of diagnose"),
        ({"max_order": 0}, ValueError, "'max_order' parameter of diagnose"),
        ({"trust": 1}, TypeError, "'trust' parameter of diagnose"),
        (
            {"fit_data": X, "approximation": "taylor"},
            ValueError,
            "'fit_data' parameter of diagnose",
        ),
    ],
)
def test_diagnose_options(options, error, pattern) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=pattern):
        nn2poly.diagnose(_network(), X, **options)


def test_distill_and_memory_limit_options() -> None:
    with pytest.raises(ValueError, match="'max_order' parameter of distill"):
        nn2poly.distill(_network(), X, 0)
    with pytest.raises(ValueError, match="'memory_limit' parameter of distill"):
        nn2poly.distill(_network(), X, 2, memory_limit=0)
    with pytest.raises(nn2poly.MemoryLimitError):
        nn2poly.distill(_network(), X, 2, memory_limit=100)
    with pytest.raises(TypeError, match="'limit_bytes' parameter of set_memory_limit"):
        nn2poly.set_memory_limit("1G")
    with pytest.raises(ValueError, match="'limit_bytes' parameter of set_memory_limit"):
        nn2poly.set_memory_limit(1e9)


@pytest.mark.parametrize(
    ("params", "error", "pattern"),
    [
        (
            {"hidden_layer_sizes": (4, 0)},
            ValueError,
            "'hidden_layer_sizes' parameter of MLPRegressor",
        ),
        ({"hidden_layer_sizes": "4"}, TypeError, "'hidden_layer_sizes' parameter of MLPRegressor"),
        ({"learning_rate": np.nan}, ValueError, "'learning_rate' parameter of MLPRegressor"),
        ({"epochs": 2.5}, TypeError, "'epochs' parameter of MLPRegressor"),
        (
            {"dropout": 1.0},
            ValueError,
            r"'dropout' parameter of MLPRegressor must be a finite float in the range \[0, 1\)",
        ),
        ({"gradient_clip": 0.0}, ValueError, "largest gradient norm"),
        ({"constraint": "l3"}, ValueError, "'constraint' parameter of MLPRegressor must be one of"),
        ({"activation": 3}, TypeError, "'activation' parameter of MLPRegressor"),
    ],
)
def test_estimator_parameter_table(params, error, pattern) -> None:  # type: ignore[no-untyped-def]
    X = np.random.default_rng(0).uniform(-1, 1, (20, 2))
    with pytest.raises(error, match=pattern):
        nn2poly.MLPRegressor(**{"hidden_layer_sizes": (3,), "epochs": 1, **params}).fit(X, X[:, 0])


def test_estimators_accept_tensors_that_require_grad() -> None:
    import torch

    X = np.random.default_rng(0).uniform(-1, 1, (40, 2))
    y = X[:, 0] - X[:, 1]
    expected = nn2poly.MLPRegressor((3,), epochs=2, random_state=0).fit(X, y)
    model = nn2poly.MLPRegressor((3,), epochs=2, random_state=0).fit(
        torch.tensor(X, requires_grad=True), torch.tensor(y, requires_grad=True)
    )
    np.testing.assert_array_equal(
        model.predict(torch.tensor(X, requires_grad=True)), expected.predict(X)
    )
    labels = (y > 0).astype(int)
    classifier = nn2poly.MLPClassifier((3,), epochs=2, random_state=0)
    classifier.fit(torch.tensor(X, requires_grad=True), torch.tensor(labels))
    assert classifier.predict(X).shape == (40,)


def test_diagnose_reports_on_data_far_outside_the_expansion() -> None:
    report = nn2poly.diagnose(_network(), X * 1e200, max_order=3, approximation="taylor")
    assert report.layers[0].share_off == 1.0
    assert not report.r2 > 0.5  # nan or very poor, never a fit


def test_fit_approximation_objects_compare_by_identity() -> None:
    fit = nn2poly.FitApproximation(data=X)
    assert fit == fit and fit != nn2poly.FitApproximation(data=X)
    assert isinstance(hash(fit), int)
