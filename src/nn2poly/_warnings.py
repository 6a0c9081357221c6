"""Warnings the conversion emits."""

from __future__ import annotations

__all__ = ["TAYLOR_ADVICE", "TaylorAccuracyWarning"]

#: What to do when a Taylor expansion may be inaccurate; shared by every such warning.
TAYLOR_ADVICE = (
    'For a trained network, convert with approximation="fit" and data=X_train (the inputs '
    "it was trained on): each neuron's polynomial is then fitted where its potentials are. "
    "To train a network the Taylor expansion is faithful to, use constraint='l1'. Check the "
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
