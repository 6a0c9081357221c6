"""Range-fitted activation polynomials: ``approximation="fit"``.

Instead of the Taylor expansion at a fixed point, each neuron's activation is
replaced by a polynomial fitted where that neuron's potentials really are.

With ``data`` the fits happen inside the engine's walk over the layers.  At
layer ``l`` the neurons' input polynomials ``u_j(x)`` are known (built from
the fits of the layers before, truncated at the basis degree ``Q``); writing
``u_j = c_j + v_j`` with ``c_j = u_j(0)``, the conversion turns a polynomial
``P_j(c_j + v) = sum_k d_jk v^k`` into ``T_Q[P_j(u_j)] = sum_k d_jk T_Q[v_j^k]``,
which is *linear* in the ``d_jk``.  The ``d_jk`` are therefore chosen by least
squares so that this truncated composition matches the network's true
activations ``g(u_j^true(x))`` on ``data``.  In the first layer ``u_j`` is
exact and this is the ordinary least-squares fit of ``g`` over the potentials
the neuron receives; in deeper layers the fit also absorbs the truncation and
the approximation errors of the layers before.

With an ``interval`` instead (no data), every neuron of a layer gets the same
polynomial: the near-minimax Chebyshev least-squares fit of ``g`` on that
interval, written in powers of ``t - m`` around the interval's midpoint ``m``.

Only powers ``k <= Q`` of each re-expanded polynomial survive the truncation
(``v^k`` has no term below degree ``k``), so the degree of every fitted
polynomial is ``min(order, max_order)``.

In deep networks the layer-by-layer fits are then refined jointly on the
network's outputs (:mod:`nn2poly._refine`, ``refine=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._algebra import compose_affine, compose_general
from ._approximation import (
    LayerPolynomials,
    LayerWalker,
    ProductTable,
    check_orders_type,
    resolve_taylor_orders,
)
from ._data import FitDataError, check_data
from ._fit_interval import check_interval, interval_polynomial
from ._monomials import MonomialBasis
from ._network import Dense, Network
from ._powers import MONOMIAL_CHUNK_ROWS, variable_monomials
from ._refine import MIN_REFINE_ROWS, Refinement, fixed_walker, refine_bytes, refine_fits
from ._validation import Interval, Options, check_param, invalid_value
from .activations import get_activation

__all__ = ["FitApproximation", "FittedLayers", "check_interval"]

FloatArray = NDArray[np.float64]

#: At most this many rows of ``data`` are used for the fits (evenly spaced); each
#: neuron's fit has at most ``max_order + 1`` unknowns.
MAX_FIT_SAMPLES = 10_000
#: Cap on ``n_samples * n_terms`` of the monomial matrix built for the fits.
MAX_MONOMIAL_VALUES = 20_000_000


@dataclass(frozen=True, eq=False)
class FitApproximation:
    """Replace each activation by a polynomial fitted where the potentials are.

    Works for non-analytic activations too (``relu``, ``elu``, ...).  The
    result depends on ``data`` and is faithful where the data are; check it
    with :func:`nn2poly.diagnose`.

    Parameters
    ----------
    data : array_like of shape (n_samples, n_features), optional
        Inputs whose forward pass gives the potentials, usually the training
        inputs (at most 10,000 evenly spaced rows are used).  Layer by layer,
        each neuron's polynomial is the least-squares choice for which the
        truncated composition matches the network's activations on ``data``.
    interval : (low, high) or sequence of (low, high), optional
        Without data: the range of potentials to fit over, one pair for every
        layer or one pair per layer; each activation gets its Chebyshev
        least-squares fit on that range.
    orders : int, sequence of int or None, default=None
        Degree of each fitted polynomial, as ``taylor_orders`` (capped at
        ``max_order``: higher powers do not survive the truncation).
    refine : bool or "auto", default="auto"
        With ``data``, after the layer-by-layer fit, tune all the neurons'
        polynomials jointly so that the output polynomial matches the
        network's outputs (Levenberg--Marquardt on 80 % of the rows; the
        coefficients that do best on the other 20 %, held out with a fixed
        seed, are kept, so the result is never worse there).  The weights
        are kept: every neuron is still replaced by one univariate
        polynomial.  ``"auto"``: refine when the network has at least two
        approximated (non-linear) layers, where the layers' errors add up,
        and ``data`` has at least 100 rows.  Not available with ``interval``.
    refine_iterations : int, default=30
        Most refinement steps (each costs a few conversions).

    Notes
    -----
    After a conversion with the bound approximation, ``bound.refinement``
    tells what the refinement did (errors on the tuning and held-out rows
    before and after), or is None.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.0, 0.5], [2.0, 1.0], [1.0, -2.0]]), np.array([[0.0], [1.0], [1.0]])],
    ...     ["relu", "linear"],
    ... )
    >>> X = np.random.default_rng(0).uniform(-1, 1, (500, 2))
    >>> poly = nn2poly.to_polynomial(net, 4, approximation=nn2poly.FitApproximation(data=X))
    >>> round(float(np.max(np.abs(poly.predict(X) - net.forward(X)[:, 0]))), 2)
    0.32
    """

    data: Any = field(default=None, repr=False)
    interval: Any = None
    orders: int | Sequence[int] | None = None
    refine: bool | str = "auto"
    refine_iterations: int = 30

    def __post_init__(self) -> None:
        check_orders_type(self.orders, caller="FitApproximation")
        check_param(
            "refine",
            self.refine,
            [bool, Options({"auto"})],
            caller="FitApproximation",
            fix="refine=True tunes the neurons' polynomials jointly on the data, False keeps "
            "the layer-by-layer fit, 'auto' refines deep networks.",
        )
        check_param(
            "refine_iterations",
            self.refine_iterations,
            [Interval(int, 1, 10_000)],
            caller="FitApproximation",
            fix="The most refinement steps, e.g. 30.",
        )
        if self.refine is True and self.data is None:
            raise invalid_value(
                "refine",
                self.refine,
                "False or 'auto' with interval=",
                caller="FitApproximation",
                fix="The refinement tunes the polynomials on the network's outputs at data; "
                "pass data=X_train, or drop refine.",
            )
        if self.data is None and self.interval is None:
            raise FitDataError(
                "approximation='fit' needs the inputs the network sees: pass data=X_train "
                "(n_samples, n_inputs), or interval=(low, high) for the range of potentials to "
                "fit over when there is no data."
            )
        if self.data is not None and self.interval is not None:
            raise FitDataError(
                "Pass either data or interval to approximation='fit', not both: with data each "
                "neuron is fitted over the potentials it receives."
            )

    def bind(self, network: Network, max_order: int) -> FittedLayers:
        """This approximation for one network: data and interval checked, degrees resolved.

        With an interval the polynomials are fitted here; with data, during
        the conversion's walk.

        Examples
        --------
        >>> import numpy as np
        >>> from nn2poly import Network
        >>> net = Network.from_weights([np.array([[0.0], [2.0]]), np.array([[0.0], [1.0]])],
        ...                            ["tanh", "linear"])
        >>> fit = FitApproximation(interval=(-2.0, 2.0)).bind(net, 3)
        >>> fit.degrees
        (3, 1)
        >>> centers, coefficients = fit.fits[0]
        >>> float(abs(np.polyval(coefficients[0, ::-1], 1.0) - np.tanh(1.0))) < 0.05
        True
        """
        orders = resolve_taylor_orders(
            network, self.orders, name="orders", caller="FitApproximation"
        )
        layers = network.layers
        identity = tuple(
            get_activation(layer.activation).is_linear and orders[index] >= 1
            for index, layer in enumerate(layers)
        )
        degrees = tuple(
            1 if identity[index] else min(int(orders[index]), max_order)
            for index in range(len(layers))
        )
        n_layers = len(layers)
        if self.data is not None:
            X = check_data(self.data, network.n_inputs)
            fitted = FittedLayers(degrees, identity, [None] * n_layers, [None] * n_layers, X)
            fitted.network = network
            n_approximated = sum(not flag for flag in identity)
            refine = self.refine is True or (
                self.refine == "auto" and n_approximated >= 2 and X.shape[0] >= MIN_REFINE_ROWS
            )
            if refine and n_approximated > 0:
                fitted.refine_network, fitted.refine_iterations = network, self.refine_iterations
            return fitted
        fits: list[LayerPolynomials | None] = []
        ranges: list[FloatArray | None] = []
        for index, (low, high) in enumerate(check_interval(self.interval, n_layers)):
            if identity[index]:
                fits.append(None)
                ranges.append(None)
                continue
            layer = layers[index]
            middle, coefficients = interval_polynomial(
                get_activation(layer.activation), low, high, degrees[index], index
            )
            fits.append((np.full(layer.n_out, middle), np.tile(coefficients, (layer.n_out, 1))))
            ranges.append(np.tile([low, high], (layer.n_out, 1)).astype(np.float64))
        return FittedLayers(degrees, identity, fits, ranges, None)


@dataclass
class FittedLayers:
    """A fit bound to a network: its polynomials, one per neuron and layer.

    Attributes
    ----------
    degrees : tuple of int
        Degree of the fitted polynomials of each layer.
    identity : tuple of bool
        Layers (linear activation) that are kept exact.
    fits : list of (centers, coefficients) or None
        Per layer: ``centers`` (n_out,) and ``coefficients`` (n_out, degree + 1),
        neuron ``j``'s polynomial being ``sum_n coefficients[j, n] (t - centers[j])^n``;
        None for identity layers (and, with data, until the conversion has run).
    ranges : list of ndarray or None
        Per layer, shape (n_out, 2): the range each neuron's polynomial was
        fitted over (observed potentials with data; the interval otherwise).
    data : ndarray or None
        The inputs fitted on (None for an interval fit).
    refinement : Refinement or None
        What the joint refinement did, once a conversion has run (None when
        not refined); its polynomials are then in ``fits``.
    network : Network or None
        With data, the network fitted on: on a graph every layer's true
        potentials on the data are read from its own walk.

    Examples
    --------
    >>> FittedLayers((3, 1), (False, True), [None, None], [None, None], None).degrees
    (3, 1)
    """

    degrees: tuple[int, ...]
    identity: tuple[bool, ...]
    fits: list[LayerPolynomials | None]
    ranges: list[FloatArray | None]
    data: FloatArray | None = field(default=None, repr=False)
    refinement: Refinement | None = None
    refine_network: Network | None = field(default=None, repr=False)
    refine_iterations: int = 0
    #: the network fitted on (with data): a graph's true potentials are read from it
    network: Network | None = field(default=None, repr=False)

    def is_identity(self, index: int, layer: Dense) -> bool:
        return self.identity[index]

    def degree(self, index: int, layer: Dense) -> int:
        return 1 if self.identity[index] else self.degrees[index]

    def _n_samples(self, n_terms: int) -> int:
        if self.data is None:
            return 0
        n_keep = max(200, min(MAX_FIT_SAMPLES, MAX_MONOMIAL_VALUES // max(n_terms, 1)))
        return min(int(self.data.shape[0]), n_keep)

    def work_bytes(self, network: Network, basis_degree: int, n_terms: int) -> int:
        n_samples = self._n_samples(n_terms)
        if n_samples == 0 or self.data is None or self.refinement is not None:
            return 0
        width = max([network.n_inputs, *network.widths])
        per_layer = max(
            (min(degree, basis_degree) + 1) * (n_terms * layer.n_out + 2 * n_samples)
            for degree, layer in zip(self.degrees, network.layers, strict=True)
        )
        # monomial matrix and its temporaries, the powers T_Q[v^k] and one
        # neuron's columns, the network's true activations (two layers' worth)
        # and the subsample
        chunk = 2 * min(n_samples, MONOMIAL_CHUNK_ROWS) * n_terms
        if network.is_chain:
            true_values = 2 * n_samples * width
        else:  # a graph's every layer's true potentials, read once
            true_values = n_samples * (sum(network.widths) + width)
        n_values = n_samples * n_terms + chunk + per_layer + true_values
        refining = 0
        if self.refine_network is not None:
            degrees: list[int | None] = [
                None if flag else min(degree, basis_degree)
                for flag, degree in zip(self.identity, self.degrees, strict=True)
            ]
            refining = refine_bytes(network, degrees, n_terms, int(self.data.shape[0]))
        return 8 * (n_values + int(self.data.size)) + refining

    def start(self, basis: MonomialBasis, table: ProductTable | None) -> LayerWalker:
        if self.data is not None and self.refine_network is not None and self.refinement is None:
            # the layer-by-layer fit and the joint refinement happen here, on the
            # conversion's basis; the engine's walk then composes the refined polynomials
            table = basis.product_table() if table is None else table
            walker = _DataWalk(self, self.data, basis, table)
            refined, self.refinement = refine_fits(
                self.refine_network, basis, table, walker, self.data, self.refine_iterations
            )
            self.fits = refined
            return fixed_walker(self.fits)
        if self.data is None or self.refinement is not None:
            return fixed_walker(self.fits)
        return _DataWalk(self, self.data, basis, table)

    def overflow_cause(self, index: int, layer: Dense) -> str:
        largest = float(np.max(np.abs(layer.weight), initial=0.0))
        return (
            f"The weights may be too large for this max_order (largest |weight| of layer "
            f"{index} is {largest:.3g}), or the inputs too large. Scale the inputs (e.g. to "
            "[-1, 1]) and the weights, or lower max_order."
        )


def _least_squares(columns: FloatArray, target: FloatArray, where: str) -> FloatArray:
    """Solve ``columns @ d ~ target`` for one neuron, columns scaled for conditioning."""
    if not (np.all(np.isfinite(columns)) and np.all(np.isfinite(target))):
        raise FitDataError(
            f"The fit of {where} overflows: the data or the weights are so large that powers "
            "of the potentials are not representable. Scale the inputs (e.g. to [-1, 1] with "
            "sklearn's MinMaxScaler) and retrain, or lower max_order."
        )
    scale = np.sqrt(np.mean(columns * columns, axis=0))
    scale[(scale == 0.0) | ~np.isfinite(scale)] = 1.0
    try:
        solution, *_ = np.linalg.lstsq(columns / scale, target, rcond=None)
    except np.linalg.LinAlgError:
        raise FitDataError(
            f"The least-squares fit of {where} did not converge: the data are badly scaled. "
            "Scale the inputs (e.g. to [-1, 1]) and retrain, or pass interval=(low, high)."
        ) from None
    result: FloatArray = solution / scale
    return result


class _DataWalk:
    """Least squares, layer by layer, against the network's true activations on the data.

    On a chain the true values are carried from layer to layer; on a graph
    every layer's true potentials are read from the network's own walk once.
    """

    def __init__(
        self,
        fitted: FittedLayers,
        X: FloatArray,
        basis: MonomialBasis,
        table: ProductTable | None,
    ) -> None:
        n_keep = fitted._n_samples(basis.n_terms)
        if X.shape[0] > n_keep:
            X = X[np.linspace(0, X.shape[0] - 1, n_keep).round().astype(np.int64)]
        self.fitted = fitted
        self.basis = basis
        self.table = table
        with np.errstate(over="ignore", invalid="ignore"):
            self.monomials = variable_monomials(basis.variables, X)
        self.true_z = X
        network = fitted.network
        self.potentials: list[FloatArray] | None = None
        if network is not None and not network.is_chain:
            with np.errstate(over="ignore", invalid="ignore"):
                self.potentials = list(network.pre_activations(X))

    def __call__(self, index: int, layer: Dense, u: FloatArray) -> LayerPolynomials | None:
        fitted, basis = self.fitted, self.basis
        with np.errstate(over="ignore", invalid="ignore"):
            if self.potentials is None:
                true_u = layer.pre_activation(self.true_z)
            else:  # a graph: the layer's own potentials on the data
                true_u = self.potentials[index]
            self.true_z = get_activation(layer.activation).evaluate(true_u)
        if fitted.identity[index]:
            return None
        n_terms = basis.n_terms
        affine = u.shape[0] < n_terms or self.table is None
        degree = min(fitted.degrees[index], basis.max_degree)
        constants = u[0].copy()
        # powers[k] = T_Q[v^k] for every neuron, v = u - u(0); by linearity
        # T_Q[P(u)] = sum_k d_k powers[k].
        powers = np.zeros((degree + 1, n_terms, layer.n_out), dtype=np.float64)
        powers[0][0] = 1.0
        if degree >= 1:
            powers[1][: u.shape[0]] = u
            powers[1][0] = 0.0
        for k in range(2, degree + 1):
            unit = np.zeros((layer.n_out, degree + 1), dtype=np.float64)
            unit[:, k] = 1.0
            if affine:
                powers[k] = compose_affine(basis, u[1 : basis.n_variables + 1], unit)
            else:
                powers[k] = compose_general(basis, self.table, powers[1], unit)  # type: ignore[arg-type]
        d = np.empty((layer.n_out, degree + 1), dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            for j in range(layer.n_out):
                # columns: T_Q[v_j^k] at every sample, shape (n_samples, degree + 1)
                columns = self.monomials @ powers[:, :, j].T
                d[j] = _least_squares(columns, self.true_z[:, j], f"layer {index}, neuron {j}")
        fitted.fits[index] = (constants, d)
        fitted.ranges[index] = np.column_stack([true_u.min(axis=0), true_u.max(axis=0)])
        return constants, d
