"""The memory plan of graphs: each node's degree is the largest over its paths, and the peak
allocation of a conversion stays within 1.5 times the plan, both ways (no time is asserted)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import nn2poly
from nn2poly import Add, Concatenate, Dense, Network, Node
from nn2poly._memory import plan_conversion, walk_bytes
from nn2poly._memory_graph import graph_walk_bytes
from nn2poly._monomials import _cached_basis
from nn2poly._taylor import TaylorApproximation

#: the residual sums leave [-1, 1]: the Taylor expansion warns (the memory is the subject here)
pytestmark = pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")


def _weights(rng: np.random.Generator, n_in: int, n_out: int) -> np.ndarray:
    w = rng.normal(size=(n_in, n_out))
    return w / np.abs(w).sum(axis=0)  # l1-constrained: no accuracy warning


def _graph(kind: str, p: int, hidden: int) -> Network:
    rng = np.random.default_rng(0)

    def dense(name: str, n_in: int, n_out: int, source: str, activation: str = "tanh") -> Node:
        return Node(name, Dense(_weights(rng, n_in, n_out), np.zeros(n_out), activation), (source,))

    if kind == "residual":  # two residual blocks: the skip value lives across each branch
        return Network(
            [
                dense("a", p, hidden, "input"),
                dense("b", hidden, p, "a"),
                Node("h", Add(), ("input", "b")),
                dense("c", p, hidden, "h"),
                dense("d", hidden, p, "c"),
                Node("h2", Add(), ("h", "d")),
                dense("out", p, 1, "h2", "linear"),
            ]
        )
    return Network(  # a concatenation skip and a two-output linear layer
        [
            dense("a", p, hidden, "input"),
            dense("b", hidden, p, "a"),
            Node("cat", Concatenate(), ("b", "a")),
            dense("out", p + hidden, 2, "cat", "linear"),
        ]
    )


@pytest.mark.parametrize(
    "kind,p,hidden,max_order,keep_layers",
    [
        ("residual", 30, 32, 3, False),
        ("residual", 100, 32, 2, False),
        ("residual", 20, 16, 3, True),
        ("concat", 40, 24, 3, False),
    ],
)
def test_peak_allocation_of_a_graph_is_within_the_plan(
    kind: str, p: int, hidden: int, max_order: int, keep_layers: bool
) -> None:
    net = _graph(kind, p, hidden)
    nn2poly.to_polynomial(_graph(kind, 3, 4), 3, keep_layers=keep_layers)  # compile first
    _cached_basis.cache_clear()
    plan = plan_conversion(net, TaylorApproximation().bind(net, max_order), max_order, keep_layers)
    assert not plan.contracted  # the contracted walk is for chains
    tracemalloc.start()
    try:
        nn2poly.to_polynomial(net, max_order, approximation="taylor", keep_layers=keep_layers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert plan.n_bytes / 1.5 <= peak <= 1.5 * plan.n_bytes, (plan.n_bytes, peak)


def test_a_nodes_degree_is_the_largest_over_its_paths() -> None:
    rng = np.random.default_rng(1)
    net = Network(
        [
            Node("a", Dense(_weights(rng, 2, 3), np.zeros(3), "tanh"), ("input",)),
            Node("b", Dense(_weights(rng, 3, 2), np.zeros(2), "tanh"), ("a",)),
            Node("cat", Concatenate(), ("input", "b")),
            Node("out", Dense(_weights(rng, 4, 1), np.zeros(1), "linear"), ("cat",)),
        ]
    )
    bound = TaylorApproximation((2, 3, 1)).bind(net, 9)
    plan = plan_conversion(net, bound, 9, False)
    assert plan.degree == plan.basis_degree == 6  # the path through a and b; x itself is 1
    poly = nn2poly.to_polynomial(net, 9, approximation="taylor", taylor_orders=(2, 3, 1))
    assert poly.degree == 6
    # an order-0 branch: the sum's degree is the input's
    flat = Network(
        [
            Node("a", Dense(_weights(rng, 2, 2), np.zeros(2), "tanh"), ("input",)),
            Node("out", Add(), ("input", "a")),
        ]
    )
    plan = plan_conversion(flat, TaylorApproximation((0,)).bind(flat, 4), 4, False)
    assert plan.degree == 1
    assert nn2poly.to_polynomial(flat, 4, approximation="taylor", taylor_orders=0).degree == 1


def test_a_skip_value_is_counted_while_the_branch_runs() -> None:
    rng = np.random.default_rng(2)
    branch = [
        Node("a", Dense(_weights(rng, 20, 16), np.zeros(16), "tanh"), ("input",)),
        Node("b", Dense(_weights(rng, 16, 20), np.zeros(20), "tanh"), ("a",)),
    ]
    skip = Network([*branch, Node("out", Add(), ("input", "b"))])
    chain = Network([node.operation for node in branch])
    degrees: list[int | None] = [3, 3]
    n_terms = 1771  # 20 variables up to degree 3
    assert graph_walk_bytes(skip, degrees, n_terms, False) > walk_bytes(
        chain, degrees, n_terms, False
    )
    assert walk_bytes(skip, degrees, n_terms, False) == graph_walk_bytes(
        skip, degrees, n_terms, False
    )
