"""ONNX graphs from both PyTorch exporters read as networks: activations, branches, convolutions.

Every model is exported by ``torch.onnx.export`` with ``dynamo=False`` (the
TorchScript exporter) and ``dynamo=True`` (the current one, which writes a
fixed number of samples and some activations as subgraphs), read, and its
network's forward pass compared with the graph run by onnxruntime.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx.reference import ReferenceEvaluator
from scipy.special import expit, log_softmax, softmax
from torch import nn
from torch.nn import functional as F

from nn2poly.adapters._onnx import OnnxGraphError, adapt_onnx
from nn2poly.adapters._onnx_files import load_onnx

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

torch.set_num_threads(1)


def run_onnx(model: onnx.ModelProto, X: np.ndarray) -> np.ndarray:
    """The graph on ``X``, by batches of the size it declares (if any)."""
    dims = model.graph.input[0].type.tensor_type.shape.dim
    batch = dims[0].dim_value or len(X)
    shape = [d.dim_value for d in dims[1:]]
    try:
        session = ort.InferenceSession(
            model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        run = lambda feed: session.run(None, feed)  # noqa: E731
    except ort.capi.onnxruntime_pybind11_state.NotImplemented:  # float64 Softplus
        evaluator = ReferenceEvaluator(model)
        run = lambda feed: evaluator.run(None, feed)  # noqa: E731
    parts = []
    for start in range(0, len(X), batch):
        part = X[start : start + batch]
        padded = np.concatenate([part, np.zeros((batch - len(part), *part.shape[1:]), X.dtype)])
        out = run({model.graph.input[0].name: padded.reshape(batch, *shape)})[0]
        parts.append(out[: len(part)])
    return np.concatenate(parts).reshape(len(X), -1)


def export(
    module: nn.Module, n_inputs: int, path: Path, *, dynamo: bool, **options
) -> onnx.ModelProto:
    module.eval()
    example = torch.zeros(2, n_inputs, dtype=next(module.parameters()).dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            if dynamo:
                torch.onnx.export(
                    module, (example,), str(path), dynamo=True, verbose=False, **options
                )
            else:
                torch.onnx.export(
                    module,
                    (example,),
                    str(path),
                    dynamo=False,
                    input_names=["x"],
                    output_names=["y"],
                    dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
                    **options,
                )
        finally:
            logging.disable(logging.NOTSET)
    return onnx.load(str(path))


def mlp(activation: nn.Module, n_inputs: int = 3) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(n_inputs, 5), activation, nn.Linear(5, 4), activation, nn.Linear(4, 2)
    )


LINKS: dict[str | None, Callable[[np.ndarray], np.ndarray]] = {
    None: lambda z: z,
    "sigmoid": expit,
    "softmax": lambda z: softmax(z, axis=1),
}


def check(model: onnx.ModelProto, n_inputs: int, *, rtol: float = 2e-5, log: bool = False):
    adapted = adapt_onnx(model)
    X = np.random.default_rng(5).uniform(-2.0, 2.0, size=(23, n_inputs))
    dtype = np.float64 if rtol < 1e-8 else np.float32
    expected = run_onnx(model, X.astype(dtype))
    logits = adapted.network.forward(X.astype(dtype))
    got = log_softmax(logits, axis=1) if log else LINKS[adapted.link](logits)
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale)
    return adapted


ACTIVATIONS = {
    "tanh": (nn.Tanh(), "tanh"),
    "softplus": (nn.Softplus(), "softplus"),
    "softplus_beta": (nn.Softplus(beta=2.0), "softplus(beta=2.0)"),
    "gelu": (nn.GELU(), "gelu"),
    "gelu_tanh": (nn.GELU(approximate="tanh"), "gelu_tanh"),
    "silu": (nn.SiLU(), "silu"),
    "mish": (nn.Mish(), "mish"),
    "hardswish": (nn.Hardswish(), "hardswish"),
    "hardsigmoid": (nn.Hardsigmoid(), "hardsigmoid"),
    "hardtanh": (nn.Hardtanh(-2.0, 1.5), "hardtanh(max_val=1.5, min_val=-2.0)"),
    "relu6": (nn.ReLU6(), "relu6"),
    "selu": (nn.SELU(), "selu"),
    "celu": (nn.CELU(0.7), "celu(alpha=0.7)"),
    "softsign": (nn.Softsign(), "softsign"),
}


#: Activations exported together, one MLP per group (an export takes a while).
GROUPS = {
    "smooth": ["tanh", "softplus", "softplus_beta", "gelu", "gelu_tanh", "silu", "mish"],
    "piecewise": ["hardswish", "hardsigmoid", "hardtanh", "relu6", "selu", "celu", "softsign"],
}


def deep_mlp(activations: list[nn.Module]) -> nn.Module:
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Linear(3, 5)]
    for activation in activations:
        layers += [activation, nn.Linear(5, 5)]
    return nn.Sequential(*layers, nn.Linear(5, 2))


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
@pytest.mark.parametrize("group", sorted(GROUPS))
def test_activation_mlps_from_both_exporters(group: str, dynamo: bool, tmp_path: Path) -> None:
    cases = GROUPS[group]
    module = deep_mlp([ACTIVATIONS[case][0] for case in cases])
    model = export(module, 3, tmp_path / "m.onnx", dynamo=dynamo)
    adapted = check(model, 3)
    assert adapted.network.activations == (*(ACTIVATIONS[case][1] for case in cases), "linear")


@pytest.mark.parametrize(
    ("case", "opset", "dynamo"),
    [("gelu", 13, False), ("gelu_tanh", 13, False), ("gelu", 18, True), ("gelu_tanh", 18, True),
     ("hardswish", 13, False), ("mish", 13, False)],
)  # fmt: skip
def test_activations_written_as_subgraphs_at_older_opsets(
    case: str, opset: int, dynamo: bool, tmp_path: Path
) -> None:
    activation, name = ACTIVATIONS[case]
    model = export(mlp(activation), 3, tmp_path / "m.onnx", dynamo=dynamo, opset_version=opset)
    assert {node.op_type for node in model.graph.node} & {"Erf", "Pow", "Mul", "HardSigmoid"}
    assert check(model, 3).network.activations == (name, name, "linear")


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
def test_float64_models(dynamo: bool, tmp_path: Path) -> None:
    module = mlp(nn.Softplus()).double()
    model = export(module, 3, tmp_path / "m.onnx", dynamo=dynamo)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    check(model, 3, rtol=1e-12)


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.first = nn.Linear(3, 4)
        self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
        self.last = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.first(x))
        for block in self.blocks:
            h = h + torch.tanh(block(h))
        return self.last(h - 0.5 * h)


class ConcatSkip(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(2)
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(7, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * self.out(torch.cat([F.softplus(self.hidden(x)), x], 1)) + 1


class Conv1dPool(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.conv = nn.Conv1d(1, 3, 3, padding=1)
        self.conv2 = nn.Conv1d(3, 2, 3, stride=2, dilation=1, padding=2)
        self.pool = nn.AvgPool1d(2)
        self.out = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.conv(x.unsqueeze(1)))
        h = self.pool(torch.tanh(self.conv2(h)))
        return self.out(h.flatten(1))


class Conv2d8x8(nn.Module):
    def __init__(self, groups: int = 1) -> None:
        super().__init__()
        torch.manual_seed(4)
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=groups)
        self.pool = nn.AvgPool2d(2)
        self.out = nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.conv(x.view(x.size(0), 1, 8, 8)))
        h = self.pool(F.silu(self.conv2(h)))
        return torch.softmax(self.out(h.reshape(h.size(0), -1)), dim=1)


class GlobalPool(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(5)
        self.conv = nn.Conv2d(2, 3, 3)
        self.norm = nn.BatchNorm2d(3)
        self.out = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.norm(self.conv(x.reshape(-1, 2, 4, 4))))
        return torch.sigmoid(self.out(h.mean(dim=(2, 3))))


class Sliced(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(6)
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.a(x[:, :3])) - F.gelu(self.b(x[:, 3:]))


GRAPHS = {
    "residual": (Residual, 3, None, False),
    "concat": (ConcatSkip, 3, None, False),
    "conv1d": (Conv1dPool, 8, None, True),
    "conv2d": (Conv2d8x8, 64, "softmax", True),
    "conv2d_groups": (lambda: Conv2d8x8(groups=2), 64, "softmax", True),
    "global_pool": (GlobalPool, 32, "sigmoid", True),
    "slices": (Sliced, 6, None, False),
}


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
@pytest.mark.parametrize("case", sorted(GRAPHS))
def test_graphs_from_both_exporters(case: str, dynamo: bool, tmp_path: Path) -> None:
    build, n_inputs, link, _ = GRAPHS[case]
    module = build()
    for layer in module.modules():
        if isinstance(layer, nn.BatchNorm2d):
            with torch.no_grad():
                layer.running_mean.uniform_(-0.5, 0.5)
                layer.running_var.uniform_(0.5, 2.0)
    model = export(module, n_inputs, tmp_path / "m.onnx", dynamo=dynamo)
    adapted = check(model, n_inputs)
    assert adapted.link == link
    assert adapted.network.n_inputs == n_inputs
    if case in ("residual", "concat", "slices"):
        assert not adapted.network.is_chain


def test_residual_network_is_the_sum_of_its_branches(tmp_path: Path) -> None:
    module = Residual()
    model = export(module, 3, tmp_path / "m.onnx", dynamo=True)
    network = adapt_onnx(model).network
    X = torch.tensor(np.random.default_rng(0).uniform(-1, 1, (9, 3)))
    with torch.no_grad():
        expected = module.double()(X).numpy()
    np.testing.assert_allclose(network.forward(X.numpy()), expected, rtol=1e-5, atol=1e-6)


def test_log_softmax_is_the_link(tmp_path: Path) -> None:
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3), nn.LogSoftmax(dim=1))
    for dynamo in (False, True):
        model = export(module, 3, tmp_path / f"m{dynamo}.onnx", dynamo=dynamo)
        assert check(model, 3, log=True).link == "softmax"


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
def test_external_data_written_by_the_exporters_loads(dynamo: bool, tmp_path: Path) -> None:
    module = mlp(nn.Softplus(), 6)
    path = tmp_path / "model.onnx"
    model = export(module, 6, path, dynamo=dynamo)
    onnx.save_model(
        onnx.load(str(path)), str(tmp_path / "ext.onnx"), save_as_external_data=True,
        all_tensors_to_one_file=True, location="ext.onnx.data", size_threshold=0,
    )  # fmt: skip
    assert (tmp_path / "ext.onnx.data").is_file()
    adapted = load_onnx(tmp_path / "ext.onnx")
    assert adapted.network == adapt_onnx(model).network


def test_dynamo_external_data_option_loads(tmp_path: Path) -> None:
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(3, 40), nn.Tanh(), nn.Linear(40, 1)).eval()
    path = tmp_path / "big.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            torch.onnx.export(module, (torch.zeros(1, 3),), str(path), dynamo=True,
                              external_data=True, verbose=False)  # fmt: skip
        finally:
            logging.disable(logging.NOTSET)
    adapted = load_onnx(path)
    X = np.random.default_rng(0).uniform(-1, 1, (5, 3))
    with torch.no_grad():
        expected = module(torch.tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(adapted.network.forward(X), expected, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ refusals
class MaxPooled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 2, 3)
        self.out = nn.Linear(6, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.max_pool1d(self.conv(x.unsqueeze(1)), 2).flatten(1))


class LayerNormed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.norm = nn.LayerNorm(4)
        self.out = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.norm(self.hidden(x)))


class Product(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(3, 4)
        self.b = nn.Linear(3, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.a(x)) * torch.tanh(self.b(x))


class Gram(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.a(x).reshape(-1, 2, 2)
        return (h @ h).flatten(1)


class Embedded(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x)[:, [0, 2]]


REFUSED = {
    "max_pool": (MaxPooled, 8, r"'MaxPool' \(MaxPool node"),
    "layer_norm": (LayerNormed, 3, r"'LayerNormalization' \(LayerNormalization node"),
    "product": (Product, 3, r"Mul node .* two values that both depend on the input"),
    "matmul": (Gram, 4, r"MatMul node .* two values that both depend on the input"),
    "gather": (Embedded, 4, r"'Gather(ND)?' \(Gather(ND)? node"),
}


@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_unsupported_operations_are_named(case: str, dynamo: bool, tmp_path: Path) -> None:
    build, n_inputs, message = REFUSED[case]
    torch.manual_seed(0)
    model = export(build(), n_inputs, tmp_path / "m.onnx", dynamo=dynamo)
    with pytest.raises(OnnxGraphError, match=message) as info:
        adapt_onnx(model)
    if "operator" in str(info.value):
        assert "'Gemm'" in str(info.value) and "'Conv'" in str(info.value)


def test_dynamo_export_with_a_dynamic_number_of_samples(tmp_path: Path) -> None:
    module = Conv2d8x8().eval()
    path = tmp_path / "dyn.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            torch.onnx.export(
                module, (torch.zeros(3, 64),), str(path), dynamo=True, verbose=False,
                dynamic_shapes=({0: torch.export.Dim("n")},),
            )  # fmt: skip
        finally:
            logging.disable(logging.NOTSET)
    model = onnx.load(str(path))
    assert not model.graph.input[0].type.tensor_type.shape.dim[0].dim_value
    check(model, 64)
