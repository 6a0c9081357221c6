"""The common base of the Polynomial mixins: what they read from the class.

:class:`~nn2poly.Polynomial` is assembled from mixins kept in the modules of
their job (:mod:`nn2poly._polynomial_algebra`, :mod:`nn2poly._export`,
:mod:`nn2poly._polynomial_io`).  This base only declares, for type checkers,
the attributes and helpers those mixins use; at run time it is empty.  The
mixins return ``Self``, so none of them imports the class it is mixed into.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # pragma: no cover
    from numpy.typing import ArrayLike
    from typing_extensions import Self

__all__ = ["PolynomialBase"]


class PolynomialBase:
    """Declarations shared by the mixins of :class:`~nn2poly.Polynomial` (no behaviour)."""

    __slots__ = ()

    if TYPE_CHECKING:  # pragma: no cover
        coef: NDArray[np.float64]
        n_features: int
        feature_names: tuple[str, ...]
        output_names: tuple[str, ...]
        link: str | None
        provenance: Mapping[str, Any]
        origin: NDArray[np.float64]
        _variables: NDArray[np.int32]

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

        @classmethod
        def _from_variables(
            cls, variables: NDArray[np.int32], coef: ArrayLike, n_features: int, **fields: Any
        ) -> Self: ...

        def _new(
            self, powers: NDArray[np.int64], coef: NDArray[np.float64], **changes: Any
        ) -> Self: ...

        def _subset(self, rows: Any) -> Self: ...

        def top(
            self, n: int = 10, *, output: int | str | None = None, include_intercept: bool = True
        ) -> Self: ...

        def _padded(self, width: int) -> NDArray[np.int32]: ...
