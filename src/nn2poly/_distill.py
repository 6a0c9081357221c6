"""``distill``: the least-squares polynomial fitted to a network's outputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._convert import check_max_order
from ._data import FitDataError, check_data
from ._finite import check_finite
from ._memory import MemoryLimitError, check_limit, format_bytes, get_memory_limit
from ._monomials import MonomialBasis, n_monomials
from ._polynomial import Polynomial
from ._powers import variable_monomials
from ._validation import check_param, invalid_value
from .adapters import adapt

__all__ = ["distill"]


def distill(
    model: Any,
    data: Any,
    max_order: int = 2,
    *,
    feature_names: list[str] | tuple[str, ...] | None = None,
    output_names: list[str] | tuple[str, ...] | None = None,
    memory_limit: int | None = None,
    trust: bool = False,
) -> Polynomial:
    """The least-squares polynomial of total degree ``max_order`` fitted to the network's outputs.

    This polynomial is **not derived from the weights**: it is an ordinary
    polynomial regression of the network's outputs on ``data`` (logits for a
    classifier).  It is the yardstick for how faithful any polynomial of that
    degree can be to the network on those inputs, against which the
    weight-derived polynomials of :func:`nn2poly.to_polynomial` can be judged.
    Away from ``data`` it may behave arbitrarily, and its coefficients
    describe the network only as well as ``data`` covers the input space.

    Parameters
    ----------
    model : Network or supported model
        Anything :func:`nn2poly.to_polynomial` accepts.
    data : array_like of shape (n_samples, n_features)
        Inputs at which the network is evaluated; at least as many rows as
        there are monomials of degree ``max_order``.
    max_order : int, default=2
        Total degree of the polynomial.
    feature_names, output_names : sequence of str, optional
        Names of the inputs and outputs (default: from the model).
    memory_limit : int or None, default=None
        Bytes the fit may use (None: :func:`nn2poly.get_memory_limit`).
    trust : bool, default=False
        Allow loading ``model`` from a file whose loader can run code.

    Returns
    -------
    Polynomial
        Coefficients of shape ``(n_terms, n_outputs)`` in graded-lexicographic
        order, with the model's link for classifiers.

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
    """
    trust = check_param("trust", trust, [bool], caller="distill")
    adapted = adapt(model, trust=trust, data=data)  # the reading is checked on the data too
    network = adapted.network
    max_order = check_max_order(max_order, caller="distill")
    memory_limit = check_limit("memory_limit", memory_limit, caller="distill")
    X = check_data(data, network.n_inputs)
    n_terms = n_monomials(network.n_inputs, max_order)
    if X.shape[0] < n_terms:
        raise invalid_value(
            "data",
            X,
            f"an array with at least {n_terms} samples (rows)",
            caller="distill",
            fix=f"At max_order={max_order} distill fits {n_terms} coefficients per output; pass "
            "more samples or lower max_order.",
        )
    n_bytes = 3 * X.shape[0] * n_terms * 8
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
    scale[scale == 0.0] = 1.0
    try:
        coef, *_ = np.linalg.lstsq(design / scale, target, rcond=None)
    except np.linalg.LinAlgError:
        raise FitDataError(
            "The least-squares fit of distill did not converge: the data are badly scaled. "
            "Scale the inputs (e.g. to [-1, 1])."
        ) from None
    coef /= scale[:, None]
    check_finite(coef, where="the fitted coefficients", cause="Scale the inputs (e.g. to [-1, 1]).")
    return Polynomial._from_basis(
        basis,
        coef,
        feature_names=feature_names if feature_names is not None else adapted.feature_names,
        output_names=output_names if output_names is not None else adapted.output_names,
        link=adapted.link,
    )
