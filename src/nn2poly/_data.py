"""Input arrays given to the conversion: as plain float arrays, checked."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["FitDataError", "as_plain_array", "check_data"]

FloatArray = NDArray[np.float64]


class FitDataError(ValueError):
    """Raised for ``data`` or ``interval`` arguments that cannot be used for a fit.

    Examples
    --------
    >>> import numpy as np
    >>> try:
    ...     check_data(np.zeros((1, 2)), 2)
    ... except FitDataError as error:
    ...     print(str(error)[:40])
    data has 1 row(s); at least 2 samples ar
    """


def as_plain_array(value: Any) -> Any:
    """A tensor (PyTorch, ...) as a NumPy array, detached from any autograd graph.

    Objects with ``detach`` are converted with ``.detach().cpu().numpy()``;
    anything else (DataFrames included) is returned unchanged.  No framework
    is imported.

    Examples
    --------
    >>> as_plain_array([1.0, 2.0])
    [1.0, 2.0]
    """
    if hasattr(value, "detach") and callable(value.detach):
        value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        if hasattr(value, "numpy"):
            return value.numpy()
    return value


def check_data(data: Any, n_inputs: int, name: str = "data") -> FloatArray:
    """Validate inputs to evaluate the network on: finite, 2-D, one column per input.

    Examples
    --------
    >>> check_data([[0.0, 1.0], [2.0, 3.0]], 2).shape
    (2, 2)
    """
    data = as_plain_array(data)
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):
        data = data.to_numpy(dtype=np.float64)
    try:
        if np.iscomplexobj(data):
            raise TypeError
        array = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a numeric array of shape (n_samples, {n_inputs}); got "
            f"{type(data).__name__}."
        ) from None
    if array.ndim == 1 and n_inputs == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != n_inputs:
        raise FitDataError(
            f"{name} has shape {array.shape} but the network has {n_inputs} inputs; pass an "
            f"array of shape (n_samples, {n_inputs}), e.g. the training inputs."
        )
    if array.shape[0] < 2:
        raise FitDataError(
            f"{name} has {array.shape[0]} row(s); at least 2 samples are needed to fit, "
            "ideally the whole training set."
        )
    if not np.all(np.isfinite(array)):
        bad = int(np.count_nonzero(~np.isfinite(array).all(axis=1)))
        raise FitDataError(
            f"{name} contains NaN or infinite values ({bad} of {array.shape[0]} rows); remove "
            "or impute them before converting."
        )
    return np.ascontiguousarray(array)
