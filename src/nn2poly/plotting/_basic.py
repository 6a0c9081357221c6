"""Bar chart of the largest coefficients and a network-vs-polynomial scatter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .._polynomial import Polynomial
from .._polynomial_input import POSITIVE_INT
from .._validation import InstanceOf, invalid_value, validate_params

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["approximation_words", "plot_fidelity", "plot_top_coefficients"]

POSITIVE_COLOR = "#1f77b4"
NEGATIVE_COLOR = "#d62728"


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as pyplot
    except ImportError:
        raise ImportError("Plotting needs matplotlib: pip install 'nn2poly[plot]'.") from None
    return pyplot


def _axes_list(ax: Any, count: int, *, caller: str) -> tuple[Figure, list[Axes]]:
    """The figure and ``count`` axes: new ones, or those given in ``ax``."""
    if ax is None:
        pyplot = _pyplot()
        figure, axes = pyplot.subplots(
            1, count, figsize=(5.5 * count, 4.5), squeeze=False, layout="constrained"
        )
        return figure, list(axes[0])
    given = list(np.ravel(ax)) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
    if len(given) != count:
        raise invalid_value(
            "ax",
            ax,
            f"{count} matplotlib Axes, one per panel" if count > 1 else "a single matplotlib Axes",
            caller=caller,
            fix=f"It holds {len(given)}; give one Axes per panel, or leave ax out for new ones.",
        )
    return given[0].figure, given


def _interval_words(interval: Any) -> str:
    """``[-3, 3]`` for one interval or the same one on every fitted layer (``None``: exact)."""
    pairs = [interval] if len(interval) == 2 and np.isscalar(interval[0]) else list(interval)
    distinct = {tuple(float(bound) for bound in pair) for pair in pairs if pair is not None}
    if len(distinct) == 1:
        low, high = distinct.pop()
        return f"[{low:g}, {high:g}]"
    return "an interval per layer"


def approximation_words(provenance: Mapping[str, Any]) -> str:
    """How a polynomial was built, in words, from its :attr:`~nn2poly.Polynomial.provenance`
    (empty when it does not say).

    Examples
    --------
    >>> approximation_words({"approximation": "taylor", "max_order": 3, "taylor_center": 0.0})
    'NN2Poly (Taylor expansion at 0), max order 3'
    >>> approximation_words({"approximation": "fit", "max_order": 2, "fit_rows": 442})
    'polynomials fitted on 442 rows, max order 2'
    >>> approximation_words({"approximation": "fit", "fit_interval": [[-3, 3], None]})
    'polynomials fitted on [-3, 3]'
    >>> approximation_words({})
    ''
    """
    kind = provenance.get("approximation")
    if kind is None:
        return ""
    if kind == "taylor":
        center = provenance.get("taylor_center", 0.0)
        if center == "local":
            where = "at each neuron's own potential"
        elif "at" in provenance:
            where = "at a point"
        else:
            where = f"at {center:g}" if isinstance(center, (int, float)) else "at 0"
        text = f"NN2Poly (Taylor expansion {where})"
    elif kind == "fit":
        rows = provenance.get("fit_rows")
        interval = provenance.get("fit_interval")
        if rows is not None:
            text = f"polynomials fitted on {rows} rows"
        elif interval is not None:
            text = f"polynomials fitted on {_interval_words(interval)}"
        else:
            text = "fitted polynomials"
        if provenance.get("refined"):
            text += ", refined"
    else:
        text = str(kind)
    order = provenance.get("max_order")
    return text if order is None else f"{text}, max order {order}"


def plot_top_coefficients(
    poly: Polynomial, n: int = 15, ax: Any = None, *, include_intercept: bool = False
) -> Figure:
    """Horizontal bars of the ``n`` largest coefficients, by output.

    Bars are coloured by sign (blue positive, red negative), the largest on top;
    one panel per output, titled with the output's name and how the polynomial
    was built (its provenance: NN2Poly's Taylor expansion, or polynomials
    fitted on data).

    Parameters
    ----------
    poly : Polynomial
    n : int, default=15
        Terms shown per panel.
    ax : matplotlib Axes or sequence of Axes, optional
        One axes per output; new ones are created when omitted.
    include_intercept : bool, default=False
        Whether the intercept competes for a bar (it is often the largest
        coefficient, but it says nothing about the features).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> from nn2poly.plotting import plot_top_coefficients
    >>> powers = np.array([[0, 0], [1, 0], [1, 1]])
    >>> poly = nn2poly.Polynomial(powers, np.array([[0.5], [-1.0], [2.0]]))
    >>> figure = plot_top_coefficients(poly, n=2)
    >>> [label.get_text() for label in figure.axes[0].get_yticklabels()]
    ['x1', 'x1*x2']
    >>> figure = plot_top_coefficients(poly, n=3, include_intercept=True)
    >>> [label.get_text() for label in figure.axes[0].get_yticklabels()]
    ['intercept', 'x1', 'x1*x2']
    >>> figure.axes[0].get_title()
    'y1'
    """
    checked = validate_params(
        {"poly": poly, "n": n, "include_intercept": include_intercept},
        {
            "poly": [InstanceOf((Polynomial,), "an nn2poly.Polynomial")],
            "n": [POSITIVE_INT],
            "include_intercept": [bool],
        },
        caller="plot_top_coefficients",
    )
    n = checked["n"]
    built = approximation_words(poly.provenance)
    from matplotlib.patches import Patch

    figure, axes = _axes_list(ax, poly.n_outputs, caller="plot_top_coefficients")
    for output, axes_ in enumerate(axes):
        top = poly.top(int(n), output=output, include_intercept=include_intercept)
        values = top.coef[:, output][::-1]
        names = [
            "intercept" if degree == 0 else name
            for name, degree in zip(top.term_names[::-1], top.degrees[::-1], strict=True)
        ]
        colors = [POSITIVE_COLOR if value >= 0 else NEGATIVE_COLOR for value in values]
        axes_.barh(np.arange(len(values)), values, color=colors)
        axes_.set_yticks(np.arange(len(values)), names)
        axes_.axvline(0.0, color="black", linewidth=0.8)
        axes_.set_xlabel("coefficient")
        axes_.legend(
            handles=[
                Patch(color=POSITIVE_COLOR, label="positive"),
                Patch(color=NEGATIVE_COLOR, label="negative"),
            ],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncols=2,
            frameon=False,
            fontsize="small",
        )
        title = poly.output_names[output]
        if poly.link is not None:
            title += " (logit)"
        axes_.set_title(f"{title}\n{built}" if built else title)
    return figure


def plot_fidelity(y_network: ArrayLike, y_polynomial: ArrayLike, ax: Any = None) -> Figure:
    """Scatter of polynomial predictions against the network's, with the identity line.

    Parameters
    ----------
    y_network, y_polynomial : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Predictions of the network and of its polynomial on the same inputs.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly.plotting import plot_fidelity
    >>> figure = plot_fidelity(np.array([0.0, 1.0, 2.0]), np.array([0.1, 0.9, 2.0]))
    >>> figure.axes[0].get_xlabel()
    'network'
    """
    network = np.asarray(y_network, dtype=np.float64)
    polynomial = np.asarray(y_polynomial, dtype=np.float64)
    if network.shape != polynomial.shape:
        raise invalid_value(
            "y_polynomial",
            polynomial,
            f"an array of the shape of y_network, {network.shape}",
            caller="plot_fidelity",
            fix="Pass the predictions of the network and of its polynomial on the same inputs.",
        )
    if network.size == 0:
        raise invalid_value(
            "y_network",
            network,
            "a non-empty array of predictions",
            caller="plot_fidelity",
            fix="Both arrays are empty; pass at least one prediction.",
        )
    figure, (axes,) = _axes_list(ax, 1, caller="plot_fidelity")
    network, polynomial = network.ravel(), polynomial.ravel()
    finite = np.isfinite(network) & np.isfinite(polynomial)
    low = float(min(network[finite].min(), polynomial[finite].min())) if finite.any() else 0.0
    high = float(max(network[finite].max(), polynomial[finite].max())) if finite.any() else 1.0
    axes.plot([low, high], [low, high], color="black", linewidth=1.0, label="identity")
    axes.scatter(network, polynomial, s=10, alpha=0.6, color=POSITIVE_COLOR, label="samples")
    mse = float(np.mean((network - polynomial) ** 2))
    variance = float(np.var(network))
    r2 = 1.0 - mse / variance if variance > 0 else float("nan")
    axes.set_title(f"Network vs polynomial (R² {r2:.4f}, MSE {mse:.3g})")
    axes.set_xlabel("network")
    axes.set_ylabel("polynomial")
    axes.legend(loc="upper left")
    return figure
