"""The conversion engine: one walk over a validated network's layers.

:func:`convert_network` plans the memory, builds the monomial basis and its
product table, then walks the layers: the approximation gives each layer's
univariate polynomials and the engine composes them, truncating at the
planned degree and checking that every coefficient stays finite.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import NDArray

from ._algebra import compose_affine, compose_general, taylor_shift
from ._approximation import LayerApproximation, ProductTable
from ._dense import Dense
from ._finite import Cause, NonFiniteCoefficientsError, check_finite
from ._graph import pad_rows, run_polynomial_graph
from ._kernels import linear_map
from ._local_shift import ShiftedNetwork
from ._memory import check_memory, get_memory_limit, plan_conversion
from ._monomials import MonomialBasis, monomial_basis
from ._network import Network
from ._taylor import TaylorLayers
from ._top_slice import contracted_walk

__all__ = ["KeptLayer", "UsedPolynomials", "compose_layer", "convert_network"]

FloatArray = NDArray[np.float64]
#: per layer: the basis, the input and the output coefficient arrays
KeptLayer = tuple[MonomialBasis, FloatArray, FloatArray]
#: per layer: the univariate polynomials used, or None for a layer kept exact
UsedPolynomials = list[tuple[FloatArray, FloatArray] | None]
#: a value of the walk: coefficient rows, and whether they are still affine
Value = tuple[FloatArray, bool]


def compose_layer(
    basis: MonomialBasis,
    table: ProductTable | None,
    u: FloatArray,
    polynomials: tuple[FloatArray, FloatArray],
    *,
    top_degree: int,
    affine_rows: int | None,
    where: int,
    cause: Cause,
    overwrite: bool = False,
) -> tuple[FloatArray, int]:
    """One layer's activations composed with its input polynomials ``u``.

    ``polynomials`` is ``(centers, coefficients)``: neuron ``j``'s polynomial is
    ``sum_n coefficients[j, n] (t - centers[j])^n``. It is re-expanded around
    ``u_j(0)`` (degree at most ``top_degree``) and composed with ``u``, which is
    affine (only its first ``affine_rows`` rows non-zero) unless ``affine_rows``
    is None. Returns the output polynomials and the degree used; both arrays
    are checked to be finite, naming layer ``where``.

    Examples
    --------
    >>> basis = monomial_basis(1, 3)
    >>> u = np.array([[0.5], [1.0]])  # u(x) = 0.5 + x
    >>> square = (np.zeros(1), np.array([[0.0, 0.0, 1.0]]))
    >>> z, top = compose_layer(basis, None, u, square, top_degree=3, affine_rows=2,
    ...                        where=0, cause="")
    >>> z[:, 0].tolist(), top  # (0.5 + x)^2
    ([0.25, 1.0, 1.0, 0.0], 2)
    """
    centers, coefficients = polynomials
    top = min(coefficients.shape[1] - 1, top_degree)
    with np.errstate(over="ignore", invalid="ignore"):
        d = taylor_shift(coefficients, u[0] - centers, top)
    check_finite(d, where=f"the activation polynomials of layer {where}", cause=cause)
    with np.errstate(over="ignore", invalid="ignore"):
        if top <= 1:
            # degree <= 1 in v = u - u(0): an affine map of u
            z = u * (d[:, 1][None, :] if top == 1 else 0.0)
            z[0] = d[:, 0]
        elif affine_rows is not None:
            z = compose_affine(basis, u[1:affine_rows], d)
        else:
            if table is None:  # pragma: no cover - the plan guarantees a table here
                raise RuntimeError("internal error: a product table was not planned")
            z = compose_general(basis, table, u, d, overwrite=overwrite)
    check_finite(z, where=f"the output polynomials of layer {where}", cause=cause)
    return z, top


def convert_network(
    network: Network,
    max_order: int,
    approximation: LayerApproximation,
    *,
    keep_layers: bool = False,
    memory_limit: int | None = None,
    max_interaction: int | None = None,
) -> tuple[MonomialBasis, FloatArray, list[KeptLayer], UsedPolynomials]:
    """Core conversion on a validated network, in one walk over its layers.

    Returns the basis, the output coefficients ``(n_terms, n_outputs)``,
    with ``keep_layers`` each layer's (basis, input, output) coefficient
    arrays, and each layer's univariate polynomials as the approximation gave
    them.  With ``max_interaction=k`` the basis holds only the monomials with
    at most ``k`` distinct variables; what it drops is an ideal, so the result
    is the full one restricted to those monomials.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Network
    >>> from nn2poly._taylor import TaylorApproximation
    >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.array([[0.0], [1.0]])],
    ...                            ["tanh", "linear"])
    >>> basis, coef, _, _ = convert_network(net, 3, TaylorApproximation().bind(net, 3))
    >>> coef[:, 0].round(4).tolist()
    [0.0, 0.5, 0.0, -0.0417]
    """
    # The Taylor expansion reads only each layer's constant: the top-degree slice
    # can be contracted with the outputs instead of being held at full width.
    contract = not keep_layers and network.is_chain and isinstance(approximation, TaylorLayers)
    # a graph moved to a point (a local expansion) starts from x0 + t
    origin = network.origin if isinstance(network, ShiftedNetwork) else None
    contract = contract and origin is None
    plan = plan_conversion(
        network,
        approximation,
        max_order,
        keep_layers,
        max_interaction=max_interaction,
        contract_top=contract,
    )
    limit = get_memory_limit() if memory_limit is None else memory_limit
    check_memory(plan, network, max_order, limit)
    p = network.n_inputs
    basis = monomial_basis(p, plan.basis_degree, max_interaction)
    table = None
    if plan.needs_products:
        # The contracted walk over a full basis multiplies rows of degree < Q only
        # (its top-degree products are matrix products): their table is a prefix.
        low = plan.contracted and not basis.limited
        table = (monomial_basis(p, plan.basis_degree - 1) if low else basis).product_table()
    walker = approximation.start(basis, table)
    if plan.contracted:
        used: UsedPolynomials = []
        try:
            coef = contracted_walk(
                network, basis, table, walker, approximation.overflow_cause, used
            )
            return basis, coef, [], used
        except NonFiniteCoefficientsError:
            # Name the layer where the full walk overflows, when it fits in the limit.
            plan = plan_conversion(
                network, approximation, max_order, False, max_interaction=max_interaction
            )
            if plan.n_bytes > limit:
                raise
            table = basis.product_table() if plan.needs_products else None
    n_terms = basis.n_terms

    # Identity polynomials of the inputs: z_i = x_i.  While a value is affine
    # only its rows 0..p can be non-zero, so only those rows are stored; the
    # full (n_terms, width) arrays appear at the first non-linear composition.
    # Values of the walk are (coefficients, affine) pairs.
    affine_rows = min(p + 1, n_terms)
    start = np.zeros((affine_rows, p), dtype=np.float64)
    start[1:affine_rows] = np.eye(p)[: affine_rows - 1]
    if origin is not None:
        start[0] = origin
    kept: list[tuple[FloatArray, FloatArray]] = []
    used = []

    def full(rows: FloatArray) -> FloatArray:
        return pad_rows(rows, n_terms)

    def dense(index: int, layer: Dense, value: Value) -> Value:
        z, affine = value
        del value
        with np.errstate(over="ignore", invalid="ignore"):
            u = linear_map(z, layer.weight)
            u[0] += layer.bias
        del z  # no later node reads it (or another reference keeps it)
        cause = partial(approximation.overflow_cause, index, layer)
        check_finite(u, where=f"the input polynomials of layer {index}", cause=cause)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked below
            polynomials = walker(index, layer, u)
        used.append(polynomials)
        kept_u = None
        if keep_layers:
            kept_u = full(u)
            kept_u = kept_u.copy() if kept_u is u else kept_u
        if polynomials is None:
            out, out_affine = u, affine
        else:
            # u is not needed after this: its rows may become v = u - u(0) in place
            out, top = compose_layer(
                basis,
                table,
                u,
                polynomials,
                top_degree=plan.basis_degree,
                affine_rows=affine_rows if affine else None,
                where=index,
                cause=cause,
                overwrite=True,
            )
            del u
            out_affine = affine and top <= 1
        if kept_u is not None:
            kept.append((kept_u, full(out)))
        return out, out_affine

    z = run_polynomial_graph(network.steps, start, dense, n_terms)
    kept_basis = basis
    if plan.degree < plan.basis_degree:
        # a later layer of order 0 made the result constant: drop the zero rows
        basis = monomial_basis(network.n_inputs, plan.degree, max_interaction)
        z = z[: basis.n_terms].copy()
    layers = [(kept_basis, u, out) for u, out in kept] if keep_layers else []
    return basis, z, layers, used
