"""Diagnosis.faithful with stated thresholds, and advice computed from the data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn2poly
from nn2poly import Network
from nn2poly.diagnostics._verdict import Fidelity, advice

X = np.random.default_rng(4).uniform(-1, 1, (250, 2))


def _network(scale: float) -> Network:
    first = np.array([[0.1, -0.2, 0.0], [0.5, 0.3, 0.9], [-0.4, 0.5, 0.1]])
    first *= scale / np.abs(first).sum(axis=0)
    return Network.from_weights(
        [first, np.array([[0.0], [1.0], [-1.0], [0.5]])], ["tanh", "linear"]
    )


def _taylor(net: Network, order: int = 3) -> nn2poly.Polynomial:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        return nn2poly.to_polynomial(net, order, approximation="taylor")


def test_a_faithful_taylor_polynomial() -> None:
    report = nn2poly.diagnose(_network(0.8), X, _taylor(_network(0.8)))
    assert report.faithful and report.r2 > 0.99 and report.alternative is None
    text = str(report)
    assert "Verdict: faithful on these data (R^2 >= 0.9 required)." in text
    assert "Advice" not in text and "faithful=True" in repr(report)


def test_an_unfaithful_taylor_polynomial_gets_measured_advice() -> None:
    net = _network(5.0)
    report = nn2poly.diagnose(net, X, _taylor(net))
    assert not report.faithful and report.r2 < 0.9
    assert report.alternative is not None and report.alternative.r2 > 0.95
    # the alternative is fitted on half of the rows and measured on the other half
    half = nn2poly.to_polynomial(net, 3, data=X[::2])
    assert report.alternative.r2 == pytest.approx(nn2poly.diagnose(net, X[1::2], half).r2)
    assert "(fitted on half of these rows, measured on the other half)" in report.recommendation
    assert "of layer-0 potentials lie where the Taylor polynomial is off" in report.recommendation
    assert f"gives R^2 {report.alternative.r2:.3g}" in report.recommendation
    assert "Verdict: NOT faithful" in str(report) and "Advice: " in str(report)


def test_the_thresholds_are_settable_and_checked() -> None:
    net = _network(5.0)
    poly = _taylor(net)
    assert nn2poly.diagnose(net, X, poly, min_r2=-1e9).faithful
    assert not nn2poly.diagnose(_network(0.8), X, _taylor(_network(0.8)), min_r2=1.0).faithful
    for bad, error in [(1.5, ValueError), ("0.9", TypeError), (float("nan"), ValueError)]:
        with pytest.raises(error, match="'min_r2' parameter of diagnose"):
            nn2poly.diagnose(net, X, poly, min_r2=bad)
    for bad, error in [(-0.1, ValueError), (2, ValueError), (None, TypeError)]:
        with pytest.raises(error, match="'min_agreement' parameter of diagnose"):
            nn2poly.diagnose(net, X, poly, min_agreement=bad)


def test_a_classifier_is_judged_by_its_classes() -> None:
    net = _network(5.0)
    poly = nn2poly.Polynomial(_taylor(net).powers, _taylor(net).coef, link="sigmoid")
    report = nn2poly.diagnose(net, X, poly, max_order=3, approximation="taylor")
    assert report.class_agreement is not None
    assert report.faithful == (report.class_agreement >= 0.95)
    assert "class agreement >= 95 %" in str(report)
    assert nn2poly.diagnose(
        net, X, poly, max_order=3, approximation="taylor", min_agreement=0.0
    ).faithful


def test_an_unfaithful_fit_is_advised_the_next_degree() -> None:
    net = _network(6.0)
    poly = nn2poly.to_polynomial(net, 1, data=X)
    report = nn2poly.diagnose(net, X, poly, min_r2=0.999)
    assert not report.faithful
    assert "approximation='fit' with max_order=2 gives" in report.recommendation
    assert report.alternative is not None and report.alternative.r2 > report.r2


def test_with_few_rows_the_alternative_is_measured_in_sample() -> None:
    net = _network(5.0)
    report = nn2poly.diagnose(net, X[:12], _taylor(net))
    assert report.alternative is not None and "half" not in report.recommendation
    rows = X[:100] * 0.9
    poly = nn2poly.to_polynomial(net, 1, data=rows)
    given = nn2poly.diagnose(net, X, poly, fit_data=rows, min_r2=0.999)
    assert "max_order=2 gives" in given.recommendation and "half" not in given.recommendation


def test_advice_when_the_fit_cannot_be_built() -> None:
    def too_big(order: int) -> Fidelity:
        raise nn2poly.MemoryLimitError("too big")

    bad = Fidelity(0.2, 1.0, 2.0, None)
    text, alternative = advice(
        approximation="taylor",
        max_order=3,
        n_features=2,
        worst_layer=(1, 0.83),
        faithful=False,
        fit=too_big,
        verdict=bad,
        min_r2=0.9,
        min_agreement=0.95,
    )
    assert alternative is None
    assert text == (
        "83 % of layer-1 potentials lie where the Taylor polynomial is off the activation; "
        "approximation='fit' with these inputs needs more memory than the limit allows."
    )
