"""What each PyTorch module contributes to the network: a step of the chain.

A module is recognised by its EXACT type (``type(module) is torch.nn.Tanh``),
never by its class name alone or by ``isinstance``: a subclass that overrides
``forward`` is refused by name, and a user module that merely shares a
built-in's name is not read as the built-in.  Activations are looked up in
the registry (:func:`nn2poly.activations.activation_for`), so an activation
registered with a ``torch`` name is read like a built-in one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import InvalidParameterError, InvalidParameterTypeError, invalid_value
from ..activations import activation_for, framework_names, get_activation

__all__ = [
    "SUPPORTED_MODULES",
    "UnsupportedModuleError",
    "module_kind",
    "step_of",
    "unsupported",
]

FloatArray = NDArray[np.float64]

#: Modules read besides the registry's activations (after Linear in listings).
STRUCTURAL = ("BatchNorm1d", "Dropout", "AlphaDropout", "Flatten", "Sequential")
SKIPPED = frozenset({"Dropout", "AlphaDropout", "Flatten"})
LINKS = ("Softmax", "LogSoftmax")

#: Largest gap allowed between torch's thresholded Softplus and the exact one.
SOFTPLUS_GAP = 1e-6


def supported_modules() -> tuple[str, ...]:
    """Every module name read: the structural ones, the registry's, the final links."""
    return (
        "Linear",
        *framework_names("torch"),
        *STRUCTURAL,
        "Softmax (last module only)",
        "LogSoftmax (last module only)",
    )


SUPPORTED_MODULES = supported_modules()


class UnsupportedModuleError(TypeError):
    """A PyTorch module that nn2poly cannot read as part of a feed-forward chain."""


def unsupported(where: str, what: str) -> UnsupportedModuleError:
    """The error for a module nn2poly does not read."""
    return UnsupportedModuleError(
        f"Cannot convert {where}: {what}. nn2poly reads feed-forward chains of these "
        f"torch.nn modules: {', '.join(supported_modules())}. Rebuild the model as an "
        "nn.Sequential of them (activations as modules, not functional calls in forward)."
    )


def refused(
    module: Any, where: str, expected: str, fix: str
) -> InvalidParameterError | InvalidParameterTypeError:
    """The error (a ValueError) for a module whose settings nn2poly cannot convert exactly."""
    subject = f"Module {where!r} of the 'model' parameter of adapt_torch"
    return invalid_value("model", module, expected, subject=subject, fix=fix)


def numpy_of(tensor: Any) -> FloatArray:
    """A tensor as float64 numpy, detached from autograd."""
    return np.asarray(tensor.detach().cpu().double().numpy())


# --------------------------------------------------------------------- steps
@dataclass
class Affine:
    """``z -> z @ weight + bias`` (weight (n_in, n_out))."""

    weight: FloatArray
    bias: FloatArray


@dataclass
class Scale:
    """``z -> z * scale + shift`` elementwise (a folded BatchNorm1d)."""

    scale: FloatArray
    shift: FloatArray


@dataclass
class Activation:
    name: str


@dataclass
class Link:
    name: str
    log: bool = False


def _torch_class(name: str) -> Any:
    import torch

    found = getattr(torch.nn, name, None)
    return found if isinstance(found, type) and issubclass(found, torch.nn.Module) else None


def module_kind(module: Any, where: str) -> str:
    """The name a module is read by, checked against its exact type.

    TorchScript modules keep only their original class name; what they
    compute is checked afterwards against the model's own forward.
    """
    import torch

    if isinstance(module, torch.jit.ScriptModule):
        original = getattr(module, "original_name", None)
        return original if isinstance(original, str) else type(module).__name__
    cls = type(module)
    if _torch_class(cls.__name__) is cls:
        return str(cls.__name__)
    base = next(
        (
            parent
            for parent in cls.__mro__[1:]
            if parent is not torch.nn.Module and _torch_class(parent.__name__) is parent
        ),
        None,
    )
    if base is not None:
        if cls.forward is not base.forward:
            raise unsupported(
                where,
                f"module {cls.__name__!r} (subclass of torch.nn.{base.__name__} overriding "
                "forward) is not supported: nn2poly cannot know what its forward computes",
            )
        return str(base.__name__)
    if _torch_class(cls.__name__) is None and activation_for("torch", cls.__name__) is not None:
        return cls.__name__  # a user activation registered under its class name
    if _torch_class(cls.__name__) is not None:
        raise unsupported(
            where,
            f"module {cls.__name__!r} from {cls.__module__} is not torch.nn.{cls.__name__}, "
            "only shares its name",
        )
    raise unsupported(where, f"{cls.__name__} is not a supported module")


def _setting(module: Any, name: str, where: str) -> Any:
    """A module's setting (``beta``, ``eps``, ...); traced TorchScript does not keep them."""
    if not hasattr(module, name):
        raise UnsupportedModuleError(
            f"Cannot convert {where}: its setting {name!r} is not stored in the model (torch.jit."
            "trace inlines it into the graph). Save the model with "
            "torch.jit.save(torch.jit.script(model), path) instead."
        )
    return getattr(module, name)


def _check_softplus(module: Any, where: str) -> None:
    beta = float(_setting(module, "beta", where))
    threshold = float(_setting(module, "threshold", where))
    get_activation("softplus", beta=beta)  # beta within the range the series needs
    gap = math.log1p(math.exp(-threshold)) / beta if threshold < 700 else 0.0
    if gap > SOFTPLUS_GAP:
        raise refused(
            module,
            where,
            "a Softplus whose threshold keeps it smooth (threshold >= 20)",
            f"Softplus(beta={beta}, threshold={threshold}) switches to the identity where "
            f"beta*x > {threshold}, which differs from the smooth softplus by up to {gap:.3g}. "
            "nn2poly converts the smooth function; use threshold >= 20 (the default).",
        )


def _check_gelu(module: Any, where: str) -> None:
    approximate = _setting(module, "approximate", where)
    if approximate != "none":
        raise refused(
            module,
            where,
            "a GELU in its exact erf form",
            f"GELU(approximate={approximate!r}) is not supported; nn2poly knows the exact erf "
            "form only. Use nn.GELU() (approximate='none').",
        )


_CHECKS = {"Softplus": _check_softplus, "GELU": _check_gelu}


def step_of(module: Any, kind: str, where: str, is_last: bool) -> Any:
    """The step a leaf module contributes, or None to skip it."""
    if kind == "Linear":
        weight = numpy_of(module.weight).T
        bias = numpy_of(module.bias) if module.bias is not None else np.zeros(weight.shape[1])
        return Affine(np.ascontiguousarray(weight), bias)
    if kind in SKIPPED:
        return None
    if kind == "BatchNorm1d":
        return _batchnorm_step(module, where)
    if kind in LINKS:
        dim = _setting(module, "dim", where)
        if not is_last:
            raise unsupported(where, f"{kind} is only supported as the last module (the link)")
        if dim not in (None, -1, 1):
            raise refused(
                module,
                where,
                f"a {kind} over the classes of a 2-D output",
                f"{kind}(dim={dim}) does not act over the classes; expected dim=-1 or dim=1.",
            )
        return Link("softmax", log=kind == "LogSoftmax")
    check = _CHECKS.get(kind)
    if check is not None:
        check(module, where)

    def read(attribute: str) -> float | None:
        return float(_setting(module, attribute, where))

    activation = activation_for("torch", kind, read)
    if activation is None:
        raise unsupported(where, f"{kind} is not a supported module")
    if activation.name == "sigmoid" and is_last:
        return Link("sigmoid")
    return Activation(activation.name)


def _batchnorm_step(module: Any, where: str) -> Scale:
    if module.training:
        raise refused(
            module,
            where,
            "a BatchNorm1d in evaluation mode",
            "BatchNorm1d is in training mode, where it normalises with batch statistics; call "
            "model.eval() before converting.",
        )
    if module.running_mean is None or module.running_var is None:
        raise refused(
            module,
            where,
            "a BatchNorm1d with running statistics",
            "BatchNorm1d(track_running_stats=False) has no running statistics to fold; only "
            "BatchNorm1d with running statistics can be converted.",
        )
    mean, var = numpy_of(module.running_mean), numpy_of(module.running_var)
    scale = 1.0 / np.sqrt(var + float(_setting(module, "eps", where)))
    shift = -mean * scale
    if module.weight is not None:
        gamma = numpy_of(module.weight)
        scale, shift = scale * gamma, shift * gamma
    if module.bias is not None:
        shift = shift + numpy_of(module.bias)
    return Scale(scale, shift)
