"""Same data, different networks: how much each coefficient moves between training runs."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._norms import TaylorAccuracyWarning
from .._polynomial import Polynomial
from .._validation import Interval, Predicate, check_param, invalid_value

__all__ = ["CoefficientSpread", "coefficient_spread", "same_data_networks"]


@dataclass(frozen=True)
class CoefficientSpread:
    """Every coefficient's mean, standard deviation and interval across k polynomials.

    Attributes
    ----------
    terms : list of str
        Term names (``x1``, ``x1*x2``, ...) in graded lexicographic order.
    labels : list of tuple of int
        R-style labels of the terms.
    values : ndarray of shape (k, n_terms)
        Each polynomial's coefficients (0 where a polynomial lacks the term).
    mean, sd, lower, upper : ndarray of shape (n_terms,)
        Mean, sample standard deviation, and the ``level`` central interval
        (empirical quantiles) across the k polynomials.
    level : float
    """

    terms: list[str]
    labels: list[tuple[int, ...]]
    values: NDArray[np.float64]
    mean: NDArray[np.float64]
    sd: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    level: float

    @property
    def stable(self) -> NDArray[np.bool_]:
        """Terms whose interval excludes zero (same sign in the bulk of the runs)."""
        return (self.lower > 0) | (self.upper < 0)

    def to_frame(self) -> Any:
        """A DataFrame with one row per term: mean, sd, lower, upper, stable."""
        import pandas as pd

        return pd.DataFrame(
            {
                "term": self.terms,
                "mean": self.mean,
                "sd": self.sd,
                "lower": self.lower,
                "upper": self.upper,
                "stable": self.stable,
            }
        )


def _is_polynomial_sequence(value: Any) -> bool:
    return isinstance(value, (Sequence, np.ndarray)) and all(
        isinstance(p, Polynomial) for p in value
    )


def _default_names(poly: Polynomial) -> Polynomial:
    if poly.feature_names == tuple(f"x{i + 1}" for i in range(poly.n_features)):
        return poly
    return Polynomial(poly.powers, poly.coef, output_names=poly.output_names, link=poly.link)


def coefficient_spread(
    polynomials: Sequence[Polynomial], *, output: int = 0, level: float = 0.95
) -> CoefficientSpread:
    """Summarise one output's coefficients across several polynomials of the same inputs.

    Parameters
    ----------
    polynomials : sequence of Polynomial
        At least two, with the same number of features.
    output : int, default=0
    level : float, default=0.95
        Coverage of the empirical interval.

    Returns
    -------
    CoefficientSpread

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> powers = np.array([[0, 0], [1, 0], [0, 1]])
    >>> polys = [nn2poly.Polynomial(powers, np.array([0.0, 1.0 + d, d])) for d in (-0.1, 0.0, 0.1)]
    >>> spread = coefficient_spread(polys)
    >>> spread.terms, spread.mean.round(3).tolist(), spread.stable.tolist()
    (['1', 'x1', 'x2'], [0.0, 1.0, 0.0], [False, True, False])
    """
    caller = "coefficient_spread"
    polynomials = check_param(
        "polynomials",
        polynomials,
        [
            Predicate(
                lambda value: _is_polynomial_sequence(value) and len(value) >= 2,
                "a sequence of at least 2 nn2poly.Polynomial objects",
                type_test=_is_polynomial_sequence,
            )
        ],
        caller=caller,
        fix="Give the polynomials of several networks to compare.",
    )
    level = check_param("level", level, [Interval(float, 0, 1, closed="neither")], caller=caller)
    for poly in polynomials:
        if poly.n_features != polynomials[0].n_features:
            raise invalid_value(
                "polynomials",
                polynomials,
                "polynomials that share their inputs",
                caller=caller,
                fix=f"They have {polynomials[0].n_features} and {poly.n_features} features; "
                "compare polynomials of networks trained on the same inputs.",
            )
    # terms are named x1 .. xp and matched by position, whatever the inputs are called
    aligned = _default_names(polynomials[0]).align(*map(_default_names, polynomials[1:]))
    values = np.stack(
        [poly.coef[:, poly._output_index(output, "coefficient_spread")] for poly in aligned]
    )
    tail = (1.0 - level) / 2.0
    return CoefficientSpread(
        terms=list(aligned[0].term_names),
        labels=aligned[0].labels,
        values=values,
        mean=values.mean(axis=0),
        sd=values.std(axis=0, ddof=1),
        lower=np.quantile(values, tail, axis=0),
        upper=np.quantile(values, 1.0 - tail, axis=0),
        level=level,
    )


def same_data_networks(
    X: ArrayLike,
    y: ArrayLike,
    *,
    k: int = 10,
    max_order: int = 3,
    seeds: Sequence[int] | None = None,
    level: float = 0.95,
    conversion: dict[str, Any] | None = None,
    **network: Any,
) -> tuple[CoefficientSpread, list[Any]]:
    """Train ``k`` networks on the same data with different seeds and compare their polynomials.

    This tells a stable effect (a coefficient with the same sign and size in
    every run) from an artefact of one training run.

    Parameters
    ----------
    X, y : array-like of shape (n_samples, n_features) and (n_samples,)
        Training data (X scaled to [-1, 1] for a constrained network).
    k : int, default=10
        Number of networks.
    max_order : int, default=3
    seeds : sequence of int, optional
        One per network; default ``0 .. k-1``.
    level : float, default=0.95
    conversion : dict, optional
        Extra keyword arguments of :func:`nn2poly.to_polynomial` (e.g. ``taylor_orders``).
    **network
        Keyword arguments of :class:`nn2poly.MLPRegressor` (``hidden_layer_sizes``,
        ``activation``, ``constraint``, ``epochs``, ...).

    Returns
    -------
    spread : CoefficientSpread
    models : list of MLPRegressor
        The fitted networks, with their polynomials as ``model.polynomial_``.

    Examples
    --------
    >>> spread, models = same_data_networks(X, y, k=10, hidden_layer_sizes=(10,),
    ...                                     activation="tanh", epochs=300)  # doctest: +SKIP
    >>> spread.to_frame().query("stable")  # doctest: +SKIP
    """
    from ..training import MLPRegressor

    k = check_param("k", k, [Interval(int, 2, None)], caller="same_data_networks")
    seed_list = list(range(k)) if seeds is None else [int(s) for s in seeds]
    if len(seed_list) != k:
        raise invalid_value(
            "seeds",
            seeds,
            f"k={k} seeds, one per network",
            caller="same_data_networks",
            fix=f"It holds {len(seed_list)}; give k seeds, or leave seeds out for 0..k-1.",
        )
    models, polynomials = [], []
    for seed in seed_list:
        model = MLPRegressor(**{**network, "random_state": seed}).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", TaylorAccuracyWarning
            )  # fidelity is the caller's to judge
            poly = model.to_polynomial(max_order=max_order, **(conversion or {}))
        model.polynomial_ = poly
        models.append(model)
        polynomials.append(poly)
    return coefficient_spread(polynomials, level=level), models
