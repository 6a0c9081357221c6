"""The PyTorch adapter: converted networks reproduce torch's own forward pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nn2poly
from nn2poly.adapters._torch import UnsupportedModuleError, adapt_torch
from nn2poly.adapters._torch_files import load_torch

nn = torch.nn

ACTIVATIONS = [
    (nn.Tanh, "tanh"),
    (nn.Sigmoid, "sigmoid"),
    # threshold=40: torch's switch to the identity is then exact in float64
    (lambda: nn.Softplus(beta=2.0, threshold=40.0), "softplus(beta=2.0)"),
    (lambda: nn.Softplus(threshold=40.0), "softplus"),
    (nn.Identity, "linear"),
    (nn.SiLU, "silu"),
    (nn.GELU, "gelu"),
    (nn.ReLU, "relu"),
    (lambda: nn.LeakyReLU(0.2), "leaky_relu(negative_slope=0.2)"),
    (lambda: nn.ELU(alpha=0.5), "elu(alpha=0.5)"),
    (nn.Softsign, "softsign"),
]


def torch_output(model: nn.Module, X: np.ndarray) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return model(torch.tensor(X, dtype=torch.float64)).numpy()


def random_chain(seed: int, make_activation, depth: int) -> tuple[nn.Sequential, int]:
    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    widths = [int(w) for w in rng.integers(1, 6, size=depth + 2)]
    modules: list[nn.Module] = []
    for index in range(depth + 1):
        linear = nn.Linear(widths[index], widths[index + 1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.randn(linear.weight.shape, generator=generator, dtype=torch.float64)
            )
            linear.bias.copy_(
                torch.randn(linear.bias.shape, generator=generator, dtype=torch.float64)
            )
        modules.append(linear)
        if index < depth:
            modules.append(make_activation())
    return nn.Sequential(*modules), widths[0]


@pytest.mark.parametrize("make_activation, name", ACTIVATIONS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_matches_torch(make_activation, name, seed) -> None:
    model, n_inputs = random_chain(seed, make_activation, depth=1 + seed % 3)
    network = adapt_torch(model).network
    assert all(act == name for act in network.activations[:-1])
    assert network.activations[-1] == "linear"
    X = np.random.default_rng(seed).uniform(-2, 2, size=(64, n_inputs))
    np.testing.assert_allclose(network.forward(X), torch_output(model, X), rtol=0, atol=1e-12)


def test_default_softplus_threshold_gap_is_bounded() -> None:
    beta = 2.0
    model = nn.Sequential(nn.Linear(1, 1), nn.Softplus(beta=beta), nn.Linear(1, 1)).double()
    with torch.no_grad():
        for layer in (model[0], model[2]):
            layer.weight.fill_(1.0)
            layer.bias.zero_()
    X = np.linspace(-30, 30, 601)[:, None]
    gap = np.abs(adapt_torch(model).network.forward(X) - torch_output(model, X)).max()
    assert 0 < gap <= np.log1p(np.exp(-20.0)) / beta * (1 + 1e-6)


def test_weights_are_copied_exactly_from_float32() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    network = adapt_torch(model).network
    expected = model[0].weight.detach().numpy().astype(np.float64).T
    assert network.layers[0].weight.dtype == np.float64
    assert np.array_equal(network.layers[0].weight, expected)
    assert np.array_equal(network.layers[1].bias, model[2].bias.detach().numpy().astype(np.float64))


def test_converting_the_model_equals_converting_its_weights() -> None:
    torch.manual_seed(3)
    model = nn.Sequential(
        nn.Linear(3, 5), nn.Softplus(beta=2.0), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 2)
    )
    with torch.no_grad():
        for layer in (model[0], model[2]):
            scale = layer.weight.abs().sum(1) + layer.bias.abs()
            layer.weight.div_(scale[:, None])
            layer.bias.div_(scale)
    weights = [
        np.vstack(
            [
                layer.bias.detach().double().numpy()[None, :],
                layer.weight.detach().double().numpy().T,
            ]
        )
        for layer in (model[0], model[2], model[4])
    ]
    from_weights = nn2poly.to_polynomial(
        (weights, ["softplus(beta=2)", "tanh", "linear"]), max_order=3
    )
    from_model = nn2poly.to_polynomial(model, max_order=3)
    assert np.array_equal(from_model.coef, from_weights.coef)
    assert from_model.labels == from_weights.labels


def make_batchnorm(n: int, seed: int, affine: bool = True) -> nn.BatchNorm1d:
    generator = torch.Generator().manual_seed(seed)
    bn = nn.BatchNorm1d(n, eps=1e-3, affine=affine, dtype=torch.float64)
    with torch.no_grad():
        bn.running_mean.copy_(torch.rand(n, generator=generator, dtype=torch.float64) * 2 - 1)
        bn.running_var.copy_(torch.rand(n, generator=generator, dtype=torch.float64) + 0.3)
        if affine:
            bn.weight.copy_(torch.rand(n, generator=generator, dtype=torch.float64) + 0.5)
            bn.bias.copy_(torch.rand(n, generator=generator, dtype=torch.float64) - 0.5)
    return bn.eval()


@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_is_folded_in_every_position(affine) -> None:
    torch.manual_seed(0)
    model = (
        nn.Sequential(
            make_batchnorm(3, 1, affine),  # before the first Linear
            nn.Linear(3, 4),
            make_batchnorm(4, 2, affine),  # between Linear and activation
            nn.Tanh(),
            make_batchnorm(4, 3, affine),  # after an activation, before a Linear
            nn.Linear(4, 3),
            nn.SiLU(),
            make_batchnorm(3, 4, affine),  # after an activation at the end
        )
        .double()
        .eval()
    )
    network = adapt_torch(model).network
    assert network.widths[:2] == (4, 3)
    X = np.random.default_rng(0).uniform(-1, 1, size=(50, 3))
    np.testing.assert_allclose(network.forward(X), torch_output(model, X), rtol=0, atol=1e-12)


def test_batchnorm_in_training_mode_or_without_statistics_is_refused() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 1))
    with pytest.raises(ValueError, match=r"model.eval"):
        adapt_torch(model)
    model = nn.Sequential(
        nn.Linear(2, 3), nn.BatchNorm1d(3, track_running_stats=False), nn.Linear(3, 1)
    ).eval()
    with pytest.raises(ValueError, match="running statistics"):
        adapt_torch(model)


def test_dropout_flatten_identity_and_consecutive_activations() -> None:
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(3, 4),
        nn.Tanh(),
        nn.Dropout(0.5),
        nn.Sigmoid(),
        nn.Linear(4, 4),
        nn.Identity(),
        nn.Linear(4, 2),
        nn.AlphaDropout(0.1),
    ).double()
    network = adapt_torch(model).network
    assert network.activations == ("tanh", "sigmoid", "linear")  # Identity folds away
    X = np.random.default_rng(1).uniform(-1, 1, size=(20, 3))
    np.testing.assert_allclose(network.forward(X), torch_output(model, X), rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")
@pytest.mark.parametrize(
    "last, link",
    [
        (nn.Softmax(dim=-1), "softmax"),
        (nn.Softmax(dim=1), "softmax"),
        (nn.LogSoftmax(dim=1), "softmax"),
        (nn.Sigmoid(), "sigmoid"),
    ],
)
def test_final_softmax_or_sigmoid_becomes_the_link(last, link) -> None:
    torch.manual_seed(2)
    model = nn.Sequential(
        nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 3), last, nn.Dropout(0.1)
    ).double()
    adapted = adapt_torch(model)
    assert adapted.link == link
    X = np.random.default_rng(2).uniform(-1, 1, size=(30, 2))
    np.testing.assert_allclose(
        adapted.network.forward(X), torch_output(model[:3], X), rtol=0, atol=1e-12
    )
    poly = nn2poly.to_polynomial(model, max_order=2)
    assert poly.link == link


def test_softmax_classifier_polynomial_probabilities_match_torch() -> None:
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3), nn.Softmax(dim=-1)).double()
    with torch.no_grad():
        model[0].weight.mul_(0.2)
        model[0].bias.mul_(0.2)
    assert float((model[0].weight.abs().sum(1) + model[0].bias.abs()).max().detach()) <= 1
    poly = nn2poly.to_polynomial(model, max_order=5)
    X = np.random.default_rng(4).uniform(-1, 1, size=(200, 2))
    probabilities = torch_output(model, X)
    np.testing.assert_allclose(poly.predict_proba(X), probabilities, atol=1e-4)
    assert np.array_equal(poly.predict_class(X), probabilities.argmax(axis=1))


class Chain(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(3, 4)
        self.act = nn.Softplus(beta=1.5)
        self.block = nn.Sequential(nn.Linear(4, 2), nn.Tanh())
        self.out = nn.Linear(2, 1)

    def forward(self, x):
        return self.out(self.block(self.act(self.first(x))))


class FunctionalCall(Chain):
    def forward(self, x):
        return self.out(torch.tanh(self.block(self.act(self.first(x)))))


class Residual(Chain):
    def forward(self, x):
        h = self.act(self.first(x))
        return self.out(self.block(h) + h[:, :2])


def test_custom_module_chain_is_read_through_its_forward() -> None:
    torch.manual_seed(5)
    model = Chain().double()
    network = adapt_torch(model).network
    assert network.activations == ("softplus(beta=1.5)", "tanh", "linear")
    X = np.random.default_rng(5).uniform(-1, 1, size=(20, 3))
    np.testing.assert_allclose(network.forward(X), torch_output(model, X), rtol=0, atol=1e-12)


class LayerNormed(Chain):
    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4)

    def forward(self, x):
        return self.out(self.block(self.norm(self.first(x))))


@pytest.mark.parametrize(
    "model, pattern",
    [
        (nn.Sequential(nn.Linear(2, 3), nn.LSTM(3, 3)), r"'LSTM' \(module '1'\)"),
        (LayerNormed(), r"'LayerNorm' \(module 'norm'\)"),
        (nn.Sequential(nn.Linear(2, 4), nn.MaxPool1d(2)), r"'MaxPool1d' \(module '1'\)"),
    ],
)
def test_unsupported_modules_are_named(model, pattern) -> None:
    with pytest.raises(UnsupportedModuleError, match=pattern) as info:
        adapt_torch(model)
    assert "Linear, Tanh" in str(info.value)
    assert "call_function" not in str(info.value)


def test_functional_calls_and_residuals_are_read_through_forward() -> None:
    torch.manual_seed(5)
    X = np.random.default_rng(5).uniform(-1, 1, size=(20, 3))
    for model in (FunctionalCall().double(), Residual().double()):
        network = adapt_torch(model).network
        np.testing.assert_allclose(network.forward(X), torch_output(model, X), rtol=0, atol=1e-12)


def test_unsupported_settings_are_explained() -> None:
    with pytest.raises(ValueError, match="threshold"):
        adapt_torch(nn.Sequential(nn.Linear(2, 2), nn.Softplus(threshold=2.0), nn.Linear(2, 1)))
    with pytest.raises(ValueError, match="dim=-1"):
        adapt_torch(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)))
    with pytest.raises(ValueError, match="only as the last operation"):
        adapt_torch(nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=-1), nn.Linear(3, 1)))
    with pytest.raises(ValueError, match="pass data"):
        adapt_torch(nn.Sequential(nn.Tanh()))
    with pytest.raises(ValueError, match="pass data"):
        adapt_torch(nn.Sequential(nn.Conv1d(1, 2, 3)))
    network = adapt_torch(
        nn.Sequential(nn.Linear(2, 2), nn.GELU(approximate="tanh"), nn.Linear(2, 1))
    ).network
    assert network.activations[0] == "gelu_tanh"


def same_reading(first, second) -> bool:
    """Two readings with the same layers, link and outputs (node names may differ)."""
    a, b = first.network, second.network
    return (
        first.link == second.link
        and a.activations == b.activations
        and all(
            np.array_equal(x.weight, y.weight) and np.array_equal(x.bias, y.bias)
            for x, y in zip(a.layers, b.layers, strict=True)
        )
    )


def test_torchscript_and_pickled_files(tmp_path) -> None:
    torch.manual_seed(6)
    model = nn.Sequential(
        nn.Linear(3, 4),
        make_batchnorm(4, 7).float(),
        nn.Softplus(beta=2.0),
        nn.Linear(4, 2),
        nn.Softmax(dim=-1),
    ).eval()
    expected = adapt_torch(model)
    scripted = tmp_path / "model.pt"
    torch.jit.save(torch.jit.script(model), str(scripted))
    with pytest.raises(ValueError, match=r"TorchScript.*trust=True"):
        load_torch(scripted)
    assert same_reading(load_torch(scripted, trust=True), expected)
    assert nn2poly.load_network(scripted, trust=True).activations == expected.network.activations

    pickled = tmp_path / "whole.pth"
    torch.save(model, str(pickled))
    with pytest.raises(ValueError, match="trust=True"):
        load_torch(pickled)
    assert same_reading(load_torch(pickled, trust=True), expected)

    state = tmp_path / "state.pt"
    torch.save(model.state_dict(), str(state))
    with pytest.raises(ValueError, match="state_dict"):
        load_torch(state)


def test_traced_torchscript_is_read_with_its_settings() -> None:
    torch.manual_seed(7)
    plain = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    traced = torch.jit.trace(plain, torch.zeros(1, 2, dtype=torch.float64))
    assert same_reading(adapt_torch(traced), adapt_torch(plain))
    with_setting = nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.3), nn.Linear(3, 1)).double()
    traced = torch.jit.trace(with_setting, torch.zeros(1, 2, dtype=torch.float64))
    assert adapt_torch(traced).network.activations[0] == "leaky_relu(negative_slope=0.3)"


def test_cli_converts_a_torchscript_file(tmp_path) -> None:
    from typer.testing import CliRunner

    from nn2poly.cli import app

    torch.manual_seed(8)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2), nn.Softmax(dim=-1))
    from nn2poly.training import L1Constraint

    L1Constraint("l1")(model)
    path = tmp_path / "classifier.pt"
    torch.jit.save(torch.jit.script(model), str(path))
    refused = CliRunner().invoke(app, ["convert", str(path), "-q", "2", "--format", "json"])
    assert refused.exit_code != 0 and "--trust" in refused.output
    result = CliRunner().invoke(
        app, ["convert", str(path), "-q", "2", "--format", "json", "--trust"]
    )
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    poly = nn2poly.Polynomial.from_dict(data)
    assert poly.link == "softmax"
    assert np.array_equal(poly.coef, nn2poly.to_polynomial(model, max_order=2).coef)


def test_user_blocks_inside_a_sequential_are_read_through_their_forward() -> None:
    torch.manual_seed(9)
    model = nn.Sequential(Chain(), nn.Sigmoid(), nn.Linear(1, 2)).double()
    network = adapt_torch(model).network
    assert network.activations == ("softplus(beta=1.5)", "tanh", "sigmoid", "linear")
    X = np.random.default_rng(9).uniform(-1, 1, size=(20, 3))
    np.testing.assert_allclose(network.forward(X), torch_output(model, X), rtol=0, atol=1e-12)
    model = nn.Sequential(FunctionalCall(), nn.Linear(1, 1)).double()
    network = adapt_torch(model).network
    np.testing.assert_allclose(network.forward(X), torch_output(model, X), rtol=0, atol=1e-12)
