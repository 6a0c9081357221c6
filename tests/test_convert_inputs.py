"""to_polynomial: options, layer polynomials, bad inputs, memory guard."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pandas
import pytest
from oracles import random_weights

import nn2poly
from nn2poly import MemoryLimitError, Network, NotAnalyticError, _engine, to_polynomial
from nn2poly._monomials import MonomialBasis


def l1_network(
    seed: int = 0, widths=(4, 3), p: int = 3, outputs: int = 1, activations=None
) -> Network:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    weights, n_in = [], p
    for width in widths:
        matrix = rng.normal(size=(n_in + 1, width))
        weights.append(matrix / np.abs(matrix).sum(axis=0, keepdims=True))
        n_in = width
    weights.append(rng.normal(size=(n_in + 1, outputs)))
    names = activations or ["tanh"] * len(widths)
    return Network.from_weights(weights, [*names, "linear"])


@pytest.mark.parametrize("bad", [-1, 0])
def test_max_order_must_be_positive(bad: int) -> None:
    with pytest.raises(
        ValueError,
        match=rf"'max_order' parameter of to_polynomial must be an int in the range "
        rf"\[1, inf\)\. Got {bad}",
    ):
        to_polynomial(l1_network(), bad)


@pytest.mark.parametrize("bad", [2.5, "3", None, True])
def test_max_order_must_be_an_int(bad: object) -> None:
    with pytest.raises(TypeError, match="'max_order' parameter of to_polynomial must be an int"):
        to_polynomial(l1_network(), bad)  # type: ignore[arg-type]


def test_taylor_orders_length_must_match_layers() -> None:
    with pytest.raises(
        ValueError, match=r"taylor_orders has 2 entries but the network has 3 layers"
    ):
        to_polynomial(l1_network(), 2, taylor_orders=[3, 3])


@pytest.mark.parametrize("bad", [[3, -1, 1], [3, 2.5, 1], [3, "a", 1]])
def test_taylor_orders_entries_must_be_non_negative_ints(bad: list) -> None:
    with pytest.raises(
        ValueError,
        match=r"'taylor_orders\[1\]' parameter of to_polynomial must be a non-negative int",
    ):
        to_polynomial(l1_network(), 2, taylor_orders=bad)


def test_taylor_orders_forms_agree() -> None:
    net = l1_network()
    a = to_polynomial(net, 3, taylor_orders=5)
    b = to_polynomial(net, 3, taylor_orders=[5, 5, 1])
    c = to_polynomial(net, 3, taylor_orders=np.array([5, 5, 1]))
    np.testing.assert_array_equal(a.coef, b.coef)
    np.testing.assert_array_equal(a.coef, c.coef)
    default = to_polynomial(net, 3)
    np.testing.assert_array_equal(default.coef, to_polynomial(net, 3, taylor_orders=[8, 8, 1]).coef)


@pytest.mark.parametrize("bad", ["global", np.nan, np.inf])
def test_taylor_center_validation(bad: object) -> None:
    with pytest.raises(ValueError, match="'taylor_center' parameter of to_polynomial must be"):
        to_polynomial(l1_network(), 2, taylor_center=bad)  # type: ignore[arg-type]


def test_non_analytic_activation_points_to_fit() -> None:
    net = l1_network(activations=["relu", "tanh"])
    with pytest.raises(NotAnalyticError, match="approximation='fit'"):
        to_polynomial(net, 2)


def test_zero_taylor_order_gives_a_constant() -> None:
    net = l1_network()
    poly = to_polynomial(net, 3, taylor_orders=[0, 8, 1])
    assert poly.degree == 0 and poly.n_terms == 1
    X = np.zeros((1, 3))
    # order 0 around 0 replaces the first layer by tanh(0) = 0; the second
    # layer then sees its bias, through tanh's Taylor polynomial of order 8
    u = net.layers[1].bias
    series = nn2poly.get_activation("tanh").taylor_coefficients(0.0, 8)
    hidden = sum(series[n] * u**n for n in range(9))
    expected = hidden @ net.layers[2].weight + net.layers[2].bias
    np.testing.assert_allclose(poly.predict(X), expected, rtol=1e-13)


def test_keep_layers_returns_each_layer() -> None:
    net = l1_network(widths=(4, 3), outputs=2)
    poly = to_polynomial(net, 3, keep_layers=True)
    assert poly.layers is not None and len(poly.layers) == 3
    X = np.random.default_rng(0).uniform(-1, 1, (50, 3))
    # the last layer is linear: its output polynomial is the result
    np.testing.assert_array_equal(poly.layers[-1].output.coef, poly.coef)
    # a layer's input polynomial is the previous output polynomial mapped linearly
    first_out = poly.layers[0].output.decision_function(X)
    second_in = poly.layers[1].input.decision_function(X)
    np.testing.assert_allclose(
        second_in, first_out @ net.layers[1].weight + net.layers[1].bias, atol=1e-12
    )
    # the first layer's input polynomial is exactly the pre-activation
    np.testing.assert_allclose(
        poly.layers[0].input.decision_function(X), net.layers[0].pre_activation(X), atol=1e-14
    )
    assert to_polynomial(net, 3).layers is None


def test_warns_on_unconstrained_networks_only() -> None:
    rng = np.random.default_rng(4)
    free = Network.from_weights(
        [rng.normal(size=(3, 4)) * 3, rng.normal(size=(5, 1))], ["tanh", "linear"]
    )
    with pytest.warns(nn2poly.TaylorAccuracyWarning, match=r"largest l1 norm.*\(layer 0\)"):
        to_polynomial(free, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_polynomial(l1_network(), 2)


def test_memory_guard_refuses_before_allocating_and_names_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = l1_network(widths=(50, 50), p=100)
    built: list[tuple[int, int]] = []
    original = _engine.monomial_basis

    def counting_basis(n_features: int, degree: int, *limit: int | None) -> MonomialBasis:
        built.append((n_features, degree))
        return original(n_features, degree, *limit)

    monkeypatch.setattr(_engine, "monomial_basis", counting_basis)
    tracemalloc.start()
    try:
        with pytest.raises(MemoryLimitError) as info:
            to_polynomial(net, 5)  # 96 million monomials x 50 neurons
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "max_order=5" in message and "[50, 50, 1]" in message and "memory_limit" in message
    # refused before any monomial basis is built and before anything large is allocated
    assert built == []
    assert peak < 16 * 2**20, f"the refusal allocated {peak} bytes"


def test_memory_limit_argument_and_setter() -> None:
    net = l1_network(widths=(10,), p=6)
    with pytest.raises(MemoryLimitError):
        to_polynomial(net, 4, memory_limit=1000)
    nn2poly.set_memory_limit(1000)
    try:
        with pytest.raises(MemoryLimitError):
            to_polynomial(net, 4)
        assert to_polynomial(net, 4, memory_limit=10**9).n_terms == 210
    finally:
        nn2poly.set_memory_limit(None)
    with pytest.raises(ValueError, match="positive int"):
        nn2poly.set_memory_limit(-5)
    with pytest.raises(ValueError, match="positive int"):
        to_polynomial(net, 2, memory_limit=0)


def test_accepts_weights_activation_pair_and_dictionary() -> None:
    net = l1_network()
    expected = to_polynomial(net, 2).coef
    np.testing.assert_array_equal(
        to_polynomial((net.to_weights(), list(net.activations)), 2).coef, expected
    )
    np.testing.assert_array_equal(to_polynomial(net.to_dict(), 2).coef, expected)


def test_unsupported_model_type() -> None:
    with pytest.raises(TypeError, match=r"Cannot convert a builtins\.int"):
        to_polynomial(3, 2)


def test_approximation_argument_validation() -> None:
    with pytest.raises(
        ValueError,
        match="'approximation' parameter of to_polynomial must be one of 'auto', 'fit', 'taylor'",
    ):
        to_polynomial(l1_network(), 2, approximation="chebyshev")
    with pytest.raises(ValueError, match="approximation='fit' only"):
        to_polynomial(l1_network(), 2, approximation="taylor", data=np.zeros((3, 3)))


def test_names_are_carried() -> None:
    poly = to_polynomial(
        l1_network(outputs=2), 2, feature_names=["a", "b", "c"], output_names=["u", "v"]
    )
    assert poly.feature_names == ("a", "b", "c") and poly.output_names == ("u", "v")
    assert poly.term_names[:5] == ["1", "a", "b", "c", "a^2"]
    with pytest.raises(ValueError, match="feature_names has 2 entries but 3"):
        to_polynomial(l1_network(), 2, feature_names=["a", "b"])


def test_complex_weights_and_inputs_are_refused() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        with pytest.raises(TypeError):
            nn2poly.Network.from_weights([np.array([[0.1 + 1j], [0.3]])], ["tanh"])
        with pytest.raises(TypeError):
            nn2poly.Polynomial([[0], [1]], [1.0, 2.0]).predict(np.array([[1.0 + 2j]]))


def test_weights_pair_with_single_matrix() -> None:
    matrix = np.array([[0.1], [0.2]])
    expected = nn2poly.Network.from_weights(matrix, "tanh")
    poly = nn2poly.to_polynomial((matrix, "tanh"), 2)
    np.testing.assert_array_equal(poly.coef, nn2poly.to_polynomial(expected, 2).coef)


def test_option_validation_messages() -> None:
    net = nn2poly.Network.from_weights(random_weights([2, 2, 1], seed=0), ["tanh", "linear"])
    cases = [
        ({"max_order": 0}, ValueError, "max_order"),
        ({"max_order": 2.0}, TypeError, "max_order"),
        ({"max_order": True}, TypeError, "max_order"),
        ({"taylor_orders": -1}, ValueError, "taylor_orders"),
        ({"taylor_orders": [3]}, ValueError, "2 layers"),
        ({"taylor_orders": 3.0}, TypeError, "taylor_orders"),
        ({"taylor_orders": [3, True]}, ValueError, r"taylor_orders\[1\]"),
        ({"taylor_center": "LOCAL"}, ValueError, "local"),
        ({"taylor_center": float("nan")}, ValueError, "finite"),
        ({"taylor_center": None}, TypeError, "taylor_center"),
        ({"keep_layers": 1}, TypeError, "keep_layers"),
        ({"memory_limit": 0}, ValueError, "memory_limit"),
        ({"memory_limit": 1e9}, ValueError, "memory_limit"),
        ({"approximation": "exact"}, ValueError, "approximation"),
        ({"feature_names": ["a"]}, ValueError, "feature_names"),
        ({"feature_names": ["a", "a"]}, ValueError, "unique"),
    ]
    for options, error, pattern in cases:
        options = {"max_order": 2, **options}
        with pytest.raises(error, match=pattern):
            nn2poly.to_polynomial(net, **options)
    # numpy integers are ints
    assert nn2poly.to_polynomial(net, np.int64(2), taylor_orders=np.array([3, 1])).degree == 2


def test_feature_names_from_dataframe_columns() -> None:
    net = nn2poly.Network.from_weights(random_weights([2, 2, 1], seed=0), ["tanh", "linear"])
    poly = nn2poly.to_polynomial(net, 2, feature_names=pandas.Index(["a", "b"]))
    assert poly.feature_names == ("a", "b")


def test_memory_limit_accepts_numpy_integer() -> None:
    net = nn2poly.Network.from_weights(random_weights([2, 2, 1], seed=0), ["tanh", "linear"])
    nn2poly.to_polynomial(net, 2, memory_limit=np.int64(10**9))
