"""distill: held-out R², refusal and warning when rows are too few for its coefficients."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn2poly
from nn2poly._distill import DistillOverfitWarning
from nn2poly._validation import InvalidParameterError, InvalidParameterTypeError


def _net(seed: int = 0, p: int = 3) -> nn2poly.Network:
    rng = np.random.default_rng(seed)
    return nn2poly.Network.from_weights(
        [rng.normal(0, 1.5, (p + 1, 8)), rng.normal(0, 1, (9, 1))], ["tanh", "linear"]
    )


def test_holdout_r2_is_the_r2_of_the_fit_on_the_other_rows() -> None:
    net = _net()
    X = np.random.default_rng(1).uniform(-1, 1, (200, 3))
    poly = nn2poly.distill(net, X, 2)
    record = poly.provenance
    assert record["approximation"] == "distill"
    assert record["holdout_rows"] == 40 and record["fit_rows"] == 200
    order = np.random.default_rng(0).permutation(200)
    held, kept = order[:40], order[40:]
    part = nn2poly.distill(net, X[kept], 2, holdout=0)
    truth = net.forward(X[held])[:, 0]
    expected = 1 - np.sum((part.predict(X[held]) - truth) ** 2) / np.sum(
        (truth - truth.mean()) ** 2
    )
    assert record["holdout_r2"] == pytest.approx(expected, rel=1e-8)
    assert part.provenance["holdout_r2"] is None and part.provenance["holdout_rows"] == 0


def test_the_polynomial_returned_is_fitted_on_all_rows() -> None:
    net = _net(2)
    X = np.random.default_rng(3).uniform(-1, 1, (150, 3))
    np.testing.assert_array_equal(
        nn2poly.distill(net, X, 2).coef, nn2poly.distill(net, X, 2, holdout=0).coef
    )


def test_overfitting_shows_in_the_holdout_r2_and_warns() -> None:
    # 331 rows for 286 coefficients (10 inputs, degree 3): warned, and the estimate says so
    net = _net(4, p=10)
    X = np.random.default_rng(5).uniform(-1, 1, (331, 10))
    with pytest.warns(DistillOverfitWarning, match=r"286 coefficients .* 331 rows"):
        poly = nn2poly.distill(net, X, 3)
    assert poly.provenance["holdout_r2"] is None  # 265 rows left: fewer than the coefficients
    X = np.random.default_rng(6).uniform(-1, 1, (500, 10))
    with pytest.warns(DistillOverfitWarning, match="held-out R\\^2 is"):
        poly = nn2poly.distill(net, X, 3)
    assert poly.provenance["holdout_r2"] < 0.9


def test_enough_rows_do_not_warn() -> None:
    X = np.random.default_rng(7).uniform(-1, 1, (40, 3))  # 10 coefficients, 4 rows each
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        poly = nn2poly.distill(_net(), X, 2)
    assert poly.provenance["holdout_r2"] > 0.5


def test_fewer_rows_than_coefficients_are_refused() -> None:
    X = np.random.default_rng(8).uniform(-1, 1, (9, 3))
    with pytest.raises(InvalidParameterError, match=r"at least 10 samples .* at least 20"):
        nn2poly.distill(_net(), X, 2)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"holdout": 1.0}, InvalidParameterError, "'holdout' parameter of distill"),
        ({"holdout": -0.1}, InvalidParameterError, "'holdout' parameter of distill"),
        ({"holdout": "20%"}, InvalidParameterTypeError, "'holdout' parameter of distill"),
        ({"seed": -1}, InvalidParameterError, "'seed' parameter of distill"),
        ({"seed": 1.5}, InvalidParameterTypeError, "'seed' parameter of distill"),
    ],
)
def test_bad_holdout_options_are_refused(options: dict, error: type, match: str) -> None:
    X = np.random.default_rng(9).uniform(-1, 1, (50, 3))
    with pytest.raises(error, match=match):
        nn2poly.distill(_net(), X, 2, **options)


def test_a_constant_network_has_a_perfect_holdout_r2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    net = nn2poly.Network.from_weights(
        [np.zeros((3, 2)), np.array([[1.5], [0.0], [0.0]])], ["tanh", "linear"]
    )
    poly = nn2poly.distill(net, np.random.default_rng(10).uniform(-1, 1, (40, 2)), 2)
    assert poly.provenance["holdout_r2"] == 1.0
    poly.save(tmp_path / "poly.json")
    assert nn2poly.Polynomial.load(tmp_path / "poly.json").provenance == poly.provenance
