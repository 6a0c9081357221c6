"""The graph builder every adapter emits: folding, node making, pruning and links."""

from __future__ import annotations

import numpy as np
import pytest

import nn2poly
from nn2poly import Add, Concatenate, Dense
from nn2poly.adapters._builder import GraphBuilder

RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (7, 3))


def _weights(n_in: int, n_out: int) -> np.ndarray:
    return RNG.normal(size=(n_in, n_out)) * 0.5


def test_consecutive_affine_maps_and_scalings_fold_into_one_layer() -> None:
    W1, W2 = _weights(3, 4), _weights(4, 2)
    b = GraphBuilder(3)
    v = b.affine(b.input, W1, np.ones(4))
    v = b.scale_shift(v, 2.0, -0.5)
    v = b.affine(v, W2)
    v = b.activation(v, "tanh")
    net = b.build(v)
    assert net.is_chain and len(net.layers) == 1
    expected = np.tanh(((X @ W1 + 1.0) * 2.0 - 0.5) @ W2)
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-13)


def test_residual_sum_folds_into_the_next_layer_through_a_concatenation() -> None:
    W1, W2, W3 = _weights(3, 4), _weights(4, 4), _weights(4, 1)
    b = GraphBuilder(3)
    h = b.activation(b.affine(b.input, W1), "tanh", name="h")
    f = b.activation(b.affine(h, W2), "tanh", name="f")
    y = b.affine(b.add(h, f), W3)
    net = b.build(y)
    assert [type(node.operation) for node in net.nodes] == [Dense, Dense, Concatenate, Dense]
    hidden = np.tanh(X @ W1)
    np.testing.assert_allclose(
        net.forward(X), (hidden + np.tanh(hidden @ W2)) @ W3, rtol=1e-13, atol=1e-15
    )


def test_an_output_that_is_a_sum_or_a_concatenation_is_its_own_node() -> None:
    W1, W2 = _weights(3, 2), _weights(3, 2)
    b = GraphBuilder(3)
    a = b.activation(b.affine(b.input, W1), "tanh", name="a")
    c = b.activation(b.affine(b.input, W2), "sigmoid", name="c")
    summed = b.build(b.add(a, c), peel_sigmoid=False)
    assert isinstance(summed.nodes[-1].operation, Add)
    joined = GraphBuilder(3)
    a = joined.activation(joined.affine(joined.input, W1), "tanh", name="a")
    cat = joined.build(joined.concatenate([a, joined.input]))
    assert isinstance(cat.nodes[-1].operation, Concatenate)
    np.testing.assert_allclose(cat.forward(X), np.hstack([np.tanh(X @ W1), X]), rtol=1e-13)


def test_what_the_output_does_not_read_is_dropped() -> None:
    b = GraphBuilder(3)
    b.activation(b.affine(b.input, _weights(3, 5)), "tanh", name="unused")
    used = b.activation(b.affine(b.input, _weights(3, 2)), "tanh", name="used")
    net = b.build(b.affine(used, _weights(2, 1)))
    assert [node.name for node in net.nodes] == ["used", "output"]


def test_final_sigmoid_and_softmax_become_the_link() -> None:
    b = GraphBuilder(3)
    net = b.build(b.activation(b.affine(b.input, _weights(3, 1)), "sigmoid"))
    assert net.link == "sigmoid" and net.layers[-1].activation == "linear"
    kept = GraphBuilder(3)
    net = kept.build(
        kept.activation(kept.affine(kept.input, _weights(3, 1)), "sigmoid"), peel_sigmoid=False
    )
    assert net.link is None and net.layers[-1].activation == "sigmoid"
    soft = GraphBuilder(3)
    net = soft.build(soft.softmax(soft.affine(soft.input, _weights(3, 3)), log=True))
    assert net.link == "softmax" and soft.log_link


def test_an_operation_after_the_softmax_is_refused() -> None:
    b = GraphBuilder(3)
    probabilities = b.softmax(b.affine(b.input, _weights(3, 3)))
    with pytest.raises(ValueError, match="softmax only as the model's final output"):
        b.affine(probabilities, _weights(3, 1))


@pytest.mark.parametrize(
    "operation,fragment",
    [
        (lambda b: b.affine(b.input, np.ones((4, 2))), "matrix with 3 rows"),
        (lambda b: b.add(b.input, b.affine(b.input, np.ones((3, 2)))), "values of one width"),
        (lambda b: b.scale_shift(b.input, np.ones(2)), "vector of 3 values"),
        (lambda b: b.select(b.input, [0, 3]), "feature indices in [0, 3)"),
    ],
)
def test_shapes_that_do_not_fit_are_refused(operation, fragment) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as info:
        operation(GraphBuilder(3))
    assert fragment in str(info.value)


def test_selection_and_constant_values() -> None:
    b = GraphBuilder(3)
    picked = b.select(b.input, [2, 0])
    shifted = b.add(picked, b.constant_like(picked, [1.0, -1.0]))
    net = b.build(b.activation(shifted, "tanh"))
    np.testing.assert_allclose(net.forward(X), np.tanh(X[:, [2, 0]] + [1.0, -1.0]), rtol=1e-14)


def test_the_builder_network_converts_like_its_branches() -> None:
    W1, W2, W3 = _weights(3, 3) * 0.3, _weights(3, 3) * 0.3, _weights(3, 1)
    b = GraphBuilder(3)
    h = b.activation(b.affine(b.input, W1), "tanh")
    f = b.activation(b.affine(h, W2), "tanh")
    graph = b.build(b.affine(b.add(h, f), W3))
    short = nn2poly.Network([Dense(W1, np.zeros(3), "tanh"), Dense(W3, np.zeros(1))])
    long = nn2poly.Network(
        [Dense(W1, np.zeros(3), "tanh"), Dense(W2, np.zeros(3), "tanh"), Dense(W3, np.zeros(1))]
    )
    total = nn2poly.to_polynomial(graph, 3)
    parts = nn2poly.to_polynomial(short, 3) + nn2poly.to_polynomial(long, 3)
    np.testing.assert_allclose(total.coef, parts.coef, rtol=1e-12, atol=1e-15)
