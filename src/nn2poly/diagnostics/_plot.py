"""One layer on one axis: activation, its polynomials, density of the potentials."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .._validation import Interval, check_param, invalid_value
from ..activations import get_activation

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.axes
    import matplotlib.figure


class Diagnosis(Protocol):
    """What the plot reads of a :class:`nn2poly.diagnostics.Diagnosis` (no import needed)."""

    @property
    def layers(self) -> Sequence[Any]: ...

    @property
    def approximation(self) -> str: ...

    @property
    def max_order(self) -> int: ...

    @property
    def tolerance(self) -> float: ...


__all__ = ["plot_activation_fit", "worst_first"]


#: The approximations in words, for titles.
APPROXIMATIONS = {"taylor": "Taylor expansion (NN2Poly)", "fit": "fitted polynomials"}


def worst_first(layer: Any) -> list[int]:
    """All of a layer's neurons, worst first: largest share of potentials off, then largest
    error, then index.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> layer = SimpleNamespace(neuron_share_off=np.array([0.1, 0.5, 0.1, 0.0]),
    ...                         neuron_max_error=np.array([0.2, 0.9, 0.3, 0.0]))
    >>> worst_first(layer)
    [1, 2, 0, 3]
    """
    share = np.asarray(layer.neuron_share_off, dtype=float)
    error = np.asarray(layer.neuron_max_error, dtype=float)
    return [int(j) for j in np.lexsort((np.arange(share.size), -error, -share))]


def plot_activation_fit(
    diagnosis: Diagnosis,
    layer: int = 0,
    *,
    neurons: Sequence[int] | None = None,
    max_neurons: int = 6,
    ax: matplotlib.axes.Axes | None = None,
) -> matplotlib.figure.Figure:
    """Plot a layer's activation, its polynomials and where the potentials are.

    The activation is drawn in black; each selected neuron's polynomial (as
    the conversion uses it) in colour, solid over the range of that neuron's
    own potentials and dotted outside it; the density of all the layer's
    potentials on ``data`` is shaded along the bottom of the same axis.  Where
    the shading lies outside the span in which the curves agree, the
    polynomial is not faithful.

    Parameters
    ----------
    diagnosis : Diagnosis
        From :func:`nn2poly.diagnose`.
    layer : int, default=0
        Layer index (0 is the first hidden layer).
    neurons : sequence of int, optional
        Neurons whose polynomials are drawn; default all the layer's neurons
        ranked worst first (largest share of potentials off, then largest
        error), at most ``max_neurons``.
    max_neurons : int, default=6
    ax : matplotlib Axes, optional
        Axis to draw on; default a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.5, 0.0], [3.0, 0.2], [0.0, 0.3]]), np.array([[0.0], [1.0], [1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> X = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    >>> figure = nn2poly.diagnose(net, X, max_order=3).plot(0)
    >>> figure.axes[0].get_xlabel()
    'potential (pre-activation)'
    """
    import matplotlib.pyplot as plt

    caller = "plot_activation_fit"
    n_layers = len(diagnosis.layers)
    layer = check_param(
        "layer",
        layer,
        [Interval(int, -n_layers, n_layers - 1)],
        caller=caller,
        fix=f"It is out of range: the network has {n_layers} layers (0..{n_layers - 1}).",
    )
    max_neurons = check_param("max_neurons", max_neurons, [Interval(int, 0, None)], caller=caller)
    info = diagnosis.layers[layer]
    n_neurons = info.potentials.shape[1]
    if neurons is None:
        neurons = worst_first(info)[: max(0, max_neurons)]
    else:
        neurons = [int(j) for j in neurons]
        bad = [j for j in neurons if not 0 <= j < n_neurons]
        if bad:
            raise invalid_value(
                "neurons",
                neurons,
                f"neuron indices in 0..{n_neurons - 1}",
                caller=caller,
                fix=f"Neurons {bad} do not exist: layer {info.index} has {n_neurons} neurons.",
            )
    if ax is None:
        figure, ax = plt.subplots(figsize=(9.0, 4.5), layout="constrained")
    else:
        parent = ax.get_figure(root=True)
        if parent is None:
            raise invalid_value(
                "ax",
                ax,
                "a matplotlib Axes that belongs to a figure",
                caller=caller,
                fix="It belongs to no figure; pass an Axes created with one, e.g. by "
                "plt.subplots(), or leave ax out.",
            )
        figure = parent

    potentials = info.potentials.ravel()
    low, high = float(potentials.min()), float(potentials.max())
    margin = 0.1 * max(high - low, 1e-3)
    grid = np.linspace(low - margin, high + margin, 400)
    activation = get_activation(info.activation)
    curve = activation.evaluate(grid)
    span = max(float(curve.max() - curve.min()), 1e-3)
    bottom, top = float(curve.min()) - 0.35 * span, float(curve.max()) + 0.25 * span

    counts, edges = np.histogram(potentials, bins=min(60, max(10, potentials.size // 20)))
    heights = counts / max(counts.max(), 1) * 0.3 * span
    ax.fill_between(
        np.repeat(edges, 2)[1:-1],
        bottom,
        bottom + np.repeat(heights, 2),
        color="0.8",
        step=None,
        label="potentials (density)",
        zorder=1,
    )
    ax.plot(grid, curve, color="black", linewidth=2.2, label=activation.name, zorder=3)
    colours = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    if not info.exact:
        for position, j in enumerate(neurons):
            colour = colours[position % len(colours)]
            values = info.polynomial_values(grid, j)
            inside = (grid >= info.neuron_ranges[j, 0]) & (grid <= info.neuron_ranges[j, 1])
            label = f"neuron {j}: {100 * info.neuron_share_off[j]:.0f}% off"
            ax.plot(
                grid,
                np.where(inside, values, np.nan),
                color=colour,
                linewidth=1.3,
                label=label,
                zorder=2,
            )
            ax.plot(
                grid,
                np.where(inside, np.nan, values),
                color=colour,
                linewidth=1.0,
                linestyle=":",
                zorder=2,
            )
        if neurons:
            ax.plot(
                [], [], color="0.4", linestyle=":", label="dotted: beyond the neuron's potentials"
            )
    ax.set_ylim(bottom, top)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("potential (pre-activation)")
    ax.set_ylabel("activation")
    kind = (
        "kept exact"
        if info.exact
        else APPROXIMATIONS.get(diagnosis.approximation, str(diagnosis.approximation))
    )
    ax.set_title(
        f"Layer {info.index}: {info.activation}, {kind}, max order {diagnosis.max_order}\n"
        f"{100 * info.share_off:.1f}% of the potentials off by more than {diagnosis.tolerance:g}"
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0)
    return figure
