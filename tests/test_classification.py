"""Classifiers: logits, links, and agreement between network and polynomial."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import expit, softmax
from sklearn.datasets import make_blobs, make_circles

import nn2poly
from nn2poly.training import MLPClassifier


@pytest.fixture(scope="module")
def circles():
    X, y = make_circles(n_samples=600, factor=0.5, noise=0.05, random_state=0)
    X = X / np.abs(X).max()
    model = MLPClassifier(
        (16,), "softplus(beta=2)", learning_rate=0.03, epochs=200, batch_size=16, random_state=0
    ).fit(X[:400], y[:400])
    return model, X[400:], y[400:]


@pytest.mark.slow
def test_circles_network_and_polynomial_agree(circles) -> None:
    model, X_test, y_test = circles
    assert model.score(X_test, y_test) >= 0.95
    poly = model.to_polynomial(max_order=2)
    assert poly.link == "sigmoid" and poly.n_outputs == 1
    agreement = np.mean(model.classes_[poly.predict_class(X_test)] == model.predict(X_test))
    assert agreement >= 0.95
    # the class depends on the radius: the logit is dominated by negative x1^2 and x2^2
    squares = [poly.coefficient((1, 1)), poly.coefficient((2, 2))]
    assert max(squares) < -1.0
    assert abs(poly.coefficient((1, 2))) < 0.25 * min(abs(s) for s in squares)


@pytest.mark.slow
def test_binary_probabilities_follow_the_logit(circles) -> None:
    model, X_test, _ = circles
    logits = model.network_.forward(X_test)[:, 0]
    with torch.no_grad():
        torch_logits = model.model_(torch.tensor(X_test)).numpy()[:, 0]
    np.testing.assert_allclose(logits, torch_logits, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.decision_function(X_test), logits)
    probability = model.predict_proba(X_test)
    np.testing.assert_allclose(probability[:, 1], expit(torch_logits), atol=1e-15)
    np.testing.assert_allclose(probability.sum(axis=1), 1.0)
    assert set(model.predict(X_test)) <= set(model.classes_)


def test_multiclass_softmax_with_string_labels() -> None:
    X, labels = make_blobs(
        n_samples=300,
        centers=[[-0.6, -0.5], [0.6, -0.5], [0.0, 0.6]],
        cluster_std=0.15,
        random_state=1,
    )
    X = np.clip(X, -1, 1)
    y = np.array(["ash", "birch", "cedar"])[labels]
    model = MLPClassifier((8,), learning_rate=0.05, epochs=30, random_state=0).fit(X, y)
    assert list(model.classes_) == ["ash", "birch", "cedar"]
    assert model.score(X, y) >= 0.95
    probability = model.predict_proba(X)
    with torch.no_grad():
        torch_probability = torch.softmax(model.model_(torch.tensor(X)), dim=1).numpy()
    np.testing.assert_allclose(probability, torch_probability, atol=1e-14)

    poly = model.to_polynomial(max_order=3)
    assert poly.link == "softmax"
    assert nn2poly.to_polynomial(model, max_order=3) == poly
    assert poly.n_outputs == 3
    assert poly.output_names == ("ash", "birch", "cedar")
    agreement = np.mean(poly.predict_class(X) == model.predict(X))
    assert agreement >= 0.95
    np.testing.assert_allclose(poly.predict_proba(X), softmax(poly.predict(X), axis=1))


def test_torch_softmax_model_converts_with_its_link() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3), torch.nn.Softmax(dim=-1)
    ).double()
    from nn2poly.training import L1Constraint

    L1Constraint("l1")(model)
    poly = nn2poly.to_polynomial(model, max_order=4)
    X = np.random.default_rng(0).uniform(-1, 1, size=(300, 2))
    with torch.no_grad():
        expected = model(torch.tensor(X)).numpy()
    assert poly.link == "softmax"
    assert np.mean(poly.predict_class(X) == expected.argmax(axis=1)) >= 0.95
    np.testing.assert_allclose(poly.predict_proba(X), expected, atol=1e-2)


def test_a_single_class_is_refused() -> None:
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="two classes"):
        MLPClassifier((3,), epochs=1).fit(X, np.ones(10))
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier((3,), epochs=1).fit(X, np.linspace(0, 1, 10))


def test_unfitted_classifier_says_so() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifier().predict(np.zeros((2, 2)))
