"""A polynomial as a JSON-ready dictionary and back: the ``save``/``load`` format.

The format (``"format": "nn2poly.polynomial"``, version 1) stores the terms
sparsely, as R-style labels, and :class:`~nn2poly.Polynomial` keeps them
sparse (the sorted variables of each term), so a file never makes the reader
build more than its contents justify: memory grows with the labels, the
coefficients and the names written in the file, never with ``n_features``
alone (a file without names may declare at most :data:`MAX_DEFAULT_FEATURES`
features).  Every number read is checked for its type (exact integers for
labels and ``n_features``, finite floats for coefficients) before anything is
allocated from it.
"""

from __future__ import annotations

import os
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from ._jsonio import read_json, write_json
from ._polynomial_protocol import PolynomialBase
from ._powers import labels_to_variables
from ._provenance import jsonable
from ._validation import invalid_value

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_DEFAULT_FEATURES",
    "PolynomialIO",
    "from_dict",
    "to_dict",
]

_P = TypeVar("_P", bound=PolynomialBase)

FORMAT_NAME = "nn2poly.polynomial"
FORMAT_VERSION = 1
#: A file without ``feature_names`` may declare at most this many features
#: (their default names ``x1 ..`` would otherwise be built from a few bytes).
MAX_DEFAULT_FEATURES = 100_000


def to_dict(poly: PolynomialBase) -> dict[str, Any]:
    """The JSON-ready dictionary of a polynomial (exact float round trip).

    Examples
    --------
    >>> import nn2poly
    >>> to_dict(nn2poly.Polynomial([[0], [2]], [0.5, -3.0]))["labels"]
    [[0], [1, 1]]
    """
    optional: dict[str, Any] = {}
    if poly.provenance:
        optional["provenance"] = jsonable(poly.provenance)
    if poly.origin.any():
        optional["origin"] = poly.origin.tolist()
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "n_features": poly.n_features,
        "feature_names": list(poly.feature_names),
        "output_names": list(poly.output_names),
        "link": poly.link,
        "labels": [list(label) for label in poly.labels],
        "coef": [column.tolist() for column in poly.coef.T],
        **optional,
    }


def _malformed(message: str) -> ValueError:
    return ValueError(f"Malformed polynomial dictionary: {message}")


def _exact_int(value: Any, what: str) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise _malformed(f"{what} must be an exact integer; got {value!r}.")
    return int(value)


def _names_entry(data: dict[str, Any], key: str) -> list[str] | None:
    names = data.get(key)
    if names is not None and (
        not isinstance(names, list) or not all(isinstance(name, str) for name in names)
    ):
        raise _malformed(f"{key!r} must be a list of strings; got {names!r:.80}.")
    return names


def _coefficients(raw: Any, n_terms: int) -> NDArray[np.float64]:
    if not isinstance(raw, list) or not all(isinstance(column, list) for column in raw):
        raise _malformed("'coef' must be a list of coefficient lists, one per output.")
    if not raw:
        raise _malformed("'coef' must hold at least one output's coefficients.")
    for column in raw:
        if len(column) != n_terms:
            raise _malformed(
                f"each list in 'coef' must have one value per label ({n_terms}); got {len(column)}."
            )
        for value in column:
            if not isinstance(value, Real) or isinstance(value, bool):
                raise _malformed(f"coefficients must be numbers; got {value!r}.")
    try:
        coef = np.array(raw, dtype=np.float64).reshape(len(raw), n_terms).T
    except OverflowError:
        raise _malformed("a coefficient is too large for a float64.") from None
    if not np.all(np.isfinite(coef)):
        raise _malformed("coefficients must be finite; the file holds NaN or infinite values.")
    return np.ascontiguousarray(coef)


def from_dict(cls: type[_P], data: Any) -> _P:
    """Build a polynomial from :func:`to_dict`'s dictionary, checking every entry.

    Examples
    --------
    >>> import nn2poly
    >>> data = {"format": "nn2poly.polynomial", "n_features": 1,
    ...         "labels": [[0], [1, 1]], "coef": [[0.5, -3.0]]}
    >>> print(from_dict(nn2poly.Polynomial, data))
    y1 = 0.5 - 3*x1^2
    """
    expected = f"a dictionary with format={FORMAT_NAME!r} (as written by Polynomial.save)"
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        fix = "Not an nn2poly polynomial; read files written by Polynomial.save."
        raise invalid_value("data", data, expected, caller="Polynomial.from_dict", fix=fix)
    missing = [key for key in ("n_features", "labels", "coef") if key not in data]
    if missing:
        fix = f"The polynomial dictionary lacks the keys {missing!r}."
        raise invalid_value("data", data, expected, caller="Polynomial.from_dict", fix=fix)
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise _malformed(
            f"version {version!r} is not supported (this reader knows {FORMAT_VERSION})."
        )
    n_features = _exact_int(data["n_features"], "'n_features'")
    if n_features < 0:
        raise _malformed(f"'n_features' must be >= 0; got {n_features}.")
    labels = data["labels"]
    if not isinstance(labels, list):
        raise _malformed("'labels' must be a list of labels such as [0] or [1, 2].")
    names = _names_entry(data, "feature_names")
    output_names = _names_entry(data, "output_names")
    if names is None and n_features > MAX_DEFAULT_FEATURES:
        raise _malformed(
            f"'n_features' is {n_features} but the file names no features; a file without "
            f"'feature_names' may declare at most {MAX_DEFAULT_FEATURES} features."
        )
    if names is not None and len(names) != n_features:
        raise _malformed(f"'feature_names' has {len(names)} entries for {n_features} features.")
    try:
        variables = labels_to_variables(labels, n_features)
    except (TypeError, ValueError) as exc:
        raise _malformed(str(exc)) from None
    coef = _coefficients(data["coef"], len(labels))
    extra = {}
    for key in ("provenance", "origin"):
        if data.get(key) is not None:
            if key == "origin" and (
                not isinstance(data[key], list)
                or not all(isinstance(v, Real) and not isinstance(v, bool) for v in data[key])
            ):
                raise _malformed("'origin' must be a list of numbers, one per feature.")
            if key == "provenance" and not isinstance(data[key], dict):
                raise _malformed("'provenance' must be a dictionary.")
            extra[key] = data[key]
    try:
        return cls._from_variables(
            variables,
            coef,
            n_features,
            feature_names=names,
            output_names=output_names,
            link=data.get("link"),
            **extra,
        )
    except (TypeError, ValueError) as exc:
        if not extra:
            raise
        raise _malformed(str(exc)) from None


class PolynomialIO(PolynomialBase):
    """``to_dict``/``from_dict``/``save``/``load`` of :class:`~nn2poly.Polynomial` (a mixin)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (exact float round trip).

        Examples
        --------
        >>> import nn2poly
        >>> nn2poly.Polynomial([[0], [1]], [1.0, -2.0]).to_dict()["coef"]
        [[1.0, -2.0]]
        """
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Inverse of :meth:`to_dict`; every entry is checked.

        Examples
        --------
        >>> import nn2poly
        >>> poly = nn2poly.Polynomial([[0], [1]], [1.0, -2.0])
        >>> nn2poly.Polynomial.from_dict(poly.to_dict()) == poly
        True
        """
        return from_dict(cls, data)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the polynomial as JSON; :meth:`load` reads it back exactly.

        Examples
        --------
        >>> import os, tempfile, nn2poly
        >>> path = os.path.join(tempfile.mkdtemp(), "poly.json")
        >>> nn2poly.Polynomial([[0], [1]], [1.0, -2.0]).save(path)
        >>> print(nn2poly.Polynomial.load(path))
        y1 = 1 - 2*x1
        """
        write_json(path, to_dict(self))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Read a polynomial written by :meth:`save`, checked as untrusted input.

        Only a regular file of at most :data:`nn2poly._jsonio.MAX_JSON_BYTES`
        is read; types, sizes and finiteness are checked before anything is built.

        Examples
        --------
        >>> import os, tempfile, nn2poly
        >>> path = os.path.join(tempfile.mkdtemp(), "poly.json")
        >>> nn2poly.Polynomial([[0], [1]], [1.0, -2.0]).save(path)
        >>> nn2poly.Polynomial.load(path).coef.ravel().tolist()
        [1.0, -2.0]
        """
        return from_dict(cls, read_json(path))
