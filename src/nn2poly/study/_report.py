"""All the figures and the summary table of one study directory."""

from __future__ import annotations

import os
from pathlib import Path

from .._validation import Interval, check_param, invalid_value
from ._plot_words import conversion_words, metric_words
from ._results import check_threshold, load_coefficients, load_results, summarise
from ._storage import make_folder, read_config, study_folder

__all__ = ["plot_study"]

#: Said under the title when the panels are conversions.
CONVERSION_NOTE = ", per conversion (q: Taylor order, Q: max order)"


def _grid_keys(folder: Path, columns: list[str]) -> list[str]:
    config = read_config(folder) or {}
    grid = config.get("grid")
    keys = list(grid) if isinstance(grid, dict) else []
    return [key for key in keys if key in columns]


def plot_study(
    results: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    threshold: float = 1e-2,
    dpi: int = 110,
) -> list[Path]:
    """Write the figures and a summary table of a study; return the paths written.

    Files: ``mse_network_polynomial.png`` and ``mse_polynomial_y.png`` (box
    plots per setting on a log scale, one panel per conversion when there are
    several, else per value of the first grid key), ``coefficient_recovery.png``
    (true vs recovered coefficients of the last conversion, one panel per value
    of the first grid key) and ``summary.csv`` (median, quartiles and share of
    runs with MSE(network, polynomial) below ``threshold`` per setting).

    Parameters
    ----------
    results : path
        A study directory, or its ``results.csv``.
    output : path, optional
        Folder for the files; default ``<results>/figures``.
    threshold : float, default=1e-2
        Finite; the dashed line of the MSE figure and the share in the table.
    dpi : int, default=110

    Returns
    -------
    list of Path

    Examples
    --------
    >>> import tempfile
    >>> from nn2poly.study import StudyConfig, run_study
    >>> config = StudyConfig("tiny", data={"n_features": 2, "n": 40},
    ...                      network={"width": 3, "epochs": 1}, repetitions=2)
    >>> folder = tempfile.mkdtemp()
    >>> _ = run_study(config, folder, backend="serial")
    >>> [path.name for path in plot_study(folder)]  # doctest: +NORMALIZE_WHITESPACE
    ['mse_network_polynomial.png', 'mse_polynomial_y.png', 'coefficient_recovery.png',
     'summary.csv']
    """
    import matplotlib.pyplot as pyplot

    from ._plots import plot_coefficient_recovery, plot_mse_distribution

    threshold = check_threshold(threshold, caller="plot_study")
    dpi = check_param("dpi", dpi, [Interval(int, 1, None)], caller="plot_study")
    folder = study_folder(results, name="results", caller="plot_study")
    frame = load_results(folder)
    if frame.empty:
        raise invalid_value(
            "results",
            str(results),
            "the output folder of a study with finished runs",
            caller="plot_study",
            fix=f"{str(folder)!r} holds no finished runs yet; run the study first.",
        )
    for column in ("conversion", "taylor_order", "max_order", "setting"):
        if column not in frame.columns:
            raise ValueError(
                f"{str(folder / 'results.csv')!r} has no column {column!r}; it was not written "
                "by run_study. Give the output folder of a study."
            )
    out = make_folder(
        output if output is not None else folder / "figures", name="output", caller="plot_study"
    )
    keys = _grid_keys(folder, list(frame.columns))
    several = frame["conversion"].nunique() > 1
    if several:
        frame = frame.assign(
            conversion_label=[
                conversion_words(t, m)
                for t, m in zip(frame["taylor_order"], frame["max_order"], strict=True)
            ]
        )
        panel, by = "conversion_label", keys or ["setting"]
    elif len(keys) >= 2:
        panel, by = keys[0], keys[1:]
    else:
        panel, by = None, keys or ["setting"]
    written = []
    for metric in ("mse_network_polynomial", "mse_polynomial_y"):
        figure = plot_mse_distribution(
            frame,
            metric=metric,
            by=by,
            panel=panel,
            threshold=threshold if metric == "mse_network_polynomial" else None,
            title=f"{metric_words(metric)}{CONVERSION_NOTE if several else ''}",
        )
        path = out / f"{metric}.png"
        figure.savefig(path, dpi=dpi)
        pyplot.close(figure)
        written.append(path)
    coefficients = load_coefficients(folder)
    if not coefficients.empty:
        last = coefficients["conversion"].max()
        figure = plot_coefficient_recovery(
            coefficients[coefficients["conversion"] == last], panel=keys[0] if keys else None
        )
        path = out / "coefficient_recovery.png"
        figure.savefig(path, dpi=dpi)
        pyplot.close(figure)
        written.append(path)
    group = [c for c in (["taylor_order", "max_order"] if several else []) + keys]
    table = summarise(frame, group or ["setting"], threshold=threshold)
    path = out / "summary.csv"
    table.to_csv(path, index=False, float_format="%.4g")
    written.append(path)
    return written
