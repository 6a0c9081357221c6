"""One front door for argument checks: constraint tables and one message template.

Every public entry point declares what each of its parameters accepts as a
table of constraints and checks its arguments with :func:`validate_params` (or
:func:`check_param` for a single value).  A value that fits none of a
parameter's constraints is refused with one message template::

    The 'max_order' parameter of to_polynomial must be an int in the range
    [1, inf). Got 0 instead. <fix>

raised as :class:`InvalidParameterError` (a ``ValueError``) when the value is of
an accepted type but out of range, and as :class:`InvalidParameterTypeError`
(a ``TypeError``) when its type is not accepted at all.

Examples
--------
>>> from nn2poly._validation import Interval, Options, check_param
>>> check_param("max_order", 3, [Interval(int, 1, None)], caller="to_polynomial")
3
>>> check_param("approximation", "taylor", [Options({"taylor", "fit"})], caller="to_polynomial")
'taylor'
>>> check_param("max_order", 0, [Interval(int, 1, None)],
...             caller="to_polynomial")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
nn2poly._validation.InvalidParameterError: The 'max_order' parameter of to_polynomial
must be an int in the range [1, inf). Got 0 instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "Constraint",
    "Finite",
    "InstanceOf",
    "Interval",
    "InvalidParameterError",
    "InvalidParameterTypeError",
    "NoneOf",
    "Options",
    "Predicate",
    "check_param",
    "invalid_value",
    "validate_params",
]


class InvalidParameterError(ValueError):
    """A parameter of an accepted type but with a value out of range.

    Examples
    --------
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights([[[0.0], [1.0]], [[0.0], [1.0]]], ["tanh", "linear"])
    >>> try:
    ...     nn2poly.to_polynomial(net, max_order=0)
    ... except nn2poly.InvalidParameterError as error:
    ...     print(type(error).__mro__[1].__name__)
    ValueError
    """


class InvalidParameterTypeError(TypeError):
    """A parameter whose type is not accepted.

    Examples
    --------
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights([[[0.0], [1.0]], [[0.0], [1.0]]], ["tanh", "linear"])
    >>> try:
    ...     nn2poly.to_polynomial(net, max_order="3")
    ... except nn2poly.InvalidParameterTypeError as error:
    ...     print(isinstance(error, TypeError))
    True
    """


class Constraint:
    """One accepted kind of value; subclasses say which values they accept."""

    #: whether the value's type is one this constraint is about (for the error class)
    def accepts_type(self, value: Any) -> bool:
        raise NotImplementedError

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def convert(self, value: Any) -> Any:
        """The value as the library uses it (e.g. ``np.int64(3)`` -> ``3``)."""
        return value


def _is_integer(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class Interval(Constraint):
    """A number of type ``int`` or ``float`` within ``[low, high]``.

    ``None`` for a bound means unbounded; ``closed`` is ``"both"``,
    ``"left"``, ``"right"`` or ``"neither"``.  Floats must be finite unless a
    bound is ``None`` on that side and ``allow_inf`` is set.  ``bool`` is never
    accepted as a number.
    """

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def accepts_type(self, value: Any) -> bool:
        return _is_integer(value) if self.kind is int else _is_real(value)

    def accepts(self, value: Any) -> bool:
        if not self.accepts_type(value):
            return False
        if self.kind is float and not math.isfinite(float(value)):
            return False
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and (value < self.low if left else value <= self.low):
            return False
        return not (self.high is not None and (value > self.high if right else value >= self.high))

    def describe(self) -> str:
        kind = "an int" if self.kind is int else "a finite float"
        if self.low is None and self.high is None:
            return kind
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{kind} in the range {left}{low}, {high}{right}"

    def convert(self, value: Any) -> Any:
        return int(value) if self.kind is int else float(value)


@dataclass(frozen=True)
class Finite(Constraint):
    """Any finite real number (``int`` or ``float``, not ``bool``), as a float."""

    def accepts_type(self, value: Any) -> bool:
        return _is_real(value)

    def accepts(self, value: Any) -> bool:
        return _is_real(value) and math.isfinite(float(value))

    def describe(self) -> str:
        return "a finite float"

    def convert(self, value: Any) -> Any:
        return float(value)


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of values (strings, usually)."""

    options: frozenset[Any] | set[Any] | tuple[Any, ...]

    def accepts_type(self, value: Any) -> bool:
        return any(type(value) is type(option) for option in self.options)

    def accepts(self, value: Any) -> bool:
        try:
            return value in self.options
        except TypeError:  # unhashable
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(option) for option in sorted(self.options, key=str))


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of one of ``types`` (``bool`` is not an int here)."""

    types: tuple[type, ...]
    name: str | None = None

    def accepts_type(self, value: Any) -> bool:
        return self.accepts(value)

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) and bool not in self.types:
            return False
        return isinstance(value, self.types)

    def describe(self) -> str:
        if self.name:
            return self.name
        names = [t.__name__ for t in self.types]
        return "an instance of " + " or ".join(names)


@dataclass(frozen=True)
class Predicate(Constraint):
    """Any value for which ``test(value)`` is true; ``description`` says what that is."""

    test: Callable[[Any], bool]
    description: str
    type_test: Callable[[Any], bool] | None = None

    def accepts_type(self, value: Any) -> bool:
        return True if self.type_test is None else self.type_test(value)

    def accepts(self, value: Any) -> bool:
        try:
            return bool(self.test(value))
        except (TypeError, ValueError):
            return False

    def describe(self) -> str:
        return self.description


@dataclass(frozen=True)
class NoneOf(Constraint):
    """``None`` (written ``None`` in a constraint list)."""

    def accepts_type(self, value: Any) -> bool:
        return value is None

    def accepts(self, value: Any) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


def _normalise(constraint: Any) -> Constraint:
    if constraint is None:
        return NoneOf()
    if isinstance(constraint, Constraint):
        return constraint
    if constraint is bool:
        return InstanceOf((bool,), "True or False")
    if constraint is str:
        return InstanceOf((str,), "a str")
    if isinstance(constraint, type):
        return InstanceOf((constraint,))
    raise TypeError(f"not a constraint: {constraint!r}")  # a programming error


def _join(descriptions: list[str]) -> str:
    if len(descriptions) == 1:
        return descriptions[0]
    return ", ".join(descriptions[:-1]) + " or " + descriptions[-1]


def invalid_value(
    name: str,
    value: Any,
    expected: str,
    *,
    caller: str | None = None,
    fix: str | None = None,
    type_error: bool = False,
    subject: str | None = None,
) -> InvalidParameterError | InvalidParameterTypeError:
    """The error for ``value`` given as parameter ``name``, in the one template.

    Use it for checks no constraint table can express (relations between
    parameters, shapes); ``raise invalid_value(...)``.  ``subject`` replaces
    "The 'name' parameter of caller" where the value is not a parameter (a
    command-line option such as ``"--threshold"``).

    Examples
    --------
    >>> print(invalid_value("data", (3, 2), "an array with 4 columns", caller="diagnose",
    ...                     fix="Pass the training inputs."))  # doctest: +NORMALIZE_WHITESPACE
    The 'data' parameter of diagnose must be an array with 4 columns. Got (3, 2) instead.
    Pass the training inputs.
    """
    where = f"The {name!r} parameter of {caller}" if caller else f"The {name!r} parameter"
    if subject is not None:
        where = subject
    shown = _show(value)
    message = f"{where} must be {expected}. Got {shown} instead."
    if fix:
        message += f" {fix}"
    cls = InvalidParameterTypeError if type_error else InvalidParameterError
    return cls(message)


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 80:
        text = f"{text[:60]}... (a {type(value).__name__})"
    return text


def check_param(
    name: str,
    value: Any,
    constraints: Iterable[Any],
    *,
    caller: str | None = None,
    fix: str | None = None,
    subject: str | None = None,
) -> Any:
    """Check one value against its constraints; return it as the library uses it.

    Parameters
    ----------
    name : str
        The parameter's name, as the user wrote it.
    value : object
        The value received.
    constraints : iterable
        Accepted kinds: :class:`Constraint` objects, ``None`` (accepts
        ``None``), or plain types (``bool``, ``str``, a class).
    caller : str, optional
        Name of the public function or class, shown in the message.
    fix : str, optional
        How to fix a refused value, appended to the message.
    subject : str, optional
        What the message speaks of instead of "The 'name' parameter of caller"
        (e.g. a command-line option, ``"--threshold"``).

    Returns
    -------
    object
        ``value`` converted by the first constraint that accepts it.

    Raises
    ------
    InvalidParameterTypeError
        If no constraint accepts the value's type (a ``TypeError``).
    InvalidParameterError
        If its type is accepted but not its value (a ``ValueError``).

    Examples
    --------
    >>> check_param("memory_limit", None, [Interval(int, 1, None), None])
    >>> check_param("keep_layers", 1, [bool],
    ...             caller="to_polynomial")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterTypeError: The 'keep_layers' parameter of
    to_polynomial must be True or False. Got 1 instead.
    """
    if not isinstance(constraints, (list, tuple)):
        constraints = list(constraints)
    # The common case, a value accepted, without building the constraint objects:
    # the same tests as NoneOf and InstanceOf, in the same order.
    for constraint in constraints:
        if constraint is None:
            if value is None:
                return value
        elif isinstance(constraint, Constraint):
            if constraint.accepts(value):
                return constraint.convert(value)
        elif isinstance(constraint, type):
            if isinstance(value, constraint) and (
                constraint is bool or not isinstance(value, bool)
            ):
                return value
        else:
            break  # not a constraint: refused below
    normalised = [_normalise(constraint) for constraint in constraints]
    for constraint in normalised:
        if constraint.accepts(value):
            return constraint.convert(value)
    type_error = not any(constraint.accepts_type(value) for constraint in normalised)
    expected = _join([constraint.describe() for constraint in normalised])
    raise invalid_value(
        name, value, expected, caller=caller, fix=fix, type_error=type_error, subject=subject
    )


def validate_params(
    params: Mapping[str, Any],
    table: Mapping[str, Iterable[Any]],
    *,
    caller: str,
    fixes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check every parameter named in ``table``; return the converted values.

    Examples
    --------
    >>> table = {"max_order": [Interval(int, 1, None)], "keep_layers": [bool]}
    >>> validate_params({"max_order": 2, "keep_layers": False}, table, caller="to_polynomial")
    {'max_order': 2, 'keep_layers': False}
    """
    fixes = fixes or {}
    return {
        name: check_param(name, params[name], constraints, caller=caller, fix=fixes.get(name))
        for name, constraints in table.items()
        if name in params
    }
