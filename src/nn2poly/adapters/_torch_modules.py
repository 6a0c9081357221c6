"""What each PyTorch module contributes to the graph being built.

A module is recognised by its EXACT type (``type(module) is torch.nn.Tanh``),
never by its class name alone or by ``isinstance``: the tracer reads a user's
subclass through its own ``forward``.  Activations are looked up in the
registry (:func:`nn2poly.activations.activation_for`), so an activation module
registered with a ``torch`` name (``FrameworkName("torch", "MyAct")``) is read
as that activation.  This module also holds what the other torch modules share:
the error class, the traced value :class:`Dep` and the settings checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import InvalidParameterError, InvalidParameterTypeError, invalid_value
from ..activations import activation_for, framework_names, get_activation
from ._builder import GraphBuilder, Value
from ._lowering import avg_pool_matrix, conv_matrix, global_avg_pool_matrix, same_padding

__all__ = [
    "MODULE_HANDLERS",
    "SUPPORTED_MODULES",
    "Dep",
    "UnsupportedModuleError",
    "module_kind",
    "unsupported",
]

FloatArray = NDArray[np.float64]

#: Modules read besides the registry's activations.
STRUCTURAL = (
    "Linear",
    "Conv1d",
    "Conv2d",
    "AvgPool1d",
    "AvgPool2d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "AlphaDropout",
    "Flatten",
    "Unflatten",
    "Sequential",
    "ModuleList",
)
FUNCTIONAL = (
    "functional and method forms of the activations (F.relu, torch.tanh, x.tanh(), ...)",
    "F.linear, matmul/@ with parameters or constants",
    "+ - * / by constants",
    "sums of two values (residuals)",
    "torch.cat along the features",
    "flatten/reshape/view/unsqueeze/squeeze/permute/transpose and slices",
)
#: Largest gap allowed between torch's thresholded Softplus and the exact one.
SOFTPLUS_GAP = 1e-6


def supported_modules() -> tuple[str, ...]:
    """Every module name read: the structural ones, the registry's, the final links."""
    return (
        *STRUCTURAL[:1],
        *framework_names("torch"),
        *STRUCTURAL[1:],
        "Softmax (last only)",
        "LogSoftmax (last only)",
    )


SUPPORTED_MODULES = supported_modules()


class UnsupportedModuleError(TypeError):
    """A PyTorch operation that nn2poly cannot read as part of a network."""


def unsupported(where: str, what: str) -> UnsupportedModuleError:
    """The error for an operation nn2poly does not read: what, where, and what is read."""
    return UnsupportedModuleError(
        f"Cannot convert {where}: {what}. nn2poly reads these torch.nn modules: "
        f"{', '.join(supported_modules())}; and in forward: {'; '.join(FUNCTIONAL)}. Rebuild "
        "the model from them, or build the network with nn2poly.Network.from_weights."
    )


def refused(
    found: Any, where: str, expected: str, fix: str
) -> InvalidParameterError | InvalidParameterTypeError:
    """The error (a ValueError) for an operation whose settings nn2poly cannot convert."""
    subject = f"Operation {where} of the 'model' parameter of adapt_torch"
    return invalid_value("model", found, expected, subject=subject, fix=fix)


def numpy_of(tensor: Any) -> FloatArray:
    """A tensor as float64 numpy, detached from autograd."""
    return np.asarray(tensor.detach().cpu().double().numpy())


@dataclass(frozen=True, eq=False)
class Dep:
    """A value that depends on the model's input: the builder's value and its per-sample shape."""

    value: Value
    shape: tuple[int, ...]


def _torch_class(name: str) -> Any:
    import torch

    found = getattr(torch.nn, name, None)
    return found if isinstance(found, type) and issubclass(found, torch.nn.Module) else None


def module_kind(module: Any) -> str | None:
    """The name a leaf module is read by: its torch.nn class, or a registered name; else None."""
    cls = type(module)
    if getattr(module, "parametrizations", None) is not None and cls.__bases__:
        cls = cls.__bases__[0]  # torch.nn.utils.parametrize's subclass: its weight as used
    if _torch_class(cls.__name__) is cls:
        return str(cls.__name__)
    if _torch_class(cls.__name__) is None and activation_for("torch", cls.__name__) is not None:
        return str(cls.__name__)  # a user activation registered under its class name
    return None


def is_leaf(module: Any) -> bool:
    """Whether the tracer keeps a module as one call (not read through its forward)."""
    import torch

    if isinstance(module, (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)):
        return False
    if type(module).__module__.startswith(("torch.nn", "torch.ao.nn")):
        return True
    return module_kind(module) is not None


# ---------------------------------------------------------------- settings checks
def check_softplus(beta: float, threshold: float, where: str) -> None:
    """Refuse a Softplus whose switch to the identity differs from the smooth function."""
    get_activation("softplus", beta=beta)  # beta within the range the series needs
    gap = math.log1p(math.exp(-threshold)) / beta if threshold < 700 else 0.0
    if gap > SOFTPLUS_GAP:
        raise refused(
            threshold,
            where,
            "a Softplus whose threshold keeps it smooth (threshold >= 20)",
            f"Softplus(beta={beta}, threshold={threshold}) switches to the identity where "
            f"beta*x > {threshold}, which differs from the smooth softplus by up to {gap:.3g}. "
            "nn2poly converts the smooth function; use threshold >= 20 (the default).",
        )


def activation_of(
    builder: GraphBuilder,
    dep: Dep,
    kind: str,
    read: Callable[[str], Any],
    where: str,
) -> Dep | None:
    """``kind`` (a torch.nn name) applied to ``dep``, or None when the registry lacks it."""
    if kind == "Softplus":
        beta, threshold = read("beta"), read("threshold")
        check_softplus(
            1.0 if beta is None else float(beta),
            20.0 if threshold is None else float(threshold),
            where,
        )
    activation = activation_for("torch", kind, read)
    if activation is None:
        return None
    return Dep(builder.activation(dep.value, activation.name), dep.shape)


def link_of(builder: GraphBuilder, dep: Dep, dim: Any, log: bool, where: str, name: str) -> Dep:
    """A softmax over the features: the model's link."""
    if len(dep.shape) != 1 or dim not in (None, -1, 1):
        raise refused(
            dim,
            where,
            f"a {name} over the classes of a 2-D output (dim=-1 or dim=1)",
            f"{name}(dim={dim}) on outputs of shape {dep.shape} per sample does not act over "
            "the classes; expected dim=-1 or dim=1.",
        )
    return Dep(builder.softmax(dep.value, log=log), dep.shape)


# ----------------------------------------------------------------------- lowering
def affine_last(builder: GraphBuilder, dep: Dep, weight: FloatArray, bias: Any) -> Dep:
    """``x @ weight (+ bias)`` over the last dimension of every sample."""
    lead = dep.shape[:-1]
    repeat = math.prod(lead)
    matrix = weight if repeat == 1 else np.kron(np.eye(repeat), weight)
    offset = None if bias is None else np.tile(np.asarray(bias, dtype=np.float64), repeat)
    value = builder.affine(dep.value, matrix, offset)
    return Dep(value, (*lead, weight.shape[1]))


def conv(builder: GraphBuilder, dep: Dep, settings: dict[str, Any], where: str) -> Dep:
    """A zero-padded convolution, lowered to one dense matrix."""
    weight = numpy_of(settings["weight"])
    bias = None if settings.get("bias") is None else numpy_of(settings["bias"])
    spatial = dep.shape[1:]
    for key in ("stride", "padding", "dilation"):  # ATen writes [0] for (0, 0)
        value = settings.get(key)
        if isinstance(value, (list, tuple)) and len(value) == 1:
            settings = {**settings, key: int(value[0])}
    padding = settings.get("padding", 0)
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = same_padding(
            spatial,
            weight.shape[2:],
            dilation=settings.get("dilation", 1),
        )
    matrix, offset, out = conv_matrix(
        weight,
        bias,
        dep.shape,
        stride=settings.get("stride", 1),
        padding=padding,
        dilation=settings.get("dilation", 1),
        groups=int(settings.get("groups", 1)),
        layer=where,
    )
    return Dep(builder.affine(dep.value, matrix, offset), tuple(out))


def avg_pool(builder: GraphBuilder, dep: Dep, settings: dict[str, Any], where: str) -> Dep:
    """An average pooling, lowered to one dense matrix."""
    for key in ("kernel_size", "stride", "padding"):  # ATen may write [k] for (k, k)
        value = settings.get(key)
        if isinstance(value, (list, tuple)) and len(value) == 1:
            settings = {**settings, key: int(value[0])}
    matrix, out = avg_pool_matrix(
        dep.shape,
        kernel_size=settings["kernel_size"],
        stride=settings.get("stride") or None,
        padding=settings.get("padding", 0),
        count_include_pad=bool(settings.get("count_include_pad", True)),
        ceil_mode=bool(settings.get("ceil_mode", False)),
        divisor_override=settings.get("divisor_override"),
        layer=where,
    )
    return Dep(builder.affine(dep.value, matrix), tuple(out))


def global_pool(builder: GraphBuilder, dep: Dep, output_size: Any, where: str) -> Dep | None:
    """``AdaptiveAvgPool`` to size 1 (None for another size: read by probing)."""
    sizes = output_size if isinstance(output_size, (tuple, list)) else [output_size]
    if any(size not in (1, None) for size in sizes):
        return None
    matrix, out = global_avg_pool_matrix(dep.shape, layer=where)
    return Dep(builder.affine(dep.value, matrix), tuple(out))


def batch_norm(
    builder: GraphBuilder,
    dep: Dep,
    stats: tuple[Any, Any, Any, Any],
    eps: float,
    where: str,
) -> Dep:
    """An evaluation-mode batch normalisation: a scaling and shift per channel."""
    mean, var, weight, bias = stats
    if mean is None or var is None:
        raise refused(
            where,
            where,
            "a batch normalisation with running statistics",
            "BatchNorm(track_running_stats=False) has no running statistics to fold; only "
            "batch normalisation with running statistics can be converted.",
        )
    scale = 1.0 / np.sqrt(numpy_of(var) + eps)
    shift = -numpy_of(mean) * scale
    if weight is not None:
        gamma = numpy_of(weight)
        scale, shift = scale * gamma, shift * gamma
    if bias is not None:
        shift = shift + numpy_of(bias)
    repeat = math.prod(dep.shape[1:])
    value = builder.scale_shift(dep.value, np.repeat(scale, repeat), np.repeat(shift, repeat))
    return Dep(value, dep.shape)


def _training(module: Any, where: str, kind: str) -> None:
    if module.training:
        raise refused(
            module,
            where,
            f"a {kind} in evaluation mode",
            f"{kind} is in training mode, where it normalises with batch statistics; call "
            "model.eval() before converting.",
        )


# ------------------------------------------------------------------ module table
def _linear(b: GraphBuilder, dep: Dep, module: Any, where: str) -> Dep:
    weight = np.ascontiguousarray(numpy_of(module.weight).T)
    bias = numpy_of(module.bias) if module.bias is not None else None
    return affine_last(b, dep, weight, bias)


def _conv(b: GraphBuilder, dep: Dep, module: Any, where: str) -> Dep:
    if module.padding_mode != "zeros":
        raise refused(
            module.padding_mode,
            where,
            "a convolution padded with zeros",
            f"padding_mode={module.padding_mode!r} is not linear in a way nn2poly folds; use "
            "padding_mode='zeros'.",
        )
    settings = {
        name: getattr(module, name)
        for name in ("weight", "bias", "stride", "padding", "dilation", "groups")
    }
    return conv(b, dep, settings, where)


def _pool(b: GraphBuilder, dep: Dep, module: Any, where: str) -> Dep:
    settings = {
        name: getattr(module, name, None)
        for name in ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
    }
    settings["divisor_override"] = getattr(module, "divisor_override", None)
    settings["count_include_pad"] = getattr(module, "count_include_pad", True)
    return avg_pool(b, dep, settings, where)


def _batch_norm(b: GraphBuilder, dep: Dep, module: Any, where: str) -> Dep:
    _training(module, where, type(module).__name__)
    stats = (module.running_mean, module.running_var, module.weight, module.bias)
    return batch_norm(b, dep, stats, float(module.eps), where)


def _skip(b: GraphBuilder, dep: Dep, module: Any, where: str) -> Dep:
    return dep


def _softmax(b: GraphBuilder, dep: Dep, module: Any, where: str) -> Dep:
    kind = type(module).__name__
    return link_of(b, dep, module.dim, kind == "LogSoftmax", where, kind)


#: Module kind -> reader (``None`` from a reader: read it by probing its layout).
MODULE_HANDLERS: dict[str, Callable[[GraphBuilder, Dep, Any, str], Dep | None]] = {
    "Linear": _linear,
    "Conv1d": _conv,
    "Conv2d": _conv,
    "AvgPool1d": _pool,
    "AvgPool2d": _pool,
    "AdaptiveAvgPool1d": lambda b, dep, m, where: global_pool(b, dep, m.output_size, where),
    "AdaptiveAvgPool2d": lambda b, dep, m, where: global_pool(b, dep, m.output_size, where),
    "BatchNorm1d": _batch_norm,
    "BatchNorm2d": _batch_norm,
    "Dropout": _skip,
    "Dropout1d": _skip,
    "Dropout2d": _skip,
    "AlphaDropout": _skip,
    "FeatureAlphaDropout": _skip,
    "Softmax": _softmax,
    "LogSoftmax": _softmax,
}
#: Modules that reshape a sample's features: read from their layout.
LAYOUT_MODULES = frozenset({"Flatten", "Unflatten"})
