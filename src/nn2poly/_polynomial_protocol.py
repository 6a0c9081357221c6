"""What the mixins of :class:`~nn2poly.Polynomial` read from it (for type checking only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # pragma: no cover
    from ._polynomial import Polynomial

__all__ = ["PolynomialLike"]


class PolynomialLike(Protocol):
    """The attributes of a Polynomial its export, I/O and arithmetic mixins use."""

    coef: NDArray[np.float64]
    n_features: int
    feature_names: tuple[str, ...]
    output_names: tuple[str, ...]
    link: str | None

    @property
    def n_terms(self) -> int: ...

    @property
    def n_outputs(self) -> int: ...

    @property
    def degree(self) -> int: ...

    @property
    def degrees(self) -> NDArray[np.int64]: ...

    @property
    def powers(self) -> NDArray[np.int64]: ...

    @property
    def labels(self) -> list[tuple[int, ...]]: ...

    @property
    def term_names(self) -> list[str]: ...

    def _new(self, powers: NDArray[np.int64], coef: Any, **changes: Any) -> Polynomial: ...

    def _subset(self, rows: Any) -> Polynomial: ...
