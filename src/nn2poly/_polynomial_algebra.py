"""Arithmetic of a Polynomial: ``+``, ``-``, scalar ``*``, ``align`` and ``substitute``.

The operators delegate to the array functions of :mod:`nn2poly._powers`.  Like
numpy.polynomial refusing operands whose domains differ, two polynomials are
combined only when they are polynomials in the same features (same names, in
the same order) and, for ``+`` and ``-``, with as many outputs and the same link.
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from . import _powers_arithmetic
from ._polynomial_protocol import PolynomialBase
from ._validation import Interval, check_param, invalid_value

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["PolynomialArithmetic"]

_P = TypeVar("_P", bound=PolynomialBase)


def _is_number(value: Any) -> bool:
    return isinstance(value, (Real, np.number)) and not isinstance(value, (bool, np.bool_))


def _scalar(value: Any, caller: str) -> float:
    number = float(value)
    if not np.isfinite(number):
        raise invalid_value("other", value, "a finite number", caller=caller)
    return number


def _same_features(poly: PolynomialBase, other: PolynomialBase, caller: str) -> None:
    if other.feature_names != poly.feature_names:
        raise invalid_value(
            "other",
            other,
            f"a Polynomial in the features {list(poly.feature_names)!r}",
            caller=caller,
            fix=f"Its features are {list(other.feature_names)!r}; polynomials in different "
            "features are not combined. Rename them or use substitute() first.",
        )
    if not np.array_equal(other.origin, poly.origin):
        raise invalid_value(
            "other",
            other,
            f"a Polynomial around the same origin {poly.origin.tolist()!r}",
            caller=caller,
            fix=f"Its origin is {other.origin.tolist()!r}: the two are polynomials in different "
            "variables (x - origin). Convert both around one point.",
        )


def _combine(poly: PolynomialBase, other: Any, sign: float, caller: str) -> Any:
    """``poly + sign * other`` for a Polynomial or a number; NotImplemented otherwise."""
    if isinstance(other, PolynomialArithmetic):
        other_poly = other
        _same_features(poly, other_poly, caller)
        if other_poly.n_outputs != poly.n_outputs or other_poly.link != poly.link:
            raise invalid_value(
                "other",
                other,
                f"a Polynomial with {poly.n_outputs} output(s) and link={poly.link!r}",
                caller=caller,
                fix=f"It has {other_poly.n_outputs} output(s) and link={other_poly.link!r}.",
            )
        with np.errstate(over="ignore"):
            if _same_terms(poly, other_poly):  # e.g. two conversions with the same settings
                return _with_coef(poly, poly.coef + sign * other_poly.coef, other, caller)
            powers, coef = _powers_arithmetic.add(
                poly.powers, poly.coef, other_poly.powers, sign * other_poly.coef
            )
        return poly._new(powers, coef)
    if _is_number(other):
        constant = _scalar(other, caller) * sign
        zero = np.zeros((1, poly.n_features), dtype=np.int64)
        with np.errstate(over="ignore"):
            powers, coef = _powers_arithmetic.add(
                poly.powers, poly.coef, zero, np.full((1, poly.n_outputs), constant)
            )
        return poly._new(powers, coef)
    return NotImplemented


def _same_terms(poly: PolynomialBase, other: PolynomialBase) -> bool:
    """Whether both hold the same monomials in the same order (compared sparsely)."""
    if poly.n_terms != other.n_terms:
        return False
    width = max(poly.degree, other.degree, 1)
    return bool(np.array_equal(poly._padded(width), other._padded(width)))


def _with_coef(poly: _P, coef: Any, operand: Any, caller: str) -> _P:
    """``poly`` with new coefficients for the same terms; refused if they overflowed."""
    if not np.all(np.isfinite(coef)):
        raise invalid_value(
            "other",
            operand,
            "an operand that keeps the coefficients finite",
            caller=caller,
            fix="The result overflows float64.",
        )
    result = poly._subset(np.arange(poly.n_terms))
    coef.setflags(write=False)
    object.__setattr__(result, "coef", coef)
    return result


def _scale(poly: _P, factor: float, caller: str) -> _P:
    with np.errstate(over="ignore"):
        coef = poly.coef * factor
    return _with_coef(poly, coef, factor, caller)


class PolynomialArithmetic(PolynomialBase):
    """Operators and changes of variables of :class:`~nn2poly.Polynomial` (a mixin)."""

    def __add__(self, other: Any) -> Self:
        """``self + other`` for a Polynomial in the same features or a number.

        Examples
        --------
        >>> import nn2poly
        >>> p = nn2poly.Polynomial([[0], [1]], [1.0, 2.0])
        >>> print(p + nn2poly.Polynomial([[2]], [3.0]))
        y1 = 1 + 2*x1 + 3*x1^2
        >>> print(p + 1)
        y1 = 2 + 2*x1
        """
        return _combine(self, other, 1.0, "Polynomial.__add__")  # type: ignore[no-any-return]

    def __radd__(self, other: Any) -> Self:
        """``other + self``.

        Examples
        --------
        >>> import nn2poly
        >>> print(1 + nn2poly.Polynomial([[1]], [2.0]))
        y1 = 1 + 2*x1
        """
        return _combine(self, other, 1.0, "Polynomial.__radd__")  # type: ignore[no-any-return]

    def __sub__(self, other: Any) -> Self:
        """``self - other``, on the union of the terms (exact zeros are kept).

        Examples
        --------
        >>> import nn2poly
        >>> p = nn2poly.Polynomial([[0], [1]], [1.0, 2.0])
        >>> (p - p).coef.ravel().tolist()
        [0.0, 0.0]
        """
        return _combine(self, other, -1.0, "Polynomial.__sub__")  # type: ignore[no-any-return]

    def __rsub__(self, other: Any) -> Self:
        """``other - self``.

        Examples
        --------
        >>> import nn2poly
        >>> print(1 - nn2poly.Polynomial([[1]], [2.0]))
        y1 = 1 - 2*x1
        """
        result = _combine(self, other, -1.0, "Polynomial.__rsub__")
        return result if result is NotImplemented else _scale(result, -1.0, "Polynomial.__rsub__")

    def __neg__(self) -> Self:
        """``-self``.

        Examples
        --------
        >>> import nn2poly
        >>> print(-nn2poly.Polynomial([[0], [1]], [1.0, -2.0]))
        y1 = -1 + 2*x1
        """
        return _scale(self, -1.0, "Polynomial.__neg__")

    def __pos__(self) -> Self:
        """``+self`` (a copy without the per-layer polynomials).

        Examples
        --------
        >>> import nn2poly
        >>> p = nn2poly.Polynomial([[1]], [2.0])
        >>> +p == p
        True
        """
        return _scale(self, 1.0, "Polynomial.__pos__")

    def __mul__(self, other: Any) -> Self:
        """``self * number``: every coefficient scaled (the terms stay as they are).

        Examples
        --------
        >>> import nn2poly
        >>> print(nn2poly.Polynomial([[0], [1]], [1.0, -2.0]) * 0.5)
        y1 = 0.5 - x1
        """
        if not _is_number(other):
            return NotImplemented
        return _scale(self, _scalar(other, "Polynomial.__mul__"), "Polynomial.__mul__")

    def __rmul__(self, other: Any) -> Self:
        """``number * self``.

        Examples
        --------
        >>> import nn2poly
        >>> print(3 * nn2poly.Polynomial([[1]], [2.0]))
        y1 = 6*x1
        """
        if not _is_number(other):
            return NotImplemented
        return _scale(self, _scalar(other, "Polynomial.__rmul__"), "Polynomial.__rmul__")

    def align(self, *others: Self) -> tuple[Self, ...]:
        """This polynomial and ``others`` on the union of their terms, in graded order.

        Each keeps its own outputs; a term it lacks gets coefficient 0.

        Parameters
        ----------
        *others : Polynomial
            Polynomials in the same features.

        Returns
        -------
        tuple of Polynomial
            ``1 + len(others)`` polynomials with identical :attr:`powers`.

        Examples
        --------
        >>> import nn2poly
        >>> a, b = nn2poly.Polynomial([[1]], [2.0]).align(nn2poly.Polynomial([[0]], [5.0]))
        >>> a.labels, a.coef.ravel().tolist(), b.coef.ravel().tolist()
        ([(0,), (1,)], [0.0, 2.0], [5.0, 0.0])
        """
        for other in others:
            if not isinstance(other, PolynomialArithmetic):
                raise invalid_value(
                    "others",
                    other,
                    "Polynomial objects",
                    caller="Polynomial.align",
                    type_error=True,
                )
            _same_features(self, other, "Polynomial.align")
        polys = (self, *others)
        union, coefs = _powers_arithmetic.align([p.powers for p in polys], [p.coef for p in polys])
        return tuple(p._new(union, coef) for p, coef in zip(polys, coefs, strict=True))

    def substitute(
        self,
        matrix: ArrayLike,
        shift: ArrayLike | None = None,
        *,
        max_degree: int | None = None,
        feature_names: Any = None,
    ) -> Self:
        """The polynomial in new variables ``z`` where ``x = matrix @ z + shift``.

        The change of variables is expanded exactly; ``Q(z) = P(matrix @ z + shift)``.

        Parameters
        ----------
        matrix : array_like of shape (n_features, n_new_features)
        shift : array_like of shape (n_features,), optional
            Default zeros.
        max_degree : int, optional
            Keep only the terms of total degree at most this.
        feature_names : sequence of str, optional
            Names of the new variables (default ``x1 ..``).

        Returns
        -------
        Polynomial
            Terms in graded order, same outputs and link.

        Examples
        --------
        >>> import nn2poly
        >>> p = nn2poly.Polynomial([[0], [2]], [1.0, 3.0])           # 1 + 3 x^2
        >>> print(p.substitute([[2.0]], [1.0]))                       # x = 2 z + 1
        y1 = 4 + 12*x1 + 12*x1^2
        """
        caller = "Polynomial.substitute"
        linear = _finite_array("matrix", matrix, caller)
        if linear.ndim != 2 or linear.shape[0] != self.n_features:
            raise invalid_value(
                "matrix",
                linear,
                f"an array of shape ({self.n_features}, n_new_features)",
                caller=caller,
            )
        offset = (
            np.zeros(self.n_features) if shift is None else _finite_array("shift", shift, caller)
        )
        if offset.shape != (self.n_features,):
            raise invalid_value(
                "shift", offset, f"an array of shape ({self.n_features},)", caller=caller
            )
        if max_degree is not None:
            max_degree = check_param(
                "max_degree", max_degree, [Interval(int, 0, None)], caller=caller
            )
        with np.errstate(over="ignore", invalid="ignore"):
            powers, coef = _powers_arithmetic.substitute(
                self.powers, self.coef, linear, offset, max_degree=max_degree
            )
        return self._new(powers, coef, feature_names=feature_names)


def _finite_array(name: str, value: Any, caller: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise invalid_value(
            name, value, "an array of finite floats", caller=caller, type_error=True
        ) from None
    if not np.all(np.isfinite(array)):
        raise invalid_value(name, array, "an array of finite floats", caller=caller)
    return array
