"""``distill``: the least-squares polynomial fitted to a network's outputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._convert import _check_max_order
from .._fit import _monomial_values, check_data
from .._memory import MemoryLimitError, format_bytes, get_memory_limit
from .._monomials import MonomialBasis, n_monomials
from .._polynomial import Polynomial
from ..adapters import adapt

__all__ = ["distill"]


def distill(
    model: Any,
    data: Any,
    max_order: int = 2,
    *,
    feature_names: list[str] | tuple[str, ...] | None = None,
    output_names: list[str] | tuple[str, ...] | None = None,
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
    adapted = adapt(model)
    network = adapted.network
    max_order = _check_max_order(max_order)
    X = check_data(data, network.n_inputs)
    n_terms = n_monomials(network.n_inputs, max_order)
    if X.shape[0] < n_terms:
        raise ValueError(
            f"distill at max_order={max_order} fits {n_terms} coefficients per output but data "
            f"has only {X.shape[0]} rows; pass at least {n_terms} samples or lower max_order."
        )
    n_bytes = 3 * X.shape[0] * n_terms * 8
    limit = get_memory_limit()
    if n_bytes > limit:
        raise MemoryLimitError(
            f"distill would need about {format_bytes(n_bytes)} for a {X.shape[0]} x {n_terms} "
            f"design matrix, over the memory limit of {format_bytes(limit)}. Pass fewer rows of "
            "data or lower max_order."
        )
    basis = MonomialBasis(network.n_inputs, max_order)
    design = _monomial_values(basis, X)
    target = network.forward(X)
    scale = np.sqrt(np.mean(design * design, axis=0))
    scale[scale == 0.0] = 1.0
    coef, *_ = np.linalg.lstsq(design / scale, target, rcond=None)
    coef /= scale[:, None]
    return Polynomial._from_basis(
        basis,
        coef,
        feature_names=feature_names if feature_names is not None else adapted.feature_names,
        output_names=output_names if output_names is not None else adapted.output_names,
        link=adapted.link,
    )
