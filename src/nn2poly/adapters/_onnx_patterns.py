"""Element-wise ONNX nodes, and activations that exporters write as several of them.

Exporters write some activations as small subgraphs of element-wise nodes:
SiLU as ``Mul(x, Sigmoid(x))``, Mish as ``Mul(x, Tanh(Softplus(x)))``,
GELU as ``0.5 * x * (1 + Erf(x / sqrt(2)))`` (or with ``Pow``/``Tanh`` in its
tanh form), Softsign as ``x / (1 + Abs(x))``, Hardswish as
``Mul(x, HardSigmoid(x))``, and ``torch.onnx.export(dynamo=True)`` writes
Softplus as ``Where(Greater(beta x, threshold), x, Softplus(beta x) / beta)``.

The reader keeps element-wise nodes as an :class:`Expr`, a tree over the
tensors they read, and turns it into builder operations only when a
non-element-wise node (or the graph's output) needs it (:func:`realize`):

1. a tree over one tensor ``x`` that reads one of the exporters' activation
   nodes (``Erf``, ``Sigmoid``, ...) is compared, value by value, with each
   registered activation those nodes can write (and with ``softplus(beta)``
   for each constant of the tree): it is that activation when the two agree
   to float32 round-off over a grid of ``x`` from -1e4 to 1e4, so the
   constants are checked, not only the node types;
2. otherwise the tree's last node is read alone: an activation of the
   registry (``Tanh``, ``Clip`` as hardtanh/relu6, ...), a scaling or shift
   by constants, or a sum of two branches (a residual connection), its inputs
   read the same way first.  A product of two values that depend on the
   input, or a comparison, ``Erf``, ``Pow``... outside the forms above, is
   refused naming the node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import erf

from ..activations import activation_for, framework_names, get_activation
from ._onnx_values import Builder, OnnxGraphError, Tensor, attributes, describe
from ._onnx_values import per_sample_constant as _constant

__all__ = ["PATTERN_OPS", "Expr", "clip_bounds", "elementwise", "leaf", "make_expr", "realize"]

FloatArray = NDArray[np.float64]

#: Nodes read only inside an activation written as several nodes.
PATTERN_OPS = frozenset(
    {"Erf", "Pow", "Abs", "Exp", "Log", "Sqrt", "Reciprocal", "Greater", "Less", "Where"}
)
#: Element-wise arithmetic with constants or between branches.
ARITHMETIC = frozenset({"Add", "Sub", "Mul", "Div", "Neg"})


def elementwise(op: str) -> bool:
    """Whether nodes of type ``op`` are element-wise (kept as expressions): arithmetic,
    the nodes of written activations, and every activation registered by an ONNX name
    (a user's included)."""
    return op in PATTERN_OPS | ARITHMETIC | {"Clip"} or op in framework_names("onnx")


#: Registered activations exporters write as several nodes, and a node that marks each.
_COMPOSITES: tuple[tuple[str, frozenset[str]], ...] = (
    ("silu", frozenset({"Sigmoid"})),
    ("gelu", frozenset({"Erf"})),
    ("gelu_tanh", frozenset({"Tanh"})),
    ("mish", frozenset({"Tanh"})),
    ("softsign", frozenset({"Abs"})),
    ("hardswish", frozenset({"HardSigmoid", "Clip", "Relu"})),
    ("hardsigmoid", frozenset({"Clip", "Relu"})),
    ("softplus", frozenset({"Softplus"})),
)
_GRID = np.concatenate(
    [np.linspace(-12.0, 12.0, 961), np.outer([1.0, -1.0], [15, 20, 25, 40, 80, 1e3, 1e4]).ravel()]
)
_MATCH_RTOL = 2e-6


@dataclass(frozen=True, eq=False)
class Expr:
    """An element-wise computation on tensors: ``op`` of ``args`` (expressions or constants).

    ``op == "leaf"`` stands for a tensor already read (``tensor``).
    """

    op: str
    name: str
    shape: tuple[int, ...]
    batch_axis: int
    node: Any = None
    args: tuple[Any, ...] = ()
    tensor: Tensor | None = None
    leaves: frozenset[int] = field(default_factory=frozenset)
    ops: frozenset[str] = field(default_factory=frozenset)


def leaf(name: str, tensor: Tensor) -> Expr:
    """A tensor read already, as the leaf of an expression."""
    return Expr("leaf", name, tensor.shape, tensor.batch_axis, tensor=tensor, leaves=frozenset())


def make_expr(node: Any, args: list[Expr | NDArray[Any] | None]) -> Expr:
    """The expression of one element-wise node on expressions and constants."""
    data = [arg for arg in args if isinstance(arg, Expr)]
    first = data[0]
    for other in data[1:]:
        if (other.shape, other.batch_axis) != (first.shape, first.batch_axis):
            raise OnnxGraphError(
                f"{describe(node)} combines tensors of per-sample shapes {first.shape} and "
                f"{other.shape}; nn2poly reads element-wise operations on tensors of one shape."
            )
    layout = Tensor(None, first.shape, first.batch_axis)
    for arg in args:
        if arg is not None and not isinstance(arg, Expr) and node.op_type != "Where":
            _constant(node, arg, layout)  # refuses constants that mix samples
    leaves: set[int] = set()
    ops = {node.op_type}
    for arg in data:
        leaves |= {id(arg.tensor)} if arg.op == "leaf" else arg.leaves
        ops |= arg.ops
    return Expr(
        node.op_type,
        node.output[0],
        first.shape,
        first.batch_axis,
        node=node,
        args=tuple(args),
        leaves=frozenset(leaves),
        ops=frozenset(ops),
    )


# ---------------------------------------------------------------- evaluation
def clip_bounds(expr: Expr) -> tuple[float | None, float | None]:
    """A ``Clip`` node's bounds (inputs since opset 11, attributes before)."""
    values = attributes(expr.node)
    bounds: list[float | None] = [values.get("min"), values.get("max")]
    for index, arg in enumerate(expr.args[1:3]):
        if arg is not None:
            array = np.asarray(arg, dtype=np.float64)
            if array.size != 1:
                raise OnnxGraphError(
                    f"{describe(expr.node)} clips to bounds of shape {array.shape}; nn2poly reads "
                    "scalar bounds (hardtanh, relu6)."
                )
            bounds[index] = float(array.reshape(-1)[0])
    return (
        None if bounds[0] is None else float(bounds[0]),
        None if bounds[1] is None else float(bounds[1]),
    )


def _unary(expr: Expr, x: FloatArray) -> FloatArray:
    op = expr.op
    simple: dict[str, Callable[[FloatArray], FloatArray]] = {
        "Erf": erf,
        "Abs": np.abs,
        "Exp": np.exp,
        "Log": np.log,
        "Sqrt": np.sqrt,
        "Reciprocal": np.reciprocal,
        "Neg": np.negative,
    }
    if op in simple:
        return np.asarray(simple[op](x), dtype=np.float64)
    if op == "Clip":
        low, high = clip_bounds(expr)
        return np.clip(x, -np.inf if low is None else low, np.inf if high is None else high)
    values = attributes(expr.node)
    activation = activation_for("onnx", op, values.get)
    if activation is None:  # pragma: no cover - elementwise() holds registry names
        raise OnnxGraphError(f"{describe(expr.node)} is not an activation nn2poly knows.")
    return np.asarray(activation(x), dtype=np.float64)


def evaluate(expr: Expr, x: FloatArray) -> FloatArray:
    """The expression's values when its one leaf tensor holds ``x`` (full layout)."""
    if expr.op == "leaf":
        return x
    args = [evaluate(arg, x) if isinstance(arg, Expr) else arg for arg in expr.args]
    binary: dict[str, Callable[[Any, Any], Any]] = {
        "Add": np.add,
        "Sub": np.subtract,
        "Mul": np.multiply,
        "Div": np.divide,
        "Pow": np.power,
        "Greater": np.greater,
        "Less": np.less,
    }
    if expr.op in binary:
        return np.asarray(binary[expr.op](args[0], args[1]))
    if expr.op == "Where":
        return np.asarray(np.where(np.asarray(args[0], dtype=bool), args[1], args[2]))
    return _unary(expr, np.asarray(args[0], dtype=np.float64))


def _constants(expr: Expr) -> set[float]:
    """The scalar constants of an expression (candidate parameters)."""
    found: set[float] = set()
    for arg in expr.args:
        if isinstance(arg, Expr):
            found |= _constants(arg)
        elif arg is not None and np.size(arg) == 1:
            found.add(float(np.asarray(arg, dtype=np.float64).reshape(-1)[0]))
    return found


def _per_feature(expr: Expr) -> bool:
    """Whether a constant of the expression holds several values."""
    return any(
        _per_feature(arg) if isinstance(arg, Expr) else arg is not None and np.size(arg) > 1
        for arg in expr.args
    )


def _candidates(expr: Expr) -> list[str]:
    names = [name for name, marks in _COMPOSITES if marks & expr.ops]
    if "Softplus" in expr.ops:
        for beta in sorted(_constants(expr)):
            if 0.0 < beta != 1.0:
                try:
                    names.append(get_activation("softplus", beta=beta).name)
                except ValueError:
                    continue
    return names


def _composite(expr: Expr) -> str | None:
    """The registered activation the expression computes on its one tensor, if any."""
    if len(expr.leaves) != 1 or expr.op == "leaf":
        return None
    candidates = _candidates(expr)
    if not candidates:
        return None
    shape = [1] * (len(expr.shape) + 1)
    shape[expr.batch_axis] = _GRID.size
    # scalar constants act alike on every feature: one feature is enough
    features = expr.shape if _per_feature(expr) else (1,) * len(expr.shape)
    x = np.broadcast_to(
        _GRID.reshape(shape), Tensor(None, features, expr.batch_axis).full_shape(_GRID.size)
    )
    with np.errstate(all="ignore"):
        try:
            got = np.broadcast_to(evaluate(expr, x), x.shape)
        except (ValueError, TypeError):
            return None
        for name in candidates:
            wanted = np.asarray(get_activation(name)(x), dtype=np.float64)
            if np.allclose(got, wanted, rtol=_MATCH_RTOL, atol=1e-9, equal_nan=True):
                return name
    return None


# ------------------------------------------------------------------ reading
ActivationOf = Callable[[Any, Expr], "str | None"]


def _leaf_tensor(expr: Expr) -> Tensor:
    tensor = expr.tensor
    if tensor is None:  # pragma: no cover - leaves always hold their tensor
        raise OnnxGraphError(f"The tensor {expr.name!r} was not read.")
    return tensor


def _the_tensor(expr: Expr) -> Tensor:
    """The one tensor an expression reads."""
    for arg in expr.args:
        if isinstance(arg, Expr):
            return _leaf_tensor(arg) if arg.op == "leaf" else _the_tensor(arg)
    raise OnnxGraphError(f"{describe(expr.node)} reads no tensor.")  # pragma: no cover


def realize(
    b: Builder, expr: Expr, cache: dict[str, Tensor], activation_of: ActivationOf
) -> Tensor:
    """Builder operations computing an expression (see the module's documentation)."""
    if expr.op == "leaf":
        return _leaf_tensor(expr)
    if expr.name in cache:
        return cache[expr.name]
    name = _composite(expr)
    if name is not None:
        x = _the_tensor(expr)
        value = b.activation(x.value, name, name=expr.node.name or None)
        result = Tensor(value, x.shape, x.batch_axis)
    else:
        result = _last_node(b, expr, cache, activation_of)
    cache[expr.name] = result
    return result


def _last_node(
    b: Builder, expr: Expr, cache: dict[str, Tensor], activation_of: ActivationOf
) -> Tensor:
    """The expression's last node read alone, its inputs read first."""
    node, op = expr.node, expr.op
    inputs = [
        realize(b, arg, cache, activation_of) if isinstance(arg, Expr) else arg for arg in expr.args
    ]
    data = [(index, arg) for index, arg in enumerate(inputs) if isinstance(arg, Tensor)]
    index, x = data[0]
    if op in ARITHMETIC:
        others = [arg for arg in inputs if arg is not None and not isinstance(arg, Tensor)]
        if op == "Neg":
            return Tensor(b.scale_shift(x.value, -1.0), x.shape, x.batch_axis)
        if len(data) == 2:
            if op in ("Add", "Sub"):
                second = data[1][1].value
                second = b.scale_shift(second, -1.0) if op == "Sub" else second
                return Tensor(b.add(x.value, second), x.shape, x.batch_axis)
            raise OnnxGraphError(
                f"{describe(node)} multiplies or divides two values that both depend on the "
                "input; their product is not an affine map nor an activation, so the network "
                "is not one nn2poly reads. Only products by constants are read."
            )
        constant = _constant(node, others[0], x)
        if op == "Add":
            value = b.scale_shift(x.value, 1.0, constant)
        elif op == "Sub":
            sign = 1.0 if index == 0 else -1.0
            value = b.scale_shift(x.value, sign, -sign * constant)
        elif op == "Mul":
            value = b.scale_shift(x.value, constant)
        elif index == 0 and np.all(constant != 0.0):
            value = b.scale_shift(x.value, 1.0 / constant)
        else:
            raise OnnxGraphError(
                f"{describe(node)} divides by a value that depends on the input (or by zero); "
                "nn2poly reads divisions by non-zero constants only."
            )
        return Tensor(value, x.shape, x.batch_axis)
    activation = activation_of(node, expr) if op not in PATTERN_OPS else None
    if op == "Clip" and activation is None:
        raise OnnxGraphError(
            f"{describe(node)} clips to {list(clip_bounds(expr))}; nn2poly reads Clip as relu "
            "(min 0), relu6 (min 0, max 6) or hardtanh (both bounds, min < max)."
        )
    if activation is None or len(data) != 1 or index != 0:
        raise OnnxGraphError(
            f"{describe(node)} is read only as part of an activation that exporters write as "
            "several nodes (SiLU, Mish, GELU, Softsign, Hardswish, Softplus), and these nodes "
            "compute none of them (their constants or their form differ). nn2poly reads "
            "activations, affine maps and sums of branches."
        )
    value = b.activation(x.value, activation, name=node.name or None)
    return Tensor(value, x.shape, x.batch_axis)
