"""Simulated regression data from a known sparse polynomial."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np
from numpy.typing import NDArray

from .._polynomial import Polynomial
from ._scaling import MinMaxScaling, affine_substitute

__all__ = ["SimulatedData", "random_polynomial", "simulate"]

FloatArray = NDArray[np.float64]
DISTRIBUTIONS = ("uniform", "normal", "correlated_normal")


def _label_powers(label: tuple[int, ...], n_features: int) -> NDArray[np.int64]:
    powers = np.zeros(n_features, dtype=np.int64)
    for variable in label:
        if variable:  # (0,) is the intercept
            powers[variable - 1] += 1
    return powers


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
    if (
        isinstance(n_features, bool)
        or not isinstance(n_features, (int, np.integer))
        or n_features < 1
    ):
        raise ValueError(f"n_features must be an int >= 1; got {n_features!r}.")
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 1:
        raise ValueError(f"degree must be an int >= 1; got {degree!r}.")
    low, high = (float(value) for value in coef_range)
    if not low <= high:
        raise ValueError(f"coef_range must be (low, high) with low <= high; got {coef_range!r}.")
    if terms_per_degree is None or isinstance(terms_per_degree, (int, np.integer)):
        counts: list[int | None] = [terms_per_degree] * degree  # type: ignore[list-item]
    else:
        counts = list(terms_per_degree)
        if len(counts) != degree:
            raise ValueError(
                f"terms_per_degree must have one entry per degree 1..{degree}; got {terms_per_degree!r}."
            )
    generator = np.random.default_rng(rng)
    labels: list[tuple[int, ...]] = [(0,)] if intercept else []
    for order, count in enumerate(counts, start=1):
        candidates = list(combinations_with_replacement(range(1, n_features + 1), order))
        if count is None:
            labels.extend(candidates)
            continue
        if not 0 <= int(count) <= len(candidates):
            raise ValueError(
                f"terms_per_degree asks for {count} terms of degree {order}, but p={n_features} "
                f"variables have only {len(candidates)}; lower it."
            )
        chosen = sorted(generator.choice(len(candidates), size=int(count), replace=False))
        labels.extend(candidates[index] for index in chosen)
    powers = np.array([_label_powers(label, n_features) for label in labels], dtype=np.int64)
    powers = powers.reshape(len(labels), n_features)
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
        raise ValueError(
            f"correlation must lie in (-1/(p-1), 1) for an equicorrelated normal with p={n_features}; "
            f"got {correlation!r}."
        )
    covariance = np.full((n_features, n_features), correlation) + (1.0 - correlation) * np.eye(
        n_features
    )
    return generator.multivariate_normal(mean, covariance, size=n, method="cholesky")


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
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}; got {distribution!r}.")
    if polynomial.n_outputs != 1:
        raise ValueError(
            f"simulate expects a polynomial with one output; got {polynomial.n_outputs}."
        )
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 4:
        raise ValueError(f"n must be an int >= 4; got {n!r}.")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1); got {test_fraction!r}.")
    if noise_sd < 0:
        raise ValueError(f"noise_sd must be >= 0; got {noise_sd!r}.")
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
