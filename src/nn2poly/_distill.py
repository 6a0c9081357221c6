"""``distill``: the least-squares polynomial fitted to a network's outputs.

Its held-out R² is estimated the usual way: the same least squares on a
seeded share of the rows, judged on the others; the polynomial returned is
then fitted on all the rows.  Too few rows for its coefficients are refused
(fewer than the coefficients) or warned about (fewer than twice as many).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._convert import check_max_order
from ._data import FitDataError, check_data
from ._finite import check_finite
from ._memory import MemoryLimitError, check_limit, format_bytes, get_memory_limit
from ._monomials import MonomialBasis, n_monomials
from ._polynomial import Polynomial
from ._powers import variable_monomials
from ._provenance import source_kind
from ._validation import Interval, check_param, invalid_value
from ._version import __version__
from .adapters import adapt

__all__ = ["DistillOverfitWarning", "distill"]

FloatArray = NDArray[np.float64]

#: Fewer rows than this many times the coefficients: the fit may follow noise (warned).
ROWS_PER_COEFFICIENT = 2


class DistillOverfitWarning(UserWarning):
    """``distill`` fitted with fewer than twice as many rows as coefficients.

    The least-squares polynomial then follows the network closely on
    ``data`` but may be far from it elsewhere; its held-out R² (in
    ``poly.provenance["holdout_r2"]``) says how far.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("few rows", DistillOverfitWarning)
    >>> caught[0].category.__name__
    'DistillOverfitWarning'
    """


def _least_squares(design: FloatArray, target: FloatArray) -> FloatArray:
    scale = np.sqrt(np.mean(design * design, axis=0))
    scale[scale == 0.0] = 1.0
    try:
        coef, *_ = np.linalg.lstsq(design / scale, target, rcond=None)
    except np.linalg.LinAlgError:
        raise FitDataError(
            "The least-squares fit of distill did not converge: the data are badly scaled. "
            "Scale the inputs (e.g. to [-1, 1])."
        ) from None
    result: FloatArray = coef / scale[:, None]
    return result


def _holdout_r2(
    design: FloatArray, target: FloatArray, holdout: float, seed: int
) -> tuple[float | None, int]:
    """R² on held-out rows of the least squares fitted on the others (None if too few rows)."""
    n_rows, n_terms = design.shape
    n_holdout = max(2, round(holdout * n_rows))
    if n_rows - n_holdout < n_terms:
        return None, n_holdout
    order = np.random.default_rng(seed).permutation(n_rows)
    held, kept = order[:n_holdout], order[n_holdout:]
    coef = _least_squares(design[kept], target[kept])
    with np.errstate(over="ignore", invalid="ignore"):
        residual = float(np.sum((design[held] @ coef - target[held]) ** 2))
        total = float(np.sum((target[held] - target[held].mean(axis=0)) ** 2))
    if not np.isfinite(residual):
        return None, n_holdout
    if total <= 1e-300:  # a constant network: perfect or nothing to explain
        return (1.0 if residual <= 1e-24 else None), n_holdout
    return max(1.0 - residual / total, -1e300), n_holdout


def distill(
    model: Any,
    data: Any,
    max_order: int = 2,
    *,
    feature_names: list[str] | tuple[str, ...] | None = None,
    output_names: list[str] | tuple[str, ...] | None = None,
    memory_limit: int | None = None,
    trust: bool = False,
    holdout: float = 0.2,
    seed: int = 0,
) -> Polynomial:
    """The least-squares polynomial of total degree ``max_order`` fitted to the network's outputs.

    This polynomial is **not derived from the weights**: it is an ordinary
    polynomial regression of the network's outputs on ``data`` (logits for a
    classifier).  It is the yardstick for how faithful any polynomial of that
    degree can be to the network on those inputs, against which the
    weight-derived polynomials of :func:`nn2poly.to_polynomial` can be judged.
    Away from ``data`` it may behave arbitrarily, and its coefficients
    describe the network only as well as ``data`` covers the input space.

    How well it generalises is estimated on held-out rows: the same least
    squares is fitted on a seeded share ``1 - holdout`` of the rows and its
    R² (network vs polynomial) on the other rows is recorded in
    ``poly.provenance["holdout_r2"]``; the polynomial returned is fitted on
    all the rows.  Fewer rows than coefficients are refused; fewer than twice
    as many give a :class:`DistillOverfitWarning`.

    Parameters
    ----------
    model : Network or supported model
        Anything :func:`nn2poly.to_polynomial` accepts.
    data : array_like of shape (n_samples, n_features)
        Inputs at which the network is evaluated; at least as many rows as
        there are monomials of degree ``max_order``, better twice as many.
    max_order : int, default=2
        Total degree of the polynomial.
    feature_names, output_names : sequence of str, optional
        Names of the inputs and outputs (default: from the model).
    memory_limit : int or None, default=None
        Bytes the fit may use (None: :func:`nn2poly.get_memory_limit`).
    trust : bool, default=False
        Allow loading ``model`` from a file whose loader can run code.
    holdout : float, default=0.2
        Share of the rows held out to estimate the R²; 0 skips the estimate.
    seed : int, default=0
        Seed of the held-out rows' choice.

    Returns
    -------
    Polynomial
        Coefficients of shape ``(n_terms, n_outputs)`` in graded-lexicographic
        order, with the model's link for classifiers.  ``poly.provenance``
        records ``approximation="distill"``, ``max_order``, ``fit_rows``,
        ``fit_range``, ``holdout_rows``, ``holdout_seed`` and ``holdout_r2``
        (None when skipped or when too few rows remain to fit without them).

    Warns
    -----
    DistillOverfitWarning
        When ``data`` has fewer than twice as many rows as coefficients.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.0, 0.1], [1.0, 0.5], [0.5, -1.0]]), np.array([[0.0], [1.0], [1.0]])],
    ...     ["square", "linear"],
    ... )
    >>> X = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    >>> poly = nn2poly.distill(net, X, max_order=2)  # the network is a quadratic: exact
    >>> bool(np.allclose(poly.predict(X), net.forward(X)[:, 0]))
    True
    >>> round(poly.provenance["holdout_r2"], 6), poly.provenance["holdout_rows"]
    (1.0, 10)
    """
    trust = check_param("trust", trust, [bool], caller="distill")
    adapted = adapt(model, trust=trust, data=data)  # the reading is checked on the data too
    network = adapted.network
    max_order = check_max_order(max_order, caller="distill")
    memory_limit = check_limit("memory_limit", memory_limit, caller="distill")
    holdout = check_param(
        "holdout",
        holdout,
        [Interval(float, 0, 1, "left")],
        caller="distill",
        fix="holdout is the share of rows held out to estimate the R^2, e.g. 0.2 (0: none).",
    )
    seed = check_param("seed", seed, [Interval(int, 0, None)], caller="distill")
    X = check_data(data, network.n_inputs)
    n_terms = n_monomials(network.n_inputs, max_order)
    if X.shape[0] < n_terms:
        raise invalid_value(
            "data",
            X,
            f"an array with at least {n_terms} samples (rows)",
            caller="distill",
            fix=f"At max_order={max_order} distill fits {n_terms} coefficients per output; pass "
            f"at least {ROWS_PER_COEFFICIENT * n_terms} samples or lower max_order.",
        )
    n_bytes = 5 * X.shape[0] * n_terms * 8  # design, scaled copy, held-out fit's copies
    limit = get_memory_limit() if memory_limit is None else memory_limit
    if n_bytes > limit:
        raise MemoryLimitError(
            f"distill would need about {format_bytes(n_bytes)} for a {X.shape[0]} x {n_terms} "
            f"design matrix, over the memory limit of {format_bytes(limit)}. Pass fewer rows of "
            "data or lower max_order."
        )
    basis = MonomialBasis(network.n_inputs, max_order)
    with np.errstate(over="ignore", invalid="ignore"):
        design = variable_monomials(basis.variables, X)
        target = network.forward(X)
        scale = np.sqrt(np.mean(design * design, axis=0))
    finite = np.all(np.isfinite(design)) and np.all(np.isfinite(target))
    if not (finite and np.all(np.isfinite(scale))):
        raise FitDataError(
            f"distill at max_order={max_order} overflows: data values up to "
            f"{float(np.max(np.abs(X))):.3g} have powers (or network outputs) that are not "
            "representable. Scale the inputs (e.g. to [-1, 1]) or lower max_order."
        )
    coef = _least_squares(design, target)
    r2, n_holdout = _holdout_r2(design, target, holdout, seed) if holdout > 0 else (None, 0)
    if X.shape[0] < ROWS_PER_COEFFICIENT * n_terms:
        estimate = "cannot be estimated" if r2 is None else f"is {r2:.3g}"
        warnings.warn(
            f"distill fits {n_terms} coefficients per output at max_order={max_order} on "
            f"{X.shape[0]} rows, fewer than {ROWS_PER_COEFFICIENT} per coefficient: the "
            f"polynomial may follow the network on these rows only (held-out R^2 {estimate}). "
            "Pass more rows or lower max_order.",
            DistillOverfitWarning,
            stacklevel=2,
        )
    check_finite(coef, where="the fitted coefficients", cause="Scale the inputs (e.g. to [-1, 1]).")
    return Polynomial._from_basis(
        basis,
        coef,
        feature_names=feature_names if feature_names is not None else adapted.feature_names,
        output_names=output_names if output_names is not None else adapted.output_names,
        link=adapted.link,
        provenance={
            "approximation": "distill",
            "max_order": max_order,
            "fit_rows": int(X.shape[0]),
            "fit_range": np.column_stack([X.min(axis=0), X.max(axis=0)]).tolist(),
            "holdout_rows": n_holdout,
            "holdout_seed": seed,
            "holdout_r2": r2,
            "source": source_kind(model),
            "origin": 0.0,
            "nn2poly_version": __version__,
        },
    )
