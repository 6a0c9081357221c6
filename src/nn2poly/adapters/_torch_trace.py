"""PyTorch models as ``torch.fx`` graphs: the three ways a model comes in.

* An ``nn.Module`` is traced with ``torch.fx`` (its torch.nn modules, and
  modules of activations registered with a ``torch`` name, stay single
  calls; the user's own modules are read through their ``forward``).  Where
  ``torch.fx`` cannot trace it, ``torch.export.export`` is tried with an
  example input.
* A ``torch.export.ExportedProgram`` is its own graph of ATen operators.
* A TorchScript module (scripted or traced) is converted to an
  ``ExportedProgram`` (``torch._export.converter.TS2EPConverter``).

A :class:`Program` holds the graph, the tensors its placeholders stand for,
the shape of one sample of its input, and runs the graph node by node
(:func:`run_nodes`), which the reading uses for shapes and the check for
locating the first operation whose reading differs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..activations import activation_for
from ._builder import not_a_network
from ._torch_modules import is_leaf, module_kind, unsupported
from ._torch_ops import ACTIVATIONS, canonical_name

__all__ = ["Program", "from_exported", "from_module", "from_torchscript", "run_nodes"]

#: Batch size of the example input (an unusual number, so a reshape that mixes samples shows).
BATCH = 7


@dataclass
class Program:
    """A traced model: its graph, placeholder tensors, input and how to name its parts."""

    graph_module: Any
    input_node: Any
    constants: dict[str, Any]
    input_shape: tuple[int, ...]
    owner: str
    source: str
    batch: int = BATCH
    fixed_batch: bool = False
    training: dict[str, bool] = field(default_factory=dict)

    @property
    def nodes(self) -> list[Any]:
        return list(self.graph_module.graph.nodes)

    def describe(self, node: Any) -> str:
        """How messages name a node: the framework's operation and where it sits."""
        if node.op == "call_module":
            module = self.graph_module.get_submodule(str(node.target))
            return f"{type(module).__name__!r} (module {str(node.target)!r})"
        name = canonical_name(node.op, node.target) or getattr(
            node.target, "__name__", str(node.target)
        )
        stack = node.meta.get("nn_module_stack") or {}
        inner = list(stack.values())[-1] if stack else None
        place = f"forward of {self.owner}"
        if inner and inner[0]:
            kind = inner[1] if isinstance(inner[1], str) else getattr(inner[1], "__name__", "")
            place = f"module {inner[0]!r} ({kind.rsplit('.', 1)[-1]})"
        return f"{name!r} in {place} ({self.source} node {node.name!r})"


def _tensor_dtype(tensors: Iterator[Any]) -> Any:
    import torch

    for tensor in tensors:
        if isinstance(tensor, torch.Tensor) and tensor.is_floating_point():
            return tensor.dtype
    return torch.float32


def example_input(program: Program, dtype: Any) -> Any:
    import torch

    generator = torch.Generator().manual_seed(0)
    shape = (program.batch, *program.input_shape)
    return (torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1).to(dtype)


def call_node(program: Program, node: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Run one node's operation on the given arguments."""
    if node.op == "call_module":
        return program.graph_module.get_submodule(str(node.target))(*args, **kwargs)
    if node.op == "call_method":
        return getattr(args[0], str(node.target))(*args[1:], **kwargs)
    return node.target(*args, **kwargs)


def run_nodes(program: Program, x: Any) -> dict[Any, Any]:
    """Every node's value for the input ``x`` (the model's own computation, node by node)."""
    import torch

    values: dict[Any, Any] = {}

    def load(arg: Any) -> Any:
        return values[arg] if isinstance(arg, torch.fx.Node) else arg

    with torch.no_grad():
        for node in program.nodes:
            if node.op == "placeholder":
                values[node] = (
                    x
                    if node is program.input_node
                    else program.constants.get(node.name, node.args[0] if node.args else None)
                )
            elif node.op == "get_attr":
                values[node] = attribute(program.graph_module, str(node.target))
            elif node.op == "output":
                break
            else:
                args = torch.fx.node.map_aggregate(node.args, load)
                kwargs = torch.fx.node.map_aggregate(node.kwargs, load)
                values[node] = call_node(program, node, list(args), dict(kwargs))
    return values


def attribute(root: Any, target: str) -> Any:
    """A dotted attribute of a module (``blocks.0.weight``)."""
    value = root
    for part in target.split("."):
        value = getattr(value, part)
    return value


# ------------------------------------------------------------------ input shapes
def _data_shape(data: ArrayLike | None) -> tuple[int, ...] | None:
    if data is None:
        return None
    array = np.asarray(data)
    return tuple(int(n) for n in array.shape[1:]) if array.ndim >= 2 else None


def _fixed_view(sizes: Any) -> tuple[int, ...] | None:
    """The per-sample shape of ``view(-1, *sizes)`` with every other size fixed."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    rest = sizes[1:]
    if not rest or not all(isinstance(n, int) and n > 0 for n in rest):
        return None
    if isinstance(sizes[0], int) and sizes[0] != -1:
        return None
    return (math.prod(rest),)


def _shape_from_graph(graph_module: Any, placeholder: Any) -> tuple[int, ...] | None:
    """The input's per-sample shape as the first operation reading it fixes it, or None."""
    import torch

    node = placeholder
    for _ in range(64):
        users = sorted(node.users, key=lambda n: list(graph_module.graph.nodes).index(n))
        if not users:
            return None
        user = users[0]
        name = canonical_name(user.op, user.target)
        if user.op == "call_module":
            module = graph_module.get_submodule(str(user.target))
            if isinstance(module, torch.nn.Linear):
                return (int(module.in_features),)
            if isinstance(module, torch.nn.BatchNorm1d):
                return (int(module.num_features),)
            kind = module_kind(module)
            if kind not in _PASS_MODULES and (
                kind is None or activation_for("torch", kind) is None
            ):
                return None
        elif name in {"linear", "matmul", "mm"} and _parameter_operand(user) is not None:
            weight = attribute(graph_module, str(_parameter_operand(user)))
            if weight.dim() != 2:
                return None
            return (int(weight.shape[1 if name == "linear" else 0]),)
        elif name in {"view", "reshape"}:
            return _fixed_view(user.args[1:])
        elif name not in _ELEMENTWISE:
            return None
        node = user
    return None


def _parameter_operand(node: Any) -> str | None:
    """The attribute a matrix product multiplies its input by (``x @ self.weight``)."""
    if len(node.args) > 1 and getattr(node.args[1], "op", None) == "get_attr":
        return str(node.args[1].target)
    return None


_ELEMENTWISE = frozenset(
    {*ACTIVATIONS, "dropout", "clone", "contiguous", "float", "double", "to", "detach"}
    | {"add", "sub", "mul", "div", "neg"}
)
_PASS_MODULES = frozenset({"Dropout", "AlphaDropout", "Identity", "Flatten"})


def _no_shape(owner: str) -> Exception:
    return not_a_network(
        owner,
        "a model whose input size can be read: a first Linear, or a reshape to fixed sizes",
        f"The input size of the {owner} model is not fixed by its first operation; pass data "
        "(samples by features, e.g. data=X_train) so nn2poly knows the number of features.",
    )


def check_class(module: Any, where: str) -> None:
    """Refuse a subclass of a torch.nn module that overrides its forward, and a user module that
    only shares a torch.nn module's name (unless registered as an activation under it)."""
    import torch

    cls = type(module)
    if cls.__module__.startswith("torch."):
        return
    base: Any = next(
        (
            parent
            for parent in cls.__mro__[1:]
            if parent is not torch.nn.Module and parent.__module__.startswith("torch.nn")
        ),
        None,
    )
    if base is not None:
        if cls.forward is not base.forward:
            raise unsupported(
                where,
                f"module {cls.__name__!r} (subclass of torch.nn.{base.__name__} overriding "
                "forward) is not supported: nn2poly reads torch.nn modules by their type",
            )
        return
    shared = getattr(torch.nn, cls.__name__, None)
    if isinstance(shared, type) and module_kind(module) is None:
        raise unsupported(
            where,
            f"module {cls.__name__!r} from {cls.__module__} is not torch.nn.{cls.__name__}, "
            "only shares its name",
        )


# ------------------------------------------------------------------ front ends
@contextmanager
def inference(model: Any) -> Iterator[None]:
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


class _Tracer:
    """``torch.fx.Tracer`` keeping torch.nn modules and registered activations as calls."""

    def __new__(cls) -> Any:
        import torch.fx

        class Tracer(torch.fx.Tracer):
            def is_leaf_module(self, module: Any, qualified_name: str) -> bool:
                return is_leaf(module)

        return Tracer()


def from_module(model: Any, data: ArrayLike | None) -> Program:
    """Trace an ``nn.Module`` with torch.fx (torch.export where fx cannot trace it)."""
    import torch.fx

    owner = type(model).__name__
    training = {name: module.training for name, module in model.named_modules()}
    for name, module in model.named_modules():
        check_class(module, f"module {name!r}" if name else f"the {owner} model")
    try:
        graph = _Tracer().trace(model)
    except (torch.fx.proxy.TraceError, TypeError, RuntimeError) as exc:
        return _export_fallback(model, data, owner, exc)
    graph_module = torch.fx.GraphModule(model, graph, owner)
    inputs = [n for n in graph.nodes if n.op == "placeholder"]
    used = [n for n in inputs if n.users]
    if len(used) != 1:
        names = ", ".join(repr(n.name) for n in used) or "none"
        raise unsupported(
            f"the {owner} model", f"its forward reads {len(used)} inputs ({names}), not one"
        )
    shape = _shape_from_graph(graph_module, used[0]) or _data_shape(data)
    if shape is None:
        raise _no_shape(owner)
    return Program(graph_module, used[0], {}, shape, owner, "fx", training=training)


def _export_fallback(model: Any, data: ArrayLike | None, owner: str, error: Exception) -> Program:
    import torch

    reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    control = "control flow" in reason
    what = (
        "its forward has data-dependent control flow (an if or a loop on the input's values)"
        if control
        else f"its forward cannot be traced ({type(error).__name__}: {reason})"
    )
    shape = _data_shape(data) or _first_linear(model)
    if shape is None or control:
        raise unsupported(f"the {owner} model", f"{what}; fx: {reason}")
    dtype = _tensor_dtype(iter(model.parameters()))
    example = torch.zeros((BATCH, *shape), dtype=dtype)
    try:
        with inference(model), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.export.export(model, (example,))
    except (RuntimeError, TypeError, ValueError, AssertionError, NotImplementedError):
        raise unsupported(f"the {owner} model", f"{what}; fx: {reason}") from None
    return from_exported(program, owner=owner)


def _first_linear(model: Any) -> tuple[int, ...] | None:
    """The input size of the model's first Linear (its first matrix of weights)."""
    for module in model.modules():
        features = getattr(module, "in_features", None)
        if isinstance(features, int):
            return (features,)
    for name, parameter in model.named_parameters():
        if name.endswith("weight") and parameter.dim() == 2:
            return (int(parameter.shape[1]),)
        if name.endswith("weight"):
            return None
    return None


def from_exported(
    program: Any,
    *,
    owner: str = "ExportedProgram",
    source: str = "export",
    input_shape: tuple[int, ...] | None = None,
) -> Program:
    """The graph of a ``torch.export.ExportedProgram``."""
    from torch.export.graph_signature import InputKind, OutputKind

    signature = program.graph_signature
    graph_module = program.graph_module
    placeholders = {n.name: n for n in graph_module.graph.nodes if n.op == "placeholder"}
    constants: dict[str, Any] = {}
    users = []
    for spec in signature.input_specs:
        name = spec.arg.name
        if spec.kind == InputKind.USER_INPUT:
            users.append(placeholders[name])
        elif spec.kind in (InputKind.PARAMETER, InputKind.BUFFER):
            found = program.state_dict.get(spec.target)
            constants[name] = found if found is not None else program.constants[spec.target]
        elif spec.kind == InputKind.CONSTANT_TENSOR:
            constants[name] = program.constants[spec.target]
    used = [n for n in users if n.users]
    outputs = [s for s in signature.output_specs if s.kind == OutputKind.USER_OUTPUT]
    if len(used) != 1 or len(outputs) != 1:
        raise unsupported(
            f"the {owner} program",
            f"it reads {len(used)} inputs and returns {len(outputs)} outputs, not one each",
        )
    value = used[0].meta.get("val")
    shape = tuple(getattr(value, "shape", ()))
    if input_shape is not None:
        shape = (BATCH, *input_shape)
    if not shape or not all(isinstance(n, int) for n in shape[1:]):
        raise _no_shape(owner)
    fixed = isinstance(shape[0], int)
    batch = int(shape[0]) if fixed else BATCH
    return Program(
        graph_module, used[0], constants, tuple(int(n) for n in shape[1:]), owner, source,
        batch=batch, fixed_batch=fixed,
    )  # fmt: skip


def from_torchscript(model: Any, data: ArrayLike | None) -> Program:
    """A TorchScript module (scripted or traced), converted to an ExportedProgram."""
    import torch

    owner = str(getattr(model, "original_name", type(model).__name__))
    try:  # a private module of torch: a release without it cannot read TorchScript
        from torch._export.converter import TS2EPConverter
    except ImportError:
        raise unsupported(
            f"the TorchScript module {owner!r}",
            f"this torch ({torch.__version__}) has no TorchScript converter "
            "(torch._export.converter); save the model with torch.export or as ONNX",
        ) from None
    inputs = list(model.graph.inputs())[1:]
    sizes = (
        inputs[0].type().sizes()
        if len(inputs) == 1 and hasattr(inputs[0].type(), "sizes")
        else None
    )
    batch, shape = BATCH, _data_shape(data)
    if sizes and all(isinstance(n, int) for n in sizes) and len(sizes) >= 2:
        batch, shape = int(sizes[0]), tuple(int(n) for n in sizes[1:])
    shape = shape or _first_linear(model)
    if len(inputs) != 1:
        raise unsupported(f"the TorchScript module {owner!r}", f"it reads {len(inputs)} inputs")
    if shape is None:
        raise _no_shape(owner)
    dtype = _tensor_dtype(iter(model.parameters()))
    example = torch.zeros((batch, *shape), dtype=dtype)
    try:
        with inference(model), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the converter's notes on constant predicates
            converted = TS2EPConverter(model, (example,)).convert()
    except (RuntimeError, TypeError, ValueError, AssertionError, NotImplementedError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise unsupported(
            f"the TorchScript module {owner!r}", f"its graph could not be read ({reason})"
        ) from None
    program = from_exported(converted, owner=owner, source="TorchScript", input_shape=shape)
    program.batch, program.fixed_batch = batch, True
    return program
