"""The polynomials a joint refinement works on: the network composed, and its Jacobian.

:func:`compose_graph` composes the network's nodes with given univariate
polynomials per neuron (the engine's walk on a basis already built, every
array full); :func:`jacobian` differentiates the output polynomial evaluated
on rows of monomials with respect to every neuron's coefficients, carrying
multiplier polynomials backwards over the nodes (see :mod:`nn2poly._refine`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._algebra import compose_affine, compose_general
from ._approximation import LayerPolynomials, LayerWalker, ProductTable
from ._engine import compose_layer
from ._finite import NonFiniteCoefficientsError, check_finite
from ._graph import INPUT, Add, run_polynomial_graph
from ._kernels import horner_step, linear_map
from ._monomials import MonomialBasis
from ._network import Dense, Network

__all__ = ["KeptLayer", "compose_graph", "compose_layers", "fixed_walker", "jacobian"]

FloatArray = NDArray[np.float64]
Fits = list[LayerPolynomials | None]
#: per layer: the basis, the input and the output polynomials
KeptLayer = tuple[MonomialBasis, FloatArray, FloatArray]


def _times(v: FloatArray, a: FloatArray, table: ProductTable) -> FloatArray:
    """``T_Q[v * a]`` column by column, for ``v`` without constant term."""
    indptr, left, right = table
    v, a = np.ascontiguousarray(v), np.ascontiguousarray(a)
    out = np.empty_like(a)
    horner_step(v, a, out, np.zeros(a.shape[1]), indptr, left, right, a.shape[0])
    return out


def _powers(
    basis: MonomialBasis, table: ProductTable, u: FloatArray, degree: int
) -> list[FloatArray]:
    """``T_Q[v^k]`` for ``k = 0..degree``, ``v = u - u(0)``, each (n_terms, n_out)."""
    n_terms, width = u.shape
    p = basis.n_variables
    affine = not np.any(u[p + 1 :])
    powers = [np.zeros((n_terms, width)) for _ in range(degree + 1)]
    powers[0][0] = 1.0
    if degree >= 1:
        powers[1][:] = u
        powers[1][0] = 0.0
    for k in range(2, degree + 1):
        unit = np.zeros((width, degree + 1))
        unit[:, k] = 1.0
        if affine:
            powers[k] = compose_affine(basis, u[1 : p + 1], unit)
        else:
            powers[k] = compose_general(basis, table, u, unit)
    return powers


def compose_graph(
    network: Network, basis: MonomialBasis, table: ProductTable, walker: LayerWalker
) -> tuple[list[KeptLayer], Fits, FloatArray] | None:
    """Each layer's (input, output) polynomials and the network's output polynomials.

    The engine's composition (:func:`nn2poly._engine.convert_network`) with the
    walker's polynomials, on a basis already built, every array full, over the
    network's nodes in order (sums and concatenations of the layers' outputs
    included); None if a coefficient overflows.
    """
    p = basis.n_variables
    start = np.zeros((basis.n_terms, p))
    start[1 : p + 1] = np.eye(p)[: basis.n_terms - 1]
    kept: list[KeptLayer] = []
    used: Fits = []

    def dense(index: int, layer: Dense, value: tuple[FloatArray, bool]) -> tuple[FloatArray, bool]:
        z, affine = value
        with np.errstate(over="ignore", invalid="ignore"):
            u = linear_map(z, layer.weight)
            u[0] += layer.bias
            polynomials = walker(index, layer, u[: p + 1] if affine else u)
        used.append(polynomials)
        check_finite(u, where=f"layer {index}", cause="")
        out = u
        if polynomials is not None:
            out, top = compose_layer(
                basis,
                table,
                u,
                polynomials,
                top_degree=basis.max_degree,
                affine_rows=p + 1 if affine else None,
                where=index,
                cause="",
            )
            affine = affine and top <= 1
        kept.append((basis, u, out))
        return out, affine

    try:
        out = run_polynomial_graph(network.steps, start, dense, basis.n_terms)
    except NonFiniteCoefficientsError:
        return None
    if not np.all(np.isfinite(out)):
        return None
    return kept, used, out


def compose_layers(
    network: Network, basis: MonomialBasis, table: ProductTable, walker: LayerWalker
) -> tuple[list[KeptLayer], Fits] | None:
    """Each layer's (input, output) polynomials on ``basis`` with the walker's polynomials.

    :func:`compose_graph` without the output polynomials; None if a
    coefficient overflows.
    """
    composed = compose_graph(network, basis, table, walker)
    return None if composed is None else composed[:2]


def fixed_walker(fits: Fits) -> LayerWalker:
    """A walker that gives these polynomials, layer by layer."""

    def walk(index: int, layer: Dense, u: FloatArray) -> LayerPolynomials | None:
        return fits[index]

    return walk


def _layer_block(
    a: FloatArray, fit: LayerPolynomials, layer_powers: list[FloatArray], table: ProductTable
) -> tuple[list[FloatArray], FloatArray]:
    """One layer's products ``T_Q[a T_Q[v^k]]`` and the multiplier ``T_Q[a P'(u)]`` of its
    pre-activations, given the multiplier ``a`` of its outputs."""
    d = fit[1]
    degree = d.shape[1] - 1
    products = [a] + [_times(layer_powers[k], a, table) for k in range(1, degree + 1)]
    # multiplier of the layer's inputs: T_Q[a P'(u)], P' = sum_k k d_k v^(k-1)
    q = a * d[:, 1][None, :] if degree >= 1 else np.zeros_like(a)
    for k in range(2, degree + 1):
        q = q + k * d[:, k][None, :] * products[k - 1]
    return products, q


def _pass_on(multipliers: dict[str, FloatArray], name: str, q: FloatArray) -> None:
    """Add ``q`` to the multiplier of value ``name`` (the network's input has none)."""
    if name == INPUT:
        return
    multipliers[name] = multipliers[name] + q if name in multipliers else q


def jacobian(
    network: Network, kept: list[KeptLayer], fits: Fits, M: FloatArray, table: ProductTable
) -> FloatArray:
    """d (outputs on the rows of ``M``) / d (every neuron's coefficients), recentred fits.

    For each output, the multipliers are carried backwards over the nodes in
    reverse order: a dense node passes ``T_Q[a P'(u)] W^T`` to its input, a sum
    passes its multiplier to each of its inputs, a concatenation the slice of
    each input; multipliers reaching a value from several readers add up.
    """
    basis = kept[0][0]
    powers = [
        None if fit is None else _powers(basis, table, u, fit[1].shape[1] - 1)
        for (_, u, _), fit in zip(kept, fits, strict=True)
    ]
    sizes = [0 if fit is None else fit[1].size for fit in fits]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n_outputs = network.n_outputs
    n_rows = M.shape[0]
    J = np.zeros((n_rows * n_outputs, int(offsets[-1])))
    steps = network.steps
    for o in range(n_outputs):
        rows = slice(o * n_rows, (o + 1) * n_rows)
        a = np.zeros((basis.n_terms, n_outputs))
        a[0, o] = 1.0
        multipliers: dict[str, FloatArray] = {steps[-1].node.name: a}

        for step in reversed(steps):
            node = step.node
            a = multipliers.pop(node.name)
            operation = node.operation
            if isinstance(operation, Dense):
                index = step.layer_index
                fit, layer_powers = fits[index], powers[index]
                if fit is None or layer_powers is None:
                    q = a
                else:
                    products, q = _layer_block(a, fit, layer_powers, table)
                    degree = fit[1].shape[1] - 1
                    block = np.empty((n_rows, operation.n_out, degree + 1))
                    for k, product in enumerate(products):
                        block[:, :, k] = M @ product
                    J[rows, offsets[index] : offsets[index + 1]] = block.reshape(n_rows, -1)
                if node.inputs[0] != INPUT:
                    _pass_on(
                        multipliers, node.inputs[0], np.ascontiguousarray(q @ operation.weight.T)
                    )
            elif isinstance(operation, Add):
                for name in node.inputs:
                    _pass_on(multipliers, name, a)
            else:
                start = 0
                for name in node.inputs:
                    width = network.width_of(name)
                    _pass_on(multipliers, name, np.ascontiguousarray(a[:, start : start + width]))
                    start += width
    return J
