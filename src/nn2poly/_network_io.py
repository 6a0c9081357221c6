"""A network as a JSON-ready dictionary, and back.

Version 2 of the ``nn2poly.network`` format holds graphs: a list of nodes,
each with its ``name``, ``type`` (``"dense"``, ``"add"`` or
``"concatenate"``), the names of its ``inputs`` and, for a dense node, its
``weight``, ``bias`` and ``activation``; and the network's ``n_inputs`` and
``link``.  Files of version 1 (a chain as a list of ``layers``) and the
reference layout (``weights`` and ``activations``) still load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from ._dense import Dense
from ._graph import Add, Concatenate, Node, Operation
from ._validation import invalid_value


class _NetworkLike(Protocol):
    @property
    def n_inputs(self) -> int: ...

    @property
    def link(self) -> str | None: ...

    @property
    def nodes(self) -> tuple[Node, ...]: ...


Built = TypeVar("Built")

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "network_from_dict", "network_to_dict"]

FORMAT_NAME = "nn2poly.network"
FORMAT_VERSION = 2

_CALLER = "Network.from_dict"
_TYPES = {"dense": Dense, "add": Add, "concatenate": Concatenate}


def _node_entry(node: Node) -> dict[str, Any]:
    operation = node.operation
    entry: dict[str, Any] = {"name": node.name, "inputs": list(node.inputs)}
    if isinstance(operation, Dense):
        entry.update(
            type="dense",
            activation=operation.activation,
            weight=operation.weight.tolist(),
            bias=operation.bias.tolist(),
        )
    else:
        entry["type"] = "add" if isinstance(operation, Add) else "concatenate"
    return entry


def network_to_dict(network: _NetworkLike) -> dict[str, Any]:
    """The version-2 dictionary of ``network`` (floats kept exactly).

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Network
    >>> data = network_to_dict(Network.from_weights([np.ones((2, 1))], "tanh"))
    >>> data["version"], data["nodes"][0]["type"], data["nodes"][0]["inputs"]
    (2, 'dense', ['input'])
    """
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "n_inputs": network.n_inputs,
        "link": network.link,
        "nodes": [_node_entry(node) for node in network.nodes],
    }


def _dense(entry: Any, label: str) -> Dense:
    if not isinstance(entry, Mapping) or not {"weight", "bias"} <= set(entry):
        raise invalid_value(
            label,
            entry,
            "a mapping with 'weight', 'bias' and 'activation'",
            caller=_CALLER,
            fix="Each dense layer needs its weight matrix and bias vector.",
        )
    return Dense(entry["weight"], entry["bias"], entry.get("activation", "linear"), _name=label)


def _entries(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    entries = data[key]
    if not isinstance(entries, Sequence) or isinstance(entries, (str, bytes)):
        raise invalid_value(
            key,
            entries,
            f"a list of {key[:-1]} dictionaries",
            caller=_CALLER,
            fix="Give one dictionary per entry, as Network.to_dict writes.",
        )
    return entries


def _operation(entry: Mapping[str, Any], label: str) -> Operation:
    kind = entry.get("type")
    if kind not in _TYPES:
        raise invalid_value(
            f"{label} type",
            kind,
            f"one of {sorted(_TYPES)}",
            caller=_CALLER,
            fix="Each node's 'type' says what it computes.",
        )
    if kind == "dense":
        return _dense(entry, label)
    return Add() if kind == "add" else Concatenate()


def _nodes(entries: Sequence[Any]) -> list[Node]:
    nodes = []
    for index, entry in enumerate(entries):
        label = f"node {index}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise invalid_value(
                label,
                entry,
                "a mapping with 'name', 'type' and 'inputs'",
                caller=_CALLER,
                fix="Give each node a name, a type and the names of its inputs.",
            )
        inputs = entry.get("inputs")
        if (
            not isinstance(inputs, Sequence)
            or isinstance(inputs, (str, bytes))
            or not all(isinstance(name, str) for name in inputs)
        ):
            raise invalid_value(
                f"{label} inputs",
                inputs,
                "a list of node names",
                caller=_CALLER,
                fix="List the names of the nodes it reads ('input' for the network's input).",
            )
        nodes.append(Node(entry["name"], _operation(entry, label), tuple(inputs)))
    return nodes


def network_from_dict(
    data: Mapping[str, Any],
    build: Callable[..., Built],
    from_weights: Callable[[Any, Any], Built],
) -> Built:
    """The network of a dictionary of either format version, or of the reference layout.

    ``build(layers_or_nodes, link=..., n_inputs=...)`` makes the network;
    ``from_weights(weights, activations)`` reads the reference layout.

    Examples
    --------
    >>> from nn2poly import Network
    >>> data = {"weights": [[[0.0], [0.5]]], "activations": ["tanh"]}
    >>> network_from_dict(data, Network, Network.from_weights)
    Network(1 -> 1[tanh])
    """
    expected = (
        "a mapping with the keys 'nodes' or 'layers' (nn2poly format) or 'weights' and "
        "'activations' (weight-list layout)"
    )
    if not isinstance(data, Mapping):
        fix = f"It is a {type(data).__name__}; give a dictionary as Network.to_dict writes."
        raise invalid_value("data", data, expected, caller=_CALLER, fix=fix, type_error=True)
    version = data.get("version", 1)
    if "format" in data and (not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION):
        raise invalid_value(
            "version",
            version,
            f"a format version from 1 to {FORMAT_VERSION}",
            caller=_CALLER,
            fix="The file was written by a newer nn2poly; upgrade nn2poly to read it.",
        )
    link = data.get("link")
    n_inputs = data.get("n_inputs")
    if "nodes" in data:
        return build(_nodes(_entries(data, "nodes")), link=link, n_inputs=n_inputs)
    if "layers" in data:
        layers = [
            _dense(entry, f"layer {index}") for index, entry in enumerate(_entries(data, "layers"))
        ]
        return build(tuple(layers), link=link)
    source = data.get("input", data)
    if isinstance(source, Mapping) and "weights" in source and "activations" in source:
        return from_weights(source["weights"], source["activations"])
    fix = f"Unrecognised network dictionary: its keys are {sorted(map(str, data))!r}."
    raise invalid_value("data", data, expected, caller=_CALLER, fix=fix)
