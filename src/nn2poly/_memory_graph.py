"""Peak bytes of the engine's walk over a network graph (see :mod:`nn2poly._memory`).

On a graph several values are alive together: a residual connection keeps the
value it skips across the branch, a concatenation its inputs until it runs.
:func:`graph_walk_bytes` follows the engine's walk
(:func:`nn2poly._engine.convert_network`) node by node, counting the arrays
of every value still to be read and, at each node, the arrays it makes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._graph import INPUT

if TYPE_CHECKING:  # pragma: no cover
    from ._network import Network

__all__ = ["graph_walk_bytes"]


def graph_walk_bytes(
    network: Network, degrees: list[int | None], n_terms: int, keep_layers: bool
) -> int:
    """Peak bytes of the coefficient arrays alive together during a graph's walk.

    ``degrees``: each dense layer's polynomial degree, None for a layer kept
    exact.  A value is held on its constant and linear rows (``p + 1``) while
    it is affine, on every row of the basis otherwise.  A dense node holds, as
    on a chain, its input and its pre-activations during the linear map, then
    the arrays of its composition; a sum or a concatenation holds its inputs,
    their copies padded to every row when affine and non-affine values meet,
    and its result.  With ``keep_layers`` every layer's two arrays are kept.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Add, Dense, Network, Node
    >>> net = Network([Node("f", Dense(np.ones((3, 3)), np.zeros(3), "tanh"), ("input",)),
    ...                Node("y", Add(), ("input", "f"))])
    >>> graph_walk_bytes(net, [3], 10, False)  # input, f (10 x 3), the padded input, the sum
    816
    """
    p = network.n_inputs
    affine_rows = min(p + 1, n_terms)
    # name -> (values held, affine)
    alive: dict[str, tuple[int, bool]] = {INPUT: (affine_rows * p, True)}
    held = affine_rows * p
    peak = held
    kept = 0
    for step in network.steps:
        node = step.node
        inputs = [alive[name] for name in node.inputs]
        freed = sum(alive.pop(name)[0] for name in step.frees)
        base = held - freed  # the values other nodes still read
        if step.layer_index >= 0:
            width = network.width_of(node.name)
            size, affine = inputs[0]
            rows = affine_rows if affine else n_terms
            u = rows * width
            # the linear map: its input (if no other node reads it) and u, checked
            own = size if node.inputs[0] in step.frees else 0
            peak = max(peak, base + own + u + u // 8)
            layer_degree = degrees[step.layer_index]
            if layer_degree is None:
                out = u
            elif layer_degree <= 1:
                out = u
                peak = max(peak, base + 2 * u + u // 8)
            elif affine:
                out = n_terms * width
                peak = max(peak, base + u + out + out // 8)
            else:
                out = u
                buffers = 4 if keep_layers else 3  # kept layers need u intact: v is a copy
                peak = max(peak, base + buffers * u + u // 8)
            affine = affine and (layer_degree is None or layer_degree <= 1)
            if keep_layers:
                kept += 2 * n_terms * width
        elif len(inputs) == 1:
            out, affine = inputs[0]  # the same array under another name
        else:
            affine = all(flag for _, flag in inputs)
            widths = [network.width_of(name) for name in node.inputs]
            padded = (
                0
                if affine
                else sum(n_terms * w for (_, a), w in zip(inputs, widths, strict=True) if a)
            )
            out = (affine_rows if affine else n_terms) * network.width_of(node.name)
            peak = max(peak, held + padded + out)
        held = base + out
        alive[node.name] = (out, affine)
        peak = max(peak, held)
    # the result padded to every row of the basis
    peak = max(peak, held + n_terms * network.n_outputs)
    return 8 * (peak + kept)
