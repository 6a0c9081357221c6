"""The PyTorch adapter on graphs: functional forms, residuals, reshapes, convolutions, exports.

Every reading is compared with the model's own float64 forward; refusals are
checked on their messages.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nn2poly
from nn2poly.adapters._agreement import ModelMismatchError
from nn2poly.adapters._torch import UnsupportedModuleError, adapt_torch
from nn2poly.adapters._torch_files import load_torch

nn = torch.nn
torch.set_num_threads(1)

RNG = np.random.default_rng(0)


def own(model, X: np.ndarray) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        out = model(torch.as_tensor(X, dtype=torch.float64))
    return out.numpy().reshape(len(X), -1)


def assert_reads(model, n_features: int, log: bool = False, **options) -> nn2poly.Network:
    torch.manual_seed(0)
    model = model.double().eval()
    X = RNG.uniform(-2, 2, size=(40, n_features))
    adapted = adapt_torch(model, **options)
    expected = own(model, X)
    got = adapted.network.forward(X)
    if adapted.link == "softmax":
        got = np.exp(got) / np.exp(got).sum(axis=1, keepdims=True)
        got = np.log(got) if log else got
    elif adapted.link == "sigmoid":
        got = 1 / (1 + np.exp(-got))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    return adapted.network


class Functional(nn.Module):
    def __init__(self, act) -> None:
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(3, 5), nn.Linear(5, 2), act

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


FUNCTIONAL = {
    "F.relu": (F.relu, "relu"),
    "torch.tanh": (torch.tanh, "tanh"),
    "x.tanh()": (lambda x: x.tanh(), "tanh"),
    "x.relu()": (lambda x: x.relu(), "relu"),
    "torch.sigmoid": (torch.sigmoid, "sigmoid"),
    "F.softplus": (lambda x: F.softplus(x, beta=2.0, threshold=40.0), "softplus(beta=2.0)"),
    "F.gelu": (F.gelu, "gelu"),
    "F.gelu tanh": (lambda x: F.gelu(x, approximate="tanh"), "gelu_tanh"),
    "F.silu": (F.silu, "silu"),
    "F.elu": (lambda x: F.elu(x, alpha=0.5), "elu(alpha=0.5)"),
    "F.leaky_relu": (lambda x: F.leaky_relu(x, 0.2), "leaky_relu(negative_slope=0.2)"),
    "F.hardtanh": (lambda x: F.hardtanh(x, -0.5, 0.75), "hardtanh(max_val=0.75, min_val=-0.5)"),
    "F.relu6": (F.relu6, "relu6"),
    "F.mish": (F.mish, "mish"),
    "F.selu": (F.selu, "selu"),
    "F.celu": (lambda x: F.celu(x, alpha=0.7), "celu(alpha=0.7)"),
    "F.hardswish": (F.hardswish, "hardswish"),
    "F.hardsigmoid": (F.hardsigmoid, "hardsigmoid"),
    "F.softsign": (F.softsign, "softsign"),
}


@pytest.mark.parametrize("form", list(FUNCTIONAL))
def test_functional_and_method_activations(form: str) -> None:
    function, name = FUNCTIONAL[form]
    network = assert_reads(Functional(function), 3)
    assert network.activations == (name, "linear")


class Arithmetic(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(3, 4))
        self.register_buffer("scale", torch.rand(4) + 0.5)
        self.shift = nn.Parameter(torch.randn(4))
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        h = torch.tanh(x @ self.weight)
        h = (2 * h + 1) / 3 - 0.5
        h = -(1 - h) * self.scale + self.shift
        h = F.linear(h, self.out.weight, self.out.bias)
        ones, eye = torch.ones(2, 2, dtype=h.dtype), torch.eye(2, dtype=h.dtype)
        return torch.matmul(h, ones) + torch.addmm(self.out.bias, h, eye)


def test_arithmetic_with_constants_parameters_and_buffers() -> None:
    network = assert_reads(Arithmetic(), 3)
    assert network.activations == ("tanh", "linear")


class ResidualBlocks(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.blocks = nn.ModuleList(nn.Sequential(nn.Linear(4, 4), nn.Tanh()) for _ in range(2))
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h)
        h = torch.sub(h, F.silu(h), alpha=0.5)
        return self.out(h)


def test_residual_blocks_over_a_module_list() -> None:
    network = assert_reads(ResidualBlocks(), 3)
    assert not network.is_chain


class Inner(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return torch.tanh(self.fc(x))


class Concat(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = Inner()
        self.out = nn.Linear(9, 2)

    def forward(self, x):
        both = torch.cat([self.inner(x), x], dim=1)
        return self.out(torch.concat([both, x.relu()], -1))


def test_concatenation_and_nested_user_modules() -> None:
    assert_reads(Concat(), 3)


class Reshapes(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        h = self.fc(x).view(-1, 2, 4)
        h = torch.tanh(h.permute(0, 2, 1)).transpose(1, 2).unsqueeze(1).squeeze(1)
        h = torch.cat([h[:, 1], h[:, 0]], dim=1).reshape(x.size(0), -1)
        return self.out(h.flatten(1))


def test_reshapes_permutes_and_slices_keep_the_sample_features() -> None:
    assert_reads(Reshapes(), 8)


class Convolutions(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv1d(1, 4, 3, padding="same", dilation=2)
        self.c2 = nn.Conv1d(4, 4, 3, stride=2, padding=1, groups=2)
        self.pool = nn.AvgPool1d(2, ceil_mode=True, count_include_pad=False)
        self.norm = nn.BatchNorm1d(4)
        self.fc = nn.Linear(12, 1)

    def forward(self, x):
        h = torch.tanh(self.c1(x.unsqueeze(1)))
        h = self.norm(self.pool(F.conv1d(h, self.c2.weight, self.c2.bias, 2, 1, 1, 2)))
        return self.fc(h.flatten(1))


class Image(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, stride=2, padding="valid")
        self.norm = nn.BatchNorm2d(4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv2 = nn.Conv2d(2, 3, 2, padding=1)
        self.fc = nn.Linear(4 + 3 * 2 * 2, 3)

    def forward(self, x):
        image = x.view(-1, 2, 5, 5)
        h = self.pool(torch.tanh(self.norm(self.conv(image)))).flatten(1)
        g = F.avg_pool2d(self.conv2(image), 3, stride=3, padding=1)
        return F.log_softmax(self.fc(torch.cat([h, g.flatten(1)], 1)), dim=1)


def test_conv1d_pooling_and_batch_norm_with_the_input_size_from_data() -> None:
    model = Convolutions()
    with torch.no_grad():
        model.norm.running_mean.uniform_(-1, 1)
        model.norm.running_var.uniform_(0.5, 2)
    with pytest.raises(ValueError, match="pass data"):
        adapt_torch(model.double())
    assert_reads(model, 10, data=RNG.uniform(-1, 1, size=(5, 10)))


def test_conv2d_from_a_fixed_view_with_a_log_softmax_link() -> None:
    network = assert_reads(Image(), 50, log=True)
    assert network.link == "softmax"


def test_final_functional_links() -> None:
    class Sig(Functional):
        def forward(self, x):
            return torch.sigmoid(super().forward(x)[:, :1])

    class Soft(Functional):
        def forward(self, x):
            return F.softmax(super().forward(x), dim=-1)

    assert adapt_torch(Sig(torch.tanh)).link == "sigmoid"
    assert adapt_torch(Soft(torch.tanh)).link == "softmax"
    assert_reads(Sig(torch.tanh), 3)


def test_a_registered_activation_module_converts_by_its_torch_name() -> None:
    from nn2poly.activations import ActivationSpec, FrameworkName, _registry

    class LeakyTanh(nn.Module):
        def forward(self, x):
            return torch.where(x > 0, torch.tanh(x), 0.5 * torch.tanh(x))

    model = nn.Sequential(nn.Linear(3, 4), LeakyTanh(), nn.Linear(4, 1))
    with pytest.raises(UnsupportedModuleError, match="'where'"):
        adapt_torch(model)
    spec = ActivationSpec(
        "test_leaky_tanh",
        lambda x: np.where(x > 0, np.tanh(x), 0.5 * np.tanh(x)),
        None,
        frameworks=(FrameworkName("torch", "LeakyTanh"),),
    )
    nn2poly.register_activation(spec, overwrite=True)
    try:
        assert assert_reads(model, 3).activations == ("test_leaky_tanh", "linear")
    finally:
        _registry._REGISTRY.pop("test_leaky_tanh", None)
        _registry._by_name.clear()


def test_residual_polynomial_is_the_sum_of_its_branches() -> None:
    class Skip(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.branch = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
            self.skip = nn.Linear(2, 1)

        def forward(self, x):
            return self.branch(x) + self.skip(x)

    torch.manual_seed(3)
    model = Skip().double()
    with torch.no_grad():
        model.branch[0].weight.mul_(0.3)
    whole = nn2poly.to_polynomial(model, max_order=3)
    branch = nn2poly.to_polynomial(model.branch, max_order=3)
    skip = nn2poly.to_polynomial(model.skip, max_order=3)
    X = RNG.uniform(-1, 1, size=(30, 2))
    np.testing.assert_allclose(
        whole.predict(X), branch.predict(X) + skip.predict(X), rtol=0, atol=1e-12
    )


class ShapeLoop(nn.Module):
    """A loop over a size fx cannot trace (range of a traced value): read with torch.export."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.out = nn.Linear(4, 4), nn.Linear(4, 1)

    def forward(self, x):
        h = self.fc(x)
        for _ in range(x.shape[1] // 2):
            h = h + torch.tanh(h)
        return self.out(h)


def test_a_forward_fx_cannot_trace_is_exported() -> None:
    assert len(assert_reads(ShapeLoop(), 4).layers) == 3


def test_the_input_size_is_read_through_operations_on_the_input() -> None:
    class Scaled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(F.softplus(2 * x + 1, beta=2.0, threshold=40.0))

    assert assert_reads(Scaled(), 3).n_inputs == 3


def test_in_place_modules_and_unflatten_in_a_sequential() -> None:
    model = nn.Sequential(
        nn.Linear(6, 6),
        nn.ReLU(inplace=True),
        nn.Unflatten(1, (2, 3)),
        nn.Flatten(),
        nn.Linear(6, 1),
    )
    assert assert_reads(model, 6).activations == ("relu", "linear")


# ------------------------------------------------------------------ saved forms
class Saved(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 4), nn.Linear(4, 1)

    def forward(self, x):
        h = F.softplus(self.fc1(x))
        return self.fc2(h + torch.tanh(h))


def test_exported_programs_in_memory_and_in_files(tmp_path) -> None:
    torch.manual_seed(4)
    model = Saved().double().eval()
    reference = adapt_torch(model).network
    X = RNG.uniform(-1, 1, size=(9, 3))
    for batch in (5, 1):  # a fixed batch size: the check runs in padded batches
        program = torch.export.export(model, (torch.zeros(batch, 3, dtype=torch.float64),))
        network = nn2poly.adapters.adapt(program).network
        np.testing.assert_allclose(network.forward(X), reference.forward(X), atol=1e-12)
    dynamic = torch.export.export(
        model,
        (torch.zeros(3, 3, dtype=torch.float64),),
        dynamic_shapes=({0: torch.export.Dim("n")},),
    )
    network = adapt_torch(dynamic).network
    np.testing.assert_allclose(network.forward(X), reference.forward(X), atol=1e-12)
    path = tmp_path / "model.pt2"
    torch.export.save(program, str(path))
    with pytest.raises(ValueError, match=r"torch.export.*trust=True"):
        load_torch(path)
    loaded = nn2poly.load_network(path, trust=True)
    np.testing.assert_allclose(loaded.forward(X), own(model, X), atol=1e-12)


def test_a_program_decomposed_to_core_aten_operators() -> None:
    torch.manual_seed(6)
    model = Image().double().eval()
    example = torch.zeros(3, 50, dtype=torch.float64)
    with warnings.catch_warnings():  # torch's own deprecation notes while decomposing
        warnings.simplefilter("ignore", FutureWarning)
        program = torch.export.export(model, (example,)).run_decompositions()
    adapted = adapt_torch(program)
    X = RNG.uniform(-1, 1, size=(7, 50))
    logits = adapted.network.forward(X)
    log_probabilities = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(log_probabilities, own(model, X), rtol=0, atol=1e-12)


MODULES = [
    nn.Tanh(), nn.Sigmoid(), nn.Softplus(beta=2.0, threshold=40.0), nn.SiLU(), nn.GELU(),
    nn.GELU(approximate="tanh"), nn.ReLU(), nn.LeakyReLU(0.2), nn.ELU(0.5), nn.Softsign(),
    nn.Hardtanh(-0.5, 0.75), nn.ReLU6(), nn.Hardsigmoid(), nn.Hardswish(), nn.Mish(), nn.SELU(),
    nn.CELU(0.7),
]  # fmt: skip


@pytest.mark.parametrize("module", MODULES, ids=lambda m: repr(m))
def test_every_activation_module_through_torchscript_and_export(module) -> None:
    model = nn.Sequential(nn.Linear(3, 4), module, nn.Linear(4, 2)).double().eval()
    expected = adapt_torch(model).network.activations
    X = RNG.uniform(-2, 2, size=(9, 3))
    example = torch.zeros(2, 3, dtype=torch.float64)
    for compiled in (torch.jit.script(model), torch.export.export(model, (example,))):
        network = adapt_torch(compiled).network
        assert network.activations == expected
        np.testing.assert_allclose(network.forward(X), own(model, X), rtol=0, atol=1e-12)


@pytest.mark.parametrize("how", ["script", "trace"])
def test_torchscript_of_a_module_subclass(how: str, tmp_path) -> None:
    torch.manual_seed(5)
    model = Saved().double().eval()
    example = torch.zeros(2, 3, dtype=torch.float64)
    compiled = torch.jit.script(model) if how == "script" else torch.jit.trace(model, example)
    path = tmp_path / "model.pt"
    torch.jit.save(compiled, str(path))
    X = RNG.uniform(-1, 1, size=(9, 3))
    network = load_torch(path, trust=True).network
    np.testing.assert_allclose(network.forward(X), own(model, X), rtol=0, atol=1e-12)


# ------------------------------------------------------------------ refusals
class Normed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(3, 4))
        self.encoder.add_module("norm", nn.LayerNorm(4))
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.encoder(x)))


class Gated(Saved):
    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)) * self.fc1(x))


class Branching(Saved):
    def forward(self, x):
        if x.sum() > 0:
            return self.fc2(self.fc1(x))
        return self.fc2(torch.tanh(self.fc1(x)))


class Where(Saved):
    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(torch.where(h > 0, h, 0.1 * h))


class InPlace(Saved):
    def forward(self, x):
        h = self.fc1(x)
        g = h.tanh_()  # changes h, which is read again
        return self.fc2(h + g)


class TwoInputs(Saved):
    def forward(self, x, y):
        return self.fc2(self.fc1(x) + self.fc1(y))


class Embedded(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.emb = nn.Linear(3, 3), nn.Embedding(4, 2)

    def forward(self, x):
        return self.emb(self.fc(x).long())


class Pooled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.pool = nn.Linear(4, 4), nn.MaxPool1d(2)

    def forward(self, x):
        return self.pool(self.fc(x).unsqueeze(1)).flatten(1)


class Attending(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp, self.attn = nn.Linear(3, 4), nn.MultiheadAttention(4, 2, batch_first=True)

    def forward(self, x):
        h = self.inp(x).unsqueeze(1)
        return self.attn(h, h, h)[0].squeeze(1)


class Dropping(Saved):
    def forward(self, x):
        return self.fc2(F.dropout(torch.tanh(self.fc1(x)), 0.5))


REFUSALS = [
    (Normed(), r"'LayerNorm' \(module 'encoder.norm'\)"),
    (Gated(), r"'mul' in forward of Gated \(fx node 'mul'\): it multiplies"),
    (Branching(), r"data-dependent control flow"),
    (Where(), r"'gt' in forward of Where .*'where' in forward of Where"),
    (InPlace(), r"'tanh_' .* changes in place a value read again later"),
    (TwoInputs(), r"reads 2 inputs"),
    (Embedded(), r"'long' in forward of Embedded .*'Embedding' \(module 'emb'\)"),
    (Pooled(), r"'MaxPool1d' \(module 'pool'\)"),
    (Attending(), r"'MultiheadAttention' \(module 'attn'\)"),
]


@pytest.mark.parametrize(("model", "pattern"), REFUSALS, ids=lambda v: type(v).__name__)
def test_unsupported_operations_are_named_where_they_sit(model, pattern: str) -> None:
    with pytest.raises(UnsupportedModuleError, match=pattern) as info:
        adapt_torch(model)
    message = str(info.value)
    assert "call_function" not in message
    assert "Linear, Tanh" in message and "torch.cat" in message


def test_dropout_in_training_form_and_batch_norm_in_training_mode_are_refused() -> None:
    with pytest.raises(ValueError, match=r"model.eval\(\)"):
        adapt_torch(Dropping())
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).train()
    with pytest.raises(ValueError, match=r"model.eval\(\)"):
        adapt_torch(model)
    assert model.training


def test_a_module_whose_output_is_changed_is_located() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    model[1].register_forward_hook(lambda module, args, output: 2 * output)
    with pytest.raises(ModelMismatchError, match=r"first part at 'Tanh' \(module '1'\)"):
        adapt_torch(model)
