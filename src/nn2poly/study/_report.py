"""All the figures and the summary table of one study directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ._results import _directory, load_coefficients, load_results, summarise
from ._runner import CONFIG_FILE

__all__ = ["plot_study"]


def _grid_keys(folder: Path, columns: list[str]) -> list[str]:
    path = folder / CONFIG_FILE
    if path.is_file():
        keys = list(json.loads(path.read_text()).get("grid", {}))
    else:
        keys = []
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
    dpi : int, default=110
    """
    import matplotlib.pyplot as pyplot

    from ._plots import plot_coefficient_recovery, plot_mse_distribution

    folder = _directory(results)
    out = Path(output) if output is not None else folder / "figures"
    out.mkdir(parents=True, exist_ok=True)
    frame = load_results(folder)
    if frame.empty:
        raise ValueError(f"{str(folder)!r} holds no finished runs yet; run the study first.")
    keys = _grid_keys(folder, list(frame.columns))
    several = frame["conversion"].nunique() > 1
    if several:
        frame = frame.assign(conversion_label=[f"q={t}, Q={m}" for t, m in zip(frame["taylor_order"], frame["max_order"])])
        panel, by = "conversion_label", keys or ["setting"]
    elif len(keys) >= 2:
        panel, by = keys[0], keys[1:]
    else:
        panel, by = None, keys or ["setting"]
    written = []
    for metric in ("mse_network_polynomial", "mse_polynomial_y"):
        figure = plot_mse_distribution(
            frame, metric=metric, by=by, panel=panel,
            threshold=threshold if metric == "mse_network_polynomial" else None,
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
