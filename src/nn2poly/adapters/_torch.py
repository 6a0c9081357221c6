"""PyTorch models -> :class:`AdaptedModel`.

Supported: ``torch.nn.Sequential`` (nested ones too) and modules whose
``forward`` is a plain chain of supported submodules (read with
``torch.fx``), made of

* ``Linear``;
* activations ``Tanh``, ``Sigmoid``, ``Softplus`` (with its ``beta``),
  ``Identity``, ``SiLU``, ``GELU`` (``approximate="none"``), ``ReLU``,
  ``LeakyReLU`` (``negative_slope``), ``ELU`` (``alpha``), ``Softsign``;
* ``Dropout``/``AlphaDropout`` (skipped: inference semantics) and
  ``Flatten`` (a no-op on a 2-D input);
* ``BatchNorm1d`` in eval mode, folded exactly into the adjacent ``Linear``;
* a final ``Softmax``/``LogSoftmax`` (over the last dimension) or
  ``Sigmoid``, which becomes the polynomial's link: the polynomial then
  describes the logits.

Softplus: torch's ``Softplus`` returns ``x`` itself where ``beta * x``
exceeds ``threshold`` (default 20).  nn2poly maps it to the exact
``log(1 + exp(beta x)) / beta``; the two differ by at most
``log1p(exp(-threshold)) / beta`` (about 2e-9 for the defaults).  A
``threshold`` small enough to make that gap exceed 1e-6 is refused.

Weights are converted to float64 exactly (``tensor.detach().double()``).
"""

from __future__ import annotations

import math
import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._network import Dense, Network
from . import AdaptedModel

__all__ = ["SUPPORTED_MODULES", "UnsupportedModuleError", "adapt_torch", "load_torch"]

FloatArray = NDArray[np.float64]

SUPPORTED_MODULES = (
    "Linear",
    "Tanh",
    "Sigmoid",
    "Softplus",
    "Identity",
    "SiLU",
    "GELU",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softsign",
    "Dropout",
    "AlphaDropout",
    "BatchNorm1d",
    "Flatten",
    "Softmax (last module only)",
    "LogSoftmax (last module only)",
    "Sequential",
)

#: Largest gap allowed between torch's thresholded Softplus and the exact one.
_SOFTPLUS_GAP = 1e-6


class UnsupportedModuleError(TypeError):
    """A PyTorch module that nn2poly cannot read as part of a feed-forward chain."""


def _unsupported(where: str, what: str) -> UnsupportedModuleError:
    return UnsupportedModuleError(
        f"Cannot convert {where}: {what}. nn2poly reads feed-forward chains of these "
        f"torch.nn modules: {', '.join(SUPPORTED_MODULES)}. Rebuild the model as an "
        "nn.Sequential of them (activations as modules, not functional calls in forward)."
    )


def _numpy(tensor: Any) -> FloatArray:
    return tensor.detach().cpu().double().numpy()


# --------------------------------------------------------------------- steps
@dataclass
class _Affine:
    """``z -> z @ weight + bias`` (weight (n_in, n_out))."""

    weight: FloatArray
    bias: FloatArray


@dataclass
class _Scale:
    """``z -> z * scale + shift`` elementwise (a folded BatchNorm1d)."""

    scale: FloatArray
    shift: FloatArray


@dataclass
class _Activation:
    name: str


@dataclass
class _Link:
    name: str


@dataclass
class _Chain:
    steps: list[Any] = field(default_factory=list)


def _type_name(module: Any) -> str:
    """Class name of a module; the original one for TorchScript modules."""
    original = getattr(module, "original_name", None)
    return original if isinstance(original, str) else type(module).__name__


def _setting(module: Any, name: str, where: str) -> Any:
    """A module's setting (``beta``, ``eps``, ...); traced TorchScript does not keep them."""
    if not hasattr(module, name):
        raise UnsupportedModuleError(
            f"Cannot convert {where}: its setting {name!r} is not stored in the model (torch.jit."
            "trace inlines it into the graph). Save the model with "
            "torch.jit.save(torch.jit.script(model), path) instead."
        )
    return getattr(module, name)


def _softplus_name(module: Any, where: str) -> str:
    beta = float(_setting(module, "beta", where))
    threshold = float(_setting(module, "threshold", where))
    if beta <= 0:
        raise ValueError(f"{where}: Softplus beta must be positive; got {beta!r}.")
    gap = math.log1p(math.exp(-threshold)) / beta if threshold < 700 else 0.0
    if gap > _SOFTPLUS_GAP:
        raise ValueError(
            f"{where}: Softplus(beta={beta}, threshold={threshold}) switches to the identity "
            f"where beta*x > {threshold}, which differs from the smooth softplus by up to "
            f"{gap:.3g}. nn2poly converts the smooth function; use threshold >= 20 (the default)."
        )
    return f"softplus(beta={beta!r})"


def _step_of(module: Any, where: str, is_last: bool) -> Any:
    """The step a leaf module contributes, or None to skip it."""
    kind = _type_name(module)
    if kind == "Linear":
        weight = _numpy(module.weight).T
        bias = _numpy(module.bias) if module.bias is not None else np.zeros(weight.shape[1])
        return _Affine(np.ascontiguousarray(weight), bias)
    simple = {
        "Tanh": "tanh",
        "Identity": "linear",
        "SiLU": "silu",
        "ReLU": "relu",
        "Softsign": "softsign",
    }
    if kind in simple:
        return _Activation(simple[kind])
    if kind == "Sigmoid":
        return _Link("sigmoid") if is_last else _Activation("sigmoid")
    if kind == "Softplus":
        return _Activation(_softplus_name(module, where))
    if kind == "GELU":
        approximate = _setting(module, "approximate", where)
        if approximate != "none":
            raise ValueError(
                f"{where}: GELU(approximate={approximate!r}) is not supported; nn2poly knows the "
                "exact erf form only. Use nn.GELU() (approximate='none')."
            )
        return _Activation("gelu")
    if kind == "LeakyReLU":
        slope = float(_setting(module, "negative_slope", where))
        return _Activation(f"leaky_relu(negative_slope={slope!r})")
    if kind == "ELU":
        return _Activation(f"elu(alpha={float(_setting(module, 'alpha', where))!r})")
    if kind in {"Dropout", "AlphaDropout", "Flatten"}:
        return None
    if kind == "BatchNorm1d":
        return _batchnorm_step(module, where)
    if kind in {"Softmax", "LogSoftmax"}:
        dim = _setting(module, "dim", where)
        if not is_last:
            raise _unsupported(where, f"{kind} is only supported as the last module (the link)")
        if dim not in (None, -1, 1):
            raise ValueError(
                f"{where}: {kind}(dim={dim}) does not act over the classes of a 2-D output; "
                "expected dim=-1 or dim=1."
            )
        return _Link("softmax")
    raise _unsupported(where, f"{kind} is not a supported module")


def _batchnorm_step(module: Any, where: str) -> _Scale:
    if module.training:
        raise ValueError(
            f"{where}: BatchNorm1d is in training mode, where it normalises with batch "
            "statistics; call model.eval() before converting."
        )
    if module.running_mean is None or module.running_var is None:
        raise ValueError(
            f"{where}: BatchNorm1d(track_running_stats=False) has no running statistics to "
            "fold; only BatchNorm1d with running statistics can be converted."
        )
    mean, var = _numpy(module.running_mean), _numpy(module.running_var)
    scale = 1.0 / np.sqrt(var + float(_setting(module, "eps", where)))
    shift = -mean * scale
    if module.weight is not None:
        gamma = _numpy(module.weight)
        scale, shift = scale * gamma, shift * gamma
    if module.bias is not None:
        shift = shift + _numpy(module.bias)
    return _Scale(scale, shift)


# ----------------------------------------------------------- walk a module
def _is_chain_container(module: Any) -> bool:
    return _type_name(module) == "Sequential"


def _is_user_block(module: Any) -> bool:
    """A module of the user's own class that holds submodules (read through its forward)."""
    import torch

    return (
        not isinstance(module, torch.jit.ScriptModule)
        and not type(module).__module__.startswith("torch.")
        and bool(list(module.children()))
    )


def _leaves_of_sequential(module: Any, prefix: str) -> list[tuple[str, Any]]:
    leaves: list[tuple[str, Any]] = []
    for name, child in module.named_children():
        where = f"{prefix}.{name}" if prefix else name
        if _is_chain_container(child):
            leaves.extend(_leaves_of_sequential(child, where))
        elif _is_user_block(child):
            leaves.extend((f"{where}.{name}", leaf) for name, leaf in _leaves(child))
        else:
            leaves.append((where, child))
    return leaves


def _leaves_by_tracing(model: Any) -> list[tuple[str, Any]]:
    """Leaf modules called, in order, by a custom module's forward (torch.fx)."""
    import torch.fx

    try:
        graph = torch.fx.symbolic_trace(model).graph
    except torch.fx.proxy.TraceError as exc:
        raise _unsupported(
            f"the {type(model).__name__} model", f"its forward cannot be traced ({exc})"
        ) from None
    leaves: list[tuple[str, Any]] = []
    previous = None
    for node in graph.nodes:
        if node.op == "placeholder":
            if previous is not None:
                raise _unsupported(f"the {type(model).__name__} model", "its forward takes several inputs")
            previous = node
            continue
        if node.op == "output":
            if node.args[0] is not previous:
                raise _unsupported(
                    f"the {type(model).__name__} model", "its forward does not return the chain's last value"
                )
            break
        if node.op != "call_module":
            raise _unsupported(
                f"the {type(model).__name__} model",
                f"its forward calls {getattr(node.target, '__name__', node.target)!r} "
                f"({node.op}) directly",
            )
        if len(node.args) != 1 or node.kwargs or node.args[0] is not previous:
            raise _unsupported(
                f"the {type(model).__name__} model",
                f"module {node.target!r} is not applied to the previous module's output alone",
            )
        leaves.append((str(node.target), model.get_submodule(str(node.target))))
        previous = node
    return leaves


def _leaves(model: Any) -> list[tuple[str, Any]]:
    import torch

    if _is_chain_container(model):
        return _leaves_of_sequential(model, "")
    if not list(model.children()):
        return [(_type_name(model), model)]
    if isinstance(model, torch.jit.ScriptModule):
        raise _unsupported(
            f"the TorchScript module {_type_name(model)!r}",
            "only scripted nn.Sequential chains can be read from TorchScript",
        )
    return _leaves_by_tracing(model)


# ----------------------------------------------------- steps -> Dense layers
def _build_layers(steps: list[Any], n_inputs: int) -> list[Dense]:
    """Group affine maps, elementwise scalings and activations into Dense layers."""
    layers: list[list[Any]] = []  # [weight, bias, activation or None]
    pending: _Scale | None = None  # an input-side scaling waiting for the next Linear
    width = n_inputs

    def flush_pending() -> None:
        nonlocal pending
        if pending is not None:
            layers.append([np.diag(pending.scale), pending.shift.copy(), None])
            pending = None

    for step in steps:
        if isinstance(step, _Affine):
            if layers and layers[-1][2] is None:
                layers[-1][2] = "linear"
            weight, bias = step.weight, step.bias
            if pending is not None:
                weight, bias = pending.scale[:, None] * weight, bias + pending.shift @ weight
                pending = None
            layers.append([weight, bias, None])
            width = weight.shape[1]
        elif isinstance(step, _Scale):
            if step.scale.shape[0] != width:
                raise ValueError(
                    f"BatchNorm1d has {step.scale.shape[0]} features but its input has {width}."
                )
            if layers and layers[-1][2] is None:
                last = layers[-1]
                last[0] = last[0] * step.scale[None, :]
                last[1] = last[1] * step.scale + step.shift
            elif pending is None:
                pending = _Scale(step.scale.copy(), step.shift.copy())
            else:
                pending = _Scale(pending.scale * step.scale, pending.shift * step.scale + step.shift)
        else:  # activation
            flush_pending()
            if not layers or layers[-1][2] is not None:
                layers.append([np.eye(width), np.zeros(width), None])
            layers[-1][2] = step.name
    flush_pending()
    if layers and layers[-1][2] is None:
        layers[-1][2] = "linear"
    return [
        Dense(weight, bias, activation, _name=f"layer {index}")
        for index, (weight, bias, activation) in enumerate(layers)
    ]


def adapt_torch(model: Any) -> AdaptedModel:
    """Read a PyTorch feed-forward model as an :class:`AdaptedModel`.

    Parameters
    ----------
    model : torch.nn.Module
        An ``nn.Sequential`` (or a module whose ``forward`` chains its
        submodules) of the modules listed in :data:`SUPPORTED_MODULES`.

    Returns
    -------
    AdaptedModel
        The network in float64; a final ``Sigmoid`` or ``Softmax`` becomes
        the ``link``.

    Raises
    ------
    UnsupportedModuleError
        For a module outside the supported list, naming it.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2),
    ...                             torch.nn.Softmax(dim=-1))
    >>> adapted = adapt_torch(model)
    >>> adapted.network, adapted.link
    (Network(3 -> 4[tanh] -> 2[linear]), 'softmax')
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"Expected a torch.nn.Module; got {type(model).__name__}.")
    if "nn2poly.training._torch_mlp" in sys.modules:
        from ..training._torch_mlp import MLPModule

        if isinstance(model, MLPModule):  # the module nn2poly's own estimators train
            return AdaptedModel(model.to_network())
    leaves = _leaves(model)
    steps: list[Any] = []
    link = None
    for position, (where, module) in enumerate(leaves):
        is_last = all(
            _type_name(later) in {"Dropout", "AlphaDropout", "Flatten"}
            for _, later in leaves[position + 1 :]
        )
        step = _step_of(module, f"module {where!r} ({_type_name(module)})", is_last)
        if isinstance(step, _Link):
            link = step.name
        elif step is not None:
            steps.append(step)
    first = next((step for step in steps if isinstance(step, _Affine)), None)
    if first is None:
        raise _unsupported(f"the {_type_name(model)} model", "it has no Linear layer")
    layers = _build_layers(steps, first.weight.shape[0])
    return AdaptedModel(Network(tuple(layers)), link=link)


# ---------------------------------------------------------------- files
def _is_torchscript_archive(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("constants.pkl") or "/code/" in name for name in archive.namelist())


def load_torch(path: str | os.PathLike[str], *, trust: bool = False) -> AdaptedModel:
    """Load a saved PyTorch model as an :class:`AdaptedModel`.

    Parameters
    ----------
    path : str or path-like
        A TorchScript file (``torch.jit.save``, read safely with
        ``torch.jit.load``), or a whole model saved with ``torch.save``
        (read with ``torch.load(weights_only=False)`` only when
        ``trust=True``, because unpickling can run code).
    trust : bool, default=False
        Allow unpickling a whole model.

    Returns
    -------
    AdaptedModel

    Examples
    --------
    >>> import os, tempfile, torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
    >>> torch.jit.save(torch.jit.script(model), path)
    >>> load_torch(path).network
    Network(2 -> 3[tanh] -> 1[linear])
    """
    import pickle

    import torch

    file = Path(path)
    if _is_torchscript_archive(file):
        return adapt_torch(torch.jit.load(str(file), map_location="cpu"))
    if not trust:
        try:
            content = torch.load(str(file), map_location="cpu", weights_only=True)
        except pickle.UnpicklingError:
            raise ValueError(
                f"{file.name!r} is a pickled PyTorch object, not TorchScript. Unpickling can run "
                "code from the file: pass trust=True (CLI: --trust) if you trust it, or save the "
                "model with torch.jit.save(torch.jit.script(model), path)."
            ) from None
    else:
        content = torch.load(str(file), map_location="cpu", weights_only=False)
    if isinstance(content, torch.nn.Module):
        return adapt_torch(content)
    if isinstance(content, dict):
        raise ValueError(
            f"{file.name!r} holds a state_dict (only tensors, keys such as "
            f"{', '.join(map(repr, list(content)[:3]))}), which does not say how the layers are "
            "connected. Build the model, call model.load_state_dict(torch.load(path)) and pass "
            "the model to nn2poly, or save it with torch.jit.save(torch.jit.script(model), path)."
        )
    raise TypeError(
        f"{file.name!r} holds a {type(content).__name__}; expected a torch.nn.Module "
        "(TorchScript, or a whole model saved with torch.save)."
    )
