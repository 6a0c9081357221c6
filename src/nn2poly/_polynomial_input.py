"""Checks of what a polynomial is built from and evaluated on: coefficients, names, samples.

Samples are read by position from arrays and by name from DataFrames.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._powers import _as_2d
from ._validation import Predicate

__all__ = [
    "NON_NEGATIVE_INT",
    "POSITIVE_INT",
    "check_coef",
    "check_names",
    "check_samples",
    "named_label",
]


def check_names(value: Any, count: int, prefix: str, what: str) -> tuple[str, ...]:
    """``count`` distinct names (default ``prefix1 ..``).

    Examples
    --------
    >>> check_names(None, 2, "x", "feature_names")
    ('x1', 'x2')
    """
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


def check_coef(coef: Any, n_terms: int) -> NDArray[np.float64]:
    """Finite coefficients as a new float64 array of shape (n_terms, n_outputs).

    Examples
    --------
    >>> check_coef([1, 2], 2)
    array([[1.],
           [2.]])
    >>> check_coef([float("nan")], 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: coef must be finite; it holds NaN or infinite values at rows [0]. ...
    """
    if _is_torch_tensor(coef):
        coef = coef.detach().cpu().numpy()
    try:
        values = np.array(coef, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"coef must be an array of floats; got {type(coef).__name__}.") from None
    values = _as_2d(values, n_terms)
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        raise ValueError(
            f"coef must be finite; it holds NaN or infinite values at rows {rows[:5].tolist()}"
            f"{' ...' if rows.size > 5 else ''}. Check the weights or the arithmetic that "
            "produced them."
        )
    return values


def _shown(names: Sequence[Any], limit: int = 8) -> str:
    listed = ", ".join(repr(name) for name in list(names)[:limit])
    return f"[{listed}{', ...' if len(names) > limit else ''}]"


def _columns_by_name(frame: Any, feature_names: tuple[str, ...]) -> Any:
    """A DataFrame's columns in ``feature_names`` order, refused unless they are those names."""
    columns = list(frame.columns)
    if len(set(columns)) == len(columns) and set(columns) == set(feature_names):
        return frame[list(feature_names)]
    missing = [name for name in feature_names if name not in set(columns)]
    extra = [column for column in columns if column not in set(feature_names)]
    raise ValueError(
        f"X is a DataFrame with columns {_shown(columns)} but the polynomial's features are "
        f"{_shown(feature_names)} (missing: {_shown(missing)}; not features: {_shown(extra)}). "
        "DataFrame columns are used by name: rename them to the feature names, or pass "
        "X.to_numpy() to use the columns by position."
    )


def _is_torch_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def _is_complex(value: Any) -> bool:
    try:
        return bool(np.iscomplexobj(value))
    except (TypeError, ValueError, OverflowError):
        return False


def check_samples(X: Any, feature_names: tuple[str, ...]) -> NDArray[np.float64]:
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
        X = _columns_by_name(X, feature_names).to_numpy()
    if _is_complex(X):
        raise TypeError("X is complex; the polynomial is evaluated on real inputs only.")
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"X must be a numeric array; got {type(X).__name__}.") from None
    if array.ndim == 1 and n_features == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array X of shape (n_samples, {n_features}); got shape "
            f"{array.shape}. Reshape a single sample with X.reshape(1, -1)."
        )
    if array.shape[1] != n_features:
        raise ValueError(
            f"X has {array.shape[1]} columns but the polynomial has {n_features} "
            f"features ({', '.join(feature_names[:6])}{', ...' if n_features > 6 else ''}); "
            "pass one column per feature."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("X contains NaN or infinite values; remove or impute them first.")
    return np.ascontiguousarray(array)


def named_label(label: Any, feature_names: tuple[str, ...]) -> Any:
    """A label given by feature names (``("bmi", "s5")``, or one name) as an R-style label.

    Labels of ints are returned unchanged (checked later, strictly); names and
    ints cannot be mixed.

    Examples
    --------
    >>> named_label(("b", "a", "b"), ("a", "b"))
    (2, 1, 2)
    >>> named_label("a", ("a", "b")), named_label((1, 2), ("a", "b"))
    ((1,), (1, 2))
    >>> named_label(("a", "c"), ("a", "b"))
    Traceback (most recent call last):
    ...
    TypeError: label ('a', 'c') must be 1-based ints such as (1, 2) or feature names; ...
    >>> named_label(["a", 1], ("a", "b"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: label ('a', 1) mixes feature names and ints; ...
    """
    if isinstance(label, str):
        label = (label,)
    if isinstance(label, (bytes, np.ndarray)) or not isinstance(label, (tuple, list)):
        return label
    if not any(isinstance(entry, str) for entry in label):
        return label
    if not all(isinstance(entry, str) for entry in label):
        raise TypeError(
            f"label {tuple(label)!r} mixes feature names and ints; give all names, such as "
            f"{tuple(feature_names[:2])!r}, or all 1-based ints, such as (1, 2)."
        )
    index = {name: i + 1 for i, name in enumerate(feature_names)}
    for entry in label:
        if entry not in index:
            raise TypeError(
                f"label {tuple(label)!r} must be 1-based ints such as (1, 2) or feature names; "
                f"{entry!r} is not a feature (the features are {_shown(feature_names)})."
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
