"""Networks as graphs through the engine: evaluation, linear graphs, the JSON format, data
fits and their joint refinement, potential ranges and norms, diagnostics and the CLI."""

from __future__ import annotations

import json
import pickle
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import assert_jacobian_matches_differences
from typer.testing import CliRunner

import nn2poly
from nn2poly import Add, Concatenate, Dense, FitApproximation, Network, Node
from nn2poly._convert import build_polynomial
from nn2poly._monomials import monomial_basis
from nn2poly._norms import hidden_l1_norms, largest_hidden_l1_norm, output_layers
from nn2poly._powers import variable_monomials
from nn2poly._refine import _jacobian, _recentre, compose_graph, fixed_walker
from nn2poly._taylor import potential_ranges
from nn2poly.adapters import adapt

ACTIVATIONS = ("tanh", "sigmoid", "linear", "softplus")
NUMPY = {
    "tanh": np.tanh,
    "sigmoid": lambda u: 1.0 / (1.0 + np.exp(-u)),
    "linear": lambda u: u,
    "softplus": lambda u: np.log1p(np.exp(u)),
}


@st.composite
def graphs(draw: Any, activations: tuple[str, ...] = ACTIVATIONS) -> Network:
    """Small random DAGs: dense nodes, sums of one width, concatenations, nodes reading
    the input directly; whatever no node reads is summed or concatenated at the end."""
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n_inputs = draw(st.integers(1, 3))
    widths = {"input": n_inputs}
    nodes: list[Node] = []
    read: set[str] = set()
    for position in range(draw(st.integers(1, 5))):
        name = f"n{position}"
        names = list(widths)
        kind = draw(st.sampled_from(["dense", "dense", "add", "concatenate"]))
        if kind == "dense" or position == 0:
            source = draw(st.sampled_from(names))
            n_out = draw(st.integers(1, 3))
            weight = rng.normal(0.0, 0.7, (widths[source], n_out))
            activation = draw(st.sampled_from(activations))
            operation: Any = Dense(weight, rng.normal(0.0, 0.3, n_out), activation)
            inputs = [source]
            widths[name] = n_out
        elif kind == "add":
            first = draw(st.sampled_from(names))
            same = [other for other in names if widths[other] == widths[first]]
            inputs = [first, *draw(st.lists(st.sampled_from(same), min_size=1, max_size=2))]
            operation = Add()
            widths[name] = widths[first]
        else:
            inputs = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
            operation = Concatenate()
            widths[name] = sum(widths[other] for other in inputs)
        nodes.append(Node(name, operation, tuple(inputs)))
        read.update(inputs)
    unread = [node.name for node in nodes if node.name not in read]
    if len(unread) > 1:
        one_width = len({widths[name] for name in unread}) == 1
        final: Any = Add() if one_width and draw(st.booleans()) else Concatenate()
        nodes.append(Node("out", final, tuple(unread)))
    return Network(nodes, n_inputs=n_inputs)


def numpy_graph(network: Network, X: np.ndarray) -> np.ndarray:
    """The graph evaluated by hand, node by node."""
    values: dict[str, np.ndarray] = {"input": np.asarray(X, dtype=np.float64)}
    result = values["input"]
    for node in network.nodes:
        parts = [values[name] for name in node.inputs]
        operation = node.operation
        if isinstance(operation, Dense):
            result = NUMPY[operation.activation](parts[0] @ operation.weight + operation.bias)
        elif isinstance(operation, Add):
            result = sum(parts[1:], parts[0])
        else:
            result = np.hstack(parts)
        values[node.name] = result
    return result


def residual(seed: int = 0, p: int = 3, hidden: int = 5, scale: float = 1.0) -> Network:
    """x -> tanh layer -> tanh layer back to p, added to x, a softplus layer concatenated
    with that sum, then a linear output; hidden weights times ``scale``."""
    rng = np.random.default_rng(seed)
    s = scale
    return Network(
        [
            Node(
                "a",
                Dense(s * rng.normal(0, 0.6, (p, hidden)), s * rng.normal(0, 0.3, hidden), "tanh"),
                ("input",),
            ),
            Node(
                "b",
                Dense(s * rng.normal(0, 0.6, (hidden, p)), s * rng.normal(0, 0.3, p), "tanh"),
                ("a",),
            ),
            Node("h", Add(), ("input", "b")),
            Node(
                "c",
                Dense(s * rng.normal(0, 0.6, (p, 4)), s * rng.normal(0, 0.3, 4), "softplus"),
                ("h",),
            ),
            Node("cat", Concatenate(), ("c", "h")),
            Node("out", Dense(rng.normal(0, 1, (4 + p, 1)), np.zeros(1), "linear"), ("cat",)),
        ]
    )


# ------------------------------------------------------------------ evaluation
@given(graphs())
def test_forward_equals_a_hand_written_evaluation(net: Network) -> None:
    X = np.random.default_rng(0).uniform(-1, 1, (7, net.n_inputs))
    np.testing.assert_allclose(net.forward(X), numpy_graph(net, X), rtol=1e-13, atol=1e-13)


@given(graphs(activations=("linear",)))
def test_taylor_polynomial_of_a_linear_graph_is_its_affine_map(net: Network) -> None:
    p = net.n_inputs
    constant = net.forward(np.zeros((1, p)))[0]
    slopes = net.forward(np.eye(p)) - constant
    poly = nn2poly.to_polynomial(net, 3, approximation="taylor")
    assert poly.degree <= 1
    expected = np.vstack([constant, slopes])
    X = np.random.default_rng(1).uniform(-2, 2, (5, p))
    values = poly.predict(X).reshape(5, -1)
    np.testing.assert_allclose(values, np.hstack([np.ones((5, 1)), X]) @ expected, atol=1e-12)


@given(graphs())
def test_potential_ranges_bound_a_graphs_potentials(net: Network) -> None:
    grid = np.random.default_rng(2).uniform(-1, 1, (300, net.n_inputs))
    grid = np.vstack([grid, -np.ones(net.n_inputs), np.ones(net.n_inputs)])
    ranges = potential_ranges(net)
    assert len(ranges) == len(net.layers)
    for bounds, u in zip(ranges, net.pre_activations(grid), strict=True):
        assert np.all(bounds[:, 0] <= u.min(axis=0) + 1e-12)
        assert np.all(u.max(axis=0) <= bounds[:, 1] + 1e-12)


# ------------------------------------------------------------------ the JSON format
@given(graphs())
def test_graphs_round_trip_through_dictionaries_files_and_pickles(net: Network) -> None:
    assert Network.from_dict(json.loads(json.dumps(net.to_dict()))) == net
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net.json"
        net.save(path)
        loaded = Network.load(path)
    assert loaded == net
    assert pickle.loads(pickle.dumps(net)) == net
    X = np.random.default_rng(3).uniform(-1, 1, (4, net.n_inputs))
    assert np.array_equal(loaded.forward(X), net.forward(X))


def test_version_one_files_still_load(tmp_path: Path) -> None:
    data = {
        "format": "nn2poly.network",
        "version": 1,
        "layers": [
            {"activation": "tanh", "weight": [[0.5, -1.0]], "bias": [0.1, 0.2]},
            {"activation": "linear", "weight": [[1.0], [2.0]], "bias": [0.0]},
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    net = Network.load(path)
    assert net.is_chain and net.widths == (2, 1) and net.link is None
    expected = np.tanh(np.array([[0.5, -1.0]]) * 0.3 + [0.1, 0.2]) @ [[1.0], [2.0]]
    np.testing.assert_allclose(net.forward([[0.3]]), expected)


def _graph_dict(**changes: Any) -> dict[str, Any]:
    nodes = [
        {
            "name": "a",
            "type": "dense",
            "inputs": ["input"],
            "activation": "tanh",
            "weight": [[1.0, 0.5]],
            "bias": [0.0, 0.0],
        },
        {"name": "s", "type": "add", "inputs": ["a", "a"]},
    ]
    data: dict[str, Any] = {"format": "nn2poly.network", "version": 2, "nodes": nodes}
    for index, entry in changes.items():
        position = int(index[1:])
        if entry is None:
            del nodes[position]
        elif position < len(nodes):
            nodes[position] = {**nodes[position], **entry}
        else:
            nodes.append(entry)
    return data


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"n1": {"type": "multiply"}}, "'type'"),
        ({"n0": {"inputs": ["s"]}}, "not an earlier node"),
        ({"n1": {"name": "a"}}, "unique"),
        ({"n1": {"inputs": ["a", "input"]}}, "adds values of widths [2, 1]"),
        (
            {
                "n2": {
                    "name": "dead",
                    "type": "dense",
                    "inputs": ["input"],
                    "weight": [[1.0]],
                    "bias": [0.0],
                },
                "n3": {"name": "out", "type": "add", "inputs": ["s"]},
            },
            "No later node reads node 'dead'",
        ),
    ],
    ids=["unknown type", "later input", "duplicate name", "add widths", "dead node"],
)
def test_malformed_graph_dictionaries_are_refused(changes: dict[str, Any], words: str) -> None:
    data = _graph_dict(**changes)
    with pytest.raises(ValueError) as error:
        Network.from_dict(data)
    assert words in str(error.value), str(error.value)
    assert "Network" in str(error.value)


def test_a_well_formed_graph_dictionary_loads() -> None:
    net = Network.from_dict(_graph_dict())
    np.testing.assert_allclose(net.forward([[1.0]]), 2 * np.tanh([[1.0, 0.5]]))


def test_the_weight_list_layout_refuses_a_graph() -> None:
    with pytest.raises(ValueError, match="holds chains only"):
        residual().to_weights()


# ------------------------------------------------------------------ data fits
def test_a_data_fit_reads_each_layers_true_potentials_on_a_graph() -> None:
    net = residual()
    X = np.random.default_rng(4).uniform(-1, 1, (800, 3))
    bound = FitApproximation(data=X, refine=False).bind(net, 4)
    build_polynomial(adapt(net), 4, bound)
    for index, (ranges, u) in enumerate(zip(bound.ranges, net.pre_activations(X), strict=True)):
        if bound.identity[index]:
            continue
        assert ranges is not None
        np.testing.assert_array_equal(ranges, np.column_stack([u.min(axis=0), u.max(axis=0)]))


@pytest.mark.parametrize("refine", [False, True])
def test_a_fitted_residual_graph_follows_the_network(refine: bool) -> None:
    net = residual()
    rng = np.random.default_rng(5)
    X, X_test = rng.uniform(-1, 1, (1500, 3)), rng.uniform(-1, 1, (1000, 3))
    bound = FitApproximation(data=X, refine=refine).bind(net, 4)
    poly = build_polynomial(adapt(net), 4, bound)[0]
    y = net.forward(X_test)[:, 0]
    r2 = 1 - np.mean((poly.predict(X_test) - y) ** 2) / np.var(y)
    assert r2 > 0.98
    if refine:
        assert bound.refinement is not None
        assert bound.refinement.holdout_mse_after <= bound.refinement.holdout_mse_before


def test_the_refinement_jacobian_of_a_graph_matches_finite_differences() -> None:
    net = residual(seed=1, p=2, hidden=3)
    X = np.random.default_rng(6).uniform(-1, 1, (30, 2))
    bound = FitApproximation(data=X, refine=False).bind(net, 3)
    build_polynomial(adapt(net), 3, bound)
    basis = monomial_basis(2, 3)
    table = basis.product_table()
    composed = compose_graph(net, basis, table, fixed_walker(bound.fits))
    assert composed is not None
    kept, fits, out = composed
    fits = _recentre(kept, fits)
    M = variable_monomials(basis.variables, X)
    J = _jacobian(net, kept, fits, M, table)

    def compose(moved: list[Any]) -> np.ndarray:
        shifted = compose_graph(net, basis, table, fixed_walker(moved))
        assert shifted is not None
        return shifted[2][:, 0]

    assert_jacobian_matches_differences(J, fits, compose, out[:, 0], M)


@pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")
def test_composing_a_graph_on_a_full_basis_equals_the_engine() -> None:
    net = residual(seed=2)
    poly = nn2poly.to_polynomial(net, 3, approximation="taylor", taylor_orders=3)
    basis = monomial_basis(3, 3)
    bound = nn2poly.TaylorApproximation(3).bind(net, 3)
    composed = compose_graph(net, basis, basis.product_table(), bound.start(basis, None))
    assert composed is not None
    X = np.random.default_rng(7).uniform(-1, 1, (20, 3))
    values = variable_monomials(basis.variables, X) @ composed[2]
    np.testing.assert_allclose(values[:, 0], poly.predict(X), atol=1e-12)


# ------------------------------------------------------------------ norms
def test_the_output_layers_of_a_graph_are_not_hidden() -> None:
    net = residual()
    assert output_layers(net) == frozenset({3})
    norms = hidden_l1_norms(net)
    assert len(norms) == 3
    expected = [np.abs(layer.bias) + np.abs(layer.weight).sum(axis=0) for layer in net.layers[:3]]
    for ours, theirs in zip(norms, expected, strict=True):
        np.testing.assert_allclose(ours, theirs)
    best, where = largest_hidden_l1_norm(net)
    assert best == max(float(n.max()) for n in expected) and where in (0, 1, 2)
    skip = Network(
        [
            Node("a", Dense(np.ones((2, 2)), np.zeros(2), "tanh"), ("input",)),
            Node("b", Dense(np.full((2, 1), 5.0), np.zeros(1)), ("a",)),
            Node("c", Dense(np.full((2, 1), 7.0), np.zeros(1)), ("input",)),
            Node("out", Add(), ("b", "c")),
        ]
    )
    assert output_layers(skip) == frozenset({1, 2})
    assert largest_hidden_l1_norm(skip) == (2.0, 0)


# ------------------------------------------------------------------ diagnostics and tools
@pytest.fixture(scope="module")
def residual_data() -> tuple[Network, np.ndarray]:
    return residual(), np.random.default_rng(8).uniform(-1, 1, (400, 3))


def test_diagnose_reports_every_layer_of_a_graph(residual_data) -> None:  # type: ignore[no-untyped-def]
    net, X = residual_data
    report = nn2poly.diagnose(net, X, max_order=3, approximation="fit")
    assert len(report.layers) == len(net.layers)
    assert report.r2 > 0.98
    for layer, u in zip(report.layers, net.pre_activations(X), strict=True):
        np.testing.assert_array_equal(layer.potentials, u)
        np.testing.assert_array_equal(layer.neuron_ranges[:, 1], u.max(axis=0))
    assert [layer.exact for layer in report.layers] == [False, False, False, True]


def test_kept_layers_and_predict_layers_follow_a_graph(residual_data) -> None:  # type: ignore[no-untyped-def]
    net, X = residual(scale=0.3), residual_data[1]
    poly = nn2poly.to_polynomial(net, 7, approximation="taylor", keep_layers=True)
    assert poly.layers is not None and len(poly.layers) == len(net.layers)
    values = nn2poly.predict_layers(poly, X[:50])
    potentials = net.pre_activations(X[:50])
    np.testing.assert_allclose(values[0].input, potentials[0], atol=1e-12)  # exact: affine
    for index, u in enumerate(potentials):
        assert np.max(np.abs(values[index].input - u)) < 1e-4
    np.testing.assert_allclose(values[3].output[:, 0], poly.predict(X[:50]), atol=1e-12)


def test_distill_fits_a_graph(residual_data) -> None:  # type: ignore[no-untyped-def]
    net, X = residual_data
    poly = nn2poly.distill(net, X, 3)
    y = net.forward(X)[:, 0]
    assert 1 - np.mean((poly.predict(X) - y) ** 2) / np.var(y) > 0.99


def test_the_command_line_converts_and_diagnoses_a_saved_graph(residual_data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nn2poly.cli import app

    net, X = residual_data
    model, data = tmp_path / "graph.json", tmp_path / "x.csv"
    net.save(model)
    np.savetxt(data, X, delimiter=",")
    runner = CliRunner()
    converted = runner.invoke(
        app,
        [
            "convert",
            str(model),
            "-q",
            "3",
            "--approximation",
            "fit",
            "--data",
            str(data),
            "-f",
            "json",
        ],
    )
    assert converted.exit_code == 0, converted.output
    poly = nn2poly.Polynomial.from_dict(json.loads(converted.output))
    y = net.forward(X)[:, 0]
    assert 1 - np.mean((poly.predict(X) - y) ** 2) / np.var(y) > 0.98
    diagnosed = runner.invoke(app, ["diagnose", str(model), "--data", str(data), "-q", "3"])
    assert diagnosed.exit_code == 0, diagnosed.output
    assert "Verdict: faithful" in diagnosed.output


# ------------------------------------------------------------------ accuracy warning
def test_a_residual_sum_leaving_the_taylor_region_warns() -> None:
    rng = np.random.default_rng(9)
    w = rng.normal(size=(2, 2))
    w /= np.abs(w).sum(axis=0) + 0.05  # l1-constrained neurons
    head = Dense(np.full((2, 1), 0.45), np.zeros(1), "tanh")
    net = Network(
        [
            Node("f", Dense(w, np.zeros(2), "tanh"), ("input",)),
            Node("h", Add(), ("input", "f")),
            Node("out", head, ("h",)),
        ]
    )
    assert largest_hidden_l1_norm(net)[0] <= 1.0
    with pytest.warns(nn2poly.TaylorAccuracyWarning, match="sums and concatenations") as record:
        nn2poly.to_polynomial(net, 3, approximation="taylor")
    assert "layer 1" in str(record[0].message)
    # a concatenation skip keeps every potential in [-1, 1]: no warning
    quiet = Network(
        [
            Node("f", Dense(w, np.zeros(2), "tanh"), ("input",)),
            Node("cat", Concatenate(), ("input", "f")),
            Node("out", Dense(np.full((4, 1), 0.2), np.zeros(1), "tanh"), ("cat",)),
        ]
    )
    nn2poly.to_polynomial(quiet, 3, approximation="taylor")


def test_auto_fits_a_constrained_graph_whose_sums_leave_the_unit_interval() -> None:
    from nn2poly._resolve import choose_approximation

    half = np.full((2, 2), 0.45)  # each neuron's l1 norm is 0.9
    nodes = [
        nn2poly.Node("a", nn2poly.Dense(half, np.zeros(2), "tanh"), ("input",)),
        nn2poly.Node("b", nn2poly.Dense(half, np.zeros(2), "tanh"), ("input",)),
        nn2poly.Node("c", nn2poly.Dense(half, np.zeros(2), "tanh"), ("input",)),
        nn2poly.Node("sum", nn2poly.Add(), ("a", "b", "c")),
        nn2poly.Node("h", nn2poly.Dense(half, np.zeros(2), "tanh"), ("sum",)),
        nn2poly.Node("out", nn2poly.Dense(np.ones((2, 1)), np.zeros(1)), ("h",)),
    ]
    network = nn2poly.Network(nodes)
    choice, reason = choose_approximation(network, data=np.zeros((4, 2)))
    assert choice == "fit"
    assert "sums take the potentials of layer 3" in reason
    chain = nn2poly.Network([nodes[0].operation, nodes[4].operation, nodes[5].operation])
    assert choose_approximation(chain, data=np.zeros((4, 2)))[0] == "taylor"
