"""The Polynomial result type: an immutable multivariate polynomial with one
coefficient column per output."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _formatting
from ._kernels import evaluate_monomials
from ._jsonio import read_json, write_json
from ._monomials import MonomialBasis

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import sympy

__all__ = ["LayerPolynomials", "Polynomial"]

FloatArray = NDArray[np.float64]
LINKS = (None, "sigmoid", "softmax")
_FORMAT_NAME = "nn2poly.polynomial"
_FORMAT_VERSION = 1
_EVALUATION_CHUNK = 1 << 22  # samples x terms evaluated per block


class LayerPolynomials(NamedTuple):
    """One layer's polynomials: ``input`` (pre-activations) and ``output``."""

    input: Polynomial
    output: Polynomial


def _names(value: Any, count: int, prefix: str, what: str) -> tuple[str, ...]:
    if value is None:
        return tuple(f"{prefix}{i + 1}" for i in range(count))
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{what} must be a sequence of {count} str; got {type(value).__name__}.")
    names = tuple(str(name) for name in value)
    if len(names) != count:
        raise ValueError(f"{what} has {len(names)} entries but {count} are needed: {names!r}.")
    if len(set(names)) != len(names):
        raise ValueError(f"{what} must be unique; got {names!r}.")
    return names


#: Largest total degree of a monomial a Polynomial accepts.
MAX_DEGREE = 1000


def _powers_to_variables(powers: NDArray[np.int64]) -> NDArray[np.int32]:
    degrees = powers.sum(axis=1)
    width = max(int(degrees.max(initial=0)), 1)
    if width > MAX_DEGREE:
        raise ValueError(
            f"powers has a monomial of total degree {width}; at most {MAX_DEGREE} is supported."
        )
    out = np.full((powers.shape[0], width), -1, dtype=np.int32)
    for row, exponents in enumerate(powers):
        variables = np.repeat(np.arange(powers.shape[1]), exponents)
        out[row, : variables.shape[0]] = variables
    return out


@dataclass(frozen=True, eq=False, repr=False, init=False)
class Polynomial:
    """A multivariate polynomial ``y_k = sum_t coef[t, k] * prod_i x_i^powers[t, i]``.

    Parameters
    ----------
    powers : array_like of int, shape (n_terms, n_features)
        Exponents of each monomial; rows must be distinct.
    coef : array_like of float, shape (n_terms,) or (n_terms, n_outputs)
    feature_names : sequence of str, optional
        Default ``x1 .. xp``.
    output_names : sequence of str, optional
        Default ``y1 .. yk``.
    link : {None, "sigmoid", "softmax"}, default=None
        For classifiers: the polynomial describes the logits and
        :meth:`predict_proba` applies the link.

    Examples
    --------
    >>> import numpy as np
    >>> poly = Polynomial([[0, 0], [1, 0], [1, 1]], [0.5, 2.0, -1.0])
    >>> print(poly)
    y1 = 0.5 + 2*x1 - x1*x2
    >>> poly.predict(np.array([[1.0, 3.0]]))
    array([-0.5])
    >>> poly.labels
    [(0,), (1,), (1, 2)]
    """

    _variables: NDArray[np.int32]
    coef: FloatArray
    n_features: int
    feature_names: tuple[str, ...]
    output_names: tuple[str, ...]
    link: str | None = None
    layers: tuple[LayerPolynomials, ...] | None = None

    def __init__(
        self,
        powers: ArrayLike,
        coef: ArrayLike,
        *,
        feature_names: Sequence[str] | None = None,
        output_names: Sequence[str] | None = None,
        link: str | None = None,
    ) -> None:
        try:
            exponents = np.asarray(powers)
        except (TypeError, ValueError):
            raise TypeError("powers must be an integer array of shape (n_terms, n_features).") from None
        if exponents.ndim != 2:
            raise ValueError(
                f"powers must have shape (n_terms, n_features); got shape {exponents.shape}."
            )
        if exponents.size and (
            not np.issubdtype(exponents.dtype, np.number)
            or not np.all(np.equal(np.mod(exponents, 1), 0))
            or exponents.min() < 0
        ):
            raise ValueError("powers must hold non-negative integers.")
        exponents = exponents.astype(np.int64)
        if np.unique(exponents, axis=0).shape[0] != exponents.shape[0]:
            raise ValueError("powers has repeated rows; each monomial must appear once.")
        variables = _powers_to_variables(exponents)
        self._init(variables, coef, exponents.shape[1], feature_names, output_names, link, None)

    def _init(
        self,
        variables: NDArray[np.int32],
        coef: ArrayLike,
        n_features: int,
        feature_names: Any,
        output_names: Any,
        link: Any,
        layers: Any,
    ) -> None:
        values = np.array(coef, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[0] != variables.shape[0]:
            raise ValueError(
                f"coef must have shape (n_terms,) or (n_terms, n_outputs) with n_terms="
                f"{variables.shape[0]}; got shape {np.shape(coef)}."
            )
        if link not in LINKS:
            raise ValueError(f"link must be one of {LINKS}; got {link!r}.")
        values.setflags(write=False)
        variables.setflags(write=False)
        set_ = object.__setattr__
        set_(self, "_variables", variables)
        set_(self, "coef", values)
        set_(self, "n_features", int(n_features))
        set_(self, "feature_names", _names(feature_names, n_features, "x", "feature_names"))
        set_(self, "output_names", _names(output_names, values.shape[1], "y", "output_names"))
        set_(self, "link", link)
        set_(self, "layers", layers)

    @classmethod
    def _from_basis(
        cls,
        basis: MonomialBasis,
        coef: FloatArray,
        *,
        feature_names: Any = None,
        output_names: Any = None,
        link: str | None = None,
        layers: Any = None,
    ) -> Polynomial:
        self = object.__new__(cls)
        variables = basis.variables.copy()
        self._init(variables, coef, basis.n_variables, feature_names, output_names, link, layers)
        object.__setattr__(self, "_basis", basis)
        return self

    def _replace(self, variables: NDArray[np.int32], coef: FloatArray, **changes: Any) -> Polynomial:
        self_ = object.__new__(type(self))
        fields = {
            "feature_names": self.feature_names,
            "output_names": self.output_names,
            "link": self.link,
            "layers": None,
        }
        fields.update(changes)
        self_._init(
            variables.copy(), coef, self.n_features, fields["feature_names"],
            fields["output_names"], fields["link"], fields["layers"],
        )
        return self_

    # --------------------------------------------------------------- shape
    @property
    def n_terms(self) -> int:
        """Number of monomials."""
        return int(self._variables.shape[0])

    @property
    def n_outputs(self) -> int:
        """Number of outputs (coefficient columns)."""
        return int(self.coef.shape[1])

    @cached_property
    def degrees(self) -> NDArray[np.int64]:
        """Total degree of each monomial, shape (n_terms,)."""
        return (self._variables >= 0).sum(axis=1).astype(np.int64)

    @property
    def degree(self) -> int:
        """Largest total degree among the monomials."""
        return int(self.degrees.max(initial=0))

    @cached_property
    def powers(self) -> NDArray[np.int64]:
        """Exponents, int array of shape (n_terms, n_features)."""
        out = np.zeros((self.n_terms, self.n_features), dtype=np.int64)
        rows = np.repeat(np.arange(self.n_terms), self._variables.shape[1])
        columns = self._variables.ravel()
        keep = columns >= 0
        np.add.at(out, (rows[keep], columns[keep]), 1)
        out.setflags(write=False)
        return out

    @cached_property
    def labels(self) -> list[tuple[int, ...]]:
        """R-style labels: ``(0,)`` intercept, ``(1, 1, 3)`` for ``x1^2 x3``."""
        return [
            tuple(int(v) + 1 for v in row[:degree]) if degree else (0,)
            for row, degree in zip(self._variables.tolist(), self.degrees.tolist())
        ]

    @cached_property
    def term_names(self) -> list[str]:
        """Readable names of the monomials, e.g. ``'x1^2*x3'`` (``'1'`` for the intercept)."""
        return [_formatting.monomial_name(label, self.feature_names) for label in self.labels]

    # ------------------------------------------------------------ evaluate
    def _check_X(self, X: ArrayLike) -> FloatArray:
        if hasattr(X, "columns") and hasattr(X, "to_numpy"):
            X = self._columns_in_feature_order(X)
        try:
            array = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"X must be a numeric array; got {type(X).__name__}.") from None
        if np.iscomplexobj(X):
            raise TypeError("X is complex; the polynomial is evaluated on real inputs only.")
        if array.ndim == 1 and self.n_features == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ValueError(
                f"Expected a 2-D array X of shape (n_samples, {self.n_features}); got shape "
                f"{array.shape}. Reshape a single sample with X.reshape(1, -1)."
            )
        if array.shape[1] != self.n_features:
            raise ValueError(
                f"X has {array.shape[1]} columns but the polynomial has {self.n_features} "
                f"features ({', '.join(self.feature_names[:6])}"
                f"{', ...' if self.n_features > 6 else ''}); pass one column per feature."
            )
        if not np.all(np.isfinite(array)):
            raise ValueError("X contains NaN or infinite values; remove or impute them first.")
        return np.ascontiguousarray(array)

    def _columns_in_feature_order(self, frame: Any) -> FloatArray:
        """A DataFrame's values with its columns put in ``feature_names`` order.

        Columns named like the features are reordered by name; a frame whose
        string column names differ from non-default feature names is refused,
        so a reordered frame never gives silently wrong values.
        """
        columns = [str(column) for column in frame.columns]
        defaults = tuple(f"x{i + 1}" for i in range(self.n_features))
        if set(columns) == set(self.feature_names) and len(columns) == self.n_features:
            frame = frame[[frame.columns[columns.index(name)] for name in self.feature_names]]
        elif self.feature_names != defaults and all(isinstance(c, str) for c in frame.columns):
            raise ValueError(
                f"X has columns {columns!r} but the polynomial's features are "
                f"{list(self.feature_names)!r}; rename the columns or pass X.to_numpy() "
                "with the columns in feature order."
            )
        return np.asarray(frame.to_numpy(dtype=np.float64))

    def _evaluate(self, X: FloatArray) -> FloatArray:
        out = np.empty((X.shape[0], self.n_outputs), dtype=np.float64)
        coef = np.ascontiguousarray(self.coef)
        evaluate_monomials(X, self._variables, coef, out)
        return out

    def decision_function(self, X: ArrayLike) -> FloatArray:
        """Polynomial values, always of shape (n_samples, n_outputs)."""
        return self._evaluate(self._check_X(X))

    def predict(self, X: ArrayLike) -> FloatArray:
        """Evaluate the polynomial.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for one output, else (n_samples, n_outputs)
            For a classifier (``link`` set) these are the logits; see
            :meth:`predict_proba`.
        """
        values = self.decision_function(X)
        return values[:, 0] if self.n_outputs == 1 else values

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """Class probabilities through the link, shape (n_samples, n_classes).

        With ``link="sigmoid"`` and one output the columns are
        ``(1 - p, p)``; with several sigmoid outputs (multi-label) each column
        is its own probability.
        """
        if self.link is None:
            raise ValueError(
                "predict_proba needs a classifier polynomial (link 'sigmoid' or 'softmax'); "
                "this polynomial has link=None. Use predict for regression outputs."
            )
        logits = self.decision_function(X)
        if self.link == "softmax":
            from scipy.special import softmax

            return softmax(logits, axis=1)
        from scipy.special import expit

        probability = expit(logits)
        if self.n_outputs == 1:
            return np.hstack([1.0 - probability, probability])
        return probability

    def predict_class(self, X: ArrayLike) -> NDArray[np.int64]:
        """Predicted class index per sample, shape (n_samples,) (multi-label
        sigmoid: shape (n_samples, n_outputs) of 0/1)."""
        probability = self.predict_proba(X)
        if self.link == "sigmoid" and self.n_outputs > 1:
            return (probability > 0.5).astype(np.int64)
        return np.argmax(probability, axis=1).astype(np.int64)

    def monomial_values(self, X: ArrayLike) -> FloatArray:
        """Each monomial evaluated at each sample, shape (n_samples, n_terms)."""
        array = self._check_X(X)
        out = np.ones((array.shape[0], self.n_terms), dtype=np.float64)
        for column in range(self._variables.shape[1]):
            variables = self._variables[:, column]
            present = variables >= 0
            out[:, present] *= array[:, variables[present]]
        return out

    def monomial_contributions(self, X: ArrayLike) -> FloatArray:
        """Each term's contribution ``coef * monomial``, shape (n_samples, n_terms, n_outputs).

        Summing over axis 1 gives :meth:`decision_function`.
        """
        values = self.monomial_values(X)
        return values[:, :, None] * self.coef[None, :, :]

    # ----------------------------------------------------------- transform
    def truncate(self, degree: int) -> Polynomial:
        """The terms of total degree at most ``degree``."""
        if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 0:
            raise ValueError(f"degree must be a non-negative int; got {degree!r}.")
        keep = self.degrees <= degree
        width = max(int(degree), 1)
        variables = self._variables[keep][:, : min(width, self._variables.shape[1])]
        return self._replace(np.ascontiguousarray(variables), self.coef[keep])

    def top(self, n: int = 10, *, output: int | str | None = None, include_intercept: bool = True) -> Polynomial:
        """The ``n`` terms of largest absolute coefficient, largest first.

        Parameters
        ----------
        n : int, default=10
        output : int or str, optional
            Rank by this output; default: by the largest absolute value over outputs.
        include_intercept : bool, default=True
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive int; got {n!r}.")
        if output is None:
            size = np.abs(self.coef).max(axis=1)
        else:
            size = np.abs(self.coef[:, self._output_index(output)])
        candidates = np.arange(self.n_terms)
        if not include_intercept:
            candidates = candidates[self.degrees > 0]
        order = candidates[np.argsort(-size[candidates], kind="stable")][:n]
        return self._replace(self._variables[order], self.coef[order])

    def _output_index(self, output: int | str) -> int:
        if isinstance(output, str):
            if output not in self.output_names:
                raise ValueError(f"Unknown output {output!r}; outputs: {list(self.output_names)}.")
            return self.output_names.index(output)
        if not -self.n_outputs <= int(output) < self.n_outputs:
            raise ValueError(f"output index {output} out of range for {self.n_outputs} outputs.")
        return int(output)

    def coefficient(self, label: Sequence[int], output: int | str = 0) -> float:
        """The coefficient of one monomial, given by its R-style label, e.g. ``(1, 2)``."""
        try:
            variables = [int(v) for v in label]
        except (TypeError, ValueError):
            raise TypeError(f"label must be a sequence of ints such as (1, 2); got {label!r}.") from None
        if variables != [0] and any(not 1 <= v <= self.n_features for v in variables):
            raise ValueError(
                f"label {tuple(label)!r} names a variable outside 1..{self.n_features}; labels use "
                "1-based variable indices, with (0,) for the intercept."
            )
        target = tuple(sorted(variables)) if variables != [0] else (0,)
        try:
            row = self.labels.index(target)
        except ValueError:
            return 0.0
        return float(self.coef[row, self._output_index(output)])

    # ------------------------------------------------------------- display
    def __repr__(self) -> str:
        return (
            f"Polynomial(n_features={self.n_features}, n_outputs={self.n_outputs}, "
            f"n_terms={self.n_terms}, degree={self.degree}"
            + (f", link={self.link!r}" if self.link else "")
            + ")"
        )

    def __str__(self) -> str:
        return _formatting.to_text(self)

    def _repr_latex_(self) -> str:
        return "$" + self.to_latex() + "$"

    def to_latex(self, *, max_terms: int | None = 30, precision: int = 4) -> str:
        """LaTeX of the polynomial (``aligned`` for several outputs)."""
        return _formatting.to_latex(self, max_terms=max_terms, precision=precision)

    def to_frame(self) -> pandas.DataFrame:
        """A pandas DataFrame: one row per term; columns ``term``, ``label``,
        ``degree`` and one per output."""
        return _formatting.to_frame(self)

    def to_sympy(self) -> sympy.Expr | sympy.Matrix:
        """A sympy expression (a column Matrix for several outputs), exact in the floats."""
        return _formatting.to_sympy(self)

    def to_sklearn(self) -> Any:
        """A fitted scikit-learn ``Pipeline(PolynomialFeatures, LinearRegression)``
        whose ``predict`` equals :meth:`predict` (needs scikit-learn)."""
        from ._sklearn_export import polynomial_to_sklearn

        return polynomial_to_sklearn(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (exact float round trip)."""
        return {
            "format": _FORMAT_NAME,
            "version": _FORMAT_VERSION,
            "n_features": self.n_features,
            "feature_names": list(self.feature_names),
            "output_names": list(self.output_names),
            "link": self.link,
            "labels": [list(label) for label in self.labels],
            "coef": [column.tolist() for column in self.coef.T],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Polynomial:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, dict) or data.get("format") != _FORMAT_NAME:
            raise ValueError(
                "Not an nn2poly polynomial: expected a dictionary with "
                f"format={_FORMAT_NAME!r} (as written by Polynomial.save)."
            )
        missing = [key for key in ("n_features", "labels", "coef") if key not in data]
        if missing:
            raise ValueError(f"The polynomial dictionary lacks the keys {missing!r}.")
        try:
            n_features = int(data["n_features"])
            labels = [[int(v) for v in label] for label in data["labels"]]
            coef = np.array(data["coef"], dtype=np.float64).T
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Malformed polynomial dictionary: {exc}.") from None
        powers = np.zeros((len(labels), n_features), dtype=np.int64)
        for row, label in enumerate(labels):
            for variable in label:
                if variable:
                    if not 1 <= variable <= n_features:
                        raise ValueError(
                            f"label {label!r} names variable {variable}, outside 1..{n_features}."
                        )
                    powers[row, variable - 1] += 1
        return cls(
            powers,
            coef,
            feature_names=data.get("feature_names"),
            output_names=data.get("output_names"),
            link=data.get("link"),
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the polynomial as JSON; :meth:`load` reads it back exactly."""
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Polynomial:
        """Read a polynomial written by :meth:`save`."""
        return cls.from_dict(read_json(path))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Polynomial):
            return NotImplemented
        width = max(self.degree, other.degree, 1)
        return (
            self.n_features == other.n_features
            and self.n_terms == other.n_terms
            and np.array_equal(self._padded(width), other._padded(width))
            and np.array_equal(self.coef, other.coef)
            and self.feature_names == other.feature_names
            and self.output_names == other.output_names
            and self.link == other.link
        )

    __hash__ = None  # type: ignore[assignment]

    def _padded(self, width: int) -> NDArray[np.int32]:
        """The variable rows padded (or cut) to ``width`` columns."""
        rows = self._variables
        if rows.shape[1] >= width:
            return rows[:, :width]
        out = np.full((rows.shape[0], width), -1, dtype=np.int32)
        out[:, : rows.shape[1]] = rows
        return out
