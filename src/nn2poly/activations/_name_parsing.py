"""Activation names such as ``"softplus(beta=2.0)"``: parsed into a base name and parameters."""

from __future__ import annotations

import re

__all__ = ["UnknownActivationError", "parse_name"]


class UnknownActivationError(ValueError):
    """Raised for an activation name that is not registered.

    Examples
    --------
    >>> from nn2poly.activations import get_activation
    >>> try:
    ...     get_activation("swishy")
    ... except UnknownActivationError as error:
    ...     print(str(error)[:34])
    Unknown activation 'swishy'. Known
    """


_NAME_PATTERN = re.compile(r"^\s*([A-Za-z_][\w\-]*)\s*(?:\((.*)\))?\s*$")


def parse_name(name: str) -> tuple[str, dict[str, float]]:
    """The lower-case base name and the parameters of ``"softplus(beta=2.0)"``.

    Examples
    --------
    >>> parse_name("Softplus(beta=2)")
    ('softplus', {'beta': 2.0})
    """
    match = _NAME_PATTERN.match(name)
    if match is None:
        raise UnknownActivationError(
            f"Could not parse the activation name {name!r}; expected a name such as "
            "'tanh' or 'softplus(beta=2.0)'."
        )
    base, inner = match.group(1).lower(), match.group(2)
    params: dict[str, float] = {}
    if inner is not None and inner.strip():
        for item in inner.split(","):
            key, sep, value = item.partition("=")
            if not sep:
                raise UnknownActivationError(
                    f"Activation parameters must be given as key=value; got {item.strip()!r} "
                    f"in {name!r}."
                )
            try:
                params[key.strip()] = float(value)
            except ValueError:
                raise UnknownActivationError(
                    f"Activation parameter {key.strip()!r} in {name!r} must be a number; got "
                    f"{value.strip()!r}."
                ) from None
    return base, params
