"""Prediction by layer: each layer's polynomials against the network's own forward pass."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import nn2poly
from nn2poly import LayerValues, Network, predict_layers


def network_layers(network: Network, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The network's own (pre-activation, activation) values of every layer."""
    values = []
    for layer, potentials in zip(network.layers, network.pre_activations(X), strict=True):
        values.append((potentials, nn2poly.get_activation(layer.activation).evaluate(potentials)))
    return values


def l1_constrained(widths: list[int], activations: list[str], seed: int) -> Network:
    """Random weights whose hidden neurons have l1 norm 0.9 (the output layer is free)."""
    rng = np.random.default_rng(seed)
    weights = []
    for index, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        matrix = rng.normal(size=(n_in + 1, n_out))
        if index < len(widths) - 2:
            matrix *= 0.9 / np.abs(matrix).sum(axis=0)
        weights.append(matrix)
    return Network.from_weights(weights, activations)


def unit_box(n: int, p: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, p))


@pytest.mark.parametrize(
    "activations", [["tanh", "tanh", "linear"], ["sigmoid", "softplus", "linear"]]
)
def test_every_layer_follows_an_l1_constrained_network_at_high_order(activations) -> None:  # type: ignore[no-untyped-def]
    network = l1_constrained([3, 6, 5, 2], activations, seed=1)
    poly = nn2poly.to_polynomial(network, max_order=8, keep_layers=True, approximation="taylor")
    X = unit_box(200, 3)
    values = predict_layers(poly, X)
    assert list(values) == [0, 1, 2]
    # hidden potentials reach 0.9, where tanh's order-8 remainder is 62 * 0.9^9 / 2835 = 0.008
    for index, (potentials, activated) in enumerate(network_layers(network, X)):
        assert values[index].input.shape == potentials.shape
        assert np.abs(values[index].input - potentials).max() < 1e-2
        assert np.abs(values[index].output - activated).max() < 1e-2
    # the first layer's potentials are affine in X: the polynomial is exact
    np.testing.assert_allclose(values[0].input, network.pre_activations(X)[0], atol=1e-12)
    # and a lower order departs further from the network at the output
    low = nn2poly.to_polynomial(network, max_order=3, keep_layers=True, approximation="taylor")
    output = network.forward(X)
    error_low = np.abs(predict_layers(low, X, layers=-1)[2].output - output).max()
    assert np.abs(values[2].output - output).max() < error_low


def test_layers_are_exact_for_polynomial_activations() -> None:
    rng = np.random.default_rng(2)
    weights = [rng.normal(size=(3, 4)), rng.normal(size=(5, 3)), rng.normal(size=(4, 2))]
    network = Network.from_weights(weights, ["square", "square", "linear"])
    poly = nn2poly.to_polynomial(network, max_order=4, keep_layers=True, approximation="taylor")
    X = unit_box(50, 2, seed=3)
    values = predict_layers(poly, X)
    for index, (potentials, activated) in enumerate(network_layers(network, X)):
        np.testing.assert_allclose(values[index].input, potentials, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(values[index].output, activated, rtol=1e-12, atol=1e-12)


def test_layers_are_exact_for_linear_networks() -> None:
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=(4, 5)), rng.normal(size=(6, 2))]
    network = Network.from_weights(weights, ["linear", "linear"])
    poly = nn2poly.to_polynomial(network, max_order=1, keep_layers=True)
    X = unit_box(30, 3, seed=5)
    values = predict_layers(poly, X)
    for index, (potentials, activated) in enumerate(network_layers(network, X)):
        np.testing.assert_allclose(values[index].input, potentials, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(values[index].output, activated, rtol=1e-13, atol=1e-13)


def test_the_last_layer_is_the_polynomial_and_each_layer_its_own_polynomials() -> None:
    network = l1_constrained([2, 4, 3], ["tanh", "linear"], seed=6)
    poly = nn2poly.to_polynomial(network, max_order=5, keep_layers=True, approximation="taylor")
    X = unit_box(20, 2)
    values = predict_layers(poly, X)
    np.testing.assert_array_equal(values[1].output, poly.decision_function(X))
    for index, layer in enumerate(poly.layers or ()):
        np.testing.assert_array_equal(values[index].input, layer.input.decision_function(X))
        np.testing.assert_array_equal(values[index].output, layer.output.decision_function(X))
    assert isinstance(values[0], LayerValues)


def test_classifier_layers_end_with_the_logits() -> None:
    network = l1_constrained([2, 4, 3], ["tanh", "linear"], seed=7)
    adapted = nn2poly.as_network(network)
    poly = nn2poly.to_polynomial(
        nn2poly.adapters.AdaptedModel(adapted, link="softmax"),
        max_order=4,
        keep_layers=True,
        approximation="taylor",
    )
    X = unit_box(10, 2)
    logits = predict_layers(poly, X, layers=-1)[1].output
    np.testing.assert_array_equal(logits, poly.decision_function(X))
    assert not np.allclose(logits.sum(axis=1), 1.0)  # logits, not probabilities


def test_a_local_polynomial_is_evaluated_in_the_original_coordinates() -> None:
    network = Network.from_weights(
        [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
        ["tanh", "linear"],
    )
    x0 = np.array([1.5, -2.0])
    poly = nn2poly.to_polynomial(network, 6, taylor_center="local", at=x0, keep_layers=True)
    X = x0 + 0.01 * np.random.default_rng(8).normal(size=(5, 2))
    values = predict_layers(poly, X)
    for index, (potentials, activated) in enumerate(network_layers(network, X)):
        np.testing.assert_allclose(values[index].input, potentials, atol=1e-12)
        np.testing.assert_allclose(values[index].output, activated, atol=1e-10)


def test_layers_are_chosen_by_index_negative_from_the_end() -> None:
    network = l1_constrained([2, 4, 3, 1], ["tanh", "tanh", "linear"], seed=9)
    poly = nn2poly.to_polynomial(network, max_order=3, keep_layers=True, approximation="taylor")
    X = unit_box(6, 2)
    every = predict_layers(poly, X)
    assert list(predict_layers(poly, X, layers=1)) == [1]
    assert list(predict_layers(poly, X, layers=[-1, 0, 2])) == [0, 2]
    assert list(predict_layers(poly, X, layers=(np.int64(1),))) == [1]
    chosen = predict_layers(poly, X, layers=-2)[1]
    np.testing.assert_array_equal(chosen.output, every[1].output)
    assert [every[i].output.shape for i in every] == [(6, 4), (6, 3), (6, 1)]


def test_samples_are_read_as_by_predict() -> None:
    import pandas

    network = l1_constrained([2, 3, 1], ["tanh", "linear"], seed=10)
    poly = nn2poly.to_polynomial(
        network, 3, keep_layers=True, feature_names=["dose", "age"], approximation="taylor"
    )
    X = unit_box(5, 2)
    frame = pandas.DataFrame({"age": X[:, 1], "dose": X[:, 0]})
    np.testing.assert_array_equal(
        predict_layers(poly, frame)[0].output, predict_layers(poly, X)[0].output
    )
    with pytest.raises(ValueError, match="2"):
        predict_layers(poly, X[:, :1])


# ----------------------------------------------------------------- refusals
def test_a_polynomial_without_layers_names_keep_layers() -> None:
    network = l1_constrained([2, 3, 1], ["tanh", "linear"], seed=11)
    poly = nn2poly.to_polynomial(network, 3, approximation="taylor")
    with pytest.raises(
        ValueError, match=r"'poly' parameter of predict_layers must be a Polynomial that keeps"
    ) as caught:
        predict_layers(poly, unit_box(3, 2))
    assert "keep_layers=True" in str(caught.value)


def test_polynomials_made_from_a_converted_one_have_no_layers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    network = l1_constrained([2, 3, 1], ["tanh", "linear"], seed=13)
    poly = nn2poly.to_polynomial(network, 3, keep_layers=True, approximation="taylor")
    poly.save(tmp_path / "poly.json")
    for derived in (poly.truncate(2), nn2poly.Polynomial.load(tmp_path / "poly.json")):
        with pytest.raises(ValueError, match="keep_layers=True") as caught:
            predict_layers(derived, unit_box(3, 2))
        assert "saving, loading, truncate" in str(caught.value)


@pytest.mark.parametrize(
    "layers, error, pattern",
    [
        (2, ValueError, r"\[-2, 1\]"),
        (-3, ValueError, r"\[-2, 1\]"),
        ([0, 5], ValueError, r"list of layer indices in \[-2, 1\]"),
        ([], TypeError, "'layers' parameter of predict_layers"),
        (1.0, TypeError, "'layers' parameter of predict_layers"),
        (True, TypeError, "'layers' parameter of predict_layers"),
        ("0", TypeError, "'layers' parameter of predict_layers"),
    ],
)
def test_bad_layers_are_refused_naming_the_range(layers, error, pattern) -> None:  # type: ignore[no-untyped-def]
    network = l1_constrained([2, 3, 1], ["tanh", "linear"], seed=12)
    poly = nn2poly.to_polynomial(network, 2, keep_layers=True, approximation="taylor")
    with pytest.raises(error, match=pattern) as caught:
        predict_layers(poly, unit_box(3, 2), layers=layers)
    assert "The polynomial has 2 layers" in str(caught.value)


def test_a_non_polynomial_is_refused() -> None:
    with pytest.raises(TypeError, match="'poly' parameter of predict_layers must be a Polynomial"):
        predict_layers(np.ones((3, 1)), np.ones((2, 1)))  # type: ignore[arg-type]
