"""The network's Taylor polynomials at many points, in one walk over the nodes.

Each point's polynomial is the conversion of the shifted network
``t -> f(x0 + t)`` with every neuron expanded around its own potential at
``t = 0``.  The points share the monomial basis, its product table and every
layer's weights, so they are walked together: the coefficient arrays have one
column per (point, neuron) pair, point-major, and each layer's linear map is
one matrix product over all of them.  The input polynomials start as
``z_i = x0_i + t_i``, so the first layer's constants carry the point.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import NDArray

from ._dense import Dense
from ._engine import compose_layer
from ._finite import check_finite
from ._graph import run_polynomial_graph
from ._kernels import linear_map
from ._memory import (
    MemoryLimitError,
    Plan,
    check_memory,
    format_bytes,
    get_memory_limit,
    plan_conversion,
)
from ._monomials import MonomialBasis, monomial_basis
from ._network import Network
from ._taylor import TaylorLayers
from .activations import get_activation

__all__ = ["CHUNK_BYTES", "local_coefficients", "local_orders"]

FloatArray = NDArray[np.float64]
#: a value of the walk: coefficients (rows, n_points, width), and whether still affine
Value = tuple[FloatArray, bool]

#: Working memory one batch of points may use (the result array aside).
CHUNK_BYTES = 4 * 2**20


def local_orders(network: Network, max_order: int) -> TaylorLayers:
    """Taylor order ``max_order`` on every non-linear layer (exact), 1 on linear ones.

    Orders above ``max_order`` cannot change a polynomial truncated at
    ``max_order``; lower ones would drop exact terms.

    Examples
    --------
    >>> net = Network.from_weights([np.ones((3, 4)), np.ones((5, 1))], ["tanh", "linear"])
    >>> local_orders(net, 3).orders
    (3, 1)
    """
    orders = tuple(
        1 if get_activation(layer.activation).is_linear else max_order for layer in network.layers
    )
    return TaylorLayers(orders, "local")


def _chunk_size(plan: Plan, network: Network, n_points: int, limit: int, max_order: int) -> int:
    """Points per batch, or a MemoryLimitError when even one batch of one does not fit."""
    width = max([network.n_inputs, *network.widths])
    if not network.is_chain:  # values of several nodes may be alive together
        width = max(width, sum(network.width_of(node.name) for node in network.nodes))
    order = max(plan.basis_degree, 1)
    per_point = (4 * plan.n_terms * width + 3 * width * (order + 1)) * 8
    result = n_points * plan.n_terms * network.n_outputs * 8
    needed = result + plan.n_bytes + per_point
    if needed > limit:
        raise MemoryLimitError(
            f"The local polynomials of {n_points:,} points at max_order={max_order} would need "
            f"about {format_bytes(needed)} ({plan.n_terms:,} monomials per point and output), "
            f"over the memory limit of {format_bytes(limit)}. Pass fewer points at a time, "
            "lower max_order, or raise the limit with memory_limit=... (bytes) or "
            "nn2poly.set_memory_limit()."
        )
    budget = min(CHUNK_BYTES, limit - result - plan.n_bytes)
    return int(max(1, min(n_points, budget // per_point)))


def local_coefficients(
    network: Network,
    points: FloatArray,
    max_order: int,
    *,
    memory_limit: int | None = None,
) -> tuple[MonomialBasis, FloatArray]:
    """Coefficients of the network's Taylor polynomial at each point, in ``x - x0``.

    Parameters
    ----------
    network : Network
        Every non-linear activation analytic.
    points : ndarray of shape (n_points, n_features)
    max_order : int
        Largest total degree kept.

    Returns
    -------
    basis : MonomialBasis
        The monomials shared by every point (degree ``max_order`` unless the
        network is of lower degree).
    coef : ndarray of shape (n_points, n_terms, n_outputs)

    Examples
    --------
    >>> net = Network.from_weights([np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])],
    ...                            ["tanh", "linear"])
    >>> basis, coef = local_coefficients(net, np.array([[0.0], [1.0]]), 2)
    >>> coef[:, :, 0].round(4)  # tanh(x0 + t) = tanh x0 + (1 - tanh^2 x0) t - ...
    array([[ 0.    ,  1.    ,  0.    ],
           [ 0.7616,  0.42  , -0.3199]])
    """
    bound = local_orders(network, max_order)
    for index, layer in enumerate(network.layers):
        if not bound.is_identity(index, layer):
            get_activation(layer.activation).require_analytic()
    plan = plan_conversion(network, bound, max_order, False)
    limit = get_memory_limit() if memory_limit is None else memory_limit
    check_memory(plan, network, max_order, limit)
    n_points = points.shape[0]
    chunk = _chunk_size(plan, network, n_points, limit, max_order)
    basis = monomial_basis(network.n_inputs, plan.basis_degree)
    table = basis.product_table() if plan.needs_products else None
    out = np.empty((n_points, basis.n_terms, network.n_outputs), dtype=np.float64)
    for start in range(0, n_points, chunk):
        stop = min(start + chunk, n_points)
        z = _walk(network, bound, basis, table, points[start:stop], plan.basis_degree)
        out[start:stop] = z.reshape(basis.n_terms, stop - start, -1).transpose(1, 0, 2)
    return basis, out


def _walk(
    network: Network,
    bound: TaylorLayers,
    basis: MonomialBasis,
    table: tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]] | None,
    points: FloatArray,
    top_degree: int,
) -> FloatArray:
    """One batch: the output polynomials, shape (n_terms, n_points * n_outputs).

    Values of the walk are ``(rows, n_points, width)`` coefficient arrays with
    a flag telling whether they are still affine; a sum and a concatenation act
    on the last axis, so the graph's nodes combine every point's values at once.
    """
    m, p = points.shape
    n_terms = basis.n_terms
    # z_i = x0_i + t_i for every point; while affine only rows 0..p are stored
    affine_rows = min(p + 1, n_terms)
    start = np.zeros((affine_rows, m, p), dtype=np.float64)
    start[0] = points
    start[1:affine_rows] = np.eye(p)[: affine_rows - 1, None, :]

    def dense(index: int, layer: Dense, value: Value) -> Value:
        z, affine = value
        del value
        rows, width = z.shape[0], layer.n_out
        with np.errstate(over="ignore", invalid="ignore"):
            u = linear_map(np.ascontiguousarray(z).reshape(rows * m, z.shape[2]), layer.weight)
            u = u.reshape(rows, m * width)
            u[0] += np.tile(layer.bias, m)
        del z
        cause = partial(bound.overflow_cause, index, layer)
        check_finite(u, where=f"the input polynomials of layer {index}", cause=cause)
        if bound.is_identity(index, layer):
            return u.reshape(rows, m, width), affine
        out, top = compose_layer(
            basis,
            table,
            u,
            bound.polynomials(index, layer, u[0].copy()),
            top_degree=top_degree,
            affine_rows=affine_rows if affine else None,
            where=index,
            cause=cause,
        )
        return out.reshape(out.shape[0], m, width), affine and top <= 1

    z = run_polynomial_graph(network.steps, start, dense, n_terms)
    return z.reshape(n_terms, -1)
