"""The samples a polynomial is evaluated on: arrays by position, DataFrames by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["check_samples"]


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
