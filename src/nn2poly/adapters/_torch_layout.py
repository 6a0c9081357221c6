"""Operations that move a sample's features around, or are linear in them, read by running them.

A reshape, permute, slice or concatenation is run on tensors holding each
feature's index (plus the sample's number times the width, so an operation
that mixes samples shows): the indices it returns are the selection the
builder makes.  An operation linear in a value without offset (a matrix
product with a constant, a mean) is run on a basis: its outputs are the
matrix's rows.  :class:`Step` is what every operation handler receives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._builder import GraphBuilder
from ._torch_modules import Dep, unsupported

__all__ = ["Step", "is_dep", "layout", "probe"]


@dataclass
class Step:
    """One operation being read: its arguments and a way to run it again."""

    builder: GraphBuilder
    name: str
    where: str
    args: list[Any]
    kwargs: dict[str, Any]
    example: Any
    call: Callable[[list[Any], dict[str, Any]], Any]
    batch: int
    aten: bool

    def arg(self, index: int, name: str, default: Any = None) -> Any:
        """A positional-or-keyword argument."""
        if name in self.kwargs:
            return self.kwargs[name]
        return self.args[index] if len(self.args) > index else default

    def deps(self) -> list[Dep]:
        return [a for a in _flat(self.args) + _flat(list(self.kwargs.values())) if is_dep(a)]

    def refuse(self, what: str) -> Exception:
        return unsupported(self.where, what)


def is_dep(value: Any) -> bool:
    return isinstance(value, Dep)


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        out.extend(_flat(list(value)) if isinstance(value, (list, tuple)) else [value])
    return out


def _substitute(values: Any, replace: Callable[[Any], Any]) -> Any:
    if isinstance(values, (list, tuple)):
        return type(values)(_substitute(v, replace) for v in values)
    return replace(values)


def _rerun(step: Step, replace: Callable[[Any], Any]) -> Any:
    args = _substitute(step.args, replace)
    kwargs = {key: _substitute(value, replace) for key, value in step.kwargs.items()}
    return step.call(list(args), kwargs)


def _tensors(output: Any) -> list[Any]:
    return list(output) if isinstance(output, (list, tuple)) else [output]


# ----------------------------------------------------------------------- layout
def layout(step: Step) -> Any:
    """Read an operation that moves features around by running it on feature indices."""
    import torch

    deps = step.deps()
    total = sum(math.prod(dep.shape) for dep in deps)
    offsets: dict[int, int] = {}
    start = 0
    for dep in deps:
        offsets[id(dep)] = start
        start += math.prod(dep.shape)

    def index_tensor(value: Any) -> Any:
        if not is_dep(value):
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                raise step.refuse("it combines a value with a constant tensor")
            return value
        size = math.prod(value.shape)
        rows = torch.arange(step.batch, dtype=torch.float64)[:, None] * total
        base = torch.arange(size, dtype=torch.float64)[None, :] + offsets[id(value)]
        return (rows + base).reshape(step.batch, *value.shape)

    combined = (
        deps[0].value if len(deps) == 1 else step.builder.concatenate([d.value for d in deps])
    )
    results = []
    for tensor in _tensors(_rerun(step, index_tensor)):
        if not isinstance(tensor, torch.Tensor):
            results.append(tensor)
            continue
        flat = tensor.detach().double().reshape(tensor.shape[0] if tensor.dim() else 1, -1)
        shifts = torch.arange(flat.shape[0], dtype=torch.float64)[:, None] * total
        first = flat[0]
        if (
            tensor.dim() == 0
            or tensor.shape[0] != step.batch
            or not torch.equal(flat - shifts, first.expand_as(flat))
            or bool(((first < 0) | (first >= total) | (first != first.round())).any())
        ):
            raise step.refuse("it mixes the samples of a batch instead of one sample's features")
        indices = first.numpy().astype(np.int64)
        results.append(Dep(step.builder.select(combined, indices), tuple(tensor.shape[1:])))
    return tuple(results) if isinstance(step.example, (list, tuple)) else results[0]


def probe(step: Step, dep: Dep) -> Dep:
    """Read an operation linear in ``dep`` (no offset) by running it on a basis."""
    import torch

    size = math.prod(dep.shape)
    basis = torch.eye(size, dtype=torch.float64).reshape(size, *dep.shape)

    def replace(value: Any) -> Any:
        if value is dep:
            return basis
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.detach().double()
        return value

    out = _rerun(step, replace)
    expected = tuple(step.example.shape[1:])
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (size, *expected):
        raise step.refuse("it mixes the samples of a batch instead of one sample's features")
    matrix = out.detach().reshape(size, -1).numpy()
    return Dep(step.builder.affine(dep.value, matrix), expected)
