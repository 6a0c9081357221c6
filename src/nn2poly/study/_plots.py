"""Figures of simulation studies: error distributions, coefficient recovery, intervals, surfaces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._polynomial import Polynomial
from .._validation import Finite, Interval, check_param, invalid_value
from ..plotting._basic import NEGATIVE_COLOR, POSITIVE_COLOR, _pyplot
from ._plot_words import column_words, metric_words, panel_title, tick_label

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ._spread import CoefficientSpread

#: Characters of tick labels a panel holds side by side before they are rotated.
TICK_CHARACTERS = 45

__all__ = [
    "plot_coefficient_intervals",
    "plot_coefficient_recovery",
    "plot_mse_distribution",
    "plot_surfaces",
]


def _check_columns(frame: Any, chosen: dict[str, Any], *, caller: str) -> None:
    """Refuse a parameter in ``chosen`` (name -> column or columns) naming no column."""
    for name, value in chosen.items():
        columns = [value] if value is None or isinstance(value, str) else list(value)
        missing = [c for c in columns if c is not None and c not in frame.columns]
        if missing:
            raise invalid_value(
                name,
                value,
                "the name of a column of the results"
                if isinstance(value, str)
                else "names of columns of the results",
                caller=caller,
                fix=f"Columns {missing} are not in the results; the columns are "
                f"{list(frame.columns)}.",
            )


def _panels(frame: Any, panel: str | None) -> list[tuple[Any, Any]]:
    if panel is None:
        return [(None, frame)]
    return [(value, frame[frame[panel] == value]) for value in frame[panel].drop_duplicates()]


def _grid(
    count: int, width: float, height: float, projection: str | None = None
) -> tuple[Any, list[Any]]:
    pyplot = _pyplot()
    columns = min(count, 3)
    rows = -(-count // columns)
    figure = pyplot.figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = [figure.add_subplot(rows, columns, i + 1, projection=projection) for i in range(count)]
    return figure, axes


def plot_mse_distribution(
    results: Any,
    *,
    metric: str = "mse_network_polynomial",
    by: Sequence[str] = ("activation",),
    panel: str | None = None,
    threshold: float | None = 1e-2,
    title: str | None = None,
) -> Figure:
    """Box plots of ``metric`` per configuration on a log scale, one panel per ``panel`` value.

    Axes, ticks and panel titles are written in words (``'MSE (network vs
    polynomial)'``, ``'Taylor order q = 3'``; a list of activations
    ``'softplus|softplus|softplus'`` as softplus times 3); the threshold line
    and the shares printed under the boxes are explained in each panel's
    legend.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows as written by :func:`run_study` (see :func:`load_results`).
    metric : str, default='mse_network_polynomial'
    by : sequence of str, default=('activation',)
        Columns whose combinations form the boxes of a panel.
    panel : str, optional
        Column with one panel per value (e.g. ``'taylor_order'``).
    threshold : float or None, default=1e-2
        Dashed reference line; the share of runs below it is printed under each box.
    title : str, optional
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"activation": ["tanh", "tanh", "sigmoid", "sigmoid"],
    ...                       "taylor_order": [3, 5, 3, 5],
    ...                       "mse_network_polynomial": [1e-3, 1e-5, 1e-2, 1e-6]})
    >>> figure = plot_mse_distribution(frame, panel="taylor_order")
    >>> [ax.get_title() for ax in figure.axes]
    ['Taylor order q = 3', 'Taylor order q = 5']
    >>> figure.axes[0].get_ylabel()
    'MSE (network vs polynomial)'
    """
    check_param("threshold", threshold, [Finite(), None], caller="plot_mse_distribution")
    check_param("title", title, [str, None], caller="plot_mse_distribution")
    _check_columns(
        results, {"metric": metric, "by": by, "panel": panel}, caller="plot_mse_distribution"
    )
    groups = _panels(results, panel)
    figure, axes = _grid(len(groups), 5.0, 4.2)
    line_key: Any = None
    for ax, (value, part) in zip(axes, groups, strict=True):
        keys = part[list(by)].drop_duplicates().itertuples(index=False, name=None)
        boxes, names, shares = [], [], []
        for key in keys:
            mask = np.logical_and.reduce(
                [part[c].to_numpy() == k for c, k in zip(by, key, strict=True)]
            )
            values = part.loc[mask, metric].to_numpy(dtype=float)
            positive = values[values > 0]
            boxes.append(np.clip(positive, 1e-300, None) if positive.size else np.array([np.nan]))
            names.append(tick_label(list(by), key))
            shares.append(
                float(np.mean(values < threshold))
                if threshold is not None and values.size
                else None
            )
        ax.boxplot(boxes, showfliers=True, flierprops={"markersize": 2})
        widths = [max(len(line) for line in name.splitlines() or [""]) + 2 for name in names]
        crowded = sum(widths) > TICK_CHARACTERS  # they would run together: rotate them
        ax.set_xticks(
            range(1, len(names) + 1),
            names,
            fontsize=8,
            rotation=30 if crowded else 0,
            ha="right" if crowded else "center",
            rotation_mode="anchor",
        )
        ax.set_yscale("log")
        if threshold is not None:
            low, high = ax.get_ylim()
            ax.set_ylim(low / 5, high)  # room for the shares under the boxes
        ax.set_ylabel(metric_words(metric))
        ax.set_xlabel(", ".join(column_words(c) for c in by), fontsize=8)
        ax.set_title(panel_title(panel, value))
        if threshold is not None:
            line_key = ax.axhline(
                threshold,
                color="grey",
                linestyle="--",
                linewidth=1,
                label=f"threshold {threshold:g}",
            )
            for position, share in enumerate(shares, start=1):
                if share is not None:
                    ax.annotate(
                        f"{100 * share:.0f}%",
                        (position, 0),
                        xycoords=("data", "axes fraction"),
                        xytext=(0, 2),
                        textcoords="offset points",
                        ha="center",
                        fontsize=7,
                    )
    if line_key is not None:
        shares_key = axes[0].plot(
            [], [], linestyle="none", marker="$\\%$", color="black", markersize=7
        )[0]
        figure.legend(
            [line_key, shares_key],
            [f"threshold {threshold:g}", f"share of runs below {threshold:g} (under each box)"],
            loc="outside lower center",
            ncols=2,
            fontsize=8,
        )
    if title:
        figure.suptitle(title)
    return figure


def plot_coefficient_recovery(
    coefficients: Any,
    *,
    panel: str | None = None,
    max_points: int = 20000,
) -> Figure:
    """True against recovered coefficients, one point per run and term, with the identity line.

    Parameters
    ----------
    coefficients : pandas.DataFrame
        Columns ``true``, ``recovered`` and ``term`` (see :func:`load_coefficients`).
    panel : str, optional
        Column with one panel per value (e.g. ``'constraint'``).
    max_points : int, default=20000
        Points drawn per panel at most (a fixed random subset beyond that).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"term": ["1", "x1", "1", "x1"], "true": [0.5, -1.0, 0.5, -1.0],
    ...                       "recovered": [0.45, -0.9, 0.52, -1.1],
    ...                       "constraint": ["l1", "l1", "none", "none"]})
    >>> len(plot_coefficient_recovery(frame, panel="constraint").axes)
    2
    """
    max_points = check_param(
        "max_points", max_points, [Interval(int, 1, None)], caller="plot_coefficient_recovery"
    )
    required = ("true", "recovered", "term")
    if not set(required) <= set(coefficients.columns):
        raise invalid_value(
            "coefficients",
            list(coefficients.columns),
            "a table with the columns 'true', 'recovered' and 'term'",
            caller="plot_coefficient_recovery",
            fix="Those are its columns; pass the coefficients of a study (load_coefficients).",
        )
    _check_columns(coefficients, {"panel": panel}, caller="plot_coefficient_recovery")
    groups = _panels(coefficients, panel)
    figure, axes = _grid(len(groups), 4.5, 4.2)
    rng = np.random.default_rng(0)
    for ax, (value, part) in zip(axes, groups, strict=True):
        if len(part) > max_points:
            part = part.iloc[np.sort(rng.choice(len(part), max_points, replace=False))]
        true = part["true"].to_numpy(dtype=float)
        recovered = part["recovered"].to_numpy(dtype=float)
        degree = (
            part["term"].astype(str).map(lambda t: 0 if t == "0" else len(t.split(","))).to_numpy()
        )
        for d in np.unique(degree):
            mask = degree == d
            ax.scatter(true[mask], recovered[mask], s=6, alpha=0.5, label=f"degree {d}")
        finite = np.concatenate([true, recovered])
        finite = finite[np.isfinite(finite)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
        ax.plot([low, high], [low, high], color="black", linewidth=1, label="recovered = true")
        ax.set_xlabel("true coefficient (scaled data)")
        ax.set_ylabel("recovered coefficient")
        ax.set_title(panel_title(panel, value))
        ax.legend(title="term", fontsize=7, title_fontsize=7)
    return figure


def plot_coefficient_intervals(
    spread: CoefficientSpread, n: int = 15, *, include_intercept: bool = False
) -> Figure:
    """Mean and interval of the ``n`` largest coefficients across networks trained on the same data.

    Parameters
    ----------
    spread : CoefficientSpread
        From :func:`coefficient_spread` or :func:`same_data_networks`.
    n : int, default=15
        Terms shown, largest mean magnitude on top.
    include_intercept : bool, default=False

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> from nn2poly.study import coefficient_spread
    >>> powers = np.array([[0, 0], [1, 0], [0, 1]])
    >>> polys = [nn2poly.Polynomial(powers, np.array([0.1, 1.0 + d, -d])) for d in (-0.1, 0.0, 0.1)]
    >>> len(plot_coefficient_intervals(coefficient_spread(polys)).axes)
    1
    """
    n = check_param("n", n, [Interval(int, 1, None)], caller="plot_coefficient_intervals")
    order = np.argsort(-np.abs(spread.mean), kind="stable")
    if not include_intercept:
        order = np.array([i for i in order if spread.labels[i] != (0,)], dtype=int)
    order = order[:n][::-1]
    pyplot = _pyplot()
    figure, ax = pyplot.subplots(figsize=(6.0, 0.35 * len(order) + 1.5), layout="constrained")
    positions = np.arange(len(order))
    means = spread.mean[order]
    colors = [POSITIVE_COLOR if m >= 0 else NEGATIVE_COLOR for m in means]
    ax.errorbar(
        means,
        positions,
        xerr=[means - spread.lower[order], spread.upper[order] - means],
        fmt="none",
        ecolor="grey",
        capsize=3,
    )
    ax.scatter(means, positions, c=colors, zorder=3, label="mean (colour: sign)")
    for row in range(spread.values.shape[0]):
        ax.scatter(
            spread.values[row, order],
            positions,
            s=6,
            color="black",
            alpha=0.3,
            zorder=2,
            label="one network" if row == 0 else None,
        )
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(
        positions, ["intercept" if spread.labels[i] == (0,) else spread.terms[i] for i in order]
    )
    ax.set_xlabel(
        f"coefficient: mean and {100 * spread.level:.0f}% interval "
        f"over {spread.values.shape[0]} networks"
    )
    ax.legend(loc="lower right", fontsize=7)
    return figure


def _evaluator(model: Any, name: str) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(model, Polynomial) or hasattr(model, "predict"):
        return lambda X: np.asarray(model.predict(X), dtype=float).reshape(len(X))
    if callable(model):
        return lambda X: np.asarray(model(X), dtype=float).reshape(len(X))
    raise invalid_value(
        name,
        model,
        "a Polynomial, a fitted model with .predict or a callable",
        caller="plot_surfaces",
        type_error=True,
    )


def plot_surfaces(
    truth: Any,
    network: Any,
    polynomial: Any,
    *,
    ranges: Sequence[tuple[float, float]] = ((-1.0, 1.0), (-3.0, 3.0)),
    resolution: int = 30,
    titles: Sequence[str] = ("true polynomial", "network", "NN2Poly polynomial"),
) -> Figure:
    """Surfaces of a two-variable problem: truth, network and polynomial side by side.

    One row per range (by default the training range [-1, 1] and an extended
    range), one column per model; each is a ``Polynomial``, a fitted model with
    ``.predict`` or a callable taking X of shape (m, 2). Rows share the z limits
    of the true surface so departures outside the training range stand out.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> p = nn2poly.Polynomial(np.array([[0, 0], [1, 0], [1, 1]]), np.array([0.5, 1.0, -2.0]))
    >>> figure = plot_surfaces(p, lambda X: p.predict(X) + 0.1, p.truncate(1), resolution=8)
    >>> len(figure.axes)
    6
    """
    resolution = check_param(
        "resolution", resolution, [Interval(int, 2, None)], caller="plot_surfaces"
    )
    models = [
        _evaluator(model, name)
        for model, name in zip(
            (truth, network, polynomial), ("truth", "network", "polynomial"), strict=True
        )
    ]
    pyplot = _pyplot()
    figure = pyplot.figure(figsize=(13.0, 4.0 * len(ranges)), layout="constrained")
    for row, (low, high) in enumerate(ranges):
        grid = np.linspace(low, high, resolution)
        first, second = np.meshgrid(grid, grid)
        X = np.column_stack([first.ravel(), second.ravel()])
        surfaces = [model(X).reshape(first.shape) for model in models]
        z_low, z_high = float(surfaces[0].min()), float(surfaces[0].max())
        margin = 0.1 * (z_high - z_low or 1.0)
        for column, (surface, title) in enumerate(zip(surfaces, titles, strict=False)):
            ax = figure.add_subplot(len(ranges), 3, 3 * row + column + 1, projection="3d")
            ax.plot_surface(
                first, second, np.clip(surface, z_low - margin, z_high + margin), cmap="viridis"
            )
            ax.set_zlim(z_low - margin, z_high + margin)
            ax.set_title(f"{title}\nx in [{low:g}, {high:g}]", fontsize=9)
            ax.set_xlabel("x1")
            ax.set_ylabel("x2")
    return figure
