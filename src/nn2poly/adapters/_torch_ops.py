"""What each traced PyTorch operation contributes to the graph being built.

One table serves the three front ends (:mod:`._torch_trace`): the functions
and tensor methods ``torch.fx`` records (``torch.tanh``, ``F.softplus``,
``x.view``, ``operator.add``) and the ATen operators of ``torch.export`` and
TorchScript programs (``aten.linear``, ``aten.add.Tensor``); both are known
by one canonical name (:func:`canonical_name`).  A :class:`Step` holds the
operation's arguments, input-dependent ones as :class:`~._torch_modules.Dep`
values, and can run the operation again on other tensors: reshapes, permutes,
slices and concatenations are read by running them on tensors of feature
indices, matrix products and means by running them on a basis.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ._torch_layout import Step, is_dep, layout, probe
from ._torch_modules import (
    Dep,
    activation_of,
    affine_last,
    avg_pool,
    batch_norm,
    conv,
    global_pool,
    link_of,
    numpy_of,
    refused,
)

__all__ = ["ACTIVATIONS", "METADATA", "OP_HANDLERS", "canonical_name", "is_metadata", "prepare"]

#: Functional activation -> (torch.nn module name, positional parameter names after the input).
ACTIVATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("ReLU", ()),
    "tanh": ("Tanh", ()),
    "sigmoid": ("Sigmoid", ()),
    "softplus": ("Softplus", ("beta", "threshold")),
    "gelu": ("GELU", ("approximate",)),
    "silu": ("SiLU", ()),
    "elu": ("ELU", ("alpha",)),
    "leaky_relu": ("LeakyReLU", ("negative_slope",)),
    "hardtanh": ("Hardtanh", ("min_val", "max_val")),
    "relu6": ("ReLU6", ()),
    "mish": ("Mish", ()),
    "selu": ("SELU", ()),
    "celu": ("CELU", ("alpha",)),
    "hardswish": ("Hardswish", ()),
    "hardsigmoid": ("Hardsigmoid", ()),
    "softsign": ("Softsign", ()),
}
#: Operations that only reorder, select or repeat a sample's features.
LAYOUT = frozenset(
    {
        "view", "reshape", "_unsafe_view", "flatten", "unflatten", "unsqueeze", "squeeze",
        "permute", "transpose", "t", "swapaxes", "swapdims", "movedim", "expand", "expand_as",
        "repeat", "getitem", "slice", "select", "narrow", "flip", "roll", "chunk", "split",
        "unbind", "index_select", "cat", "stack", "hstack", "T", "mT", "view_as", "reshape_as",
        "split_with_sizes", "tensor_split", "Flatten", "Unflatten",
    }
)  # fmt: skip
#: Operations that keep their input as it is (a float cast or a copy).
IDENTITY = frozenset(
    {
        "clone", "contiguous", "detach", "alias", "lift_fresh_copy", "pos", "to", "float",
        "double", "type", "type_as", "_to_copy", "dropout", "alpha_dropout",
        "feature_alpha_dropout", "dropout1d", "dropout2d", "feature_dropout",
    }
)  # fmt: skip
#: Operations whose result does not depend on the input's values (shapes, dtypes, fills).
METADATA = frozenset(
    {
        "size", "dim", "numel", "sym_size", "sym_numel", "ones_like", "zeros_like",
        "empty_like", "full_like", "new_ones", "new_zeros", "new_full", "new_empty",
        "_assert_tensor_metadata", "sym_constrain_range_for_size", "__len__",
    }
)  # fmt: skip
_METADATA_ATTRIBUTES = frozenset({"shape", "dtype", "device", "ndim", "is_cuda", "requires_grad"})
_ALIASES = {
    "true_divide": "div", "divide": "div", "truediv": "div", "multiply": "mul",
    "subtract": "sub", "concat": "cat", "concatenate": "cat", "_softmax": "softmax",
    "_log_softmax": "log_softmax", "negative": "neg", "special_expit": "sigmoid",
    "expit": "sigmoid", "__matmul__": "matmul", "_adaptive_avg_pool2d": "adaptive_avg_pool2d",
    "_native_batch_norm_legit_no_training": "batch_norm_eval", "iadd": "add_", "isub": "sub_",
    "imul": "mul_", "itruediv": "div_",
}  # fmt: skip


def _python_targets() -> dict[Any, str]:
    """The Python callables fx records, by identity, with their canonical names."""
    import torch
    import torch.nn.functional as F

    names = (set(ACTIVATIONS) | LAYOUT | IDENTITY | METADATA | set(_HANDLERS) | set(_ALIASES)) - {
        "getitem"
    }
    found: dict[Any, str] = {operator.getitem: "getitem", getattr: "getattr"}
    for name in sorted(names):
        for space in (torch, F, torch.special, operator):
            target = getattr(space, name, None)
            if callable(target) and not isinstance(target, type):
                found.setdefault(target, name)
    return found


def canonical_name(op: str, target: Any) -> str | None:
    """The table's name of an fx node's operation (None for a Python callable it lacks)."""
    import torch

    if op == "call_method":
        name = str(target)
    elif isinstance(target, torch._ops.OpOverload):
        name = target._schema.name.split("::")[-1]
    else:
        prepare()
        found = _PYTHON.get(target)
        if found is None:
            return None
        name = found
    return _ALIASES.get(name, name)


# --------------------------------------------------------------------- handlers
def _constant_vector(step: Step, constant: Any, dep: Dep) -> np.ndarray:
    """A constant operand as one value per feature of ``dep`` (equal for every sample)."""
    import torch

    example = step.example
    if tuple(example.shape[1:]) != dep.shape:
        raise step.refuse(f"a constant of shape {tuple(np.shape(constant))} broadcasts the value")
    full = torch.broadcast_to(torch.as_tensor(constant, dtype=torch.float64), example.shape)
    rows = full.reshape(example.shape[0], -1)
    if not torch.equal(rows, rows[:1].expand_as(rows)):
        raise step.refuse("a constant that differs between the samples of a batch")
    return np.asarray(rows[0].numpy(), dtype=np.float64)


def _product_refusal(step: Step) -> Exception:
    return step.refuse(
        "it multiplies or divides two values that both depend on the input (a product of "
        "branches), which is not a network of affine maps and activations"
    )


def _arithmetic(step: Step) -> Dep:
    b = step.builder
    name = step.name.rstrip("_")
    if name == "neg":
        (dep,) = step.deps()
        return Dep(b.scale_shift(dep.value, -1.0), dep.shape)
    first, second = step.arg(0, "self" if step.aten else "input"), step.arg(1, "other")
    alpha = float(step.kwargs.get("alpha", 1.0))
    if name == "rsub":
        first, second, name = second, first, "sub"
    if name in {"mul", "div"} and is_dep(first) and is_dep(second):
        raise _product_refusal(step)
    if name == "div" and not is_dep(first):
        raise _product_refusal(step)
    if name == "div" and step.kwargs.get("rounding_mode") is not None:
        raise step.refuse("a division with rounding is not affine")
    sign = -alpha if name == "sub" else alpha
    if is_dep(first) and is_dep(second):
        if first.shape != second.shape:
            raise step.refuse(f"it broadcasts values of shapes {first.shape} and {second.shape}")
        return Dep(b.add(first.value, b.scale_shift(second.value, sign)), first.shape)
    dep, constant = (first, second) if is_dep(first) else (second, first)
    vector = _constant_vector(step, constant, dep)
    if name == "mul":
        return Dep(b.scale_shift(dep.value, vector), dep.shape)
    if name == "div":
        return Dep(b.scale_shift(dep.value, 1.0 / vector), dep.shape)
    if dep is first:
        return Dep(b.scale_shift(dep.value, 1.0, sign * vector), dep.shape)
    return Dep(b.scale_shift(dep.value, sign, vector), dep.shape)


def _weight_of(step: Step, value: Any) -> np.ndarray:
    if is_dep(value):
        raise _product_refusal(step)
    return numpy_of(value)


def _linear(step: Step) -> Dep:
    dep = step.arg(0, "input")
    if not is_dep(dep):
        raise _product_refusal(step)
    weight = _weight_of(step, step.arg(1, "weight"))
    bias = step.arg(2, "bias")
    return affine_last(step.builder, dep, weight.T, None if bias is None else numpy_of(bias))


def _matmul(step: Step) -> Dep:
    first, second = step.args[0], step.args[1]
    if is_dep(first) and is_dep(second):
        raise _product_refusal(step)
    if is_dep(first) and getattr(second, "dim", lambda: 0)() == 2 and len(first.shape) == 1:
        return affine_last(step.builder, first, numpy_of(second), None)
    return probe(step, first if is_dep(first) else second)


def _addmm(step: Step) -> Dep:
    bias, first, second = step.args[0], step.args[1], step.args[2]
    if not is_dep(first) or is_dep(second) or is_dep(bias):
        raise _product_refusal(step)
    beta, alpha = float(step.kwargs.get("beta", 1.0)), float(step.kwargs.get("alpha", 1.0))
    out = affine_last(step.builder, first, numpy_of(second) * alpha, None)
    offset = _constant_vector(step, numpy_of(bias) * beta, out)
    return Dep(step.builder.scale_shift(out.value, 1.0, offset), out.shape)


def _conv(step: Step) -> Dep:
    names = ("input", "weight", "bias", "stride", "padding", "dilation")
    settings = {name: step.arg(i, name) for i, name in enumerate(names) if i}
    if step.name == "convolution":
        if step.arg(6, "transposed", False):
            raise step.refuse("a transposed convolution is not supported")
        settings["groups"] = step.arg(8, "groups", 1)
    else:
        settings["groups"] = step.arg(6, "groups", 1)
    settings = {key: value for key, value in settings.items() if value is not None}
    settings.setdefault("bias", None)
    dep = step.args[0]
    if not is_dep(dep) or is_dep(settings["weight"]):
        raise _product_refusal(step)
    return conv(step.builder, dep, settings, step.where)


def _avg_pool(step: Step) -> Dep:
    names = ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
    settings = {name: step.arg(i, name) for i, name in enumerate(names) if i}
    settings["divisor_override"] = step.arg(6, "divisor_override")
    settings = {key: value for key, value in settings.items() if value is not None}
    return avg_pool(step.builder, step.args[0], settings, step.where)


def _adaptive(step: Step) -> Dep:
    dep: Dep = step.args[0]
    pooled = global_pool(step.builder, dep, step.arg(1, "output_size"), step.where)
    return pooled if pooled is not None else probe(step, dep)


def _batch_norm(step: Step) -> Any:
    if step.aten:  # (input, weight, bias, running_mean, running_var, training, momentum, eps)
        order = (1, 2, 3, 4)
        training, eps = step.arg(5, "training", False), step.arg(7, "eps", 1e-5)
    else:  # F.batch_norm(input, running_mean, running_var, weight, bias, training, _, eps)
        order = (3, 4, 1, 2)
        training, eps = step.arg(5, "training", False), step.arg(7, "eps", 1e-5)
    if step.name == "batch_norm_eval":
        training, eps = False, step.arg(6, "eps", 1e-5)
    weight, bias, mean, var = (step.args[i] if len(step.args) > i else None for i in order)
    if training or any(is_dep(v) for v in (weight, bias, mean, var)):
        raise refused(
            "training",
            step.where,
            "a batch normalisation in evaluation mode",
            "it normalises with batch statistics; call model.eval() before converting.",
        )
    out = batch_norm(step.builder, step.args[0], (mean, var, weight, bias), float(eps), step.where)
    if isinstance(step.example, (list, tuple)):
        return (out, *step.example[1:])
    return out


def _identity(step: Step) -> Dep:
    import torch

    dep: Dep = step.args[0]
    if step.name.startswith(("dropout", "alpha_dropout", "feature")):
        if step.arg(2, "train" if step.aten else "training", not step.aten):
            raise refused(
                "training=True",
                step.where,
                "a dropout in evaluation mode",
                "it drops features at random; call model.eval() (and pass "
                "training=self.training to F.dropout) before converting.",
            )
        return dep
    if not (isinstance(step.example, torch.Tensor) and step.example.is_floating_point()):
        raise step.refuse("it casts the value to a non-floating type")
    return dep


def _activation(step: Step) -> Dep:
    kind, parameters = ACTIVATIONS[step.name.rstrip("_")]
    dep = step.args[0]
    if kind == "Hardtanh" and (step.arg(1, "min_val"), step.arg(2, "max_val")) == (0, 6):
        kind, parameters = ACTIVATIONS["relu6"]  # how ATen writes ReLU6
    if step.name == "elu" and step.aten:
        scale, input_scale = step.arg(2, "scale", 1.0), step.arg(3, "input_scale", 1.0)
        if scale != 1 or input_scale != 1:
            raise step.refuse("an ELU with scale or input_scale other than 1")

    def read(setting: str) -> Any:
        if setting not in parameters:
            return None
        value = step.arg(parameters.index(setting) + 1, setting)
        return None if isinstance(value, bool) else value

    found = activation_of(step.builder, dep, kind, read, step.where)
    if found is None:
        raise step.refuse(f"the activation {kind} is not in the registry")
    return found


def _softmax(step: Step) -> Dep:
    log = step.name.startswith("log")
    name = "LogSoftmax" if log else "Softmax"
    return link_of(step.builder, step.args[0], step.arg(1, "dim"), log, step.where, name)


def _getattr(step: Step) -> Any:
    attribute = step.args[1]
    if attribute in {"T", "mT"}:
        return layout(step)
    raise step.refuse(f"the attribute {attribute!r} of a value is not read")


def _reduce(step: Step) -> Dep:
    dep: Dep = step.args[0]
    return probe(step, dep)


_HANDLERS: dict[str, Callable[[Step], Any]] = {
    "add": _arithmetic, "sub": _arithmetic, "mul": _arithmetic, "div": _arithmetic,
    "neg": _arithmetic, "rsub": _arithmetic, "linear": _linear, "matmul": _matmul,
    "mm": _matmul, "addmm": _addmm, "conv1d": _conv, "conv2d": _conv, "convolution": _conv,
    "avg_pool1d": _avg_pool, "avg_pool2d": _avg_pool, "adaptive_avg_pool1d": _adaptive,
    "adaptive_avg_pool2d": _adaptive, "batch_norm": _batch_norm, "batch_norm_eval": _batch_norm,
    "softmax": _softmax, "log_softmax": _softmax, "getattr": _getattr, "mean": _reduce,
    "sum": _reduce,
}  # fmt: skip


def _table() -> dict[str, Callable[[Step], Any]]:
    table = dict(_HANDLERS)
    for name in ACTIVATIONS:
        table[name] = table[f"{name}_"] = _activation
    for name in ("add", "sub", "mul", "div", "neg"):
        table[f"{name}_"] = _arithmetic
    for name in LAYOUT:
        table.setdefault(name, layout)
    for name in IDENTITY:
        table.setdefault(name, _identity)
    return table


OP_HANDLERS = _table()
_PYTHON: dict[Any, str] = {}


def prepare() -> None:
    """Build the table of Python callables (needs torch; done on first use)."""
    if not _PYTHON:
        _PYTHON.update(_python_targets())


def is_metadata(name: str | None, args: tuple[Any, ...]) -> bool:
    """Whether an operation's result does not depend on its input's values."""
    if name == "getattr":
        return len(args) > 1 and args[1] in _METADATA_ATTRIBUTES
    return name in METADATA
