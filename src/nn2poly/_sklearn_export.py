"""Export a :class:`Polynomial` as a fitted scikit-learn estimator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sklearn.pipeline import Pipeline

    from ._polynomial import Polynomial

__all__ = ["polynomial_to_sklearn"]


def _default_names(n_features: int) -> tuple[str, ...]:
    return tuple(f"x{i + 1}" for i in range(n_features))


def polynomial_to_sklearn(poly: Polynomial) -> Pipeline:
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
    >>> from nn2poly._sklearn_export import polynomial_to_sklearn
    >>> poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1]], [0.5, 2.0, -1.0])
    >>> model = polynomial_to_sklearn(poly)
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
    from ._polynomial import Polynomial

    if not isinstance(poly, Polynomial):
        raise TypeError(f"Expected an nn2poly.Polynomial; got {type(poly).__name__}.")
    degree = max(poly.degree, 1)
    features = PolynomialFeatures(degree=degree, include_bias=False)
    features.fit(np.zeros((1, poly.n_features)))
    columns = {tuple(row): index for index, row in enumerate(features.powers_.tolist())}
    coef = np.zeros((poly.n_outputs, len(columns)))
    intercept = np.zeros(poly.n_outputs)
    for row, exponents in enumerate(poly.powers.tolist()):
        if not any(exponents):
            intercept += poly.coef[row]
        else:
            coef[:, columns[tuple(exponents)]] = poly.coef[row]
    linear = LinearRegression()
    if poly.n_outputs == 1:
        linear.coef_ = coef[0]
        linear.intercept_ = float(intercept[0])
    else:
        linear.coef_ = coef
        linear.intercept_ = intercept
    linear.n_features_in_ = len(columns)
    if poly.feature_names != _default_names(poly.n_features):
        features.feature_names_in_ = np.asarray(poly.feature_names, dtype=object)
    return Pipeline([("features", features), ("linear", linear)])
