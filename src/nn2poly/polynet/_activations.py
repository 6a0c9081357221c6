"""Polynomial activations for polynomial networks.

A polynomial network may only use activations that are polynomials, so that
its output, and its loss over a data set, are polynomials in the weights:

``identity``  g(t) = t
``square``    g(t) = t^2
``tanhK``     the Taylor polynomial of tanh of odd order K around 0, e.g.
              ``tanh3``: g(t) = t - t^3/3

The coefficients are the registered activations' exact series at 0
(:meth:`nn2poly.activations.Activation.exact_taylor_coefficients`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .._validation import invalid_value
from ..activations import get_activation

__all__ = ["PolynomialActivation", "polynomial_activation"]

_TANH_PATTERN = re.compile(r"^tanh(\d+)$")
_EXPECTED = "'identity' (or 'linear'), 'square' or 'tanhK' with K odd (e.g. 'tanh3')"


def _exact_series(name: str, order: int) -> tuple[Fraction, ...]:
    """Exact Taylor coefficients at 0 of the registered activation ``name``."""
    return get_activation(name).exact_taylor_coefficients(order)


@dataclass(frozen=True)
class PolynomialActivation:
    """A univariate polynomial activation ``g(t) = sum_k coefficients[k] t^k``.

    Attributes
    ----------
    name : str
        ``"identity"``, ``"square"`` or ``"tanhK"``.
    coefficients : tuple of Fraction
        Exact coefficients in ascending powers of t.
    nn2poly_activation : str
        The activation name of the equivalent :class:`nn2poly.Network` layer.
    nn2poly_taylor_order : int
        The Taylor order that makes NN2Poly's expansion of that layer equal to
        this polynomial exactly.

    Examples
    --------
    >>> act = polynomial_activation("tanh3")
    >>> [str(c) for c in act.coefficients]
    ['0', '1', '0', '-1/3']
    >>> act.evaluate(0.5)
    0.4583333333333333
    """

    name: str
    coefficients: tuple[Fraction, ...]
    nn2poly_activation: str
    nn2poly_taylor_order: int

    @property
    def degree(self) -> int:
        """Degree of the polynomial."""
        return len(self.coefficients) - 1

    @property
    def is_homogeneous(self) -> bool:
        """Whether g(s t) = s^d g(t): true for identity and square."""
        return sum(1 for c in self.coefficients if c != 0) == 1

    def evaluate(self, t):
        """Evaluate g at a number or array ``t`` (Horner's rule, floats)."""
        result = 0.0 * t
        for coefficient in reversed(self.coefficients):
            result = result * t + float(coefficient)
        return result


def polynomial_activation(name: str | PolynomialActivation) -> PolynomialActivation:
    """Look up a polynomial activation by name.

    Parameters
    ----------
    name : str or PolynomialActivation
        ``"identity"`` (alias ``"linear"``), ``"square"``, or ``"tanhK"`` with
        K an odd order such as 3 or 5.

    Returns
    -------
    PolynomialActivation

    Examples
    --------
    >>> polynomial_activation("square").coefficients
    (Fraction(0, 1), Fraction(0, 1), Fraction(1, 1))
    """
    return _lookup(name, parameter="name", caller="polynomial_activation")


def _lookup(name: object, *, parameter: str, caller: str) -> PolynomialActivation:
    """:func:`polynomial_activation`, refusing a bad ``name`` as ``parameter`` of ``caller``."""
    if isinstance(name, PolynomialActivation):
        return name
    if not isinstance(name, str):
        raise invalid_value(
            parameter,
            name,
            _EXPECTED,
            caller=caller,
            fix="Give the activation's name as a string.",
            type_error=True,
        )
    key = name.strip().lower()
    if key in ("identity", "linear"):
        return PolynomialActivation("identity", _exact_series("linear", 1), "linear", 1)
    if key == "square":
        return PolynomialActivation("square", _exact_series("square", 2), "square", 2)
    match = _TANH_PATTERN.match(key)
    if match:
        order = int(match.group(1))
        if order < 1 or order % 2 == 0:
            raise invalid_value(
                parameter,
                name,
                "'tanhK' with K an odd order >= 1",
                caller=caller,
                fix="tanh is odd, so an even order adds nothing; use e.g. 'tanh3' or 'tanh5'.",
            )
        return PolynomialActivation(key, _exact_series("tanh", order), "tanh", order)
    raise invalid_value(
        parameter,
        name,
        _EXPECTED,
        caller=caller,
        fix="It is not a polynomial activation; use e.g. 'identity', 'square' or 'tanh3'.",
    )
