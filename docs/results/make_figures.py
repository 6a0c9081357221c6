"""Figures and tables of docs/studies.md from the study results in this folder.

Run from the repository root::

    python docs/results/make_figures.py

The results themselves come from ``nn2poly study morala2021 -o docs/results/morala2021``
and ``nn2poly study tnnls2023 -o docs/results/tnnls2023`` (see docs/studies.md).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

import nn2poly  # noqa: E402
from nn2poly.study import (  # noqa: E402
    load_results,
    plot_coefficient_intervals,
    plot_coefficient_recovery,
    plot_mse_distribution,
    plot_surfaces,
    random_polynomial,
    same_data_networks,
    simulate,
    load_coefficients,
)

HERE = Path(__file__).resolve().parent
FIGURES = HERE / "figures"
REPORT = HERE.parent / "studies.md"

#: Morala et al. (2023), median MSE(network, polynomial), (width 50, width 100).
TNNLS2023_PUBLISHED = {
    ("tanh", 1): (2.3e-4, 3.3e-4), ("tanh", 3): (1.4e-3, 1.4e-3),
    ("tanh", 5): (1.3e-3, 1.3e-3), ("tanh", 7): (1.1e-3, 1.2e-3),
    ("softplus", 1): (2.4e-6, 5.2e-6), ("softplus", 3): (1.8e-7, 2.2e-7),
    ("softplus", 5): (2.9e-8, 3.7e-8), ("softplus", 7): (1.1e-10, 3.8e-9),
    ("sigmoid", 1): (1.0e-6, 5.4e-7), ("sigmoid", 3): (3.1e-7, 7.3e-7),
    ("sigmoid", 5): (3.0e-10, 5.8e-10), ("sigmoid", 7): (1.1e-13, 6.6e-14),
}
#: Morala et al. (2021), unconstrained networks: share of runs with MSE < 1e-2 (range over settings).
MORALA2021_PUBLISHED = {"softplus": "64-86 %", "tanh": "0-5 %", "sigmoid": "10-14 %"}
TABLES: dict[str, str] = {}


def fill_report() -> None:
    """Replace the text between ``<!-- table:NAME -->`` and ``<!-- end:NAME -->`` in studies.md."""
    if not REPORT.is_file():
        return
    text = REPORT.read_text()
    for name, table in TABLES.items():
        start, end = f"<!-- table:{name} -->", f"<!-- end:{name} -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            _, tail = rest.split(end, 1)
            text = f"{head}{start}\n{table}\n{end}{tail}"
    REPORT.write_text(text)


def markdown(frame, index: bool = True) -> str:
    """A pipe table (pandas' to_markdown needs tabulate)."""
    frame = frame.reset_index() if index else frame
    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def save(figure: plt.Figure, name: str) -> None:
    FIGURES.mkdir(exist_ok=True)
    figure.savefig(FIGURES / name, dpi=70 if name.startswith("surfaces") else 90)
    plt.close(figure)


def morala2021() -> None:
    folder = HERE / "morala2021"
    if not (folder / "results.csv").is_file():
        return
    frame = load_results(folder)
    for constraint in ("none", "l1"):
        part = frame[frame["constraint"] == constraint]
        figure = plot_mse_distribution(part, by=["activation", "width"], panel="taylor_order")
        figure.suptitle(f"morala2021, constraint = {constraint}: MSE(network, polynomial) on test data")
        save(figure, f"morala2021_mse_{constraint}.png")
    coefficients = load_coefficients(folder)
    last = coefficients[coefficients["taylor_order"] == 7]
    save(plot_coefficient_recovery(last, panel="constraint"), "morala2021_recovery.png")
    repetitions = frame.groupby("setting")["repetition"].nunique()
    TABLES["morala2021-runs"] = (
        f"{repetitions.min()} to {repetitions.max()} repetitions per setting "
        f"({frame['run_id'].nunique()} trained networks, {len(frame)} conversions)."
    )
    keys = ["constraint", "activation", "width"]
    rows = []
    for (constraint, activation, width), part in frame.groupby(keys, sort=False):
        cells = []
        for q in (3, 5, 7):
            values = part.loc[part["taylor_order"] == q, "mse_network_polynomial"]
            cells.append(f"{100 * (values < 1e-2).mean():.0f} % ({values.median():.1e})")
        first = part[part["conversion"] == 0]
        published = MORALA2021_PUBLISHED[activation] if constraint == "none" else "not given"
        rows.append([constraint, activation, width, len(first), *cells, published,
                     f"{first['r2_network'].median():.4f}", f"{100 * first['taylor_warning'].mean():.0f} %"])
    header = ["constraint", "activation", "width", "runs", "q=3: share < 1e-2 (median)",
              "q=5", "q=7", "published share", "median R2 network", "Taylor warning"]
    TABLES["morala2021"] = markdown(pd.DataFrame(rows, columns=header), index=False)


def tnnls2023() -> None:
    folder = HERE / "tnnls2023"
    if not (folder / "results.csv").is_file():
        return
    frame = load_results(folder)
    figure = plot_mse_distribution(frame, by=["depth", "width"], panel="activation")
    figure.suptitle("tnnls2023: MSE(network, polynomial) on test data, l1-constrained networks")
    save(figure, "tnnls2023_mse.png")
    coefficients = load_coefficients(folder)
    save(plot_coefficient_recovery(coefficients, panel="activation"), "tnnls2023_recovery.png")
    repetitions = frame.groupby("setting")["repetition"].nunique()
    TABLES["tnnls2023-runs"] = (
        f"{repetitions.min()} to {repetitions.max()} repetitions per setting "
        f"({frame['run_id'].nunique()} trained networks); "
        f"{100 * (frame['mse_network_polynomial'] < 1e-2).mean():.0f} % of all runs have "
        "MSE(network, polynomial) < 1e-2 (published: every run)."
    )
    rows = []
    for (activation, depth), part in frame.groupby(["activation", "depth"], sort=False):
        row = [activation, depth]
        for index, width in enumerate((50, 100)):
            values = part[part["width"] == width]
            row += [
                f"{values['mse_network_polynomial'].median():.1e}" if len(values) else "-",
                f"{TNNLS2023_PUBLISHED[(activation, depth)][index]:.1e}",
                f"{values['r2_network'].median():.2f}" if len(values) else "-",
            ]
        row.append(part["run_id"].nunique() // max(part["width"].nunique(), 1))
        rows.append(row)
    header = ["activation", "L", "ours w=50", "published w=50", "R2 net w=50",
              "ours w=100", "published w=100", "R2 net w=100", "runs per width"]
    TABLES["tnnls2023"] = markdown(pd.DataFrame(rows, columns=header), index=False)


def surfaces() -> None:
    """A two-variable polynomial, a network fitted to it and the network's polynomial."""
    truth = nn2poly.Polynomial(
        np.array([[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]]),
        np.array([0.2, 1.0, -0.8, -1.5, 2.0, 0.5]),
    )
    data = simulate(truth, 500, noise_sd=0.05, scale_y=False, rng=11)
    X, y = data.X_scaled[data.train], data.y[data.train]
    for constraint in (None, "l1"):
        model = nn2poly.MLPRegressor(
            (10,), activation="tanh", constraint=constraint, learning_rate=0.01, epochs=400,
            batch_size=50, random_state=0,
        ).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
            poly = model.to_polynomial(max_order=7, taylor_orders=7)
        figure = plot_surfaces(data.true_scaled, model, poly, ranges=[(-1, 1), (-3, 3)])
        label = constraint or "none"
        figure.suptitle(f"tanh, 10 neurons, constraint = {label}: training range (top), extended (bottom)")
        save(figure, f"surfaces_{label}.png")


def same_data() -> None:
    """Ten networks trained on one morala2021-style data set."""
    truth = random_polynomial(3, 2, rng=2021)
    data = simulate(truth, 200, distribution="normal", mean_range=(-10, 10), noise_sd=0.1, rng=2021)
    spread, _ = same_data_networks(
        data.X_scaled[data.train], data.y_scaled[data.train], k=10, max_order=3,
        hidden_layer_sizes=(10,), activation="tanh", constraint="l1", learning_rate=0.01,
        epochs=300, batch_size=50, conversion={"taylor_orders": 3},
    )
    figure = plot_coefficient_intervals(spread, n=12)
    save(figure, "same_data_intervals.png")
    table = spread.to_frame()
    true = {label: c for label, c in zip(data.true_scaled.labels, data.true_scaled.coef[:, 0])}
    table["true"] = [true.get(label, 0.0) for label in spread.labels]
    TABLES["same-data"] = markdown(table.round(4), index=False)


if __name__ == "__main__":
    import sys

    torch.set_num_threads(1)
    parts = sys.argv[1:] or ["results", "examples"]
    if "results" in parts:
        morala2021()
        tnnls2023()
    if "examples" in parts:
        surfaces()
        same_data()
    fill_report()
    for name, table in TABLES.items():
        print(f"--- {name}\n{table}")
