"""Warnings the conversion emits."""

from __future__ import annotations

__all__ = ["TAYLOR_ADVICE", "TaylorAccuracyWarning"]

#: What to do when a Taylor expansion may be inaccurate; shared by every such warning.
TAYLOR_ADVICE = (
    "Train with constraint='l1', expand around the potentials (taylor_center='local' or a "
    "centre inside their range), use approximation='fit' with data=X_train, or check the "
    "fidelity on your data with nn2poly.diagnose."
)


class TaylorAccuracyWarning(UserWarning):
    """A Taylor conversion applied where the expansion may be inaccurate.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("far from the centre", TaylorAccuracyWarning)
    >>> caught[0].category.__name__
    'TaylorAccuracyWarning'
    """
