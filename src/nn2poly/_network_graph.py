"""The checks that make a list of nodes a network graph.

:func:`check_graph` verifies that every node reads only earlier nodes (or the
input), that the widths fit together, and that every node but the last is
read by a later one; it returns the network's input width and each node's
output width.  :func:`chain_nodes` names the layers of a plain chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from ._dense import Dense
from ._graph import INPUT, Add, Concatenate, Node
from ._validation import InstanceOf, Options, check_param, invalid_value

__all__ = ["LINKS", "LINK_CONSTRAINTS", "chain_nodes", "check_chain", "check_graph", "is_chain"]

#: The output links a network (and its polynomial) can declare.
LINKS = (None, "sigmoid", "softmax")
#: The constraints of a ``link`` argument, for :func:`nn2poly._validation.check_param`.
LINK_CONSTRAINTS: list[Any] = [Options(frozenset(LINKS[1:])), None]

_CALLER = "Network"


def check_chain(items: tuple[Any, ...]) -> tuple[Dense, ...]:
    """``items`` as a chain of dense layers whose shapes fit, or an error naming the layer.

    Examples
    --------
    >>> import numpy as np
    >>> len(check_chain((Dense(np.ones((1, 2)), np.zeros(2)), Dense(np.ones((2, 1)), [0.0]))))
    2
    """
    for index, layer in enumerate(items):
        check_param(
            f"layers[{index}]",
            layer,
            [InstanceOf((Dense,), "an nn2poly.Dense")],
            caller="Network",
            fix="Every layer must be a nn2poly.Dense (or every entry an nn2poly.Node).",
        )
    layers = cast(tuple[Dense, ...], items)
    for index in range(1, len(layers)):
        previous, current = layers[index - 1], layers[index]
        if current.n_in != previous.n_out:
            raise invalid_value(
                f"layers[{index}]",
                current.weight,
                f"a layer with {previous.n_out} inputs",
                caller="Network",
                fix=f"layer {index} expects {current.n_in} inputs (weight shape "
                f"{current.weight.shape}) but layer {index - 1} has {previous.n_out} outputs "
                f"(weight shape {previous.weight.shape}); the shapes must chain.",
            )
    return layers


def chain_nodes(layers: Sequence[Dense]) -> tuple[Node, ...]:
    """Nodes ``layer 0``, ``layer 1``, ... each reading the previous one.

    Examples
    --------
    >>> import numpy as np
    >>> nodes = chain_nodes([Dense(np.ones((1, 2)), np.zeros(2)), Dense(np.ones((2, 1)), [0.0])])
    >>> [(node.name, node.inputs) for node in nodes]
    [('layer 0', ('input',)), ('layer 1', ('layer 0',))]
    """
    nodes = []
    previous = INPUT
    for index, layer in enumerate(layers):
        name = f"layer {index}"
        nodes.append(Node(name, layer, (previous,)))
        previous = name
    return tuple(nodes)


def is_chain(nodes: Sequence[Node]) -> bool:
    """True when every node is a dense layer reading the node before it (or the input).

    Examples
    --------
    >>> import numpy as np
    >>> is_chain(chain_nodes([Dense(np.ones((1, 2)), np.zeros(2))]))
    True
    """
    previous = INPUT
    for node in nodes:
        if not isinstance(node.operation, Dense) or node.inputs != (previous,):
            return False
        previous = node.name
    return True


def _first_input_width(nodes: Sequence[Node]) -> int | None:
    for node in nodes:
        if isinstance(node.operation, Dense) and node.inputs == (INPUT,):
            return node.operation.n_in
    return None


def _check_names(nodes: Sequence[Node]) -> None:
    seen: set[str] = set()
    for index, node in enumerate(nodes):
        check_param(
            f"nodes[{index}]",
            node,
            [InstanceOf((Node,), "an nn2poly.Node")],
            caller=_CALLER,
            fix="Build each node as nn2poly.Node(name, operation, inputs).",
        )
        if not isinstance(node.name, str) or not node.name or node.name == INPUT:
            raise invalid_value(
                f"nodes[{index}].name",
                node.name,
                "a non-empty str other than 'input'",
                caller=_CALLER,
                fix="'input' names the network's input; give the node its own name.",
            )
        if node.name in seen:
            raise invalid_value(
                f"nodes[{index}].name",
                node.name,
                "a name no other node has",
                caller=_CALLER,
                fix="Node names must be unique; rename one of the two.",
            )
        check_param(
            f"nodes[{index}].operation",
            node.operation,
            [InstanceOf((Dense, Add, Concatenate), "a Dense, Add or Concatenate")],
            caller=_CALLER,
        )
        for name in node.inputs:
            if name != INPUT and name not in seen:
                raise invalid_value(
                    f"nodes[{index}].inputs",
                    node.inputs,
                    "names of earlier nodes or 'input'",
                    caller=_CALLER,
                    fix=f"Node {node.name!r} reads {name!r}, which is not an earlier node; "
                    "list the nodes so that each comes after the nodes it reads.",
                )
        expected = 1 if isinstance(node.operation, Dense) else None
        if (expected is not None and len(node.inputs) != expected) or not node.inputs:
            wanted = "exactly one input" if expected else "at least one input"
            raise invalid_value(
                f"nodes[{index}].inputs",
                node.inputs,
                wanted,
                caller=_CALLER,
                fix=f"Node {node.name!r} is a {type(node.operation).__name__}; a Dense reads "
                "one value (put an Add or a Concatenate before it to combine several).",
            )
        seen.add(node.name)


def check_graph(nodes: Sequence[Node], n_inputs: int | None) -> tuple[int, dict[str, int]]:
    """The input width and each node's output width, or an error naming the faulty node.

    Examples
    --------
    >>> import numpy as np
    >>> a = Node("a", Dense(np.ones((3, 2)), np.zeros(2), "tanh"), ("input",))
    >>> check_graph([a, Node("cat", Concatenate(), ("a", "input"))], None)
    (3, {'input': 3, 'a': 2, 'cat': 5})
    """
    if not nodes:
        raise invalid_value("layers", nodes, "at least one layer or node", caller=_CALLER, fix="")
    _check_names(nodes)
    found = _first_input_width(nodes)
    if n_inputs is None:
        if found is None:
            raise invalid_value(
                "n_inputs",
                n_inputs,
                "the number of input features",
                caller=_CALLER,
                fix="No dense layer reads the input directly, so its width is unknown; pass "
                "n_inputs.",
            )
        n_inputs = found
    widths: dict[str, int] = {INPUT: int(n_inputs)}
    for index, node in enumerate(nodes):
        operation = node.operation
        sizes = [widths[name] for name in node.inputs]
        if isinstance(operation, Dense):
            if operation.n_in != sizes[0]:
                raise invalid_value(
                    f"nodes[{index}]",
                    operation.weight,
                    f"a layer with {sizes[0]} inputs",
                    caller=_CALLER,
                    fix=f"Node {node.name!r} expects {operation.n_in} inputs (weight shape "
                    f"{operation.weight.shape}) but {node.inputs[0]!r} has {sizes[0]} "
                    "outputs; the shapes must chain.",
                )
            widths[node.name] = operation.n_out
        elif isinstance(operation, Add):
            if len(set(sizes)) > 1:
                raise invalid_value(
                    f"nodes[{index}]",
                    dict(zip(node.inputs, sizes, strict=True)),
                    "inputs of one width",
                    caller=_CALLER,
                    fix=f"Node {node.name!r} adds values of widths {sizes}; an Add sums "
                    "values feature by feature.",
                )
            widths[node.name] = sizes[0]
        else:
            widths[node.name] = sum(sizes)
    read = {name for node in nodes for name in node.inputs}
    for node in nodes[:-1]:
        if node.name not in read:
            raise invalid_value(
                "nodes",
                node.name,
                "a graph whose nodes all lead to the output (the last node)",
                caller=_CALLER,
                fix=f"No later node reads node {node.name!r}; remove it, or make the last "
                "node the network's output.",
            )
    return int(n_inputs), widths
