"""Conversions record how the polynomial was built; diagnose reads the record."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import nn2poly
from nn2poly import Network
from nn2poly._convert import build_polynomial
from nn2poly._taylor import TaylorApproximation
from nn2poly.adapters import adapt

X = np.random.default_rng(2).uniform(-1, 1, (150, 3))


def _network(scale: float = 3.0) -> Network:
    rng = np.random.default_rng(5)
    return Network.from_weights(
        [scale * rng.normal(size=(4, 5)) / 3, rng.normal(size=(6, 1))], ["tanh", "linear"]
    )


def test_a_fit_records_its_data() -> None:
    poly = nn2poly.to_polynomial(_network(), 3, data=X)
    record = poly.provenance
    assert record["approximation"] == "fit" and record["max_order"] == 3
    assert record["taylor_orders"] == (3, 1) and record["taylor_center"] is None
    assert record["fit_rows"] == 150
    np.testing.assert_allclose(np.array(record["fit_range"]), np.c_[X.min(0), X.max(0)])
    assert record["origin"] == 0.0 and record["source"] == "Network"
    assert record["nn2poly_version"] == nn2poly.__version__
    assert "approximation='fit'" in repr(poly)


def test_a_taylor_conversion_records_orders_and_centre() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(_network(), 2, taylor_orders=5, taylor_center=0.5)
    record = poly.provenance
    assert record["approximation"] == "taylor" and record["taylor_orders"] == (5, 1)
    assert record["taylor_center"] == 0.5 and "fit_rows" not in record


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        (lambda: (_network().to_weights(), ["tanh", "linear"]), "weights"),
        (lambda: _network().to_dict(), "dict"),
    ],
)
def test_source_kinds(model, kind: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(model(), 2)
    assert poly.provenance["source"] == kind


def test_source_kinds_of_frameworks_and_files(tmp_path: Path) -> None:
    import torch
    from sklearn.neural_network import MLPRegressor

    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    assert nn2poly.to_polynomial(module, 2, data=X).provenance["source"] == "torch.nn.Sequential"
    y = X.sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = MLPRegressor(hidden_layer_sizes=(4,), max_iter=50, random_state=0).fit(X, y)
    assert nn2poly.to_polynomial(sk, 2, data=X).provenance["source"] == "sklearn.MLPRegressor"
    path = tmp_path / "net.json"
    _network().save(path)
    assert nn2poly.to_polynomial(path, 2, data=X).provenance["source"] == "file (.json)"


def test_build_polynomial_takes_extra_entries() -> None:
    net = _network(0.5)
    poly, _ = build_polynomial(
        adapt(net), 2, TaylorApproximation().bind(net, 2), provenance={"at": [0.1, 0.2, 0.3]}
    )
    assert poly.provenance["at"] == (0.1, 0.2, 0.3)
    assert poly.provenance["approximation"] == "taylor"
    with pytest.raises(TypeError, match="JSON value"):
        build_polynomial(adapt(net), 2, TaylorApproximation().bind(net, 2), provenance={"a": {1}})


def test_save_load_keeps_the_record(tmp_path: Path) -> None:
    poly = nn2poly.to_polynomial(_network(), 3, data=X)
    path = tmp_path / "poly.json"
    poly.save(path)
    loaded = nn2poly.Polynomial.load(path)
    assert dict(loaded.provenance) == dict(poly.provenance)
    report = nn2poly.diagnose(_network(), X, loaded)
    assert report.approximation == "fit" and report.max_order == 3


def test_diagnose_reads_the_record_and_refuses_contradictions() -> None:
    net = _network()
    fitted = nn2poly.to_polynomial(net, 3, data=X)
    report = nn2poly.diagnose(net, X, fitted)
    assert report.approximation == "fit" and report.max_order == 3
    assert nn2poly.diagnose(net, X, fitted, approximation="fit", max_order=3).r2 == report.r2
    assert nn2poly.diagnose(net, X, fitted, approximation="auto").approximation == "fit"
    for name, value in [
        ("approximation", "taylor"),
        ("max_order", 2),
        ("taylor_center", 0.5),
    ]:
        with pytest.raises(ValueError, match=f"'{name}' parameter of diagnose must be"):
            nn2poly.diagnose(net, X, fitted, **{name: value})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        taylor = nn2poly.to_polynomial(net, 2, taylor_orders=5, approximation="taylor")
    assert nn2poly.diagnose(net, X, taylor).approximation == "taylor"
    assert nn2poly.diagnose(net, X, taylor, taylor_orders=5).max_order == 2
    with pytest.raises(ValueError, match="'taylor_orders' parameter of diagnose"):
        nn2poly.diagnose(net, X, taylor, taylor_orders=7)


def test_diagnose_of_an_interval_fit_reuses_the_interval() -> None:
    net = _network()
    poly = nn2poly.to_polynomial(net, 3, interval=(-3, 3))
    report = nn2poly.diagnose(net, X, poly)
    assert report.approximation == "fit"
    again = nn2poly.to_polynomial(net, 3, approximation="fit", interval=(-3, 3))
    assert report.layers[0].coefficients is not None and poly == again


def test_a_hand_built_polynomial_has_no_record_to_read() -> None:
    net = _network(0.5)
    hand = nn2poly.Polynomial(np.zeros((1, 3), dtype=int), [0.0])
    report = nn2poly.diagnose(net, X, hand, max_order=1)
    assert report.max_order == 1 and not report.faithful


def test_summary_tells_how_the_polynomial_was_built() -> None:
    poly = nn2poly.to_polynomial(_network(), 3, data=X, feature_names=["age", "bmi", "s5"])
    text = poly.summary(3)
    assert "built with approximation='fit' (auto: the network is not l1-constrained" in text
    assert "fitted on 150 rows; feature ranges: age [" in text
    assert "source: Network; nn2poly " in text
    assert text.endswith(str(poly.top(3)))
    with pytest.raises(ValueError, match=r"'n' parameter of Polynomial\.top"):
        poly.summary(0)
