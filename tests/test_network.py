"""Network and Dense: validation, forward pass, serialisation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from oracles import (
    assert_matches,
    convert_quietly,
    numpy_forward,
    random_weights,
    truncated_composition,
)

import nn2poly
from nn2poly import Dense, Network


def _weights(rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.normal(size=(4, 5)), rng.normal(size=(6, 2))]


def test_from_weights_layout_and_forward() -> None:
    rng = np.random.default_rng(0)
    weights = _weights(rng)
    net = Network.from_weights(weights, ["tanh", "linear"])
    assert net.widths == (5, 2) and net.n_inputs == 3 and net.n_outputs == 2
    X = rng.uniform(-1, 1, (7, 3))
    hidden = np.tanh(weights[0][0] + X @ weights[0][1:])
    expected = weights[1][0] + hidden @ weights[1][1:]
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-15)
    for original, back in zip(weights, net.to_weights(), strict=True):
        np.testing.assert_array_equal(original, back)


def test_network_is_immutable() -> None:
    net = Network.from_weights([np.ones((2, 1))], ["tanh"])
    with pytest.raises(ValueError):
        net.layers[0].weight[0, 0] = 3.0
    with pytest.raises(AttributeError):
        net.layers = ()  # type: ignore[misc]


def test_json_round_trip_is_exact(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    net = Network.from_weights(_weights(rng), ["softplus(beta=2.0)", "linear"])
    path = tmp_path / "net.json"
    net.save(path)
    back = Network.load(path)
    assert back == net
    assert back.layers[0].activation == "softplus(beta=2.0)"


def test_reads_reference_case_layout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = {
        "input": {
            "weights": [[[0.1, 0.2], [0.3, 0.4]], [[0.0], [1.0], [1.0]]],
            "activations": ["tanh", "linear"],
        }
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    net = Network.load(path)
    assert net.widths == (2, 1)
    np.testing.assert_array_equal(net.layers[0].bias, [0.1, 0.2])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused(bad: float) -> None:
    weights = [np.ones((3, 2)), np.ones((3, 1))]
    weights[1][2, 0] = bad
    with pytest.raises(
        ValueError, match=r"layer 1 weights must be finite.*non-finite value .* index \(2, 0\)"
    ):
        Network.from_weights(weights, ["tanh", "linear"])


def test_inconsistent_shapes_name_layer_and_both_shapes() -> None:
    with pytest.raises(ValueError) as info:
        Network.from_weights([np.ones((3, 4)), np.ones((6, 1))], ["tanh", "linear"])
    message = str(info.value)
    assert "layer 1" in message and "(5, 1)" in message and "(2, 4)" in message


def test_bias_shape_mismatch() -> None:
    with pytest.raises(
        ValueError, match=r"bias must be an array of shape \(3,\)\. Got an array of shape \(2,\)"
    ):
        Dense(np.ones((2, 3)), np.ones(2), "tanh")


def test_unknown_activation_lists_known_ones() -> None:
    with pytest.raises(ValueError) as info:
        Network.from_weights([np.ones((2, 1))], ["tanhh"])
    assert "Known activations" in str(info.value) and "sigmoid" in str(info.value)


def test_wrong_number_of_activations() -> None:
    with pytest.raises(ValueError, match="2 weight matrices but 1 activations"):
        Network.from_weights([np.ones((2, 2)), np.ones((3, 1))], ["tanh"])


def test_layout_needs_a_bias_row() -> None:
    with pytest.raises(ValueError, match="bias in row 0"):
        Network.from_weights([np.ones((1, 2))], ["tanh"])


def test_weights_of_wrong_dimension() -> None:
    with pytest.raises(ValueError, match="2-D"):
        Network.from_weights([np.ones((2, 2, 2))], ["tanh"])
    with pytest.raises(TypeError, match="list of"):
        Network.from_weights("weights", ["tanh"])  # type: ignore[arg-type]


def test_forward_checks_columns() -> None:
    net = Network.from_weights([np.ones((3, 1))], ["tanh"])
    with pytest.raises(ValueError, match=r"must be a real array of shape \(n_samples, 2\)"):
        net.forward(np.ones((4, 3)))


def test_unrecognised_dictionary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="Unrecognised network dictionary"):
        Network.from_dict({"foo": 1})
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        Network.load(path)


def test_pre_activations() -> None:
    rng = np.random.default_rng(2)
    net = Network.from_weights(_weights(rng), ["sigmoid", "linear"])
    X = rng.uniform(-1, 1, (5, 3))
    first, second = net.pre_activations(X)
    np.testing.assert_allclose(first, net.layers[0].pre_activation(X))
    np.testing.assert_allclose(second, net.forward(X))


def test_weight_layouts_dtypes_and_flags_give_the_same_network() -> None:
    weights = random_weights([3, 4, 2], seed=4)
    reference = convert_quietly(weights, ["tanh", "linear"], 3)
    fortran = [np.asfortranarray(w) for w in weights]
    readonly = [w.copy() for w in weights]
    for w in readonly:
        w.setflags(write=False)
    strided = [np.repeat(w, 2, axis=1)[:, ::2] for w in weights]
    nested = [w.tolist() for w in weights]
    for variant in (fortran, readonly, strided, nested):
        poly = convert_quietly(variant, ["tanh", "linear"], 3)
        np.testing.assert_array_equal(poly.coef, reference.coef)
    # float32 and integer weights are widened exactly to float64
    small = [w.astype(np.float32) for w in weights]
    assert_matches(
        convert_quietly(small, ["tanh", "linear"], 3),
        truncated_composition([w.astype(np.float64) for w in small], ["tanh", "linear"], [8, 1], 3),
    )
    integers = [np.array([[0, 1], [1, -1]]), np.array([[0], [1], [1]])]
    net = nn2poly.Network.from_weights(integers, ["tanh", "linear"])
    X = np.linspace(-1, 1, 7)[:, None]
    np.testing.assert_allclose(
        net.forward(X), numpy_forward(integers, ["tanh", "linear"], X), rtol=1e-15
    )


def test_input_weights_are_copied_not_aliased() -> None:
    weights = random_weights([2, 2, 1], seed=6)
    net = nn2poly.Network.from_weights(weights, ["tanh", "linear"])
    before = net.forward(np.ones((1, 2)))
    weights[0][:] = 0.0
    np.testing.assert_array_equal(net.forward(np.ones((1, 2))), before)
    with pytest.raises(ValueError):
        net.layers[0].weight[0, 0] = 1.0


@pytest.mark.parametrize(
    "data,error,fragments",
    [
        ([1, 2], TypeError, ["mapping", "list"]),
        ({}, ValueError, ["layers", "weights"]),
        ({"layers": {"a": 1}}, ValueError, ["'layers'", "must be a list"]),
        ({"layers": []}, ValueError, ["at least one layer"]),
        ({"layers": "abc"}, ValueError, ["'layers'", "must be a list"]),
        ({"layers": ["abc"]}, ValueError, ["layer 0", "must be a mapping"]),
        ({"layers": [{"weight": [[1.0]]}]}, ValueError, ["'bias'"]),
        (
            {"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": None}]},
            TypeError,
            ["activation", "NoneType"],
        ),
        (
            {"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": "tahn"}]},
            ValueError,
            ["tahn", "tanh"],
        ),
        (
            {"layers": [{"weight": [[1.0], [1.0, 2.0]], "bias": [0.0]}]},
            TypeError,
            ["layer 0 weight", "numeric"],
        ),
        ({"layers": [{"weight": [[1.0, 2.0]], "bias": [0.0]}]}, ValueError, ["bias", "(1, 2)"]),
        ({"layers": [{"weight": [1.0], "bias": [0.0]}]}, ValueError, ["2-D", "(1,)"]),
        ({"layers": [{"weight": [[np.inf]], "bias": [0.0]}]}, ValueError, ["non-finite"]),
        ({"weights": [[[0.0], [1.0]]]}, ValueError, ["activations"]),
        ({"weights": "abc", "activations": "tanh"}, TypeError, ["weights must be a list", "str"]),
        ({"weights": [[[0.0, 1.0]]], "activations": "tanh"}, ValueError, ["bias in row 0"]),
        (
            {"weights": [[[0.0], [1.0]], [[0.0], [1.0]]], "activations": ["tanh"]},
            ValueError,
            ["2 weight matrices but 1"],
        ),
        (
            {
                "layers": [
                    {"weight": [[1.0, 2.0]], "bias": [0.0, 0.0]},
                    {"weight": [[1.0]], "bias": [0.0]},
                ]
            },
            ValueError,
            ["chain"],
        ),
    ],
)
def test_network_from_dict_malformed(data, error, fragments) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as info:
        nn2poly.Network.from_dict(data)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_network_load_of_non_network_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(TypeError, match="mapping"):
        nn2poly.Network.load(path)
    with pytest.raises(TypeError, match="mapping"):
        nn2poly.load_network(path)
    broken = tmp_path / "broken.json"
    broken.write_text('{"layers": [')
    with pytest.raises(ValueError, match="not valid JSON"):
        nn2poly.Network.load(broken)


def test_dense_degenerate_shapes() -> None:
    with pytest.raises(ValueError, match=r"2-D.*\(2,\)"):
        nn2poly.Dense(np.array([1.0, 2.0]), np.array([0.0]))
    with pytest.raises(ValueError, match="empty"):
        nn2poly.Dense(np.zeros((0, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="empty"):
        nn2poly.Dense(np.zeros((2, 0)), np.zeros(0))
    with pytest.raises(ValueError, match="1-D"):
        nn2poly.Dense(np.zeros((2, 1)), 0.5)
    with pytest.raises(TypeError, match="str"):
        nn2poly.Dense(np.zeros((2, 1)), np.zeros(1), None)
    with pytest.raises(TypeError, match="Dense"):
        nn2poly.Network([np.zeros((2, 1))])
    with pytest.raises(ValueError, match="at least one layer"):
        nn2poly.Network.from_weights([], "tanh")


@pytest.mark.parametrize("activations", [None, 3])
def test_from_weights_non_string_activations_message(activations) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="activations"):
        nn2poly.Network.from_weights(random_weights([2, 1], seed=0), activations)
