"""The scikit-learn view of a polynomial: a fitted ``PolynomialFeatures`` pipeline.

Each monomial's column is computed from its label (no table of every column
scikit-learn would make), and a pipeline whose coefficients would not fit in
the memory limit is refused before anything is allocated.
"""

from __future__ import annotations

from math import comb
from typing import TYPE_CHECKING

import numpy as np

from ._memory import MemoryLimitError, format_bytes, get_memory_limit
from ._polynomial_protocol import PolynomialBase

if TYPE_CHECKING:  # pragma: no cover
    from sklearn.pipeline import Pipeline

__all__ = ["sklearn_column", "to_sklearn"]


def sklearn_column(label: tuple[int, ...], n_features: int) -> int:
    """The column of a monomial among ``PolynomialFeatures(include_bias=False)``'s outputs.

    scikit-learn lists the monomials by degree, each degree's as the sorted
    variable tuples of ``combinations_with_replacement`` in lexicographic
    order; the rank is computed from the label (no table of every column).

    Examples
    --------
    >>> [sklearn_column(label, 2) for label in [(1,), (2,), (1, 1), (1, 2), (2, 2)]]
    [0, 1, 2, 3, 4]
    """
    degree = len(label)
    # columns of the lower degrees 1 .. degree - 1: C(n + degree - 1, degree - 1) - 1
    column = comb(n_features + degree - 1, degree - 1) - 1
    # variables v_1 <= ... <= v_d (0-based) as the combination b_j = v_j + j of
    # range(n + d - 1); count the combinations that precede it position by position
    size = n_features + degree - 1
    previous = -1
    for position, variable in enumerate(label):
        value = variable - 1 + position
        remaining = degree - position
        column += comb(size - previous - 1, remaining) - comb(size - value, remaining)
        previous = value
    return column


def _check_sklearn_size(n_features: int, degree: int, n_outputs: int) -> int:
    """The number of columns of the features step; refused over the memory limit."""
    n_columns = comb(n_features + degree, degree) - 1
    # the coefficients, plus one row of features (what predict builds per sample)
    n_bytes = 8 * n_columns * (n_outputs + 1)
    limit = get_memory_limit()
    if n_bytes > limit:
        raise MemoryLimitError(
            f"Exporting to scikit-learn needs every monomial of degree <= {degree} in "
            f"{n_features} features ({n_columns:,} columns, about {format_bytes(n_bytes)} for "
            f"the coefficients), over the memory limit of {format_bytes(limit)}. Use "
            "Polynomial.predict, truncate the polynomial to a lower degree, or raise the limit "
            "with nn2poly.set_memory_limit()."
        )
    return n_columns


def to_sklearn(poly: PolynomialBase) -> Pipeline:
    """A fitted scikit-learn pipeline that computes the polynomial.

    The pipeline is ``PolynomialFeatures(degree=poly.degree,
    include_bias=False)`` followed by a ``LinearRegression`` whose ``coef_``
    and ``intercept_`` hold the polynomial's coefficients (zero for the
    monomials the polynomial does not have).  Its ``predict`` equals
    :meth:`Polynomial.predict` to float64 round-off; for a classifier
    polynomial (``link`` set) that is the logits.  Feature names other than
    the default ``x1 .. xp`` are set as ``feature_names_in_``, so the
    pipeline checks the columns of a pandas DataFrame as scikit-learn does.

    Parameters
    ----------
    poly : Polynomial

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"features"`` (``PolynomialFeatures``) and ``"linear"``
        (``LinearRegression``), fitted.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1]], [0.5, 2.0, -1.0])
    >>> model = to_sklearn(poly)
    >>> model.predict(np.array([[1.0, 3.0]]))
    array([-0.5])
    >>> model.named_steps["linear"].coef_
    array([ 2.,  0.,  0., -1.,  0.])
    """
    try:
        from sklearn.linear_model import LinearRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import PolynomialFeatures
    except ImportError:
        raise ImportError(
            "Exporting to scikit-learn needs scikit-learn: pip install 'nn2poly[sklearn]'."
        ) from None
    required = ("powers", "coef", "degree", "n_features", "n_outputs", "feature_names")
    if not all(hasattr(poly, name) for name in required):
        raise TypeError(f"Expected an nn2poly.Polynomial; got {type(poly).__name__}.")
    degree = max(poly.degree, 1)
    n_columns = _check_sklearn_size(poly.n_features, degree, poly.n_outputs)
    features = PolynomialFeatures(degree=degree, include_bias=False)
    features.fit(np.zeros((1, poly.n_features)))
    coef = np.zeros((poly.n_outputs, n_columns))
    intercept = np.zeros(poly.n_outputs)
    for row, label in enumerate(poly.labels):
        if label == (0,):
            intercept += poly.coef[row]
        else:
            coef[:, sklearn_column(label, poly.n_features)] = poly.coef[row]
    linear = LinearRegression()
    if poly.n_outputs == 1:
        linear.coef_ = coef[0]
        linear.intercept_ = float(intercept[0])
    else:
        linear.coef_ = coef
        linear.intercept_ = intercept
    linear.n_features_in_ = n_columns
    if tuple(poly.feature_names) != tuple(f"x{i + 1}" for i in range(poly.n_features)):
        features.feature_names_in_ = np.asarray(poly.feature_names, dtype=object)
    return Pipeline([("features", features), ("linear", linear)])
