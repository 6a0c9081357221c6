"""What a conversion records in ``poly.provenance``: how the polynomial was built."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._approximation import LayerApproximation
from ._fit import FittedLayers
from ._taylor import TaylorLayers
from ._version import __version__

__all__ = ["MAX_RANGE_FEATURES", "conversion_record"]

#: Above this many features the fit data's range is recorded overall, not per feature.
MAX_RANGE_FEATURES = 1000


def _fit_entries(bound: FittedLayers) -> dict[str, Any]:
    entries: dict[str, Any] = {"taylor_orders": list(bound.degrees), "taylor_center": None}
    if bound.data is not None:
        X = bound.data
        entries["fit_rows"] = int(X.shape[0])
        if X.shape[1] <= MAX_RANGE_FEATURES:
            entries["fit_range"] = np.column_stack([X.min(axis=0), X.max(axis=0)]).tolist()
        else:
            entries["fit_range"] = [float(X.min()), float(X.max())]
        entries["refined"] = getattr(bound, "refinement", None) is not None
    else:
        entries["fit_interval"] = [
            None if r is None else [float(r[:, 0].min()), float(r[:, 1].max())]
            for r in bound.ranges
        ]
    return entries


def conversion_record(
    approximation: LayerApproximation, max_order: int, extra: Any = None
) -> dict[str, Any]:
    """The provenance of a conversion with this bound approximation, plus ``extra`` entries.

    Entries: ``approximation`` (``"taylor"``/``"fit"``, or the class name of
    another approximation), ``max_order``, ``taylor_orders`` (per layer; the
    fitted degrees for a fit), ``taylor_center``, for a fit on data
    ``fit_rows``, ``fit_range`` (per feature ``[min, max]``) and ``refined``,
    for a fit on an interval ``fit_interval``, ``origin`` (``0.0``: the
    variables are ``x`` itself; a local polynomial records its point) and
    ``nn2poly_version``.
    ``extra`` (a mapping) adds or overrides entries.

    Examples
    --------
    >>> record = conversion_record(TaylorLayers((8, 1), 0.0), 3, {"source": "Network"})
    >>> record["approximation"], record["taylor_orders"], record["source"]
    ('taylor', [8, 1], 'Network')
    """
    record: dict[str, Any] = {"max_order": int(max_order)}
    if isinstance(approximation, TaylorLayers):
        record["approximation"] = "taylor"
        record["taylor_orders"] = list(approximation.orders)
        center = approximation.center
        record["taylor_center"] = center if isinstance(center, str) else float(center)
    elif isinstance(approximation, FittedLayers):
        record["approximation"] = "fit"
        record.update(_fit_entries(approximation))
    else:
        record["approximation"] = type(approximation).__name__
    record["origin"] = 0.0
    record["nn2poly_version"] = __version__
    record.update(dict(extra or {}))
    return record
