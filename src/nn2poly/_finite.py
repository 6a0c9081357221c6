"""Finite or refused: every coefficient the conversion produces is checked as it goes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

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


def check_finite(values: NDArray[np.float64], *, where: str, cause: Cause) -> None:
    """Raise :class:`NonFiniteCoefficientsError` if ``values`` has an inf or NaN.

    ``cause`` is the likely cause for the message, or a function that words it
    (called only when a value is not finite).

    Examples
    --------
    >>> check_finite(np.ones(3), where="layer 0", cause="none")
    """
    if np.isfinite(values).all():
        return
    n_bad = int(np.count_nonzero(~np.isfinite(values)))
    raise NonFiniteCoefficientsError(
        f"The conversion produced non-finite coefficients in {where} ({n_bad} of "
        f"{values.size} values are inf or NaN), so no polynomial is returned. "
        f"{cause if isinstance(cause, str) else cause()}"
    )
