"""PyTorch models -> :class:`AdaptedModel`.

Supported: ``torch.nn.Sequential`` (nested ones too) and modules whose
``forward`` is a plain chain of supported submodules (read with
``torch.fx``), made of

* ``Linear``;
* the activations the registry knows by their ``torch.nn`` names: ``Tanh``,
  ``Sigmoid``, ``Softplus`` (with its ``beta``), ``Identity``, ``SiLU``,
  ``GELU`` (``approximate="none"``), ``ReLU``, ``LeakyReLU``
  (``negative_slope``), ``ELU`` (``alpha``), ``Softsign``;
* ``Dropout``/``AlphaDropout`` (skipped: inference semantics) and
  ``Flatten`` (a no-op on a 2-D input);
* ``BatchNorm1d`` in eval mode, folded exactly into the adjacent ``Linear``;
* a final ``Softmax``/``LogSoftmax`` (over the last dimension) or
  ``Sigmoid``, which becomes the polynomial's link: the polynomial then
  describes the logits.

Modules are recognised by their exact type (see :mod:`._torch_modules`),
and the network read is checked against the model's own forward on inputs
spanning ``[-1, 1]`` (and the data when given): a module that computes
something else than its type says is refused, naming it.

Softplus: torch's ``Softplus`` returns ``x`` itself where ``beta * x``
exceeds ``threshold`` (default 20).  nn2poly maps it to the exact
``log(1 + exp(beta x)) / beta``; the two differ by at most
``log1p(exp(-threshold)) / beta`` (about 2e-9 for the defaults).  A
``threshold`` small enough to make that gap exceed 1e-6 is refused.

Weights are converted to float64 exactly (``tensor.detach().double()``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import InstanceOf, check_param
from ..activations import get_activation
from ._adapted import AdaptedModel
from ._affine_chain import ChainBuilder
from ._agreement import (
    RTOL_FLOAT32,
    RTOL_FLOAT64,
    check_agreement,
    disagreement,
    with_link,
)
from ._torch_modules import (
    SUPPORTED_MODULES,
    Activation,
    Affine,
    Link,
    Scale,
    UnsupportedModuleError,
    module_kind,
    numpy_of,
    step_of,
    unsupported,
)

__all__ = ["SUPPORTED_MODULES", "UnsupportedModuleError", "adapt_torch"]

FloatArray = NDArray[np.float64]


# ----------------------------------------------------------- walk a module
def _is_chain_container(module: Any) -> bool:
    import torch

    if isinstance(module, torch.jit.ScriptModule):
        return getattr(module, "original_name", None) == "Sequential"
    return isinstance(module, torch.nn.Sequential) and (
        type(module).forward is torch.nn.Sequential.forward
    )


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
            leaves.extend((f"{where}.{inner}", leaf) for inner, leaf in _leaves(child))
        else:
            leaves.append((where, child))
    return leaves


def _leaves_by_tracing(model: Any) -> list[tuple[str, Any]]:
    """Leaf modules called, in order, by a custom module's forward (torch.fx)."""
    import torch.fx

    what = f"the {type(model).__name__} model"
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except torch.fx.proxy.TraceError as exc:
        raise unsupported(what, f"its forward cannot be traced ({exc})") from None
    leaves: list[tuple[str, Any]] = []
    previous = None
    for node in graph.nodes:
        if node.op == "placeholder":
            if previous is not None:
                raise unsupported(what, "its forward takes several inputs")
            previous = node
            continue
        if node.op == "output":
            if node.args[0] is not previous:
                raise unsupported(what, "its forward does not return the chain's last value")
            break
        if node.op != "call_module":
            raise unsupported(
                what,
                f"its forward calls {getattr(node.target, '__name__', node.target)!r} "
                f"({node.op}) directly",
            )
        if len(node.args) != 1 or node.kwargs or node.args[0] is not previous:
            raise unsupported(
                what, f"module {node.target!r} is not applied to the previous module's output alone"
            )
        leaves.append((str(node.target), model.get_submodule(str(node.target))))
        previous = node
    return leaves


def _leaves(model: Any) -> list[tuple[str, Any]]:
    import torch

    if _is_chain_container(model):
        return _leaves_of_sequential(model, "")
    if not list(model.children()):
        return [(type(model).__name__, model)]
    if isinstance(model, torch.jit.ScriptModule):
        raise unsupported(
            f"the TorchScript module {getattr(model, 'original_name', type(model).__name__)!r}",
            "only scripted nn.Sequential chains can be read from TorchScript",
        )
    return _leaves_by_tracing(model)


# ------------------------------------------------------------ the check
@contextmanager
def _inference(model: Any) -> Iterator[None]:
    """Eval mode and no autograd for the duration; the modules' modes are restored."""
    import torch

    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for module, training in modes:
            module.training = training


def _input_tensor(model: Any, X: FloatArray) -> Any:
    import torch

    parameter = next(iter(model.parameters()), None)
    dtype = parameter.dtype if parameter is not None else torch.float32
    device = parameter.device if parameter is not None else "cpu"
    return torch.as_tensor(X, dtype=dtype, device=device)


def _rtol(model: Any) -> float:
    import torch

    parameter = next(iter(model.parameters()), None)
    if parameter is None or not parameter.is_floating_point():
        return RTOL_FLOAT32
    resolution = float(torch.finfo(parameter.dtype).resolution)
    if resolution <= 1e-15:
        return RTOL_FLOAT64
    return max(RTOL_FLOAT32, 10 * resolution)


def _apply(step: Any, values: FloatArray) -> FloatArray:
    """What nn2poly reads a step as, applied to the module's input."""
    if isinstance(step, Affine):
        return values @ step.weight + step.bias
    if isinstance(step, Scale):
        return values * step.scale + step.shift
    if isinstance(step, Activation):
        return get_activation(step.name)(values)
    if isinstance(step, Link):
        return with_link(values, step.name, log=step.log)
    return values


def _locate(model: Any, read: list[tuple[str, Any, Any]], rtol: float, X: FloatArray) -> str | None:
    """The first module whose output differs from what its reading computes on its input.

    The modules form a chain, so each one is run on the previous one's output.
    """
    with _inference(model):
        values = _input_tensor(model, X)
        for where, module, step in read:
            try:
                output = module(values)
            except (RuntimeError, TypeError, ValueError):
                return where
            expected = numpy_of(output).reshape(len(X), -1)
            got = _apply(step, numpy_of(values).reshape(len(X), -1))
            if disagreement(expected, got, rtol) > 1.0:
                return where
            values = output
    return None


def _check(
    model: Any, adapted: AdaptedModel, read: list[tuple[str, Any, Any]], data: ArrayLike | None
) -> None:
    rtol = _rtol(model)

    def model_output(X: FloatArray) -> FloatArray:
        with _inference(model):
            return numpy_of(model(_input_tensor(model, X))).reshape(len(X), -1)

    log = any(isinstance(step, Link) and step.log for _, _, step in read)
    check_agreement(
        adapted.network,
        adapted.link,
        model_output,
        what=f"the PyTorch model {type(model).__name__!r}",
        rtol=rtol,
        data=data,
        log_link=log,
        locate=lambda X: _locate(model, read, rtol, X),
    )


def adapt_torch(model: Any, *, data: ArrayLike | None = None) -> AdaptedModel:
    """Read a PyTorch feed-forward model as an :class:`AdaptedModel`.

    Parameters
    ----------
    model : torch.nn.Module
        An ``nn.Sequential`` (or a module whose ``forward`` chains its
        submodules) of the modules listed in :data:`SUPPORTED_MODULES`.
    data : array_like of shape (n_samples, n_features), optional
        Inputs on which the reading is checked against the model's forward,
        besides points spanning ``[-1, 1]``.

    Returns
    -------
    AdaptedModel
        The network in float64; a final ``Sigmoid`` or ``Softmax`` becomes
        the ``link``.

    Raises
    ------
    UnsupportedModuleError
        For a module outside the supported list, naming it.
    ModelMismatchError
        (a ValueError) when the network does not compute what the model's
        forward computes, naming the first module where they part.

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

    check_param(
        "model", model, [InstanceOf((torch.nn.Module,), "a torch.nn.Module")], caller="adapt_torch"
    )
    if "nn2poly.training._torch_mlp" in sys.modules:
        from ..training._torch_mlp import MLPModule

        if type(model) is MLPModule:  # the module nn2poly's own estimators train
            return AdaptedModel(model.to_network())
    leaves = _leaves(model)
    kinds = [module_kind(module, f"module {where!r}") for where, module in leaves]
    read: list[tuple[str, Any, Any]] = []
    for position, ((where, module), kind) in enumerate(zip(leaves, kinds, strict=True)):
        is_last = all(
            later in {"Dropout", "AlphaDropout", "Flatten"} for later in kinds[position + 1 :]
        )
        label = f"module {where!r} ({kind})"
        read.append((label, module, step_of(module, kind, label, is_last)))
    first = next((step for _, _, step in read if isinstance(step, Affine)), None)
    if first is None:
        raise unsupported(f"the {type(model).__name__} model", "it has no Linear layer")
    link = None
    chain = ChainBuilder()
    for _, _, step in read:
        if isinstance(step, Link):
            link = step.name
        elif isinstance(step, Affine):
            chain.affine(step.weight, step.bias)
        elif isinstance(step, Scale):
            chain.scale_shift(step.scale, step.shift)
        elif isinstance(step, Activation):
            if chain.width is None:  # an activation on the inputs themselves
                width = first.weight.shape[0]
                chain.scale_shift(np.ones(width), np.zeros(width))
            chain.activation(step.name)
    adapted = AdaptedModel(chain.build(), link=link)
    _check(model, adapted, read, data)
    return adapted
