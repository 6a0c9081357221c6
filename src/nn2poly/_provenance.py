"""How a polynomial was built (``poly.provenance``) and where it is centred (``poly.origin``).

The provenance is a read-only mapping of JSON values (str, finite numbers,
bool, None and lists of them, nested at most :data:`MAX_DEPTH` deep): it is
written by ``Polynomial.save`` and checked like any untrusted input by
``Polynomial.load``.  Lists are held as tuples so that nothing in it can be
changed in place.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._polynomial_protocol import PolynomialBase
from ._validation import invalid_value

__all__ = [
    "EMPTY",
    "MAX_DEPTH",
    "MAX_ENTRIES",
    "PolynomialRecord",
    "check_origin",
    "check_provenance",
    "describe",
    "jsonable",
    "source_kind",
]

#: The provenance of a polynomial built by hand.
EMPTY: Mapping[str, Any] = MappingProxyType({})
#: Deepest nesting of lists accepted in a provenance value.
MAX_DEPTH = 3
#: Most scalars (in all values together) a provenance may hold.
MAX_ENTRIES = 100_000
#: Scalar types kept as they are (an int or a finite float is returned unchanged by _freeze).
_PLAIN = frozenset({type(None), bool, str, int, float})
_WHOLE = frozenset({type(None), bool, str, int})


def _freeze(value: Any, key: str, depth: int, count: list[int]) -> Any:
    count[0] += 1
    if count[0] > MAX_ENTRIES:
        raise invalid_value(
            "provenance",
            f"a mapping with more than {MAX_ENTRIES} values",
            f"a mapping of at most {MAX_ENTRIES} values",
            caller="Polynomial",
            fix="Keep the record short: settings and summaries, not data.",
        )
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise invalid_value(
                f"provenance[{key!r}]", value, "a finite number", caller="Polynomial"
            )
        return float(value)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise invalid_value(
                f"provenance[{key!r}]",
                f"lists nested more than {MAX_DEPTH} deep",
                f"lists nested at most {MAX_DEPTH} deep",
                caller="Polynomial",
                fix="Flatten it.",
            )
        return tuple(_freeze(item, key, depth + 1, count) for item in value)
    raise invalid_value(
        f"provenance[{key!r}]",
        value,
        "a JSON value (str, number, bool, None or a list of them)",
        caller="Polynomial",
        type_error=True,
    )


def check_provenance(value: Any) -> Mapping[str, Any]:
    """A read-only copy of ``value`` (a mapping of str to JSON values), checked.

    Examples
    --------
    >>> record = check_provenance({"approximation": "fit", "range": [[0, 1.5]]})
    >>> record["range"]
    ((0, 1.5),)
    >>> check_provenance({"x": float("nan")})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: The "provenance['x']" parameter ... finite number...
    """
    if value is None:
        return EMPTY
    if not isinstance(value, Mapping):
        raise invalid_value(
            "provenance",
            value,
            "a mapping of str to JSON values, or None",
            caller="Polynomial",
            type_error=True,
        )
    count = [0]
    frozen: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise invalid_value(
                "provenance",
                value,
                "a mapping whose keys are str",
                caller="Polynomial",
                fix=f"The key {key!r} is not a str.",
                type_error=True,
            )
        kind = type(item)
        if kind in _PLAIN and (kind is not float or math.isfinite(item)):
            count[0] += 1  # a plain scalar: what _freeze gives, without its dispatch
            frozen[key] = item
        elif kind is list and all(type(v) in _WHOLE for v in item):
            count[0] += 1 + len(item)  # a list of str, int, bool or None: a tuple of them
            frozen[key] = tuple(item)
        else:
            frozen[key] = _freeze(item, key, 0, count)
    if count[0] > MAX_ENTRIES:
        _freeze(None, "", 0, count)  # raises
    return MappingProxyType(frozen)


def jsonable(value: Any) -> Any:
    """``value`` with tuples (and read-only mappings) turned into lists (and dicts).

    Examples
    --------
    >>> jsonable(check_provenance({"a": [1, [2, 3]]}))
    {'a': [1, [2, 3]]}
    """
    if isinstance(value, Mapping):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [jsonable(item) for item in value]
    return value


def check_origin(value: Any, n_features: int) -> NDArray[np.float64]:
    """The origin as a read-only float array of shape (n_features,) (zeros for None).

    Examples
    --------
    >>> check_origin([1, 2], 2)
    array([1., 2.])
    >>> check_origin([1.0], 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: The 'origin' parameter of Polynomial must be ...
    """
    if value is None:
        origin = np.zeros(n_features, dtype=np.float64)
    else:
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        try:
            origin = np.array(value, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError, OverflowError):
            raise invalid_value(
                "origin",
                value,
                f"an array of {n_features} floats",
                caller="Polynomial",
                type_error=True,
            ) from None
        if np.ndim(value) > 1 and np.shape(value)[0] != 1:
            raise invalid_value(
                "origin", value, f"one point, shape ({n_features},)", caller="Polynomial"
            )
        if origin.shape != (n_features,):
            raise invalid_value(
                "origin",
                value,
                f"one value per feature, shape ({n_features},)",
                caller="Polynomial",
                fix=f"It has shape {np.shape(value)}.",
            )
        if not np.all(np.isfinite(origin)):
            raise invalid_value(
                "origin",
                value,
                "finite values",
                caller="Polynomial",
                fix="It holds NaN or infinite values.",
            )
    origin.setflags(write=False)
    return origin


def describe(
    provenance: Mapping[str, Any], origin: NDArray[np.float64], link: str | None = None
) -> str:
    """The ``repr`` fields after the shape: link, non-zero origin, approximation and source.

    Examples
    --------
    >>> describe({"approximation": "fit", "max_order": 3, "source": "Network"}, np.zeros(2))
    ", approximation='fit', source='Network'"
    >>> describe({}, np.array([1.0, 0.5]), "sigmoid")
    ", link='sigmoid', origin=[1. , 0.5]"
    """
    shown = [f"link={link!r}"] if link else []
    if origin.any():
        text = np.array2string(origin, precision=4, threshold=6, separator=", ")
        shown.append(f"origin={text}")
    shown += [
        f"{key}={provenance[key]!r}" for key in ("approximation", "source") if key in provenance
    ]
    return "".join(f", {item}" for item in shown)


def source_kind(model: Any) -> str:
    """The kind of a source model, e.g. ``"Network"``, ``"torch.nn.Sequential"``, ``"onnx"``.

    Examples
    --------
    >>> source_kind(([], []))
    'weights'
    >>> source_kind("model.onnx")
    'file (.onnx)'
    """
    if isinstance(model, (str, os.PathLike)):
        suffix = os.path.splitext(os.fspath(model))[1].lower()
        return f"file ({suffix or 'no suffix'})"
    if isinstance(model, tuple):
        return "weights"
    cls = type(model)
    module = cls.__module__ or ""
    if module.startswith("onnx"):
        return "onnx"
    if module.startswith("torch.nn.modules"):
        return f"torch.nn.{cls.__qualname__}"
    if module.startswith("nn2poly"):
        return cls.__qualname__
    root = module.split(".")[0]
    return f"{root}.{cls.__qualname__}" if root and root != "builtins" else cls.__qualname__


def _range_text(name: str, pair: Any) -> str:
    return f"{name} [{pair[0]:.3g}, {pair[1]:.3g}]"


def provenance_lines(provenance: Mapping[str, Any], feature_names: tuple[str, ...]) -> list[str]:
    """The provenance in words, one line per topic (empty for a hand-built polynomial).

    Examples
    --------
    >>> record = {"approximation": "fit", "approximation_choice": "given", "max_order": 3,
    ...           "taylor_orders": [3, 1], "fit_rows": 200, "fit_range": [[-1, 1]],
    ...           "source": "Network", "nn2poly_version": "0.1.0"}
    >>> print("\\n".join(provenance_lines(record, ("bmi",))))
    built with approximation='fit' (given), max_order=3, taylor_orders=[3, 1]
    fitted on 200 rows; feature ranges: bmi [-1, 1]
    source: Network; nn2poly 0.1.0
    """
    if not provenance:
        return []
    how = f"built with approximation={provenance.get('approximation')!r}"
    if provenance.get("approximation_choice"):
        how += f" ({provenance['approximation_choice']})"
    for key in ("max_order", "taylor_orders", "taylor_center"):
        value = provenance.get(key)
        if value is not None:
            how += f", {key}={list(value) if isinstance(value, tuple) else value!r}"
    lines = [how]
    ranges = provenance.get("fit_range")
    if provenance.get("fit_rows") is not None:
        text = f"fitted on {provenance['fit_rows']} rows"
        if ranges and len(ranges) == len(feature_names) and isinstance(ranges[0], (list, tuple)):
            shown = [_range_text(n, r) for n, r in zip(feature_names[:8], ranges, strict=False)]
            text += "; feature ranges: " + ", ".join(shown)
            text += ", ..." if len(feature_names) > 8 else ""
        lines.append(text)
    origin = provenance.get("origin")
    if isinstance(origin, (list, tuple)):
        lines.append(f"variables measured from the point {list(origin)[:8]}")
    source = [f"source: {provenance['source']}"] if provenance.get("source") else []
    if provenance.get("nn2poly_version"):
        source.append(f"nn2poly {provenance['nn2poly_version']}")
    if source:
        lines.append("; ".join(source))
    return lines


class PolynomialRecord(PolynomialBase):
    """``summary``: the provenance in words and the largest terms (a mixin of Polynomial)."""

    def summary(self, n_terms: int = 10) -> str:
        """How the polynomial was built (its provenance) and its largest terms, for reading.

        Examples
        --------
        >>> import nn2poly
        >>> poly = nn2poly.Polynomial([[0], [1]], [0.5, 2.0], provenance={"source": "Network"})
        >>> print(poly.summary())
        Polynomial(n_features=1, n_outputs=1, n_terms=2, degree=1, source='Network')
        built with approximation=None
        source: Network
        largest terms:
        y1 = 2*x1 + 0.5
        """
        lines = [repr(self), *provenance_lines(self.provenance, self.feature_names)]
        return "\n".join([*lines, "largest terms:", str(self.top(n_terms))])
