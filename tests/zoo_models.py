"""A zoo of ordinary models, trained and saved the ways users do, for nn2poly to read.

Every case trains a small network on data scikit-learn ships (or generates with
a fixed seed), standardised as users do, with 30 % held out.  A case's builder
takes a folder to save into and returns a :class:`Built`: the model (object or
path), the framework's own forward on held-out data and the options for
:func:`nn2poly.to_polynomial`.  :func:`run_case` converts it with
``approximation="fit"`` on the training inputs and measures the polynomial
against the network's own output: R² for regressors, class agreement for
classifiers.  Cases of kind ``refuse`` hold models with an operation nn2poly
does not support: the conversion must raise an error naming it.

Training is cached per process (``functools.cache``); saving happens in the
folder given, so nothing is written elsewhere.  Importing this module sets
``KERAS_BACKEND=torch`` (if unset) and keeps torch on one thread.
"""

from __future__ import annotations

import functools
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_classification,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn

import nn2poly

torch.set_num_threads(1)

Array = np.ndarray
R2_MIN = 0.9
AGREEMENT_MIN = 0.97


@dataclass
class Built:
    """A trained model ready to convert, and how to check the polynomial."""

    model: Any
    forward: Callable[[Array], Array]  # the framework's own output (logits for classifiers)
    X_train: Array
    X_test: Array
    options: dict[str, Any] = field(default_factory=dict)
    classes: Callable[[Array], Array] | None = None  # the framework's predicted class indices
    context: Callable[[], AbstractContextManager[Any]] = nullcontext  # around the conversion


@dataclass(frozen=True)
class Case:
    kind: str
    framework: str
    saved: str
    task: str  # "regression", "classification" or "refuse"
    build: Callable[[Path], Built]
    refuse_names: tuple[str, ...] = ()


@dataclass
class Outcome:
    case: Case
    outcome: str  # "converted" or "refused"
    figure: float | None = None  # R² or class agreement on held-out data
    seconds: float = 0.0
    message: str = ""
    error: BaseException | None = None

    @property
    def accepted(self) -> bool:
        """Whether the outcome is what the case expects."""
        if self.case.task == "refuse":
            names = self.case.refuse_names
            return self.outcome == "refused" and any(n in self.message for n in names)
        minimum = R2_MIN if self.case.task == "regression" else AGREEMENT_MIN
        return self.outcome == "converted" and self.figure is not None and self.figure >= minimum


ZOO: dict[str, Case] = {}


# ----------------------------------------------------------------------------- data


def _split(X: Array, y: Array, scale: bool = True) -> tuple[Array, Array, Array, Array]:
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    if scale:
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return (X_train.astype(np.float32), X_test.astype(np.float32), y_train, y_test)


@functools.cache
def diabetes(scale: bool = True) -> tuple[Array, Array, Array, Array]:
    """Diabetes regression; targets standardised; inputs too unless ``scale=False``."""
    X, y = load_diabetes(return_X_y=True, scaled=False)
    y = ((y - y.mean()) / y.std()).astype(np.float32)
    return _split(X, y, scale)


@functools.cache
def diabetes_codes() -> tuple[Array, Array, Array, Array]:
    """Diabetes with each feature coded 1 above its mean, else 0 (integers, for embeddings)."""
    X_train, X_test, y_train, y_test = diabetes()
    return (X_train > 0).astype(np.int64), (X_test > 0).astype(np.int64), y_train, y_test


@functools.cache
def breast_cancer() -> tuple[Array, Array, Array, Array]:
    X, y = load_breast_cancer(return_X_y=True)
    return _split(X, y.astype(np.float32))


@functools.cache
def digits(scale: bool = True) -> tuple[Array, Array, Array, Array]:
    X, y = load_digits(return_X_y=True)
    return _split(X, y, scale)


@functools.cache
def three_classes(scale: bool = True) -> tuple[Array, Array, Array, Array]:
    X, y = make_classification(
        n_samples=600, n_features=5, n_informative=4, n_redundant=0, n_classes=3,
        n_clusters_per_class=1, class_sep=2.0, random_state=0,
    )  # fmt: skip
    return _split(X, y, scale)


# ----------------------------------------------------------------------------- torch


def fit_torch(model: nn.Module, X: Array, y: Array, loss: str = "mse", steps: int = 100) -> None:
    """Full-batch Adam, stopped early as a held-out loss would advise."""
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    inputs = torch.as_tensor(X)
    if loss == "mse":
        criterion: nn.Module = nn.MSELoss()
        target = torch.as_tensor(y, dtype=torch.float32).reshape(len(y), -1)
    elif loss == "bce":
        criterion = nn.BCEWithLogitsLoss()
        target = torch.as_tensor(y, dtype=torch.float32).reshape(len(y), -1)
    else:
        criterion = nn.CrossEntropyLoss()
        target = torch.as_tensor(y, dtype=torch.long)
    model.train()
    for _ in range(steps):
        optimiser.zero_grad()
        criterion(model(inputs), target).backward()
        optimiser.step()
    model.eval()


def torch_forward(model: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[Array], Array]:
    def forward(X: Array) -> Array:
        with torch.no_grad():
            return model(torch.as_tensor(X, dtype=torch.float32)).numpy()

    return forward


def _argmax_or_sign(forward: Callable[[Array], Array]) -> Callable[[Array], Array]:
    def classes(X: Array) -> Array:
        out = forward(X).reshape(len(X), -1)
        return (out[:, 0] > 0).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)

    return classes


@functools.cache
def trained(name: str) -> tuple[nn.Module, str]:
    """A torch model built by ``TORCH_MODELS[name]``, trained once per process."""
    make, data = TORCH_MODELS[name]
    X_train, _, y_train, _ = DATA[data]()
    torch.manual_seed(0)
    model = make()
    loss = {"digits": "ce", "three_classes": "ce", "breast_cancer": "bce"}.get(data, "mse")
    with quiet():
        fit_torch(model, X_train, y_train, loss)
    return model, data


def torch_built(name: str, model: Any = None, **options: Any) -> Built:
    net, data = trained(name)
    X_train, X_test, _, _ = DATA[data]()
    forward = torch_forward(net)
    classifier = data in {"digits", "three_classes", "breast_cancer"}
    return Built(
        net if model is None else model,
        forward,
        X_train,
        X_test,
        {"max_order": 3, **options},
        _argmax_or_sign(forward) if classifier else None,
    )


DATA: dict[str, Callable[[], tuple[Array, Array, Array, Array]]] = {
    "diabetes": diabetes,
    "diabetes_codes": diabetes_codes,
    "breast_cancer": breast_cancer,
    "digits": digits,
    "three_classes": three_classes,
}


class ReluNet(nn.Module):
    def __init__(self, n_in: int = 10, hidden: int = 16) -> None:
        super().__init__()
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x)))


class TanhNet(ReluNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.tanh(self.fc1(x)))


class MethodTanhNet(ReluNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(x).tanh())


class SoftplusNet(ReluNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.softplus(self.fc1(x)))


class SigmoidNet(ReluNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.sigmoid(self.fc1(x)))


class GeluNet(ReluNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class SiluNet(ReluNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.silu(self.fc1(x)))


class ResidualNet(nn.Module):
    def __init__(self, n_in: int = 10, hidden: int = 8, n_blocks: int = 2) -> None:
        super().__init__()
        self.inp = nn.Linear(n_in, hidden)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh()) for _ in range(n_blocks)
        )
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h)
        return self.out(h)


class ConcatSkipNet(nn.Module):
    def __init__(self, n_in: int = 10, hidden: int = 16) -> None:
        super().__init__()
        self.f = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh())
        self.out = nn.Linear(hidden + n_in, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.cat([self.f(x), x], dim=1))


class ArithmeticNet(TanhNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = 2 * super().forward(x) + 1
        return y / 3 - 0.5


class Conv1dNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, 4, kernel_size=3, stride=2, padding=1)  # 10 -> 5
        self.pool = nn.AvgPool1d(2, ceil_mode=True)  # 5 -> 3
        self.fc = nn.Linear(12, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(torch.tanh(self.conv(x.unsqueeze(1))))
        return self.fc(h.flatten(1))


class DigitsConvNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.pool(self.conv(x.view(-1, 1, 8, 8))))
        return self.fc(h.flatten(1))


class DigitsGroupsNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.depthwise = nn.Conv2d(4, 8, kernel_size=3, padding=1, groups=4)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(self.depthwise(self.conv(x.view(-1, 1, 8, 8))))
        return self.fc(torch.tanh(h).flatten(1))


class ThreeClassNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(5, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.tanh(self.fc1(x)))  # logits, for CrossEntropyLoss


class MyAct(nn.Module):
    """A user's own activation: tanh with a small linear leak."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x) + 0.1 * x


def sequential(act: nn.Module, n_in: int = 10) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, 16), act, nn.Linear(16, 1))


# refused kinds


class NormedNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.norm, self.fc2 = nn.Linear(10, 16), nn.LayerNorm(16), nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.tanh(self.norm(self.fc1(x))))


class PeakPooledNet(Conv1dNet):
    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.MaxPool1d(2, ceil_mode=True)  # type: ignore[assignment]


class GatedNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.f, self.g, self.out = nn.Linear(10, 8), nn.Linear(10, 8), nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.f(x)) * torch.tanh(self.g(x)))


class BranchingNet(TanhNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            return self.fc2(torch.tanh(self.fc1(x)))
        return self.fc2(F.relu(self.fc1(x)))


class CodedNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb, self.fc = nn.Embedding(2, 3), nn.Linear(30, 1)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.tanh(self.emb(codes).flatten(1)))


class SelfAttnNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(10, 8)
        self.attn = nn.MultiheadAttention(8, num_heads=2, batch_first=True)
        self.out = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x).unsqueeze(1)
        a, _ = self.attn(h, h, h)
        return self.out(a.squeeze(1))


TORCH_MODELS: dict[str, tuple[Callable[[], nn.Module], str]] = {
    "relu": (ReluNet, "diabetes"),
    "tanh": (TanhNet, "diabetes"),
    "method_tanh": (MethodTanhNet, "diabetes"),
    "softplus": (SoftplusNet, "diabetes"),
    "sigmoid": (SigmoidNet, "diabetes"),
    "gelu": (GeluNet, "diabetes"),
    "silu": (SiluNet, "diabetes"),
    "residual": (ResidualNet, "diabetes"),
    "concat": (ConcatSkipNet, "diabetes"),
    "arithmetic": (ArithmeticNet, "diabetes"),
    "conv1d": (Conv1dNet, "diabetes"),
    "conv2d": (DigitsConvNet, "digits"),
    "conv2d_groups": (DigitsGroupsNet, "digits"),
    "softmax_logits": (ThreeClassNet, "three_classes"),
    "sigmoid_logits": (lambda: ReluNet(30, 8), "breast_cancer"),
    "my_act": (lambda: sequential(MyAct()), "diabetes"),
    "Hardtanh": (lambda: sequential(nn.Hardtanh()), "diabetes"),
    "ReLU6": (lambda: sequential(nn.ReLU6()), "diabetes"),
    "Mish": (lambda: sequential(nn.Mish()), "diabetes"),
    "GELU_tanh": (lambda: sequential(nn.GELU(approximate="tanh")), "diabetes"),
    "SELU": (lambda: sequential(nn.SELU()), "diabetes"),
    "CELU": (lambda: sequential(nn.CELU()), "diabetes"),
    "Hardswish": (lambda: sequential(nn.Hardswish()), "diabetes"),
    "Hardsigmoid": (lambda: sequential(nn.Hardsigmoid()), "diabetes"),
    "layer_norm": (NormedNet, "diabetes"),
    "max_pool": (PeakPooledNet, "diabetes"),
    "product": (GatedNet, "diabetes"),
    "control_flow": (BranchingNet, "diabetes"),
    "embedding": (CodedNet, "diabetes_codes"),
    "attention": (SelfAttnNet, "diabetes"),
}


@contextmanager
def my_act_registered() -> Iterator[None]:
    """``MyAct`` registered as an nn2poly activation for the duration."""
    from nn2poly.activations import ActivationSpec, FrameworkName, _registry

    spec = ActivationSpec(
        "zoo_leaky_tanh",
        lambda x: np.tanh(x) + 0.1 * x,
        None,
        description="tanh(x) + 0.1 x",
        frameworks=(FrameworkName("torch", "MyAct"),),
    )
    nn2poly.register_activation(spec, overwrite=True)
    try:
        yield
    finally:
        _registry._REGISTRY.pop("zoo_leaky_tanh", None)
        _registry._by_name.clear()


@contextmanager
def quiet() -> Iterator[None]:
    """The frameworks' own warnings while training and saving are not the subject here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def add(
    kind: str,
    framework: str,
    saved: str,
    task: str,
    build: Callable[[Path], Built],
    refuse: tuple[str, ...] = (),
) -> None:
    ZOO[kind] = Case(kind, framework, saved, task, build, refuse)


def _in_memory(name: str, **options: Any) -> Callable[[Path], Built]:
    return lambda folder: torch_built(name, **options)


_CLASSIFIERS = {"conv2d", "conv2d_groups", "softmax_logits", "sigmoid_logits"}
for _name in [
    "relu", "tanh", "method_tanh", "softplus", "sigmoid", "gelu", "silu", "residual", "concat",
    "arithmetic", "conv1d", "conv2d", "conv2d_groups", "Hardtanh", "ReLU6", "Mish", "GELU_tanh",
    "SELU", "CELU", "Hardswish", "Hardsigmoid",
]:  # fmt: skip
    _task = "classification" if _name in _CLASSIFIERS else "regression"
    # 64 pixels: degree 3 in pairs of pixels (the depthwise variant needs every triple)
    _options: dict[str, Any] = {
        "conv2d": {"link": "softmax", "max_interaction": 2},
        "conv2d_groups": {"link": "softmax"},
    }.get(_name, {})
    add(f"torch_{_name}", "torch", "in memory", _task, _in_memory(_name, **_options))

add("torch_softmax_logits", "torch", "in memory", "classification",
    _in_memory("softmax_logits", link="softmax"))  # fmt: skip
add("torch_sigmoid_logits", "torch", "in memory", "classification",
    _in_memory("sigmoid_logits", link="sigmoid"))  # fmt: skip


def _my_act(folder: Path) -> Built:
    built = torch_built("my_act")
    built.context = my_act_registered
    return built


add("torch_registered_activation", "torch", "in memory", "regression", _my_act)

for _name, _names in [
    ("layer_norm", ("LayerNorm", "layer_norm")),
    ("max_pool", ("MaxPool1d", "max_pool1d")),
    ("product", ("mul", "product")),
    ("control_flow", ("control flow", "data-dependent", "data dependent")),
    ("embedding", ("Embedding", "embedding")),
    ("attention", ("MultiheadAttention", "attention")),
]:
    add(f"torch_{_name}", "torch", "in memory", "refuse", _in_memory(_name), _names)


# ----------------------------------------------------------------------------- torch, saved


def _example(name: str, rows: int = 1) -> torch.Tensor:
    _, data = trained(name)
    return torch.as_tensor(DATA[data]()[0][:rows])


def _export(folder: Path) -> Built:
    net, _ = trained("tanh")
    with quiet():
        program = torch.export.export(net, (_example("tanh", 32),))
    return torch_built("tanh", program)


def _export_pt2(folder: Path) -> Built:
    path = folder / "model.pt2"
    with quiet():
        torch.export.save(
            torch.export.export(trained("residual")[0], (_example("residual", 32),)), path
        )
    return torch_built("residual", path, trust=True)


def _jit_script(folder: Path) -> Built:
    path = folder / "model.pt"
    with quiet():
        torch.jit.save(torch.jit.script(trained("softplus")[0]), path)
    return torch_built("softplus", path, trust=True)


def _jit_trace(folder: Path) -> Built:
    path = folder / "model.pt"
    with quiet():
        torch.jit.save(torch.jit.trace(trained("residual")[0], _example("residual", 32)), path)
    return torch_built("residual", path, trust=True)


def _onnx(name: str, dynamo: bool, external: bool = False) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        path = folder / "model.onnx"
        net, _ = trained(name)
        with quiet():
            if dynamo:
                torch.onnx.export(net, (_example(name),), path, dynamo=True, verbose=False)
            else:
                torch.onnx.export(
                    net, (_example(name),), path, dynamo=False, input_names=["x"],
                    output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
                )  # fmt: skip
            if external:
                import onnx

                model = onnx.load(path)
                path = folder / "external.onnx"
                onnx.save_model(
                    model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="external.onnx.data", size_threshold=0,
                )  # fmt: skip
        return torch_built(name, path)

    return build


add("torch_export", "torch", "torch.export.export (in memory)", "regression", _export)
add("torch_export_pt2", "torch", "torch.export.save -> .pt2", "regression", _export_pt2)
add("torch_jit_script", "torch", "torch.jit.script -> .pt", "regression", _jit_script)
add("torch_jit_trace", "torch", "torch.jit.trace -> .pt", "regression", _jit_trace)
add("onnx_dynamo_tanh", "onnx", "torch.onnx.export(dynamo=True)", "regression",
    _onnx("tanh", True))  # fmt: skip
add("onnx_dynamo_softplus", "onnx", "torch.onnx.export(dynamo=True)", "regression",
    _onnx("softplus", True))  # fmt: skip
add("onnx_legacy_softplus", "onnx", "torch.onnx.export(dynamo=False)", "regression",
    _onnx("softplus", False))  # fmt: skip
add("onnx_dynamo_residual", "onnx", "torch.onnx.export(dynamo=True)", "regression",
    _onnx("residual", True))  # fmt: skip
add("onnx_legacy_residual", "onnx", "torch.onnx.export(dynamo=False)", "regression",
    _onnx("residual", False))  # fmt: skip
add("onnx_external_data", "onnx", "onnx.save_model(save_as_external_data=True)", "regression",
    _onnx("tanh", False, external=True))  # fmt: skip
add("onnx_max_pool", "onnx", "torch.onnx.export(dynamo=False)", "refuse",
    _onnx("max_pool", False), ("MaxPool",))  # fmt: skip


# ----------------------------------------------------------------------------- scikit-learn


@functools.cache
def sklearn_pipeline(scaler: str) -> Any:
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler

    scalers = {"standard": StandardScaler, "minmax": MinMaxScaler, "maxabs": MaxAbsScaler,
               "robust": RobustScaler}  # fmt: skip
    if scaler == "classifier":
        X, _, y, _ = three_classes(scale=False)
        mlp: Any = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
        pipe = make_pipeline(StandardScaler(), mlp)
    else:
        X, _, y, _ = diabetes(scale=False)
        mlp = MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
        pipe = make_pipeline(scalers[scaler](), mlp)
    with quiet():
        return pipe.fit(X, y)


def _sklearn(scaler: str, saved: bool = True) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        import joblib

        pipe = sklearn_pipeline(scaler)
        X_train, X_test, _, _ = (three_classes if scaler == "classifier" else diabetes)(False)
        model: Any = pipe
        if saved:
            model = folder / "model.joblib"
            joblib.dump(pipe, model)
        classes = None
        if scaler == "classifier":
            classes = lambda X: np.searchsorted(pipe.classes_, pipe.predict(X))  # noqa: E731
        options = {"max_order": 3, "trust": True} if saved else {"max_order": 3}
        return Built(model, pipe.predict, X_train, X_test, options, classes)

    return build


for _scaler in ["standard", "minmax", "maxabs", "robust"]:
    add(f"sklearn_{_scaler}_scaler_mlp", "sklearn", "joblib.dump", "regression",
        _sklearn(_scaler))  # fmt: skip
add("sklearn_standard_scaler_mlp_in_memory", "sklearn", "in memory", "regression",
    _sklearn("standard", saved=False))  # fmt: skip
add("sklearn_pipeline_classifier", "sklearn", "joblib.dump", "classification",
    _sklearn("classifier"))  # fmt: skip


# ----------------------------------------------------------------------------- Keras


@functools.cache
def keras_model(kind: str) -> Any:
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    X, _, y, _ = keras_data(kind)
    inputs = keras.Input((X.shape[1],))
    if kind == "normalization":
        norm = layers.Normalization()
        norm.adapt(X)
        outputs = layers.Dense(1)(layers.Dense(16, activation="tanh")(norm(inputs)))
    elif kind == "rescaling":
        h = layers.Dense(16, activation="tanh")(layers.Rescaling(1.0 / 16)(inputs))
        outputs = layers.Dense(10, activation="softmax")(h)
    elif kind == "add":
        h = layers.Dense(16, activation="tanh")(inputs)
        h = layers.Add()([h, layers.Dense(16, activation="tanh")(h)])
        outputs = layers.Dense(1)(h)
    elif kind == "concatenate":
        h = layers.Dense(16, activation="tanh")(inputs)
        outputs = layers.Dense(1)(layers.Concatenate()([h, inputs]))
    else:  # layer_normalization
        h = layers.LayerNormalization()(layers.Dense(16)(inputs))
        outputs = layers.Dense(1)(layers.Activation("tanh")(h))
    model = keras.Model(inputs, outputs)
    classifier = kind == "rescaling"
    model.compile(
        keras.optimizers.Adam(0.01),
        "sparse_categorical_crossentropy" if classifier else "mse",
    )
    with quiet():
        model.fit(X, y, epochs=30, batch_size=128, verbose=0)
    return model


def keras_data(kind: str) -> tuple[Array, Array, Array, Array]:
    """Raw inputs where the model scales them itself, else standardised ones."""
    if kind == "normalization":
        return diabetes(scale=False)
    return digits(scale=False) if kind == "rescaling" else diabetes()


def _keras(kind: str) -> Callable[[Path], Built]:
    def build(folder: Path) -> Built:
        model = keras_model(kind)
        path = folder / "model.keras"
        model.save(path)
        X_train, X_test, _, _ = keras_data(kind)

        def forward(X: Array) -> Array:
            return np.asarray(model.predict(X, verbose=0))

        classes = (lambda X: forward(X).argmax(axis=1)) if kind == "rescaling" else None
        options = {"max_order": 2 if kind == "rescaling" else 3}
        return Built(path, forward, X_train, X_test, options, classes)

    return build


add("keras_normalization", "keras", "model.save -> .keras", "regression", _keras("normalization"))
add("keras_rescaling", "keras", "model.save -> .keras", "classification", _keras("rescaling"))
add("keras_functional_add", "keras", "model.save -> .keras", "regression", _keras("add"))
add("keras_functional_concatenate", "keras", "model.save -> .keras", "regression",
    _keras("concatenate"))  # fmt: skip
add("keras_layer_normalization", "keras", "model.save -> .keras", "refuse",
    _keras("layer_normalization"), ("LayerNormalization",))  # fmt: skip


# ----------------------------------------------------------------------------- running


def r2(reference: Array, approximation: Array) -> float:
    reference = np.asarray(reference, dtype=np.float64).reshape(len(reference), -1)
    approximation = np.asarray(approximation, dtype=np.float64).reshape(reference.shape)
    residual = ((reference - approximation) ** 2).sum()
    return float(1.0 - residual / ((reference - reference.mean(axis=0)) ** 2).sum())


def polynomial_classes(poly: Any, X: Array) -> Array:
    """Class indices from the polynomial's outputs: logits (the zoo's binary models emit them,
    and a link the adapter peels leaves them)."""
    out = np.asarray(poly.predict(X)).reshape(len(X), -1)
    return out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0).astype(int)


def convert(built: Built) -> Any:
    """``to_polynomial`` as the acceptance runs it: a fit on the training inputs."""
    with built.context():
        return nn2poly.to_polynomial(
            built.model, approximation="fit", data=built.X_train, **built.options
        )


def run_case(kind: str, folder: Path) -> Outcome:
    """Build ``kind`` in ``folder``, convert it and measure the polynomial.

    ValueError and TypeError (the library's refusals) give the outcome
    ``refused``; anything else propagates.
    """
    zoo_case = ZOO[kind]
    built = zoo_case.build(folder)
    start = time.perf_counter()
    try:
        poly = convert(built)
    except (ValueError, TypeError) as err:
        return Outcome(zoo_case, "refused", None, time.perf_counter() - start, str(err), err)
    seconds = time.perf_counter() - start
    if zoo_case.task == "regression":
        figure = r2(built.forward(built.X_test), poly.predict(built.X_test))
    elif built.classes is not None:
        figure = float(
            np.mean(built.classes(built.X_test) == polynomial_classes(poly, built.X_test))
        )
    else:
        figure = None
    return Outcome(zoo_case, "converted", figure, seconds)
