"""Simulated regression data from a known sparse polynomial."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations_with_replacement
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._polynomial import Polynomial
from .._powers import labels_to_powers
from .._validation import (
    Finite,
    Interval,
    Options,
    Predicate,
    invalid_value,
    validate_params,
)
from ._scaling import MinMaxScaling, affine_substitute

__all__ = ["SimulatedData", "random_polynomial", "simulate"]

FloatArray = NDArray[np.float64]
DISTRIBUTIONS = ("uniform", "normal", "correlated_normal")


def _count_list(value: Any) -> bool:
    """A sequence of terms_per_degree entries: each None or an int >= 0."""
    return isinstance(value, (list, tuple)) and all(
        item is None
        or (isinstance(item, (int, np.integer)) and not isinstance(item, bool) and item >= 0)
        for item in value
    )


def _range_pair(value: Any) -> bool:
    """(low, high): two finite numbers with low <= high."""
    low, high = (float(item) for item in value)
    return bool(np.isfinite(low) and np.isfinite(high) and low <= high)


_POLYNOMIAL_PARAMETERS: dict[str, list[Any]] = {
    "n_features": [Interval(int, 1, None)],
    "degree": [Interval(int, 1, None)],
    "terms_per_degree": [
        None,
        Interval(int, 0, None),
        Predicate(_count_list, "a list with an int >= 0 or None per degree"),
    ],
    "coef_range": [Predicate(_range_pair, "two finite numbers (low, high) with low <= high")],
    "intercept": [bool],
}


def random_polynomial(
    n_features: int,
    degree: int,
    *,
    terms_per_degree: int | Sequence[int | None] | None = None,
    coef_range: tuple[float, float] = (-5.0, 5.0),
    intercept: bool = True,
    rng: np.random.Generator | int | None = None,
) -> Polynomial:
    """A random sparse polynomial with coefficients drawn uniformly from ``coef_range``.

    Parameters
    ----------
    n_features : int
        Number of variables p.
    degree : int
        Highest total degree.
    terms_per_degree : int, sequence of int or None, or None, default=None
        How many monomials of each degree 1..degree to draw (without
        replacement). ``None`` keeps every monomial (the full polynomial); an int
        applies to every degree; a sequence gives one entry per degree (``None``
        there means all monomials of that degree).
    coef_range : (float, float), default=(-5, 5)
    intercept : bool, default=True
        Whether to draw a constant term too.
    rng : numpy Generator, int or None

    Returns
    -------
    Polynomial
        Terms in graded lexicographic order.

    Examples
    --------
    >>> poly = random_polynomial(3, 2, rng=0)
    >>> poly.n_terms
    10
    >>> random_polynomial(5, 2, terms_per_degree=[None, 5], intercept=False, rng=1).n_terms
    10
    """
    checked = validate_params(
        {
            "n_features": n_features,
            "degree": degree,
            "terms_per_degree": terms_per_degree,
            "coef_range": coef_range,
            "intercept": intercept,
        },
        _POLYNOMIAL_PARAMETERS,
        caller="random_polynomial",
    )
    n_features, degree = checked["n_features"], checked["degree"]
    low, high = (float(value) for value in coef_range)
    if terms_per_degree is None or isinstance(terms_per_degree, (int, np.integer)):
        counts: list[int | None] = [terms_per_degree] * degree
    else:
        counts = list(terms_per_degree)
        if len(counts) != degree:
            raise invalid_value(
                "terms_per_degree",
                terms_per_degree,
                f"one entry per degree 1..{degree}",
                caller="random_polynomial",
            )
    generator = np.random.default_rng(rng)
    labels: list[tuple[int, ...]] = [(0,)] if intercept else []
    for order, count in enumerate(counts, start=1):
        candidates = list(combinations_with_replacement(range(1, n_features + 1), order))
        if count is None:
            labels.extend(candidates)
            continue
        if int(count) > len(candidates):
            raise invalid_value(
                "terms_per_degree",
                terms_per_degree,
                f"at most {len(candidates)} terms of degree {order} (all there are in "
                f"p={n_features} variables)",
                caller="random_polynomial",
                fix="lower it.",
            )
        chosen = sorted(generator.choice(len(candidates), size=int(count), replace=False))
        labels.extend(candidates[index] for index in chosen)
    powers = labels_to_powers(labels, n_features).reshape(len(labels), n_features)
    coef = generator.uniform(low, high, size=len(labels))
    return Polynomial(powers, coef)


@dataclass(frozen=True)
class SimulatedData:
    """One simulated data set with its truth, scalings and split.

    Attributes
    ----------
    X, y : ndarray of shape (n, p) and (n,)
        Original inputs and noisy responses.
    y_noiseless : ndarray of shape (n,)
        ``polynomial.predict(X)``.
    polynomial : Polynomial
        The true polynomial in the original variables.
    x_scaling, y_scaling : MinMaxScaling or None
        Scalings to [-1, 1] fitted on the training rows (``None``: not scaled).
    X_scaled, y_scaled : ndarray
        The data the networks see.
    true_scaled : Polynomial
        The true polynomial written in the scaled variables (and scaled y):
        ``true_scaled.predict(X_scaled) == y_scaling.transform(y_noiseless)``.
    train, test : ndarray of int
        Row indices of the split.

    Examples
    --------
    >>> data = simulate(random_polynomial(2, 1, rng=0), 40, rng=0)
    >>> isinstance(data, SimulatedData), data.X.shape, data.train.size + data.test.size
    (True, (40, 2), 40)
    """

    X: FloatArray
    y: FloatArray
    y_noiseless: FloatArray
    polynomial: Polynomial
    x_scaling: MinMaxScaling | None
    y_scaling: MinMaxScaling | None
    X_scaled: FloatArray
    y_scaled: FloatArray
    true_scaled: Polynomial
    train: NDArray[np.int64]
    test: NDArray[np.int64]


def _inputs(
    generator: np.random.Generator,
    n: int,
    n_features: int,
    distribution: str,
    mean_range: tuple[float, float] | None,
    correlation: float,
) -> FloatArray:
    if distribution == "uniform":
        return generator.uniform(-1.0, 1.0, size=(n, n_features))
    mean = (
        np.zeros(n_features)
        if mean_range is None
        else generator.uniform(*mean_range, size=n_features)
    )
    if distribution == "normal":
        return mean + generator.standard_normal((n, n_features))
    if not -1.0 / max(n_features - 1, 1) < correlation < 1.0:
        raise invalid_value(
            "correlation",
            correlation,
            f"in (-1/(p-1), 1) for an equicorrelated normal with p={n_features}",
            caller="simulate",
        )
    covariance = np.full((n_features, n_features), correlation) + (1.0 - correlation) * np.eye(
        n_features
    )
    return generator.multivariate_normal(mean, covariance, size=n, method="cholesky")


_SIMULATE_PARAMETERS: dict[str, list[Any]] = {
    "polynomial": [Polynomial],
    "n": [Interval(int, 4, None)],
    "distribution": [Options(DISTRIBUTIONS)],
    "mean_range": [None, Predicate(_range_pair, "two finite numbers (low, high) with low <= high")],
    "correlation": [Finite()],
    "noise_sd": [Interval(float, 0, None)],
    "test_fraction": [Interval(float, 0, 1, closed="neither")],
    "scale_x": [bool],
    "scale_y": [bool],
}


def simulate(
    polynomial: Polynomial,
    n: int,
    *,
    distribution: str = "uniform",
    mean_range: tuple[float, float] | None = None,
    correlation: float = 0.0,
    noise_sd: float = 0.1,
    test_fraction: float = 0.25,
    scale_x: bool = True,
    scale_y: bool = True,
    rng: np.random.Generator | int | None = None,
) -> SimulatedData:
    """Draw inputs, evaluate the true polynomial, add noise, split and scale to [-1, 1].

    Parameters
    ----------
    polynomial : Polynomial
        The true polynomial (one output).
    n : int
        Number of rows.
    distribution : {'uniform', 'normal', 'correlated_normal'}, default='uniform'
        ``uniform``: X ~ U(-1, 1); ``normal``: X ~ N(mu, I); ``correlated_normal``:
        X ~ N(mu, S) with unit variances and every correlation equal to ``correlation``.
    mean_range : (float, float) or None
        For the normal inputs: each mean mu_i ~ U(mean_range); ``None`` means 0.
    correlation : float, default=0
    noise_sd : float, default=0.1
        Standard deviation of the Gaussian noise added to y (original units).
    test_fraction : float, default=0.25
    scale_x, scale_y : bool, default=True
        Min-max scale X and/or y to [-1, 1] with the ranges of the training rows.
    rng : numpy Generator, int or None

    Returns
    -------
    SimulatedData

    Examples
    --------
    >>> import numpy as np
    >>> data = simulate(random_polynomial(2, 2, rng=0), 100, distribution="normal",
    ...                 mean_range=(-10, 10), noise_sd=0.0, rng=0)
    >>> data.X_scaled.shape, data.train.size, data.test.size
    ((100, 2), 75, 25)
    >>> bool(np.allclose(data.true_scaled.predict(data.X_scaled), data.y_scaled))
    True
    """
    checked = validate_params(
        {
            "polynomial": polynomial,
            "n": n,
            "distribution": distribution,
            "mean_range": mean_range,
            "correlation": correlation,
            "noise_sd": noise_sd,
            "test_fraction": test_fraction,
            "scale_x": scale_x,
            "scale_y": scale_y,
        },
        _SIMULATE_PARAMETERS,
        caller="simulate",
    )
    n, noise_sd, test_fraction = checked["n"], checked["noise_sd"], checked["test_fraction"]
    if polynomial.n_outputs != 1:
        raise invalid_value(
            "polynomial", polynomial, "a polynomial with one output", caller="simulate"
        )
    generator = np.random.default_rng(rng)
    n_features = polynomial.powers.shape[1]
    X = _inputs(generator, int(n), n_features, distribution, mean_range, float(correlation))
    y_noiseless = np.asarray(polynomial.predict(X), dtype=np.float64)
    y = (
        y_noiseless + generator.normal(0.0, noise_sd, size=y_noiseless.shape)
        if noise_sd > 0
        else y_noiseless
    )
    order = generator.permutation(int(n))
    n_test = max(1, round(test_fraction * n))
    test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
    x_scaling = MinMaxScaling.fit(X[train]) if scale_x else None
    y_scaling = MinMaxScaling.fit(y[train]) if scale_y else None
    X_scaled = x_scaling.transform(X) if x_scaling is not None else X.copy()
    y_scaled = y_scaling.transform(y) if y_scaling is not None else y.copy()
    scale = x_scaling.half_range if x_scaling is not None else np.ones(n_features)
    shift = x_scaling.centre if x_scaling is not None else np.zeros(n_features)
    output_scale = 1.0 / float(y_scaling.half_range[0]) if y_scaling is not None else 1.0
    output_shift = -float(y_scaling.centre[0]) * output_scale if y_scaling is not None else 0.0
    true_scaled = affine_substitute(
        polynomial, scale, shift, output_scale=output_scale, output_shift=output_shift
    )
    return SimulatedData(
        X,
        y,
        y_noiseless,
        polynomial,
        x_scaling,
        y_scaling,
        X_scaled,
        y_scaled,
        true_scaled,
        train,
        test,
    )
