"""Polynomial -> fitted scikit-learn pipeline whose predict equals Polynomial.predict."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures

import nn2poly
from nn2poly._export import to_sklearn as polynomial_to_sklearn

RNG = np.random.default_rng(17)
X = RNG.uniform(-1.0, 1.0, size=(40, 3))


def network_polynomial(max_order: int, n_outputs: int) -> nn2poly.Polynomial:
    weights = [RNG.normal(size=(4, 5)), RNG.normal(size=(6, n_outputs))]
    weights[0] *= 0.9 / np.abs(weights[0]).sum(axis=0)
    return nn2poly.to_polynomial((weights, ["tanh", "linear"]), max_order=max_order)


@pytest.mark.parametrize(("max_order", "n_outputs"), [(1, 1), (3, 1), (4, 2)])
def test_predict_equals_polynomial_predict(max_order: int, n_outputs: int) -> None:
    poly = network_polynomial(max_order, n_outputs)
    model = polynomial_to_sklearn(poly)
    assert isinstance(model, Pipeline)
    assert isinstance(model.named_steps["features"], PolynomialFeatures)
    assert isinstance(model.named_steps["linear"], LinearRegression)
    assert model.named_steps["features"].degree == max_order
    predicted = model.predict(X)
    assert predicted.shape == poly.predict(X).shape
    np.testing.assert_allclose(predicted, poly.predict(X), rtol=1e-12, atol=1e-14)


def test_full_basis_maps_column_for_column() -> None:
    poly = network_polynomial(2, 1)
    linear = polynomial_to_sklearn(poly).named_steps["linear"]
    # graded-lex order is PolynomialFeatures' order: the coefficients line up
    np.testing.assert_array_equal(linear.coef_, poly.coef[1:, 0])
    assert linear.intercept_ == poly.coef[0, 0]


def test_subset_of_terms_in_any_order() -> None:
    powers = [[0, 2, 1], [1, 0, 0], [0, 0, 0], [2, 0, 0], [0, 1, 1]]
    coef = np.array([[1.5, -1.0], [0.5, 2.0], [-0.25, 0.0], [3.0, 0.1], [-2.0, 0.7]])
    poly = nn2poly.Polynomial(powers, coef)
    model = polynomial_to_sklearn(poly)
    assert model.named_steps["features"].degree == 3
    np.testing.assert_allclose(model.predict(X), poly.predict(X), rtol=1e-12, atol=1e-14)
    columns = list(model.named_steps["features"].get_feature_names_out(["x1", "x2", "x3"]))
    assert model.named_steps["linear"].coef_[0, columns.index("x2^2 x3")] == 1.5


def test_constant_polynomial() -> None:
    poly = nn2poly.Polynomial([[0, 0]], [2.5])
    model = polynomial_to_sklearn(poly)
    np.testing.assert_array_equal(model.predict(X[:, :2]), np.full(X.shape[0], 2.5))


def test_polynomial_without_intercept() -> None:
    poly = nn2poly.Polynomial([[1, 1]], [4.0])
    model = polynomial_to_sklearn(poly)
    assert model.named_steps["linear"].intercept_ == 0.0
    np.testing.assert_allclose(model.predict(X[:, :2]), 4.0 * X[:, 0] * X[:, 1], rtol=1e-14)


def test_feature_names_follow_the_polynomial() -> None:
    import pandas

    poly = nn2poly.Polynomial(
        [[0, 0], [1, 0], [1, 1]], [0.5, 2.0, -1.0], feature_names=["dose", "age"]
    )
    model = polynomial_to_sklearn(poly)
    assert list(model.named_steps["features"].feature_names_in_) == ["dose", "age"]
    frame = pandas.DataFrame(X[:, :2], columns=["dose", "age"])
    np.testing.assert_allclose(model.predict(frame), poly.predict(frame), rtol=1e-14)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame[["age", "dose"]])


def test_default_names_accept_plain_arrays_without_warning() -> None:
    poly = network_polynomial(2, 1)
    assert not hasattr(polynomial_to_sklearn(poly).named_steps["features"], "feature_names_in_")


def test_classifier_polynomial_exports_its_logits() -> None:
    poly = nn2poly.Polynomial(
        [[0, 0], [1, 0], [0, 1]],
        [[0.1, 0.0, -0.1], [1.0, -1.0, 0.5], [0.0, 2.0, -2.0]],
        link="softmax",
    )
    model = polynomial_to_sklearn(poly)
    np.testing.assert_allclose(
        model.predict(X[:, :2]), poly.decision_function(X[:, :2]), rtol=1e-14
    )


def test_refuses_other_objects() -> None:
    with pytest.raises(TypeError, match=r"nn2poly\.Polynomial; got list"):
        polynomial_to_sklearn([1.0, 2.0])  # type: ignore[arg-type]


def test_polynomial_to_sklearn_method() -> None:
    poly = network_polynomial(2, 1)
    np.testing.assert_allclose(poly.to_sklearn().predict(X), poly.predict(X), rtol=1e-12)
