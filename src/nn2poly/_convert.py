"""Network -> Polynomial: the NN2Poly conversion.  Nothing framework-specific."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._algebra import compose_affine, compose_general, taylor_shift
from ._kernels import linear_map
from ._approximation import LayerApproximation, TaylorApproximation, resolve_taylor_orders
from ._memory import MemoryLimitError, format_bytes, get_memory_limit
from ._monomials import MonomialBasis, monomial_basis, n_monomials, n_product_pairs
from ._network import Network
from ._polynomial import LayerPolynomials, Polynomial
from ._norms import L1_TOLERANCE, TaylorAccuracyWarning, largest_expanded_l1_norm
from .activations import get_activation
from .adapters import AdaptedModel, adapt

__all__ = ["convert_network", "to_polynomial"]

FloatArray = NDArray[np.float64]


def _check_max_order(max_order: object) -> int:
    if isinstance(max_order, bool) or not isinstance(max_order, (int, np.integer)):
        raise TypeError(
            f"max_order must be an int >= 1 (the largest total degree kept); got "
            f"{max_order!r} of type {type(max_order).__name__}."
        )
    if max_order < 1:
        raise ValueError(
            f"max_order must be an int >= 1 (the largest total degree kept); got {max_order!r}."
        )
    return int(max_order)


def _check_center(taylor_center: object) -> float | str:
    if isinstance(taylor_center, str):
        if taylor_center != "local":
            raise ValueError(
                f"taylor_center must be a finite float or 'local'; got {taylor_center!r}."
            )
        return taylor_center
    if isinstance(taylor_center, bool) or not isinstance(
        taylor_center, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"taylor_center must be a finite float or 'local'; got {type(taylor_center).__name__}."
        )
    if not np.isfinite(taylor_center):
        raise ValueError(f"taylor_center must be finite; got {taylor_center!r}.")
    return float(taylor_center)


@dataclass(frozen=True)
class _Plan:
    degree: int  # degree of the result
    basis_degree: int  # degree of the basis the layers are computed on
    n_terms: int
    needs_products: bool
    n_bytes: int


#: Monomial indices are stored as int32.
_MAX_TERMS = 2**31 - 1


def _plan(
    network: Network,
    approximation: LayerApproximation,
    max_order: int,
    keep_layers: bool,
) -> _Plan:
    """Result degree, basis size, and bytes needed, before anything is allocated."""
    degree = 1
    highest = 1  # the first pre-activations have degree 1
    affine = True
    needs_products = False
    series_bytes = 0
    for index, layer in enumerate(network.layers):
        if approximation.is_identity(index, layer):
            continue
        layer_degree = approximation.degree(index, layer)
        # the activation's coefficients, a working copy and the shifted ones
        series_bytes = max(series_bytes, 3 * layer.n_out * (layer_degree + 1) * 8)
        if not affine and layer_degree >= 2:
            needs_products = True
        degree = min(max_order, degree * layer_degree)
        highest = max(highest, degree)
        affine = affine and layer_degree <= 1
    # With keep_layers every layer's own polynomials are kept, so the basis must
    # reach the highest degree of any layer (a later order-0 layer can lower
    # the result's degree below it).
    basis_degree = highest if keep_layers else degree
    p = network.n_inputs
    n_terms = n_monomials(p, basis_degree)
    width = max([p, *network.widths])
    n_bytes = series_bytes + n_terms * (4 * max(basis_degree, 1) + 40)  # basis tables
    # input, pre-activation and two Horner buffers; without products, the
    # composed layer and the next pre-activation
    n_bytes += (4 if needs_products else 2) * n_terms * width * 8
    if needs_products:
        n_bytes += n_product_pairs(p, basis_degree) * 8 + (n_terms + 1) * 8
    if keep_layers:
        n_bytes += 2 * n_terms * sum(network.widths) * 8
    return _Plan(degree, basis_degree, n_terms, needs_products, n_bytes)


def _check_memory(plan: _Plan, network: Network, max_order: int, limit: int) -> None:
    if plan.n_terms > _MAX_TERMS:
        raise MemoryLimitError(
            f"Converting this network at max_order={max_order} needs {plan.n_terms:,} monomials "
            f"in {network.n_inputs} inputs (layer widths {list(network.widths)}), more than the "
            f"{_MAX_TERMS:,} a polynomial can index. Lower max_order or use fewer inputs."
        )
    if plan.n_bytes <= limit:
        return
    raise MemoryLimitError(
        f"Converting this network at max_order={max_order} would need about "
        f"{format_bytes(plan.n_bytes)} ({plan.n_terms:,} monomials in {network.n_inputs} "
        f"inputs, layer widths {list(network.widths)}), over the memory limit of "
        f"{format_bytes(limit)}. Lower max_order or the Taylor orders, use fewer inputs or "
        "narrower layers, or raise the limit with memory_limit=... (bytes) or "
        "nn2poly.set_memory_limit()."
    )


def convert_network(
    network: Network,
    max_order: int,
    approximation: LayerApproximation,
    *,
    keep_layers: bool = False,
    memory_limit: int | None = None,
) -> tuple[MonomialBasis, FloatArray, list[Any]]:
    """Core conversion on a validated network.

    Returns the basis, the output coefficients ``(n_terms, n_outputs)`` and,
    with ``keep_layers``, each layer's (basis, input, output) coefficient arrays.
    """
    plan = _plan(network, approximation, max_order, keep_layers)
    _check_memory(plan, network, max_order, get_memory_limit() if memory_limit is None else memory_limit)
    basis = monomial_basis(network.n_inputs, plan.basis_degree)
    table = basis.product_table() if plan.needs_products else None
    p = network.n_inputs
    n_terms = basis.n_terms

    # Identity polynomials of the inputs: z_i = x_i.  While the polynomials
    # are affine only their rows 0..p can be non-zero, so only those rows are
    # stored; the full (n_terms, width) arrays appear at the first non-linear
    # composition.
    affine_rows = min(p + 1, n_terms)
    z = np.zeros((affine_rows, p), dtype=np.float64)
    z[1:affine_rows] = np.eye(p)[: affine_rows - 1]
    affine = True
    kept: list[tuple[FloatArray, FloatArray]] = []

    def full(rows: FloatArray) -> FloatArray:
        if rows.shape[0] == n_terms:
            return rows
        out = np.zeros((n_terms, rows.shape[1]), dtype=np.float64)
        out[: rows.shape[0]] = rows
        return out

    for index, layer in enumerate(network.layers):
        u = linear_map(z, layer.weight)
        u[0] += layer.bias
        if approximation.is_identity(index, layer):
            z = u
        else:
            constants = u[0].copy()
            centers, coefficients = approximation.polynomials(index, layer, constants)
            top = min(coefficients.shape[1] - 1, plan.basis_degree)
            d = taylor_shift(coefficients, constants - centers, top)
            if top <= 1:
                # degree <= 1 in v = u - u(0): an affine map of u
                z = u * (d[:, 1][None, :] if top == 1 else 0.0)
                z[0] = d[:, 0]
            elif affine:
                z = compose_affine(basis, u[1:affine_rows], d)
            else:
                if table is None:  # pragma: no cover - the plan guarantees a table here
                    raise RuntimeError("internal error: a product table was not planned")
                z = compose_general(basis, table, u, d)
            affine = affine and top <= 1
        if keep_layers:
            kept.append((full(u), full(z) if z is not u else full(u).copy()))
    z = full(z)
    kept_basis = basis
    if plan.degree < plan.basis_degree:
        # a later layer of order 0 made the result constant: drop the zero rows
        basis = monomial_basis(network.n_inputs, plan.degree)
        z = z[: basis.n_terms].copy()
    if keep_layers:
        kept = [(kept_basis, u, out) for u, out in kept]  # type: ignore[misc]
    return basis, z, kept


def _warn_if_unconstrained(network: Network, orders: tuple[int, ...]) -> None:
    import warnings

    # a polynomial activation expanded to at least its degree is exact everywhere
    exact = [
        (get_activation(layer.activation).polynomial_degree or order + 1) <= order
        for layer, order in zip(network.layers, orders)
    ]
    norm, layer = largest_expanded_l1_norm(network, skip=exact)
    if norm > 1.0 + L1_TOLERANCE:
        warnings.warn(
            f"The network is not l1-constrained: among the neurons whose activation is expanded, "
            f"the largest l1 norm of [bias; weights] is {norm:.3g} (layer {layer}). With inputs in "
            "[-1, 1] their "
            "potentials can leave the region where the Taylor expansion is accurate, so the "
            "polynomial may not be faithful to the network. Train with constraint='l1', or "
            "check the fidelity on your data.",
            TaylorAccuracyWarning,
            stacklevel=3,
        )


def to_polynomial(
    model: Any,
    max_order: int = 2,
    *,
    taylor_orders: int | list[int] | tuple[int, ...] | None = None,
    taylor_center: float | str = 0.0,
    keep_layers: bool = False,
    memory_limit: int | None = None,
    feature_names: list[str] | tuple[str, ...] | None = None,
    output_names: list[str] | tuple[str, ...] | None = None,
    approximation: str = "taylor",
    data: Any = None,
    interval: Any = None,
) -> Polynomial:
    """Convert a feed-forward network into its NN2Poly polynomial.

    Each activation is replaced by its Taylor polynomial, the polynomials are
    composed layer by layer, and every product is truncated at total degree
    ``max_order``.

    Parameters
    ----------
    model : Network or supported model
        An :class:`nn2poly.Network`, a ``(weights, activations)`` pair in the
        reference layout, a path to a saved model, or a PyTorch, Keras,
        scikit-learn or ONNX model.
    max_order : int, default=2
        Largest total degree kept (``Q``).  The result's degree is
        ``min(max_order, product of the non-linear layers' Taylor orders)``.
    taylor_orders : int, sequence of int or None, default=None
        Order of each activation's expansion.  None: 8 on non-linear layers
        and 1 on linear ones; an int: that order on every non-linear layer; a
        sequence: one order per layer, output layer included.  With
        ``approximation="fit"`` it is the degree of each fitted polynomial,
        capped at ``max_order`` (higher powers of a neuron's polynomial do
        not survive the truncation at ``max_order``).
    taylor_center : float or "local", default=0.0
        Point every activation is expanded around; ``"local"`` expands each
        neuron around its own pre-activation at ``x = 0``, giving the network's
        exact multivariate Taylor polynomial at 0 when every non-linear order
        is at least ``max_order``.
    keep_layers : bool, default=False
        Keep each layer's input (pre-activation) and output polynomials in
        ``Polynomial.layers``.
    memory_limit : int or None, default=None
        Bytes the conversion may allocate; None uses
        :func:`nn2poly.get_memory_limit` (half the available memory unless
        set).  Requests over it fail at once with a ``MemoryLimitError``.
    feature_names, output_names : sequence of str, optional
        Names of the inputs and outputs (default: from the model, else
        ``x1..xp`` and ``y1..yk``).
    approximation : {"taylor", "fit"}, default="taylor"
        ``"taylor"``: NN2Poly's Taylor expansion, accurate where the
        potentials stay near the centre (l1-constrained networks).
        ``"fit"``: each neuron's activation is replaced by a polynomial fitted
        where its potentials really are, which also works for non-analytic
        activations (``relu``, ``elu``, ...).  With ``data``, layer by layer,
        each neuron's polynomial is the least-squares choice for which the
        truncated composition matches the network's true activations on
        ``data``; with ``interval``, it is the Chebyshev least-squares fit of
        the activation over that range.  The result depends on ``data`` and
        is faithful where the data are; check it with
        :func:`nn2poly.diagnose`.  ``taylor_center`` does not apply.
    data : array_like of shape (n_samples, n_features), optional
        Inputs whose forward pass gives the potentials, for ``"fit"``;
        usually the training inputs (at most 10,000 evenly spaced rows are
        used).
    interval : (low, high) or sequence of (low, high), optional
        Range of potentials to fit over when there is no data, for
        ``"fit"``: one pair for every layer or one pair per layer.

    Returns
    -------
    Polynomial
        Coefficients of shape ``(n_terms, n_outputs)`` over every monomial of
        degree at most the result's degree, in graded-lexicographic order.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> poly = nn2poly.to_polynomial(net, max_order=2)
    >>> poly.labels[:4]
    [(0,), (1,), (2,), (1, 1)]
    >>> poly.coef.shape
    (6, 1)

    Fitted where the potentials are, from the training inputs:

    >>> X = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    >>> fitted = nn2poly.to_polynomial(net, max_order=3, approximation="fit", data=X)
    >>> taylor = nn2poly.to_polynomial(net, max_order=3)
    >>> def worst(p): return round(float(np.max(np.abs(p.predict(X) - net.forward(X)[:, 0]))), 3)
    >>> worst(fitted), worst(taylor)
    (0.011, 0.053)
    """
    adapted = adapt(model)
    network = adapted.network
    max_order = _check_max_order(max_order)
    orders = resolve_taylor_orders(network, taylor_orders)
    center = _check_center(taylor_center)
    if not isinstance(keep_layers, bool):
        raise TypeError(f"keep_layers must be True or False; got {keep_layers!r}.")
    if memory_limit is not None and (
        isinstance(memory_limit, bool)
        or not isinstance(memory_limit, (int, np.integer))
        or memory_limit <= 0
    ):
        raise ValueError(f"memory_limit must be a positive int (bytes) or None; got {memory_limit!r}.")
    if approximation == "fit":
        from ._fit import fit_approximation

        if center != 0.0:
            raise ValueError(
                f"taylor_center={taylor_center!r} applies to approximation='taylor' only; "
                "approximation='fit' places each polynomial where the potentials are. Drop "
                "taylor_center."
            )

        layer_approximation: LayerApproximation = fit_approximation(
            network, max_order, data=data, interval=interval, orders=orders,
            memory_limit=memory_limit,
        )
    elif approximation == "taylor":
        if data is not None or interval is not None:
            raise ValueError(
                "data and interval are used by approximation='fit' only; drop them, or pass "
                "approximation='fit'."
            )
        layer_approximation = TaylorApproximation(orders, center)
        for index, layer in enumerate(network.layers):
            if not layer_approximation.is_identity(index, layer):
                get_activation(layer.activation).require_analytic()
        _warn_if_unconstrained(network, orders)
    else:
        raise ValueError(
            f"approximation must be 'taylor' or 'fit'; got {approximation!r}."
        )
    return build_polynomial(
        adapted,
        max_order,
        layer_approximation,
        keep_layers=keep_layers,
        memory_limit=memory_limit,
        feature_names=feature_names,
        output_names=output_names,
    )


def build_polynomial(
    adapted: AdaptedModel,
    max_order: int,
    approximation: LayerApproximation,
    *,
    keep_layers: bool = False,
    memory_limit: int | None = None,
    feature_names: Any = None,
    output_names: Any = None,
) -> Polynomial:
    """Run the engine with any approximation and wrap the result."""
    network = adapted.network
    basis, coef, kept = convert_network(
        network, max_order, approximation, keep_layers=keep_layers, memory_limit=memory_limit
    )
    names = feature_names if feature_names is not None else adapted.feature_names
    outputs = output_names if output_names is not None else adapted.output_names
    layers = None
    if keep_layers:
        layers = tuple(
            LayerPolynomials(
                input=Polynomial._from_basis(layer_basis, u, feature_names=names),
                output=Polynomial._from_basis(layer_basis, z, feature_names=names),
            )
            for layer_basis, u, z in kept
        )
    return Polynomial._from_basis(
        basis, coef, feature_names=names, output_names=outputs, link=adapted.link, layers=layers
    )
