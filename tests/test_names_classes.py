"""Names where users think in names: class labels from classifiers, coefficients by name."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import nn2poly

rng = np.random.default_rng(6)
X = rng.uniform(-1, 1, (240, 2))
LABELS = np.array(["ash", "birch", "cedar"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.3)]


def test_sklearn_classifier_labels() -> None:
    from sklearn.neural_network import MLPClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(hidden_layer_sizes=(6,), max_iter=400, random_state=0)
        model.fit(X, LABELS)
    poly = nn2poly.to_polynomial(model, 3, data=X)
    assert poly.classes.tolist() == ["ash", "birch", "cedar"]
    assert poly.provenance["classes"] == ("ash", "birch", "cedar")
    predicted = poly.predict_class(X)
    assert set(predicted.tolist()) <= {"ash", "birch", "cedar"}
    assert np.mean(predicted == model.predict(X)) >= 0.9


def test_sklearn_binary_classifier_labels() -> None:
    from sklearn.neural_network import MLPClassifier

    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=300, random_state=0).fit(X, y)
    poly = nn2poly.to_polynomial(model, 2, data=X)
    assert poly.link == "sigmoid" and poly.classes.tolist() == ["no", "yes"]
    assert np.mean(poly.predict_class(X) == model.predict(X)) >= 0.9


def test_nn2poly_classifier_labels_and_save_load(tmp_path: Path) -> None:
    model = nn2poly.MLPClassifier((6,), epochs=15, random_state=0).fit(X, LABELS)
    poly = model.to_polynomial(2)
    assert poly.classes.tolist() == ["ash", "birch", "cedar"]
    assert poly.provenance["source"] == "MLPClassifier"
    path = tmp_path / "poly.json"
    poly.save(path)
    loaded = nn2poly.Polynomial.load(path)
    np.testing.assert_array_equal(loaded.predict_class(X), poly.predict_class(X))


def test_regressors_and_networks_have_no_classes() -> None:
    net = nn2poly.Network.from_weights([np.ones((3, 2)) * 0.2, np.ones((3, 1))], ["tanh", "linear"])
    poly = nn2poly.to_polynomial(net, 2)
    assert poly.classes is None and poly.provenance["classes"] is None


def test_labels_that_do_not_fit_the_outputs_give_indices() -> None:
    poly = nn2poly.Polynomial(
        [[0], [1]],
        [[0.0, 0.0, 0.0], [1.0, 0.0, -1.0]],
        link="softmax",
        provenance={"classes": ["a", "b"]},
    )
    assert poly.predict_class([[2.0]]).tolist() == [0]


def test_coefficients_by_feature_names_on_a_conversion() -> None:
    net = nn2poly.Network.from_weights(
        [np.array([[0.0, 0.1], [0.4, -0.3], [0.2, 0.5]]), np.array([[0.0], [1.0], [1.0]])],
        ["tanh", "linear"],
    )
    poly = nn2poly.to_polynomial(net, 3, feature_names=["bmi", "s5"])
    assert poly.coefficient(("bmi", "s5")) == poly.coefficient((1, 2)) != 0.0
    assert poly.coefficient(("s5", "s5", "s5")) == poly.coefficient((2, 2, 2))
    with pytest.raises(TypeError, match="'age' is not a feature"):
        poly.coefficient(("bmi", "age"))
    with pytest.raises(TypeError, match="mixes feature names and ints"):
        poly.coefficient(("bmi", 1))
    with pytest.raises(TypeError, match="label"):
        poly.coefficient(("bmi", 1.0))
