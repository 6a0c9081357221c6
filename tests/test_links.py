"""Declared output links: to_polynomial(link=...), links kept by networks and their files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import nn2poly
from nn2poly.cli import app


def _logits_network(n_outputs: int = 3) -> nn2poly.Network:
    rng = np.random.default_rng(0)
    return nn2poly.Network.from_weights(
        [rng.normal(size=(5, 6)) * 0.15, rng.normal(size=(7, n_outputs))], ["tanh", "linear"]
    )


def test_softmax_link_declared_for_raw_logits() -> None:
    net = _logits_network()
    X = np.random.default_rng(1).uniform(-1, 1, (200, 4))
    poly = nn2poly.to_polynomial(net, 3, approximation="fit", data=X, link="softmax")
    assert poly.link == "softmax"
    logits = net.forward(X)
    assert np.mean(poly.predict_class(X) == logits.argmax(axis=1)) >= 0.97
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.max(np.abs(poly.predict_proba(X) - probabilities)) < 0.05


def test_sigmoid_link_declared_for_one_logit() -> None:
    net = _logits_network(1)
    X = np.random.default_rng(2).uniform(-1, 1, (200, 4))
    poly = nn2poly.to_polynomial(net, 3, approximation="fit", data=X, link="sigmoid")
    assert poly.link == "sigmoid"
    assert poly.predict_proba(X).shape == (200, 2)
    assert np.mean(poly.predict_class(X) == (net.forward(X)[:, 0] > 0)) >= 0.97


def test_torch_logits_model_with_declared_link() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    X = np.random.default_rng(3).uniform(-1, 1, (100, 4))
    poly = nn2poly.to_polynomial(model, 3, approximation="fit", data=X, link="softmax")
    with torch.no_grad():
        expected = model(torch.as_tensor(X, dtype=torch.float32)).numpy().argmax(axis=1)
    assert poly.link == "softmax"
    assert np.mean(poly.predict_class(X) == expected) >= 0.97


def test_link_survives_the_network_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    net = _logits_network().with_link("softmax")
    path = tmp_path / "net.json"
    net.save(path)
    assert json.loads(path.read_text())["link"] == "softmax"
    assert nn2poly.Network.load(path).link == "softmax"
    assert nn2poly.to_polynomial(path, 2).link == "softmax"


def test_trained_classifier_network_keeps_its_link(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    X = 2 * (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0)) - 1
    classifier = nn2poly.MLPClassifier(hidden_layer_sizes=(6,), random_state=0).fit(X, y)
    assert classifier.network_.link == "softmax"
    classifier.network_.save(tmp_path / "clf.json")
    poly = nn2poly.to_polynomial(tmp_path / "clf.json", 2, approximation="fit", data=X)
    assert poly.link == "softmax"
    assert np.mean(poly.predict_class(X) == classifier.predict(X)) >= 0.9


def test_declared_link_agreeing_with_the_model_is_accepted() -> None:
    net = _logits_network().with_link("softmax")
    assert nn2poly.to_polynomial(net, 1, link="softmax").link == "softmax"
    assert nn2poly.to_polynomial(net, 1).link == "softmax"


@pytest.mark.parametrize(
    "network,link,fragments",
    [
        (_logits_network().with_link("softmax"), "sigmoid", ["model's own link 'softmax'"]),
        (_logits_network(1), "softmax", ["'sigmoid' for a model with one output"]),
        (_logits_network(), "logistic", ["'link' parameter of to_polynomial", "softmax"]),
    ],
)
def test_bad_links_refused(network, link, fragments) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as info:
        nn2poly.to_polynomial(network, 1, link=link)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_network_link_checked() -> None:
    with pytest.raises(ValueError, match="'link' parameter of Network"):
        nn2poly.Network.from_weights([np.ones((2, 2))], "linear", link="probit")


def test_predict_class_without_link_says_how_to_declare_it() -> None:
    poly = nn2poly.to_polynomial(_logits_network(), 1)
    with pytest.raises(ValueError) as info:
        poly.predict_class(np.zeros((1, 4)))
    assert "predict_class needs a classifier polynomial" in str(info.value)
    assert "link='softmax'" in str(info.value)


def test_cli_convert_link(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "net.json"
    _logits_network().save(path)
    result = CliRunner().invoke(app, ["convert", str(path), "--link", "softmax", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["link"] == "softmax"
