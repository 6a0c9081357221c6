"""Inputs an attacker or a careless user might give, each read right or refused cleanly."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nn2poly
from nn2poly.adapters._agreement import ModelMismatchError
from nn2poly.cli import app

runner = CliRunner()


def _network() -> nn2poly.Network:
    return nn2poly.Network.from_weights(
        [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
        ["tanh", "linear"],
    )


# ------------------------------------------------------------------ numbers beyond float64
def test_integer_weights_beyond_float64_are_a_value_error(tmp_path: Path) -> None:
    huge = 10**400
    with pytest.raises(ValueError, match="too large for a float64"):
        nn2poly.Network.from_weights([[[huge], [1]]], ["tanh"])
    path = tmp_path / "net.json"
    path.write_text(
        '{"format": "nn2poly.network", "version": 1, "layers": '
        f'[{{"weight": [[{huge}]], "bias": [0.0], "activation": "tanh"}}]}}'
    )
    for read in (nn2poly.load_network, nn2poly.Network.load):
        with pytest.raises(ValueError, match="too large for a float64"):
            read(path)
    result = runner.invoke(app, ["convert", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_weights_at_the_float64_edge_are_refused_without_a_numpy_warning() -> None:
    from nn2poly._norms import largest_expanded_l1_norm

    net = nn2poly.Network.from_weights(
        [np.full((3, 2), 1e308), np.ones((3, 1))], ["tanh", "linear"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        with pytest.raises(nn2poly.NonFiniteCoefficientsError, match="layer 0"):
            nn2poly.to_polynomial(net, 3)
        assert largest_expanded_l1_norm(net) == (np.inf, 0)


# ------------------------------------------------------------------ command-line data files
@pytest.mark.parametrize("text", ["a,b\n", "", "\n\n"])
def test_an_empty_data_csv_is_one_error_line(tmp_path: Path, text: str) -> None:
    network, data = tmp_path / "net.json", tmp_path / "data.csv"
    _network().save(network)
    data.write_text(text)
    result = runner.invoke(
        app, ["convert", str(network), "--approximation", "fit", "--data", str(data)]
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "--data" in lines[0] and "Traceback" not in result.output


# ------------------------------------------------------------- torch modules altered at run time
def _torch_chain():  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch, torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))


def test_a_forward_replaced_on_the_instance_is_caught() -> None:
    _, model = _torch_chain()
    model[1].forward = lambda x: x * 100
    with pytest.raises(ModelMismatchError, match="module '1'"):
        nn2poly.to_polynomial(model, 3)


@pytest.mark.parametrize("kind", ["forward", "pre"])
def test_forward_hooks_are_caught(kind: str) -> None:
    _, model = _torch_chain()
    if kind == "forward":
        model[0].register_forward_hook(lambda module, inputs, output: output * 5)
    else:
        model[0].register_forward_pre_hook(lambda module, inputs: (inputs[0] * 5,))
    with pytest.raises(ModelMismatchError):
        nn2poly.to_polynomial(model, 3)


def test_a_parametrized_weight_is_read_as_the_model_uses_it() -> None:
    torch, model = _torch_chain()
    from torch.nn.utils import parametrize

    class Double(torch.nn.Module):
        def forward(self, weight: torch.Tensor) -> torch.Tensor:
            return weight * 2

    parametrize.register_parametrization(model[0], "weight", Double())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(model, 1, taylor_orders=1)  # tanh(z) ~ z
    with torch.no_grad():
        used, original = model[0].weight.numpy(), model[0].parametrizations.weight.original
        b1, w2, b2 = model[0].bias.numpy(), model[2].weight.numpy(), model[2].bias.numpy()
    X = np.random.default_rng(0).uniform(-1, 1, (20, 2))
    expected = (X @ used.T + b1) @ w2.T + b2
    np.testing.assert_allclose(poly.predict(X).reshape(-1, 1), expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(used, original.detach().numpy())


# ------------------------------------------------------------------ Keras lookalike activations
def test_a_keras_function_named_like_a_builtin_activation_is_refused() -> None:
    keras = pytest.importorskip("keras")

    def silu(x):  # type: ignore[no-untyped-def]
        return x * keras.ops.sigmoid(2 * x)

    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(3, activation=silu), keras.layers.Dense(1)]
    )
    with pytest.raises(ValueError, match="silu"):
        nn2poly.to_polynomial(model, 3)


# ------------------------------------------------------------------ polynomial files
def test_a_file_with_many_unnamed_features_is_refused_before_allocating(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "format": "nn2poly.polynomial",
                "version": 1,
                "n_features": 10**15,
                "labels": [[], [1]],
                "coef": [[1.0, 2.0]],
            }
        )
    )
    with pytest.raises(ValueError, match="names no features"):
        nn2poly.Polynomial.load(path)
