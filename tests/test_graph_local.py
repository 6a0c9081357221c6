"""Local expansions of graphs: with every order at least max_order, taylor_center="local"
(at 0 and at a point) and local_polynomials give the exact multivariate Taylor polynomial."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from oracles import assert_matches, graph_taylor_coefficients

import nn2poly
from nn2poly import Add, Concatenate, Dense, Network, Node
from nn2poly._local_point import shift_inputs
from nn2poly._local_shift import ShiftedNetwork

pytestmark = pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")


def _graph(kind: str) -> Network:
    rng = np.random.default_rng({"residual": 1, "concat": 2, "sum": 3}[kind])

    def dense(n_in: int, n_out: int, activation: str) -> Dense:
        return Dense(rng.normal(0, 0.7, (n_in, n_out)), rng.normal(0, 0.3, n_out), activation)

    if kind == "residual":  # h = x + f(x), then a softplus output
        return Network(
            [
                Node("a", dense(2, 3, "tanh"), ("input",)),
                Node("b", dense(3, 2, "sigmoid"), ("a",)),
                Node("h", Add(), ("input", "b")),
                Node("out", dense(2, 1, "softplus"), ("h",)),
            ]
        )
    if kind == "concat":  # cat([f(x), x]) then a linear layer with two outputs
        return Network(
            [
                Node("a", dense(2, 3, "tanh"), ("input",)),
                Node("cat", Concatenate(), ("a", "input")),
                Node("out", dense(5, 2, "linear"), ("cat",)),
            ]
        )
    # an output that is a sum of two branches and the input
    return Network(
        [
            Node("a", dense(2, 2, "tanh"), ("input",)),
            Node("b", dense(2, 2, "silu"), ("input",)),
            Node("c", dense(2, 2, "sigmoid"), ("a",)),
            Node("out", Add(), ("c", "b", "input")),
        ]
    )


KINDS = ["residual", "concat", "sum"]


@pytest.mark.parametrize("kind", KINDS)
def test_local_taylor_at_zero_is_the_exact_taylor_polynomial(kind: str) -> None:
    net = _graph(kind)
    poly = nn2poly.to_polynomial(
        net, 3, approximation="taylor", taylor_center="local", taylor_orders=3
    )
    assert_matches(poly, graph_taylor_coefficients(net, [0.0, 0.0], 3), rtol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_local_taylor_at_a_point_is_the_exact_taylor_polynomial(kind: str) -> None:
    net = _graph(kind)
    x0 = np.array([0.4, -0.7])
    poly = nn2poly.to_polynomial(
        net, 3, approximation="taylor", taylor_center="local", taylor_orders=6, at=x0
    )
    np.testing.assert_array_equal(poly.origin, x0)
    assert_matches(poly, graph_taylor_coefficients(net, x0, 3), rtol=1e-10)
    # near the point the polynomial follows the network
    X = x0 + np.random.default_rng(0).uniform(-1e-3, 1e-3, (5, 2))
    np.testing.assert_allclose(poly.predict(X).reshape(5, -1), net.forward(X), atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_local_polynomials_of_a_graph_at_several_points(kind: str) -> None:
    net = _graph(kind)
    points = np.random.default_rng(1).uniform(-1, 1, (4, 2))
    local = nn2poly.local_polynomials(net, points, 3)
    for i, point in enumerate(points):
        assert_matches(local.polynomial(i), graph_taylor_coefficients(net, point, 3), rtol=1e-10)
    np.testing.assert_allclose(local.values.reshape(4, -1), net.forward(points), atol=1e-12)


def test_local_polynomials_of_a_graph_in_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    import nn2poly._local_engine as local_engine

    net = _graph("residual")
    points = np.random.default_rng(2).uniform(-1, 1, (9, 2))
    whole = nn2poly.local_polynomials(net, points, 2)
    monkeypatch.setattr(local_engine, "CHUNK_BYTES", 1)  # one point per batch
    batched = nn2poly.local_polynomials(net, points, 2)
    np.testing.assert_allclose(batched.coef, whole.coef, rtol=0, atol=1e-15)


def test_diagnose_a_local_polynomial_of_a_graph() -> None:
    net = _graph("residual")
    X = np.random.default_rng(3).uniform(-1, 1, (200, 2))
    poly = nn2poly.to_polynomial(
        net, 3, approximation="taylor", taylor_center="local", at=X[0], keep_layers=True
    )
    report = nn2poly.diagnose(
        net, X, polynomial=poly, approximation="taylor", taylor_center="local"
    )
    assert len(report.layers) == len(net.layers)
    assert report.r2 > 0.5


def test_a_graph_moved_to_a_point_keeps_its_nodes() -> None:
    net = _graph("residual")
    x0 = np.array([0.5, -0.25])
    moved = shift_inputs(net, x0)
    assert isinstance(moved, ShiftedNetwork)
    assert moved.nodes == net.nodes and moved.unshifted == net
    T = np.random.default_rng(4).uniform(-1, 1, (6, 2))
    np.testing.assert_allclose(moved.forward(T), net.forward(x0 + T), rtol=0, atol=0)
    for ours, theirs in zip(moved.pre_activations(T), net.pre_activations(x0 + T), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert pickle.loads(pickle.dumps(moved)) == moved
    assert moved != net and moved != ShiftedNetwork(net, [0.0, 0.0])
    assert moved.with_link("sigmoid").link == "sigmoid"
    assert np.array_equal(moved.with_link("sigmoid").origin, x0)
    with pytest.raises(ValueError, match="original inputs"):
        moved.to_dict()
    with pytest.raises(ValueError, match="a finite point of shape"):
        ShiftedNetwork(net, [np.inf, 0.0])
    with pytest.raises(ValueError, match="a finite point of shape"):
        ShiftedNetwork(net, [1.0])


def test_a_point_that_overflows_a_graphs_potentials_is_refused() -> None:
    net = Network(
        [
            Node("f", Dense(np.full((2, 2), 10.0), np.zeros(2), "tanh"), ("input",)),
            Node("h", Add(), ("input", "f")),
        ]
    )
    with pytest.raises(ValueError, match="potentials of the layers reading the input"):
        nn2poly.to_polynomial(
            net, 2, approximation="taylor", taylor_center="local", at=[1e308, 1e308]
        )
