"""Read a traced PyTorch program into a network, operation by operation.

The nodes of a :class:`~._torch_trace.Program` are walked in order.  Every
node is run on an example input (for the shapes and the constants), and the
nodes that depend on the model's input become :class:`~._torch_modules.Dep`
values of one :class:`~._builder.GraphBuilder` through the module table
(:mod:`._torch_modules`) and the operation table (:mod:`._torch_ops`).
Before anything is built, every operation on the input's path is looked up:
the ones nn2poly does not read are all named in one refusal, by their
framework names and where they sit.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from .._network import Network
from ..activations import activation_for
from ._agreement import ModelMismatchError
from ._builder import GraphBuilder, Value
from ._torch_layout import Step, layout, probe
from ._torch_modules import (
    LAYOUT_MODULES,
    MODULE_HANDLERS,
    Dep,
    activation_of,
    module_kind,
    refused,
    unsupported,
)
from ._torch_ops import OP_HANDLERS, canonical_name, is_metadata, prepare
from ._torch_trace import Program, attribute, call_node, example_input

__all__ = ["Reading", "read_program"]

#: Names listed at most in one refusal.
MAX_NAMED = 6


class _Builder(GraphBuilder):
    """The graph builder naming its nodes as :meth:`Network.from_weights` does (``layer k``),
    so that a chain reads the same whatever the format it came in."""

    def __init__(self, n_inputs: int) -> None:
        super().__init__(n_inputs)
        self.made = 0

    def activation(self, value: Value, activation: str, *, name: str | None = None) -> Value:
        if activation != "linear" and name is None:
            name, self.made = f"layer {self.made}", self.made + 1
        return super().activation(value, activation, name=name)

    def build(self, output: Value, *, name: str = "", peel_sigmoid: bool = True) -> Network:
        return super().build(output, name=name or f"layer {self.made}", peel_sigmoid=peel_sigmoid)


@dataclass
class Reading:
    """What was read: the network, whether its output is a log-probability, each node's value."""

    network: Network
    log_link: bool
    builder: GraphBuilder
    values: dict[Any, Any]


def _kind(program: Program, node: Any) -> str | None:
    module = program.graph_module.get_submodule(str(node.target))
    return module_kind(module)


def _supported(program: Program, node: Any) -> bool:
    if node.op == "call_module":
        kind = _kind(program, node)
        return kind is not None and (
            kind in MODULE_HANDLERS or kind in LAYOUT_MODULES or _is_activation(kind)
        )
    return canonical_name(node.op, node.target) in OP_HANDLERS


def _is_activation(kind: str) -> bool:
    return activation_for("torch", kind) is not None


def _dependent(program: Program) -> set[Any]:
    """The nodes whose values depend on the model's input."""
    dependent = {program.input_node}
    for node in program.nodes:
        if node.op not in {"call_module", "call_function", "call_method"}:
            continue
        inputs = set(node.all_input_nodes)
        if not inputs & dependent:
            continue
        name = canonical_name(node.op, node.target)
        if not is_metadata(name, node.args):
            dependent.add(node)
    return dependent


def _in_place(program: Program, node: Any) -> bool:
    """An in-place operation whose input is read again afterwards (its change is invisible)."""
    name = canonical_name(node.op, node.target) or ""
    in_place = (name.endswith("_") and not name.startswith("_")) or node.kwargs.get("inplace")
    if node.op == "call_module":
        in_place = bool(getattr(program.graph_module.get_submodule(str(node.target)), "inplace", 0))
    if not in_place or not node.all_input_nodes:
        return False
    order = {n: i for i, n in enumerate(program.nodes)}
    source = node.all_input_nodes[0]
    return any(order[user] > order[node] for user in source.users if user is not node)


def softsign_patterns(program: Program) -> tuple[dict[Any, Any], set[Any]]:
    """``x / (abs(x) + 1)`` as ATen graphs write softsign: division node -> x, and the parts."""
    found: dict[Any, Any] = {}
    parts: set[Any] = set()
    for node in program.nodes:
        if canonical_name(node.op, node.target) != "div" or len(node.args) != 2:
            continue
        x, denominator = node.args
        if (
            not hasattr(denominator, "op")
            or canonical_name(denominator.op, denominator.target) != "add"
        ):
            continue
        absolute, one = denominator.args[0], denominator.args[1]
        if (
            isinstance(one, (int, float))
            and one == 1
            and hasattr(absolute, "op")
            and canonical_name(absolute.op, absolute.target) == "abs"
            and absolute.args[0] is x
            and len(denominator.users) == 1
            and len(absolute.users) == 1
        ):
            found[node] = x
            parts.update({denominator, absolute})
    return found, parts


def check_operations(program: Program, dependent: set[Any]) -> None:
    """Refuse, naming them all, the operations on the input's path that nn2poly does not read."""
    blocked: list[str] = []
    softsign, parts = softsign_patterns(program)
    for node in program.nodes:
        if node not in dependent or node is program.input_node or node in parts:
            continue
        if node in softsign:
            continue
        if not _supported(program, node):
            blocked.append(program.describe(node))
        elif _in_place(program, node):
            blocked.append(f"{program.describe(node)} changes in place a value read again later")
    if blocked:
        shown = ", ".join(dict.fromkeys(blocked[:MAX_NAMED]))
        more = f" and {len(blocked) - MAX_NAMED} more" if len(blocked) > MAX_NAMED else ""
        raise unsupported(
            f"the {program.owner} model", f"it uses {shown}{more}, which nn2poly does not read"
        )


def _module_step(program: Program, node: Any, step: Step) -> Any:
    kind = _kind(program, node)
    assert kind is not None  # checked by check_operations
    module = program.graph_module.get_submodule(str(node.target))
    (dep,) = step.deps()
    if kind.startswith("BatchNorm") and program.training.get(str(node.target), False):
        raise refused(
            module,
            step.where,
            f"a {kind} in evaluation mode",
            f"{kind} is in training mode, where it normalises with batch statistics; call "
            "model.eval() before converting.",
        )
    if kind in LAYOUT_MODULES:
        return layout(step)
    handler = MODULE_HANDLERS.get(kind)
    if handler is not None:
        result = handler(step.builder, dep, module, step.where)
        return result if result is not None else _probe_module(step)

    def read(setting: str) -> Any:
        return getattr(module, setting, None)

    found = activation_of(step.builder, dep, kind, read, step.where)
    if found is None:
        raise unsupported(step.where, f"{kind} is not a supported module")
    return found


def _none(setting: str) -> None:
    return None


def _probe_module(step: Step) -> Any:
    return probe(step, step.deps()[0])


def read_program(program: Program, dtype: Any) -> Reading:
    """The network a traced program computes."""
    import torch

    prepare()
    dependent = _dependent(program)
    check_operations(program, dependent)
    softsign, parts = softsign_patterns(program)
    builder = _Builder(math.prod(program.input_shape))
    examples: dict[Any, Any] = {}
    values: dict[Any, Any] = {}
    x = example_input(program, dtype)
    output: Any = None

    def load(arg: Any, table: dict[Any, Any]) -> Any:
        return torch.fx.node.map_aggregate(
            arg, lambda a: table[a] if isinstance(a, torch.fx.Node) else a
        )

    with torch.no_grad():
        for node in program.nodes:
            if node.op == "placeholder":
                constant = program.constants.get(node.name, node.args[0] if node.args else None)
                examples[node] = x if node is program.input_node else constant
                values[node] = (
                    Dep(builder.input, program.input_shape)
                    if node is program.input_node
                    else constant
                )
                continue
            if node.op == "get_attr":
                examples[node] = values[node] = attribute(program.graph_module, str(node.target))
                continue
            if node.op == "output":
                output = load(node.args[0], values)
                break
            args, kwargs = list(load(node.args, examples)), dict(load(node.kwargs, examples))
            try:
                examples[node] = call_node(program, node, args, kwargs)
            except (RuntimeError, TypeError, ValueError, IndexError) as exc:
                reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
                raise ModelMismatchError(
                    f"Could not run the PyTorch model {program.owner!r} on inputs of shape "
                    f"(n_samples, {', '.join(map(str, program.input_shape))}): "
                    f"{program.describe(node)} failed ({type(exc).__name__}: {reason})."
                ) from None
            if node not in dependent or node in parts:
                values[node] = examples[node]
                continue
            if node in softsign:
                softsign_input = values[softsign[node]]
                where = program.describe(node)
                values[node] = activation_of(builder, softsign_input, "Softsign", _none, where)
                continue
            step = Step(
                builder,
                canonical_name(node.op, node.target) or str(node.target),
                program.describe(node),
                list(load(node.args, values)),
                dict(load(node.kwargs, values)),
                examples[node],
                functools.partial(call_node, program, node),
                program.batch,
                isinstance(node.target, torch._ops.OpOverload),
            )
            if step.name == "getitem" and isinstance(step.args[0], (list, tuple)):
                values[node] = step.args[0][step.args[1]]
            elif node.op == "call_module":
                values[node] = _module_step(program, node, step)
            else:
                values[node] = OP_HANDLERS[step.name](step)
    if isinstance(output, (list, tuple)):
        output = output[0] if len(output) == 1 else output
    if not isinstance(output, Dep):
        raise unsupported(
            f"the {program.owner} model",
            "its forward does not return one tensor computed from its input",
        )
    if len(output.shape) > 1:
        output = Dep(output.value, (output.value.width,))
    network = builder.build(output.value)
    return Reading(network, builder.log_link, builder, values)
