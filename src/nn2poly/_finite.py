"""Finite or refused: every coefficient the conversion produces is checked as it goes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from ._threads import share_rows

__all__ = ["Cause", "NonFiniteCoefficientsError", "check_finite"]

#: the likely cause of an overflow, or a function that words it when needed
Cause = str | Callable[[], str]


class NonFiniteCoefficientsError(ValueError):
    """A conversion produced infinite or NaN coefficients and was refused.

    The message names the layer where they first appeared and the likely
    cause (weights too large for this ``max_order``, an expansion centre far
    from the potentials, a fitting interval too narrow).

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights([np.array([[0.0], [1e300]]), np.array([[0.0], [1e300]])],
    ...                                    ["linear", "linear"])
    >>> try:
    ...     nn2poly.to_polynomial(net, 1)
    ... except nn2poly.NonFiniteCoefficientsError as error:
    ...     print(str(error)[:47])
    The conversion produced non-finite coefficients
    """


#: Values below which one thread checks them all.
_SHARED_SIZE = 1 << 22


def _all_finite(values: NDArray[np.float64]) -> bool:
    """Whether every value is finite; a large array in one read and no copy.

    A sum is finite only if every term is (an inf or NaN term makes it inf or
    NaN), so a finite sum settles it; a sum that overflowed from finite terms
    is checked value by value.  Large arrays are summed by parts on the
    engine's threads.
    """
    if values.size < 2 * _SHARED_SIZE:  # one thread: a copy of booleans costs little
        return bool(np.isfinite(values).all())
    flat = values.reshape(-1) if values.flags.c_contiguous else values.ravel()
    sums: list[float] = []

    def part(start: int, stop: int) -> None:
        sums.append(float(np.sum(flat[start:stop])))

    with np.errstate(over="ignore", invalid="ignore"):
        share_rows(flat.size, part, minimum=_SHARED_SIZE)
        total = sum(sums)
    return bool(np.isfinite(total) or np.isfinite(values).all())


def check_finite(values: NDArray[np.float64], *, where: str, cause: Cause) -> None:
    """Raise :class:`NonFiniteCoefficientsError` if ``values`` has an inf or NaN.

    ``cause`` is the likely cause for the message, or a function that words it
    (called only when a value is not finite).

    Examples
    --------
    >>> check_finite(np.ones(3), where="layer 0", cause="none")
    """
    if _all_finite(values):
        return
    n_bad = int(np.count_nonzero(~np.isfinite(values)))
    raise NonFiniteCoefficientsError(
        f"The conversion produced non-finite coefficients in {where} ({n_bad} of "
        f"{values.size} values are inf or NaN), so no polynomial is returned. "
        f"{cause if isinstance(cause, str) else cause()}"
    )
