"""Reading and summarising study results."""

from __future__ import annotations

import io
import os
from typing import Any

from .._validation import Finite, check_param, invalid_value
from ._storage import (
    COEFFICIENT_COLUMNS,
    COEFFICIENTS_FILE,
    RESULTS_FILE,
    as_csv,
    read_coefficients,
    read_results,
    study_folder,
)

__all__ = ["load_coefficients", "load_results", "summarise"]


def load_results(path: str | os.PathLike[str]) -> Any:
    """The result rows of a study directory (or its ``results.csv``) as a DataFrame.

    Only finished runs are kept, each once: a last line cut by an interruption,
    the rows of a run that was only partly written and earlier writes of a run
    written again are left out. The ``constraint`` column reads ``'none'`` for
    unconstrained networks.

    Parameters
    ----------
    path : path
        A study output directory (see :func:`run_study`) or its ``results.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per finished run and conversion.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "results.csv").write_text(
    ...     "run_id,conversion,n_conversions,constraint,mse_network_polynomial\\n"
    ...     "0-0,0,1,l1,0.001\\n1-0,0,1,none,0.02\\n2-0,0,")  # the last line was cut
    >>> frame = load_results(folder)
    >>> frame["run_id"].tolist(), frame["constraint"].tolist()
    (['0-0', '1-0'], ['l1', 'none'])
    """
    import pandas as pd

    folder = study_folder(path, caller="load_results")
    header, rows = read_results(folder / RESULTS_FILE)
    return pd.read_csv(io.StringIO(as_csv(header, rows)), keep_default_na=False, na_values=[""])


def load_coefficients(path: str | os.PathLike[str]) -> Any:
    """Recovered and true coefficients per run, conversion and term, joined with the run's settings.

    Parameters
    ----------
    path : path
        A study output directory (see :func:`run_study`) or its ``results.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``run_id``, ``conversion``, ``term``, ``true``, ``recovered`` and
        the settings of the run; finished runs only, each term once.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "results.csv").write_text(
    ...     "run_id,conversion,n_conversions,activation,mse_network_polynomial\\n"
    ...     "0-0,0,1,tanh,0.001\\n")
    >>> _ = (folder / "coefficients.csv").write_text(
    ...     'run_id,conversion,term,true,recovered\\n0-0,0,0,0.5,0.45\\n0-0,0,"1,2",-1.0,-0.9\\n')
    >>> table = load_coefficients(folder)
    >>> table[["term", "true", "recovered", "activation"]].values.tolist()
    [['0', 0.5, 0.45, 'tanh'], ['1,2', -1.0, -0.9, 'tanh']]
    """
    import pandas as pd

    folder = study_folder(path, caller="load_coefficients")
    coefficients_path = folder / COEFFICIENTS_FILE
    results = load_results(folder)
    if not coefficients_path.is_file():
        return pd.DataFrame(columns=list(COEFFICIENT_COLUMNS))
    header, rows = read_coefficients(coefficients_path)
    coefficients = pd.read_csv(io.StringIO(as_csv(header, rows)), dtype={"term": str})
    coefficients = coefficients.drop_duplicates(["run_id", "conversion", "term"], keep="last")
    keys = results.drop(
        columns=[c for c in results.columns if c.startswith(("mse", "r2", "coef_rmse"))]
    ).drop_duplicates(["run_id", "conversion"])
    return coefficients.merge(keys, on=["run_id", "conversion"], how="inner")


def summarise(
    frame: Any, by: list[str], metric: str = "mse_network_polynomial", threshold: float = 1e-2
) -> Any:
    """Median, quartiles and the share of runs below ``threshold`` of ``metric`` per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        Result rows (see :func:`load_results`).
    by : list of str
        Columns that form the groups.
    metric : str, default='mse_network_polynomial'
    threshold : float, default=1e-2
        Finite; the share of runs with ``metric`` below it is reported.

    Returns
    -------
    pandas.DataFrame
        Columns ``by``, ``runs``, ``median``, ``q25``, ``q75`` and ``share_below``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"activation": ["tanh"] * 3,
    ...                       "mse_network_polynomial": [1e-3, 1e-1, 1e-4]})
    >>> summarise(frame, ["activation"])["share_below"].round(3).tolist()
    [0.667]
    """
    threshold = check_threshold(threshold, caller="summarise")
    if metric not in frame.columns:
        raise invalid_value(
            "metric",
            metric,
            "the name of a metric column of the results",
            caller="summarise",
            fix="No such column; the metrics are "
            f"{[c for c in frame.columns if c.startswith(('mse', 'r2', 'coef'))]}.",
        )
    missing = [column for column in by if column not in frame.columns]
    if missing:
        raise invalid_value(
            "by",
            by,
            "names of columns of the results",
            caller="summarise",
            fix=f"No column {missing} in the results to group by; "
            f"the columns are {list(frame.columns)}.",
        )
    grouped = frame.groupby(by, sort=False)[metric]
    out = grouped.agg(
        runs="size",
        median="median",
        q25=lambda s: s.quantile(0.25),
        q75=lambda s: s.quantile(0.75),
        share_below=lambda s: float((s < threshold).mean()),
    )
    return out.reset_index()


def check_threshold(threshold: Any, *, caller: str) -> float:
    """``threshold`` as a float; refuse NaN, infinities and non-numbers."""
    value: float = check_param("threshold", threshold, [Finite()], caller=caller)
    return value
