"""scikit-learn MLPRegressor / MLPClassifier -> Network, checked against sklearn's own predict."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.neural_network import MLPClassifier, MLPRegressor

import nn2poly
from nn2poly.adapters import adapt
from nn2poly.adapters._sklearn import adapt_sklearn

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(7)
X = RNG.uniform(-1.0, 1.0, size=(60, 3))
Y = np.column_stack([X[:, 0] - 0.5 * X[:, 1] * X[:, 2], np.tanh(X[:, 1])])


@pytest.mark.parametrize(
    ("activation", "expected"),
    [("tanh", "tanh"), ("logistic", "sigmoid"), ("relu", "relu")],
)
def test_regressor_matches_predict(activation: str, expected: str) -> None:
    model = MLPRegressor(
        hidden_layer_sizes=(5, 4), activation=activation, max_iter=30, random_state=0
    ).fit(X, Y[:, 0])
    adapted = adapt_sklearn(model)
    assert adapted.link is None
    assert adapted.network.activations == (expected, expected, "linear")
    np.testing.assert_allclose(
        adapted.network.forward(X)[:, 0], model.predict(X), rtol=1e-12, atol=1e-13
    )
    for layer, weight, bias in zip(
        adapted.network.layers, model.coefs_, model.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(layer.weight, weight)
        np.testing.assert_array_equal(layer.bias, bias)


def test_identity_layers_fold_into_one_linear_map() -> None:
    model = MLPRegressor(
        hidden_layer_sizes=(5, 4), activation="identity", max_iter=30, random_state=0
    ).fit(X, Y[:, 0])
    network = adapt_sklearn(model).network
    assert network.activations == ("linear",)
    weight = model.coefs_[0] @ model.coefs_[1] @ model.coefs_[2]
    bias = (model.intercepts_[0] @ model.coefs_[1] + model.intercepts_[1]) @ model.coefs_[
        2
    ] + model.intercepts_[2]
    np.testing.assert_allclose(network.layers[0].weight, weight, rtol=1e-12)
    np.testing.assert_allclose(network.layers[0].bias, bias, rtol=1e-12)
    np.testing.assert_allclose(network.forward(X)[:, 0], model.predict(X), rtol=1e-12, atol=1e-13)


def test_multi_output_regressor() -> None:
    model = MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", max_iter=30, random_state=1)
    model.fit(X, Y)
    network = adapt(model).network
    assert network.n_outputs == 2
    np.testing.assert_allclose(network.forward(X), model.predict(X), rtol=1e-12, atol=1e-13)


def test_binary_classifier_has_sigmoid_link() -> None:
    labels = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    model = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=30, random_state=0)
    model.fit(X, labels)
    adapted = adapt_sklearn(model)
    assert adapted.link == "sigmoid"
    assert adapted.output_names == ("yes",)
    np.testing.assert_allclose(
        expit(adapted.network.forward(X)[:, 0]), model.predict_proba(X)[:, 1], rtol=1e-12
    )


def test_multiclass_classifier_has_softmax_link_and_class_names() -> None:
    labels = np.digitize(X[:, 0] + 0.3 * X[:, 2], [-0.3, 0.3])
    model = MLPClassifier(
        hidden_layer_sizes=(5,), activation="logistic", max_iter=30, random_state=0
    )
    model.fit(X, labels)
    adapted = adapt_sklearn(model)
    assert adapted.link == "softmax"
    assert adapted.output_names == ("0", "1", "2")
    np.testing.assert_allclose(
        softmax(adapted.network.forward(X), axis=1), model.predict_proba(X), rtol=1e-12
    )


def test_multilabel_classifier_has_sigmoid_link() -> None:
    labels = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.2]).astype(int)
    model = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=30, random_state=0)
    model.fit(X, labels)
    adapted = adapt_sklearn(model)
    assert adapted.link == "sigmoid"
    assert adapted.output_names is None
    np.testing.assert_allclose(
        expit(adapted.network.forward(X)), model.predict_proba(X), rtol=1e-12
    )


def test_polynomial_of_classifier_gives_probabilities() -> None:
    labels = (X[:, 0] > 0).astype(int)
    model = MLPClassifier(hidden_layer_sizes=(3,), activation="tanh", max_iter=5, random_state=0)
    model.fit(X, labels)
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        poly = nn2poly.to_polynomial(model, max_order=3)
    assert poly.link == "sigmoid"
    assert poly.predict_proba(X).shape == (X.shape[0], 2)


def test_feature_names_from_dataframe() -> None:
    import pandas

    frame = pandas.DataFrame(X, columns=["age", "dose", "weight"])
    model = MLPRegressor(hidden_layer_sizes=(3,), activation="tanh", max_iter=20, random_state=0)
    model.fit(frame, Y[:, 0])
    assert adapt_sklearn(model).feature_names == ("age", "dose", "weight")
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        poly = nn2poly.to_polynomial(model, max_order=2)
    assert poly.feature_names == ("age", "dose", "weight")
    assert "age*dose" in poly.term_names
    assert list(poly.to_frame()["term"]) == poly.term_names
    assert {str(symbol) for symbol in poly.to_sympy().free_symbols} == {"age", "dose", "weight"}
    assert "dose" in poly.to_latex()
    # the polynomial accepts the same DataFrame
    assert poly.predict(frame).shape == (X.shape[0],)


@pytest.mark.parametrize("estimator", [MLPRegressor(), MLPClassifier()])
def test_unfitted_model_is_refused(estimator: object) -> None:
    with pytest.raises(ValueError, match=r"not fitted yet.*call fit"):
        adapt_sklearn(estimator)


def test_other_estimators_are_refused() -> None:
    from sklearn.linear_model import LinearRegression

    with pytest.raises(TypeError, match=r"MLPRegressor or MLPClassifier\. Got .*LinearRegression"):
        adapt_sklearn(LinearRegression())
