"""Checks of what a polynomial is built from and evaluated on: coefficients, names, samples.

Samples are read by position from arrays and by name from DataFrames.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._powers import _as_2d
from ._validation import Predicate, invalid_value

__all__ = [
    "NON_NEGATIVE_INT",
    "POSITIVE_INT",
    "check_coef",
    "check_names",
    "check_samples",
    "named_label",
]


def check_names(
    value: Any, count: int, prefix: str, what: str, caller: str = "Polynomial"
) -> tuple[str, ...]:
    """``count`` distinct names (default ``prefix1 ..``); ``what`` is the parameter's name.

    Examples
    --------
    >>> check_names(None, 2, "x", "feature_names")
    ('x1', 'x2')
    >>> check_names(["a"], 2, "x", "feature_names")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: The 'feature_names' parameter of Polynomial
    must be a sequence of 2 unique str. Got ['a'] instead. feature_names has 1 entries but 2
    are needed; give one name per feature.
    """
    if value is None:
        return tuple(f"{prefix}{i + 1}" for i in range(count))
    expected = f"a sequence of {count} unique str"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise invalid_value(what, value, expected, caller=caller, type_error=True)
    names = tuple(str(name) for name in value)
    per = "output" if what == "output_names" else "feature"
    if len(names) != count:
        fix = f"{what} has {len(names)} entries but {count} are needed; give one name per {per}."
        raise invalid_value(what, value, expected, caller=caller, fix=fix)
    if len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        fix = f"These names are repeated: {_shown(repeated)}."
        raise invalid_value(what, value, expected, caller=caller, fix=fix)
    return names


def check_coef(coef: Any, n_terms: int, caller: str = "Polynomial") -> NDArray[np.float64]:
    """Finite coefficients as a new float64 array of shape (n_terms, n_outputs).

    Examples
    --------
    >>> check_coef([1, 2], 2)
    array([[1.],
           [2.]])
    >>> check_coef([float("nan")], 1)  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: The 'coef' parameter of Polynomial must be
    finite. Got an array of shape (1, 1) and dtype float64 instead. It holds NaN or infinite
    values at rows [0]. ...
    """
    if _is_torch_tensor(coef):
        coef = coef.detach().cpu().numpy()
    try:
        values = np.array(coef, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise invalid_value(
            "coef", coef, "an array of floats", caller=caller, type_error=True
        ) from None
    values = _as_2d(values, n_terms, caller=caller)
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        fix = (
            f"It holds NaN or infinite values at rows {rows[:5].tolist()}"
            f"{' ...' if rows.size > 5 else ''}. Check the weights or the arithmetic that "
            "produced them."
        )
        raise invalid_value("coef", values, "finite", caller=caller, fix=fix)
    return values


def _shown(names: Sequence[Any], limit: int = 8) -> str:
    listed = ", ".join(repr(name) for name in list(names)[:limit])
    return f"[{listed}{', ...' if len(names) > limit else ''}]"


def _columns_by_name(frame: Any, feature_names: tuple[str, ...], caller: str) -> Any:
    """A DataFrame's columns in ``feature_names`` order, refused unless they are those names."""
    columns = list(frame.columns)
    if len(set(columns)) == len(columns) and set(columns) == set(feature_names):
        return frame[list(feature_names)]
    missing = [name for name in feature_names if name not in set(columns)]
    extra = [column for column in columns if column not in set(feature_names)]
    raise invalid_value(
        "X",
        f"a DataFrame with columns {_shown(columns)}",
        "a DataFrame whose columns are the polynomial's feature names",
        caller=caller,
        fix=f"The polynomial's features are {_shown(feature_names)} (missing: "
        f"{_shown(missing)}; not features: {_shown(extra)}). DataFrame columns are used by "
        "name: rename them to the feature names, or pass X.to_numpy() to use the columns by "
        "position.",
    )


def _is_torch_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def _is_complex(value: Any) -> bool:
    try:
        return bool(np.iscomplexobj(value))
    except (TypeError, ValueError, OverflowError):
        return False


def check_samples(
    X: Any, feature_names: tuple[str, ...], caller: str = "Polynomial.predict"
) -> NDArray[np.float64]:
    """``X`` as a C-contiguous float64 array of shape (n_samples, n_features).

    Arrays (and nested lists) are read by position; a pandas DataFrame by
    column name, its columns being exactly the feature names in any order;
    a torch tensor is detached (``requires_grad`` is fine) and copied to the CPU.

    Examples
    --------
    >>> check_samples([[1, 2]], ("a", "b"))
    array([[1., 2.]])
    >>> check_samples([1.0, 2.0], ("a",))
    array([[1.],
           [2.]])
    """
    n_features = len(feature_names)
    if _is_torch_tensor(X):
        X = X.detach().cpu().numpy()
    elif hasattr(X, "columns") and hasattr(X, "to_numpy"):
        X = _columns_by_name(X, feature_names, caller).to_numpy()
    expected = f"a real array of shape (n_samples, {n_features})"
    if _is_complex(X):
        fix = "The polynomial is evaluated on real inputs only."
        raise invalid_value("X", X, expected, caller=caller, fix=fix, type_error=True)
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise invalid_value("X", X, expected, caller=caller, type_error=True) from None
    if array.ndim == 1 and n_features == 1:
        array = array[:, None]
    if array.ndim != 2:
        fix = "Reshape a single sample with X.reshape(1, -1)."
        raise invalid_value("X", array, expected, caller=caller, fix=fix)
    if array.shape[1] != n_features:
        fix = (
            f"X has {array.shape[1]} columns but the polynomial has {n_features} features "
            f"({', '.join(feature_names[:6])}{', ...' if n_features > 6 else ''}); "
            "pass one column per feature."
        )
        raise invalid_value("X", array, expected, caller=caller, fix=fix)
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        fix = (
            f"It contains NaN or infinite values at rows {rows[:5].tolist()}"
            f"{' ...' if rows.size > 5 else ''}; remove or impute them first."
        )
        raise invalid_value("X", array, "finite", caller=caller, fix=fix)
    return np.ascontiguousarray(array)


def named_label(
    label: Any, feature_names: tuple[str, ...], caller: str = "Polynomial.coefficient"
) -> Any:
    """A label given by feature names (``("bmi", "s5")``, or one name) as an R-style label.

    Labels of ints are returned unchanged (checked later, strictly); names and
    ints cannot be mixed.

    Examples
    --------
    >>> named_label(("b", "a", "b"), ("a", "b"))
    (2, 1, 2)
    >>> named_label("a", ("a", "b")), named_label((1, 2), ("a", "b"))
    ((1,), (1, 2))
    >>> named_label(("a", "c"), ("a", "b"))  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterTypeError: The 'label' parameter of
    Polynomial.coefficient must be 1-based ints such as (1, 2) or feature names.
    Got ('a', 'c') instead. 'c' is not a feature (the features are ['a', 'b']).
    >>> named_label(["a", 1], ("a", "b"))  # doctest: +ELLIPSIS +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterTypeError: The 'label' parameter of ...
    Got ('a', 1) instead. It mixes feature names and ints; ...
    """
    if isinstance(label, str):
        label = (label,)
    if isinstance(label, (bytes, np.ndarray)) or not isinstance(label, (tuple, list)):
        return label
    if not any(isinstance(entry, str) for entry in label):
        return label
    expected = "1-based ints such as (1, 2) or feature names"
    if not all(isinstance(entry, str) for entry in label):
        fix = (
            f"It mixes feature names and ints; give all names, such as "
            f"{tuple(feature_names[:2])!r}, or all 1-based ints, such as (1, 2)."
        )
        raise invalid_value(
            "label", tuple(label), expected, caller=caller, fix=fix, type_error=True
        )
    index = {name: i + 1 for i, name in enumerate(feature_names)}
    for entry in label:
        if entry not in index:
            fix = f"{entry!r} is not a feature (the features are {_shown(feature_names)})."
            raise invalid_value(
                "label", tuple(label), expected, caller=caller, fix=fix, type_error=True
            )
    return tuple(index[entry] for entry in label)


def _exact_int_at_least(low: int, description: str) -> Predicate:
    """Ints from ``low`` on; any other value (1.5, True) is a ValueError, as for ``low - 1``."""
    return Predicate(
        lambda value: bool(
            isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low
        ),
        description,
    )


NON_NEGATIVE_INT = _exact_int_at_least(0, "a non-negative int")
POSITIVE_INT = _exact_int_at_least(1, "a positive int")
