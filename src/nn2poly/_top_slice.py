"""The conversion walk with the top-degree slice contracted with the outputs.

With ``Q`` the basis degree, the monomials of degree ``Q`` are most of a wide
basis, and each layer's top slice reaches the outputs only linearly: in
``P(c + v) = d_0 + v h_1`` (Horner), the top rows of ``v h_1`` are the
products of rows of degree < Q of both factors, plus ``d_1 v_top``.  So the
forward walk computes every layer on the rows of degree < Q only, keeping
for each non-linear layer its ``v`` and ``h_1`` there; a backward pass then
carries ``g``, the linear map from a layer's outputs to the network's outputs
along the top slice (``g = W (d_1 g')`` through each layer), and adds each
layer's products, weighted by ``g``, into the outputs' top rows.  Nothing of
width ``n_terms x neurons`` is stored, and the largest linear maps become
matrix-vector products.

It applies where the approximation reads only the constant row of each
layer's input polynomials (the Taylor expansion) and no layer is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from numpy.typing import NDArray

from ._algebra import taylor_shift
from ._approximation import LayerWalker
from ._dense import Dense
from ._finite import check_finite
from ._kernels import affine_power_terms, horner_step, linear_map
from ._kernels_gram import gram_top
from ._kernels_top import affine_top, product_top
from ._monomials import MonomialBasis
from ._network import Network

__all__ = ["contracted_walk"]

FloatArray = NDArray[np.float64]
ProductTable = tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]


def _horner_low(
    table: ProductTable, offsets: NDArray[np.int64], q: int, v: FloatArray, dk: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``h_0`` and ``h_1`` of ``sum_k dk[k] v^k`` on the rows of degree < Q (K >= 2)."""
    indptr, left, right = table
    low, width = v.shape
    K = dk.shape[0] - 1
    current = np.empty((low, width), dtype=np.float64)
    rows = min(int(offsets[q - K + 2]), low)
    np.multiply(v[:rows], dk[K][None, :], out=current[:rows])
    current[0] = dk[K - 1]
    spare = np.empty_like(current)
    for k in range(K - 2, 0, -1):
        rows = min(int(offsets[q - k + 1]), low)
        horner_step(v, current, spare, dk[k], indptr, left, right, rows)
        current, spare = spare, current
    del spare  # the last step writes a new array: h_1 is kept
    h0 = np.empty_like(current)
    horner_step(v, current, h0, dk[0], indptr, left, right, low)
    return h0, current


def contracted_walk(
    network: Network,
    basis: MonomialBasis,
    table: ProductTable | None,
    walker: LayerWalker,
    overflow_cause: Callable[[int, Dense], str],
    used: list[tuple[FloatArray, FloatArray] | None],
) -> FloatArray:
    """The output coefficients ``(n_terms, n_outputs)``; ``used`` gets each layer's polynomials.

    ``overflow_cause``: the approximation's ``overflow_cause(index, layer)``.
    """
    q = basis.max_degree
    offsets = basis.degree_offsets
    low = int(offsets[q])
    p = network.n_inputs
    affine_rows = min(p + 1, low)
    z = np.zeros((affine_rows, p), dtype=np.float64)
    z[1:affine_rows] = np.eye(p)[: affine_rows - 1]
    affine = True
    # per layer, for the backward pass: ("scale", weight, s) for z_top = s * u_top,
    # ("affine", weight, linear part, d_Q) or ("product", weight, v, h_1, d_1)
    records: list[tuple[str, list[FloatArray]]] = []
    for index, layer in enumerate(network.layers):
        with np.errstate(over="ignore", invalid="ignore"):
            u = linear_map(z, layer.weight)
            u[0] += layer.bias
        del z
        cause = partial(overflow_cause, index, layer)  # worded only on an overflow
        check_finite(u, where=f"the input polynomials of layer {index}", cause=cause)
        with np.errstate(over="ignore", invalid="ignore"):
            polynomials = walker(index, layer, u)
        used.append(polynomials)
        width = layer.n_out
        if polynomials is None:
            records.append(("scale", [layer.weight, np.ones(width)]))
            z = u
            continue
        centers, coefficients = polynomials
        top = min(coefficients.shape[1] - 1, q)
        with np.errstate(over="ignore", invalid="ignore"):
            d = taylor_shift(coefficients, u[0] - centers, top)
        check_finite(d, where=f"the activation polynomials of layer {index}", cause=cause)
        with np.errstate(over="ignore", invalid="ignore"):
            if top <= 1:
                scale = d[:, 1].copy() if top == 1 else np.zeros(width)
                records.append(("scale", [layer.weight, scale]))
                z = u * scale[None, :]
                z[0] = d[:, 0]
            elif affine:
                linear = np.ascontiguousarray(u[1:affine_rows])
                parent, last = basis.parents
                z = np.zeros((low, width), dtype=np.float64)
                affine_power_terms(
                    parent,
                    last,
                    basis.multinomials,
                    offsets,
                    linear,
                    np.ascontiguousarray(d.T),
                    z,
                    min(top, q - 1),
                )
                z[0] = d[:, 0]
                d_top = d[:, q] if top == q else np.zeros(width)
                records.append(("affine", [layer.weight, linear, d_top]))
            else:
                if table is None:  # pragma: no cover - the plan guarantees a table here
                    raise RuntimeError("internal error: a product table was not planned")
                u[0] = 0.0  # v = u - u(0)
                z, h1 = _horner_low(table, offsets, q, u, np.ascontiguousarray(d.T))
                records.append(("product", [layer.weight, u, h1, d[:, 1].copy()]))
            del u
        check_finite(z, where=f"the output polynomials of layer {index}", cause=cause)
        affine = affine and top <= 1
    out = np.zeros((basis.n_terms, z.shape[1]), dtype=np.float64)
    out[: z.shape[0]] = z
    del z
    top_rows = out[low:]
    g = np.eye(out.shape[1])  # the outputs' top rows in terms of the last layer's
    with np.errstate(over="ignore", invalid="ignore"):
        for kind, arrays in reversed(records):
            weight = arrays[0]
            if kind == "scale":
                g = weight @ (arrays[1][:, None] * g)
            elif kind == "product":
                v, h1, d1 = arrays[1:]
                if basis.limited:
                    product_top(table, low, v, h1, g, top_rows)  # type: ignore[arg-type]
                else:  # every pair of degrees (i, Q - i) is one: matrix products
                    multichoose = basis._multichoose
                    gram_top(basis.variables, offsets, multichoose, v, h1, g, top_rows)
                g = weight @ (d1[:, None] * g)
            else:  # the first non-linear layer: nothing of degree Q before it
                linear, d_top = arrays[1:]
                parent, last = basis.parents
                raw = np.zeros((low, g.shape[0]), dtype=np.float64)
                ones = np.ones((q, g.shape[0]), dtype=np.float64)
                affine_power_terms(parent, last, np.ones(low), offsets, linear, ones, raw, q - 1)
                gd = np.ascontiguousarray((d_top[:, None] * g).T)
                affine_top(parent, last, basis.multinomials, low, raw, linear, gd, top_rows)
                break
    last_index = len(network.layers) - 1
    cause = partial(overflow_cause, last_index, network.layers[last_index])
    check_finite(out, where=f"the output polynomials of layer {last_index}", cause=cause)
    return out
