"""The Polynomial result type: an immutable multivariate polynomial with one
coefficient column per output, a thin shell over the array functions of
:mod:`nn2poly._powers`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _export, _powers
from ._export import PolynomialExports
from ._kernels import evaluate_monomials
from ._monomials import MonomialBasis
from ._network_graph import LINK_CONSTRAINTS
from ._polynomial_algebra import PolynomialArithmetic
from ._polynomial_classes import PolynomialClasses
from ._polynomial_input import (
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    check_coef,
    check_names,
    check_samples,
    named_label,
)
from ._polynomial_io import PolynomialIO
from ._provenance import PolynomialRecord, check_origin, check_provenance, describe
from ._validation import Interval, Options, check_param

__all__ = ["LayerPolynomials", "Polynomial"]

FloatArray = NDArray[np.float64]
_FLOAT = np.dtype(np.float64)


class LayerPolynomials(NamedTuple):
    """One layer's polynomials: ``input`` (pre-activations) and ``output``.

    Conversions with ``keep_layers=True`` give one per layer as ``poly.layers``.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> weights = [np.array([[0.0], [0.5]]), np.array([[0.0], [2.0]])]
    >>> poly = nn2poly.to_polynomial((weights, ["tanh", "linear"]), 3, keep_layers=True)
    >>> first = poly.layers[0]
    >>> print(first.input)
    y1 = 0.5*x1
    >>> print(first.output)
    y1 = 0.5*x1 - 0.0416667*x1^3
    """

    input: Polynomial
    output: Polynomial


@dataclass(frozen=True, eq=False, repr=False, init=False)
class Polynomial(
    PolynomialArithmetic, PolynomialClasses, PolynomialExports, PolynomialIO, PolynomialRecord
):
    """A multivariate polynomial ``y_k = sum_t coef[t, k] * prod_i x_i^powers[t, i]``.

    The terms are held sparsely (the sorted variables of each monomial), so a
    polynomial in many features costs memory per term and degree, not per
    feature; :attr:`powers` is the dense view, built on first use.

    Parameters
    ----------
    powers : array_like of int, shape (n_terms, n_features)
        Exponents of each monomial (at most 1000 in total per row); rows
        must be distinct.
    coef : array_like of float, shape (n_terms,) or (n_terms, n_outputs)
        Finite coefficients.
    feature_names : sequence of str, optional
        Default ``x1 .. xp``.
    output_names : sequence of str, optional
        Default ``y1 .. yk``.
    link : {None, "sigmoid", "softmax"}, default=None
        For classifiers: the polynomial describes the logits and
        :meth:`predict_proba` applies the link.
    provenance : mapping of str to JSON values, optional
        How the polynomial was built (conversions record the approximation,
        ``max_order``, the source model, ...); read-only, kept by ``save``.
    origin : array_like of shape (n_features,), optional
        The point the variables are measured from: the polynomial is in
        ``x - origin`` and :meth:`predict` takes ``X`` in the original
        coordinates.  Default zeros.

    Examples
    --------
    >>> import numpy as np
    >>> poly = Polynomial([[0, 0], [1, 0], [1, 1]], [0.5, 2.0, -1.0])
    >>> print(poly)
    y1 = 0.5 + 2*x1 - x1*x2
    >>> poly(np.array([[1.0, 3.0]]))
    array([-0.5])
    >>> poly.labels
    [(0,), (1,), (1, 2)]
    >>> print(2 * poly - 1)
    y1 = 4*x1 - 2*x1*x2
    """

    _variables: NDArray[np.int32]
    coef: FloatArray
    n_features: int
    feature_names: tuple[str, ...]
    output_names: tuple[str, ...]
    provenance: Mapping[str, Any]
    origin: FloatArray
    link: str | None = None
    layers: tuple[LayerPolynomials, ...] | None = None

    #: numpy defers to the reflected operators (``2.0 * poly`` is a Polynomial)
    __array_ufunc__ = None

    def __init__(
        self,
        powers: ArrayLike,
        coef: ArrayLike,
        *,
        feature_names: Sequence[str] | None = None,
        output_names: Sequence[str] | None = None,
        link: str | None = None,
        provenance: Mapping[str, Any] | None = None,
        origin: ArrayLike | None = None,
    ) -> None:
        exponents = _powers.check_powers(powers)
        _powers.check_distinct(exponents, "powers", "Polynomial")
        variables = _powers.powers_to_variables(exponents)
        names = {"feature_names": feature_names, "output_names": output_names, "link": link}
        self._init(
            variables, coef, exponents.shape[1], **names, provenance=provenance, origin=origin
        )
        exponents.setflags(write=False)
        object.__setattr__(self, "powers", exponents)  # the cached dense view

    def _init(
        self,
        variables: NDArray[np.int32],
        coef: ArrayLike,
        n_features: int,
        feature_names: Any = None,
        output_names: Any = None,
        link: Any = None,
        layers: Any = None,
        provenance: Any = None,
        origin: Any = None,
    ) -> None:
        values: FloatArray | None = None
        if isinstance(coef, np.ndarray) and type(coef) is np.ndarray and coef.dtype is _FLOAT:
            fresh = coef.ndim == 2 and len(coef) == len(variables) and np.isfinite(coef).all()
            values = np.array(coef) if fresh else None  # check_coef's result, without its work
        values = check_coef(coef, variables.shape[0]) if values is None else values
        check_param("link", link, LINK_CONSTRAINTS, caller="Polynomial")
        values.setflags(write=False)
        variables.setflags(write=False)
        set_ = object.__setattr__
        set_(self, "_variables", variables)
        set_(self, "coef", values)
        set_(self, "n_features", int(n_features))
        set_(self, "feature_names", check_names(feature_names, n_features, "x", "feature_names"))
        set_(self, "output_names", check_names(output_names, values.shape[1], "y", "output_names"))
        set_(self, "link", link)
        set_(self, "layers", layers)
        set_(self, "provenance", check_provenance(provenance))
        set_(self, "origin", check_origin(origin, int(n_features)))

    @classmethod
    def _from_variables(
        cls, variables: NDArray[np.int32], coef: ArrayLike, n_features: int, **fields: Any
    ) -> Polynomial:
        """From -1-padded sorted variable rows (no dense powers built)."""
        rows = np.ascontiguousarray(variables, dtype=np.int32)
        _powers.check_distinct(rows, "labels", None)
        self = object.__new__(cls)
        self._init(rows, coef, n_features, **fields)
        return self

    @classmethod
    def _from_basis(cls, basis: MonomialBasis, coef: FloatArray, **fields: Any) -> Polynomial:
        """Every monomial of a basis, in its (graded) order: the engine's results.

        ``fields``: ``feature_names``, ``output_names``, ``link``, ``layers``,
        ``provenance``, ``origin``.
        """
        self = object.__new__(cls)
        self._init(basis.variables.copy(), coef, basis.n_variables, **fields)
        return self

    def _new(self, powers: NDArray[np.int64], coef: FloatArray, **changes: Any) -> Polynomial:
        """A polynomial with these arrays and this one's names, link, origin and provenance
        (no layers); new variables (``feature_names`` changed) drop the provenance."""
        fields: dict[str, Any] = {"feature_names": self.feature_names}
        fields["output_names"] = self.output_names
        if "feature_names" in changes and self.origin.any():
            raise ValueError("A polynomial centred at a non-zero origin keeps its variables.")
        if "feature_names" not in changes:
            fields.update(origin=self.origin, provenance=self.provenance)
        return type(self)(powers, coef, **{**fields, "link": self.link, **changes})

    def _subset(self, rows: NDArray[np.int64] | NDArray[np.bool_]) -> Polynomial:
        self_ = object.__new__(type(self))
        variables = np.ascontiguousarray(self._variables[rows])
        fields = (self.feature_names, self.output_names, self.link, None, self.provenance)
        self_._init(variables, self.coef[rows], self.n_features, *fields, self.origin)
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
        degrees: NDArray[np.int64] = (self._variables >= 0).sum(axis=1).astype(np.int64)
        return degrees

    @property
    def degree(self) -> int:
        """Largest total degree among the monomials."""
        return int(self.degrees.max(initial=0))

    @cached_property
    def powers(self) -> NDArray[np.int64]:
        """Exponents, int array of shape (n_terms, n_features)."""
        out = _powers.variables_to_powers(self._variables, self.n_features)
        out.setflags(write=False)
        return out

    @cached_property
    def labels(self) -> list[tuple[int, ...]]:
        """R-style labels: ``(0,)`` intercept, ``(1, 1, 3)`` for ``x1^2 x3``."""
        return _powers.variables_to_labels(self._variables)

    @cached_property
    def term_names(self) -> list[str]:
        """Readable names of the monomials, e.g. ``'x1^2*x3'`` (``'1'`` for the intercept)."""
        return [_export.monomial_name(label, self.feature_names) for label in self.labels]

    # ------------------------------------------------------------ evaluate
    def _check_X(self, X: Any, caller: str = "Polynomial.predict") -> FloatArray:
        """Samples as the polynomial's variables: ``X - origin``."""
        array = check_samples(X, self.feature_names, caller)
        return np.ascontiguousarray(array - self.origin) if self.origin.any() else array

    def _evaluate(self, X: FloatArray) -> FloatArray:
        out = np.empty((X.shape[0], self.n_outputs), dtype=np.float64)
        evaluate_monomials(X, self._variables, np.ascontiguousarray(self.coef), out)
        return out

    def decision_function(self, X: ArrayLike) -> FloatArray:
        """Polynomial values, always of shape (n_samples, n_outputs).

        Examples
        --------
        >>> Polynomial([[0], [1]], [1.0, 2.0]).decision_function([[3.0]])
        array([[7.]])
        """
        return self._evaluate(self._check_X(X, "Polynomial.decision_function"))

    def predict(self, X: ArrayLike) -> FloatArray:
        """Evaluate the polynomial.

        Parameters
        ----------
        X : array_like or pandas.DataFrame of shape (n_samples, n_features)
            Arrays are read by position; a DataFrame by column name, and its
            columns must be exactly the feature names (in any order). Torch
            tensors are detached.

        Returns
        -------
        ndarray of shape (n_samples,) for one output, else (n_samples, n_outputs)
            For a classifier (``link`` set) these are the logits; see
            :meth:`predict_proba`.

        Examples
        --------
        >>> poly = Polynomial([[0, 0], [1, 1]], [1.0, 2.0], feature_names=["a", "b"])
        >>> poly.predict([[1.0, 3.0], [0.0, 5.0]])
        array([7., 1.])
        """
        values = self._evaluate(self._check_X(X))
        return values[:, 0] if self.n_outputs == 1 else values

    def __call__(self, X: ArrayLike) -> FloatArray:
        """Same as :meth:`predict`.

        Examples
        --------
        >>> Polynomial([[0], [2]], [1.0, 1.0])([[2.0]])
        array([5.])
        """
        return self.predict(X)

    def monomial_values(self, X: ArrayLike) -> FloatArray:
        """Each monomial evaluated at each sample, shape (n_samples, n_terms).

        Examples
        --------
        >>> Polynomial([[0], [1], [2]], [1.0, 1.0, 1.0]).monomial_values([[3.0]])
        array([[1., 3., 9.]])
        """
        return _powers.variable_monomials(
            self._variables, self._check_X(X, "Polynomial.monomial_values")
        )

    def monomial_contributions(self, X: ArrayLike) -> FloatArray:
        """Each term's contribution ``coef * monomial``, shape (n_samples, n_terms, n_outputs).

        Summing over axis 1 gives :meth:`decision_function`.

        Examples
        --------
        >>> Polynomial([[0], [1]], [1.0, 2.0]).monomial_contributions([[3.0]])[:, :, 0]
        array([[1., 6.]])
        """
        values = self.monomial_values(X)
        return values[:, :, None] * self.coef[None, :, :]

    # ----------------------------------------------------------- transform
    def truncate(self, degree: int) -> Polynomial:
        """The terms of total degree at most ``degree``.

        Examples
        --------
        >>> print(Polynomial([[0], [1], [2]], [1.0, 2.0, 3.0]).truncate(1))
        y1 = 1 + 2*x1
        """
        degree = check_param("degree", degree, [NON_NEGATIVE_INT], caller="Polynomial.truncate")
        keep = self.degrees <= degree
        result = self._subset(keep)
        width = max(min(degree, self._variables.shape[1]), 1)
        object.__setattr__(result, "_variables", np.ascontiguousarray(result._variables[:, :width]))
        result._variables.setflags(write=False)
        return result

    def top(
        self, n: int = 10, *, output: int | str | None = None, include_intercept: bool = True
    ) -> Polynomial:
        """The ``n`` terms of largest absolute coefficient, largest first.

        Parameters
        ----------
        n : int, default=10
        output : int or str, optional
            Rank by this output; default: by the largest absolute value over outputs.
        include_intercept : bool, default=True

        Examples
        --------
        >>> print(Polynomial([[0], [1], [2]], [1.0, -5.0, 3.0]).top(2))
        y1 = -5*x1 + 3*x1^2
        """
        n = check_param("n", n, [POSITIVE_INT], caller="Polynomial.top")
        include_intercept = check_param(
            "include_intercept", include_intercept, [bool], caller="Polynomial.top"
        )
        if output is None:
            size = np.abs(self.coef).max(axis=1) if self.n_outputs else np.zeros(self.n_terms)
        else:
            size = np.abs(self.coef[:, self._output_index(output, "Polynomial.top")])
        candidates = np.arange(self.n_terms)
        if not include_intercept:
            candidates = candidates[self.degrees > 0]
        order = candidates[np.argsort(-size[candidates], kind="stable")][:n]
        return self._subset(order)

    def _output_index(self, output: int | str, caller: str) -> int:
        k = self.n_outputs
        value = check_param(
            "output",
            output,
            [Interval(int, -k, k - 1), Options(frozenset(self.output_names))],
            caller=caller,
            fix=f"The outputs are {list(self.output_names)!r}.",
        )
        return self.output_names.index(value) if isinstance(value, str) else int(value) % k

    def coefficient(
        self, label: Sequence[int] | Sequence[str] | str, output: int | str = 0
    ) -> float:
        """The coefficient of one monomial, given by its R-style label, e.g. ``(1, 2)``,
        or by feature names, e.g. ``("bmi", "s5")`` (``("bmi", "bmi")`` for ``bmi^2``).

        Examples
        --------
        >>> poly = Polynomial([[0, 0], [1, 1]], [1.0, 5.0], feature_names=["bmi", "s5"])
        >>> poly.coefficient((2, 1)), poly.coefficient((1,)), poly.coefficient(("bmi", "s5"))
        (5.0, 0.0, 5.0)
        """
        label = named_label(label, self.feature_names)
        target = _powers.label_variables(label, self.n_features)
        column = self._output_index(output, "Polynomial.coefficient")
        target_label = tuple(v + 1 for v in target) or (0,)
        try:
            row = self.labels.index(target_label)
        except ValueError:
            return 0.0
        return float(self.coef[row, column])

    def __repr__(self) -> str:
        return (
            f"Polynomial(n_features={self.n_features}, n_outputs={self.n_outputs}, "
            f"n_terms={self.n_terms}, degree={self.degree}"
            + describe(self.provenance, self.origin, self.link)
            + ")"
        )

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
            and np.array_equal(self.origin, other.origin)
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
