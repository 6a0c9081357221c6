"""The activation registry: names, parameters, evaluation and Taylor coefficients.

An activation is registered once as an :class:`ActivationSpec`; a concrete,
parameter-bound :class:`Activation` is obtained with :func:`get_activation`
from a name such as ``"tanh"`` or ``"softplus(beta=2.0)"``.  The conversion
engine only ever calls :meth:`Activation.taylor_coefficients`, so a new
activation plugs in by registering a spec, without touching the engine.

The spec also says how the frameworks name the activation
(:class:`FrameworkName`): the adapters find activations through
:func:`nn2poly.activations.activation_for`, so the registry is the one place
that maps names to activations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import (
    Constraint,
    Finite,
    InstanceOf,
    Interval,
    Predicate,
    check_param,
    invalid_value,
)
from ._frameworks import FRAMEWORKS, FrameworkName
from ._name_parsing import UnknownActivationError, parse_name

__all__ = [
    "FRAMEWORKS",
    "Activation",
    "ActivationSpec",
    "FrameworkName",
    "NotAnalyticError",
    "UnknownActivationError",
    "available_activations",
    "get_activation",
    "register_activation",
]

FloatArray = NDArray[np.float64]
#: ``taylor(center, order, **params) -> (n_centers, order + 1)`` coefficients.
TaylorFunction = Callable[..., FloatArray]
EvaluateFunction = Callable[..., FloatArray]
#: ``exact(order) -> (c_0, ..., c_order)``: rational Taylor coefficients at 0.
ExactFunction = Callable[[int], tuple[Fraction, ...]]


class NotAnalyticError(ValueError):
    """Raised when a Taylor expansion is requested for a non-analytic activation.

    Examples
    --------
    >>> try:
    ...     get_activation("relu").taylor_coefficients(0.0, 3)
    ... except NotAnalyticError as error:
    ...     print(str(error)[:34])
    The activation 'relu' is not analy
    """


@dataclass(frozen=True)
class ActivationSpec:
    """Definition of an activation family.

    Parameters
    ----------
    name : str
        Canonical lower-case name.
    evaluate : callable
        ``evaluate(x, **params)`` applied element-wise to a float64 array.
    taylor : callable or None
        ``taylor(center, order, **params)`` returning the Taylor coefficients
        ``g^(n)(center) / n!`` for ``n = 0..order`` as an array of shape
        ``(len(center), order + 1)``.  ``None`` marks a non-analytic activation.
    parameters : mapping of str to float
        Parameter names and default values (``{"beta": 1.0}`` for softplus).
    aliases : tuple of str
        Other accepted names.
    is_linear : bool
        True for the identity: its default Taylor order is 1.
    description : str
        One line for listings.
    polynomial_degree : int or None
        For an activation that is itself a polynomial, its degree: a Taylor
        expansion of at least that order is exact everywhere.
    frameworks : tuple of FrameworkName
        The names the frameworks give this activation; the adapters read a
        model's activations through them.
    ranges : mapping of str to Constraint
        The values each parameter accepts (default: any finite float), e.g.
        the range where a parameter's series stays representable.
    exact_taylor : callable or None
        ``exact_taylor(order)``: the Taylor coefficients at 0 as fractions,
        for activations whose series at 0 is rational (tanh, polynomials).
    check : callable or None
        ``check(**params)`` returns what is wrong with a combination of
        parameter values (hardtanh's ``min_val < max_val``), or None.

    Examples
    --------
    >>> import numpy as np
    >>> spec = ActivationSpec("cube", lambda x: x**3, None, description="x^3")
    >>> spec.name, spec.parameters
    ('cube', {})
    """

    name: str
    evaluate: EvaluateFunction
    taylor: TaylorFunction | None
    parameters: Mapping[str, float] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    is_linear: bool = False
    description: str = ""
    polynomial_degree: int | None = None
    frameworks: tuple[FrameworkName, ...] = ()
    ranges: Mapping[str, Constraint] = field(default_factory=dict)
    exact_taylor: ExactFunction | None = None
    check: Callable[..., str | None] | None = None


#: Orders of Taylor series: any other value (1.5, True, -1) is a ValueError.
_NON_NEGATIVE_INT = Predicate(
    lambda value: bool(
        isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0
    ),
    "a non-negative int",
)

_REGISTRY: dict[str, ActivationSpec] = {}
_by_name: dict[str, Activation] = {}  # names already looked up
_ALIASES: dict[str, str] = {}


def register_activation(spec: ActivationSpec, *, overwrite: bool = False) -> None:
    """Add an activation family to the registry.

    Parameters
    ----------
    spec : ActivationSpec
        Its ``frameworks`` make the adapters recognise the activation by the
        frameworks' names.
    overwrite : bool, default=False
        Replace an existing activation of the same name.

    Examples
    --------
    >>> import numpy as np
    >>> spec = ActivationSpec("cube_example", lambda x: x**3, None)
    >>> register_activation(spec)
    >>> get_activation("cube_example")(np.array([2.0]))
    array([8.])
    >>> _ = _REGISTRY.pop("cube_example")
    """
    check_param(
        "spec",
        spec,
        [InstanceOf((ActivationSpec,), "an ActivationSpec")],
        caller="register_activation",
    )
    overwrite = check_param("overwrite", overwrite, [bool], caller="register_activation")
    key = spec.name.lower()
    caller = "register_activation"
    if not overwrite and (key in _REGISTRY or key in _ALIASES):
        raise invalid_value(
            "spec",
            spec,
            "an ActivationSpec whose name is not registered yet",
            caller=caller,
            fix=f"An activation named {spec.name!r} is already registered; pass "
            "overwrite=True to replace it.",
        )
    for alias in spec.frameworks:
        check_param(
            "frameworks",
            alias,
            [InstanceOf((FrameworkName,), "FrameworkName objects")],
            caller="ActivationSpec",
        )
        owner = _framework_owner(alias)
        if owner is not None and owner != key and not overwrite:
            raise invalid_value(
                "spec",
                spec,
                "an ActivationSpec whose framework names belong to no other activation",
                caller=caller,
                fix=f"The {alias.framework} name {alias.name!r} already belongs to the activation "
                f"{owner!r}; pass overwrite=True to give it to {spec.name!r}.",
            )
        unknown = sorted(set(alias.parameters) - set(spec.parameters))
        if unknown:
            raise invalid_value(
                "spec",
                spec,
                "an ActivationSpec whose framework names map only its own parameters",
                caller=caller,
                fix=f"The {alias.framework} name {alias.name!r} maps parameters {unknown} that "
                f"the activation {spec.name!r} does not have; its parameters: "
                f"{', '.join(spec.parameters) or 'none'}.",
            )
    if overwrite:
        for other in list(_REGISTRY.values()):
            taken = {a.key for a in spec.frameworks}
            kept = tuple(a for a in other.frameworks if a.key not in taken)
            if len(kept) != len(other.frameworks):
                _REGISTRY[other.name.lower()] = _replace_frameworks(other, kept)
    _REGISTRY[key] = spec
    _by_name.clear()
    for alias_name in spec.aliases:
        _ALIASES[alias_name.lower()] = key


def _replace_frameworks(
    spec: ActivationSpec, frameworks: tuple[FrameworkName, ...]
) -> ActivationSpec:
    from dataclasses import replace

    return replace(spec, frameworks=frameworks)


def _framework_owner(alias: FrameworkName) -> str | None:
    """Key of the activation that carries ``alias`` (same name and required settings), if any."""
    for key, spec in _REGISTRY.items():
        if any(a.key == alias.key for a in spec.frameworks):
            return key
    return None


def available_activations() -> tuple[str, ...]:
    """Names of every registered activation, sorted.

    Examples
    --------
    >>> "tanh" in available_activations()
    True
    """
    return tuple(sorted(_REGISTRY))


@dataclass(frozen=True)
class Activation:
    """A registered activation bound to parameter values.

    Use :func:`get_activation` to obtain one.
    """

    spec: ActivationSpec
    params: Mapping[str, float]

    @property
    def name(self) -> str:
        """Canonical name, parameters included where they differ from the defaults."""
        changed = {
            key: value for key, value in self.params.items() if value != self.spec.parameters[key]
        }
        if not changed:
            return self.spec.name
        inner = ", ".join(f"{key}={float(value)!r}" for key, value in sorted(changed.items()))
        return f"{self.spec.name}({inner})"

    @property
    def is_analytic(self) -> bool:
        """Whether the activation has a Taylor expansion (a registered series)."""
        return self.spec.taylor is not None

    @property
    def polynomial_degree(self) -> int | None:
        """Degree of a polynomial activation (exact expansions), else None."""
        if self.spec.is_linear:
            return 1
        return self.spec.polynomial_degree

    @property
    def is_linear(self) -> bool:
        """Whether the activation is the identity."""
        return self.spec.is_linear

    def evaluate(self, x: ArrayLike) -> FloatArray:
        """Apply the activation element-wise, in float64."""
        return self.spec.evaluate(np.asarray(x, dtype=np.float64), **self.params)

    __call__ = evaluate

    def taylor_coefficients(self, center: ArrayLike, order: int) -> FloatArray:
        """Taylor coefficients ``g^(n)(center) / n!``, ``n = 0..order``.

        Parameters
        ----------
        center : float or array_like of shape (m,)
            Expansion point(s).
        order : int
            Highest power kept.

        Returns
        -------
        ndarray of shape (order + 1,) for a scalar centre, else (m, order + 1)

        Examples
        --------
        >>> get_activation("tanh").taylor_coefficients(0.0, 5).round(6) + 0.0
        array([ 0.      ,  1.      ,  0.      , -0.333333,  0.      ,  0.133333])
        """
        self.require_analytic()
        caller = "Activation.taylor_coefficients"
        order = check_param("order", order, [_NON_NEGATIVE_INT], caller=caller)
        center_array = np.asarray(center, dtype=np.float64)
        scalar = center_array.ndim == 0
        centers = np.atleast_1d(center_array).ravel()
        if not np.all(np.isfinite(centers)):
            fix = "Expand around finite points."
            raise invalid_value("center", center_array, "finite", caller=caller, fix=fix)
        taylor = cast(TaylorFunction, self.spec.taylor)  # present: require_analytic passed
        coefficients = taylor(centers, int(order), **self.params)
        return coefficients[0] if scalar else coefficients

    def exact_taylor_coefficients(self, order: int) -> tuple[Fraction, ...]:
        """Taylor coefficients at 0 as exact fractions, ``n = 0..order``.

        Only for activations whose series at 0 is rational (``tanh``,
        ``linear``, ``square``).

        Examples
        --------
        >>> [str(c) for c in get_activation("tanh").exact_taylor_coefficients(3)]
        ['0', '1', '0', '-1/3']
        """
        order = check_param(
            "order", order, [Interval(int, 0, None)], caller="exact_taylor_coefficients"
        )
        if self.spec.exact_taylor is None:
            raise ValueError(
                f"The activation {self.name!r} has no exact rational Taylor series at 0; "
                "activations with one: "
                + ", ".join(n for n, s in sorted(_REGISTRY.items()) if s.exact_taylor)
                + "."
            )
        return self.spec.exact_taylor(order)

    def require_analytic(self) -> None:
        """Raise :class:`NotAnalyticError` (with the fix) if there is no Taylor series.

        Examples
        --------
        >>> get_activation("tanh").require_analytic()
        >>> get_activation("relu").require_analytic()
        Traceback (most recent call last):
        ...
        nn2poly.activations._registry.NotAnalyticError: The activation 'relu' is not analytic, ...
        """
        if self.spec.taylor is None:
            raise NotAnalyticError(
                f"The activation {self.name!r} is not analytic, so it has no Taylor "
                "expansion that NN2Poly can use. Convert with a range-fitted polynomial "
                "approximation instead (approximation='fit'), or train the network with an "
                "analytic activation such as 'tanh', 'sigmoid' or 'softplus'."
            )


def get_activation(name: str | Activation, **params: float) -> Activation:
    """Look up an activation by name.

    Parameters
    ----------
    name : str or Activation
        A registered name or alias, optionally with parameters:
        ``"softplus(beta=2.0)"``.  Case-insensitive.
    **params : float
        Parameters, overriding those in the name.

    Returns
    -------
    Activation

    Examples
    --------
    >>> get_activation("logistic").name
    'sigmoid'
    >>> get_activation("softplus", beta=2).name
    'softplus(beta=2.0)'
    """
    if isinstance(name, Activation):
        if not params:
            return name
        name = name.name
    if not params and isinstance(name, str):  # the common case, before any check
        hit = _by_name.get(name)
        if hit is not None and _REGISTRY.get(hit.spec.name) is hit.spec:
            return hit
    check_param(
        "name",
        name,
        [InstanceOf((str, Activation), "a str or an Activation")],
        caller="get_activation",
        fix="Give a registered name such as 'tanh' or 'softplus(beta=2.0)'.",
    )
    if not params:
        cached = _by_name.get(name)
        if cached is not None and _REGISTRY.get(cached.spec.name) is cached.spec:
            return cached
    base, parsed = parse_name(name)
    key = _ALIASES.get(base, base)
    spec = _REGISTRY.get(key)
    if spec is None:
        raise UnknownActivationError(
            f"Unknown activation {name!r}. Known activations: "
            f"{', '.join(available_activations())}. Register a new one with "
            "nn2poly.activations.register_activation."
        )
    parsed.update(params)
    unknown = sorted(set(parsed) - set(spec.parameters))
    if unknown:
        allowed = ", ".join(spec.parameters) or "none"
        raise UnknownActivationError(
            f"The activation {spec.name!r} has no parameter {', '.join(unknown)}; its "
            f"parameters: {allowed}."
        )
    bound: dict[str, Any] = dict(spec.parameters)
    bound.update(parsed)
    for key_, value in bound.items():
        constraint = spec.ranges.get(key_, Finite())
        bound[key_] = float(check_param(key_, value, [constraint], caller=f"{spec.name}"))
    problem = spec.check(**bound) if spec.check is not None else None
    if problem is not None:
        raise invalid_value("params", bound, problem, caller=spec.name)
    activation = Activation(spec, bound)
    if not params and len(_by_name) < 1024:
        _by_name[name] = activation
    return activation
