"""Reading and summarising study results."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._runner import COEFFICIENTS_FILE, RESULTS_FILE, finished_runs

__all__ = ["load_coefficients", "load_results", "summarise"]


def _directory(path: str | os.PathLike[str]) -> Path:
    folder = Path(path)
    if folder.is_file():
        folder = folder.parent
    if not (folder / RESULTS_FILE).is_file():
        raise ValueError(
            f"No {RESULTS_FILE} in {str(folder)!r}; give the output directory of a study "
            "(or its results.csv)."
        )
    return folder


def load_results(path: str | os.PathLike[str]) -> Any:
    """The result rows of a study directory (or its ``results.csv``) as a DataFrame.

    Only finished runs are kept; the ``constraint`` column reads ``'none'`` for
    unconstrained networks.
    """
    import pandas as pd

    folder = _directory(path)
    frame = pd.read_csv(folder / RESULTS_FILE, on_bad_lines="skip", keep_default_na=False, na_values=[""])
    done = finished_runs(folder)
    return frame[frame["run_id"].isin(done)].reset_index(drop=True)


def load_coefficients(path: str | os.PathLike[str]) -> Any:
    """Recovered and true coefficients per run, conversion and term, joined with the run's settings."""
    import pandas as pd

    folder = _directory(path)
    coefficients_path = folder / COEFFICIENTS_FILE
    results = load_results(folder)
    if not coefficients_path.is_file():
        return pd.DataFrame(columns=["run_id", "conversion", "term", "true", "recovered"])
    coefficients = pd.read_csv(coefficients_path, on_bad_lines="skip", dtype={"term": str})
    coefficients = coefficients.drop_duplicates(["run_id", "conversion", "term"], keep="last")
    keys = results.drop(
        columns=[c for c in results.columns if c.startswith(("mse", "r2", "coef_rmse"))]
    ).drop_duplicates(["run_id", "conversion"])
    return coefficients.merge(keys, on=["run_id", "conversion"], how="inner")


def summarise(frame: Any, by: list[str], metric: str = "mse_network_polynomial", threshold: float = 1e-2) -> Any:
    """Median, quartiles and the share of runs below ``threshold`` of ``metric`` per group.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"activation": ["tanh"] * 3, "mse_network_polynomial": [1e-3, 1e-1, 1e-4]})
    >>> summarise(frame, ["activation"])["share_below"].round(3).tolist()
    [0.667]
    """
    if metric not in frame.columns:
        raise ValueError(f"No column {metric!r} in the results; the metrics are "
                         f"{[c for c in frame.columns if c.startswith(('mse', 'r2', 'coef'))]}.")
    grouped = frame.groupby(by, sort=False)[metric]
    out = grouped.agg(
        runs="size",
        median="median",
        q25=lambda s: s.quantile(0.25),
        q75=lambda s: s.quantile(0.75),
        share_below=lambda s: float((s < threshold).mean()),
    )
    return out.reset_index()
