"""``diagnose``: where are the potentials, and how faithful is the polynomial there?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._algebra import taylor_shift
from .._convert import build_polynomial, check_max_order
from .._data import check_data
from .._fit import FitApproximation
from .._memory import check_limit
from .._polynomial import Polynomial
from .._resolve import resolve_approximation
from .._validation import InstanceOf, Interval, check_param, invalid_value
from ..activations import get_activation
from ..adapters import adapt

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.figure

__all__ = ["Diagnosis", "LayerDiagnosis", "diagnose"]

FloatArray = NDArray[np.float64]

#: Quantile levels reported for each layer's potentials.
QUANTILES = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)


@dataclass(frozen=True, repr=False)
class LayerDiagnosis:
    """One layer's potentials and how well its polynomials follow the activation.

    Attributes
    ----------
    index : int
        Layer index (0 is the first hidden layer).
    activation : str
    exact : bool
        True when the layer is kept exact (linear activation).
    quantiles : ndarray of shape (len(QUANTILES),)
        Quantiles of all the layer's potentials on ``data`` (levels in
        ``QUANTILES``: 0, 1, 5, 25, 50, 75, 95, 99, 100 %).
    neuron_ranges : ndarray of shape (n_neurons, 2)
        Smallest and largest potential of each neuron.
    share_off : float
        Share of all (sample, neuron) potentials where the polynomial used
        for the activation differs from it by more than the tolerance.
    neuron_share_off : ndarray of shape (n_neurons,)
    neuron_max_error : ndarray of shape (n_neurons,)
        Largest ``|P_j(u) - g(u)|`` over the neuron's potentials.
    worst : tuple of int
        Neurons with the largest ``neuron_share_off`` (then error), worst first.
    centers, coefficients : ndarray
        The polynomials the conversion effectively uses:
        ``P_j(t) = sum_k coefficients[j, k] (t - centers[j])^k``, re-expanded
        around ``u_j(0)`` and cut at the conversion's degree; shapes
        (n_neurons,) and (n_neurons, degree + 1).  None for exact layers.
    potentials : ndarray of shape (n_samples, n_neurons)
        The potentials observed on ``data`` (for plots).
    """

    index: int
    activation: str
    exact: bool
    quantiles: FloatArray
    neuron_ranges: FloatArray
    share_off: float
    neuron_share_off: FloatArray
    neuron_max_error: FloatArray
    worst: tuple[int, ...]
    centers: FloatArray | None
    coefficients: FloatArray | None
    potentials: FloatArray = field(repr=False)

    def polynomial_values(self, t: FloatArray, neuron: int) -> FloatArray:
        """Neuron ``neuron``'s polynomial at the points ``t`` (the activation if exact).

        Examples
        --------
        >>> import numpy as np
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                                    ["tanh", "linear"])
        >>> report = nn2poly.diagnose(net, np.linspace(-1, 1, 20)[:, None], max_order=3)
        >>> report.layers[0].polynomial_values(np.array([0.5]), 0).round(4)
        array([0.4583])
        """
        t = np.asarray(t, dtype=np.float64)
        if self.coefficients is None or self.centers is None:
            return get_activation(self.activation).evaluate(t)
        return np.polynomial.polynomial.polyval(t - self.centers[neuron], self.coefficients[neuron])

    def __repr__(self) -> str:
        return (
            f"LayerDiagnosis(index={self.index}, activation={self.activation!r}, "
            f"share_off={self.share_off:.3g}, worst={list(self.worst)})"
        )


@dataclass(frozen=True, repr=False)
class Diagnosis:
    """Result of :func:`diagnose`; ``print`` it for a report.

    Attributes
    ----------
    layers : tuple of LayerDiagnosis
    r2 : float
        Coefficient of determination of the polynomial against the network's
        outputs on ``data`` (averaged over outputs; logits for classifiers).
    mse, max_abs_error : float
        Mean squared and largest absolute difference, network vs polynomial.
    class_agreement : float or None
        Share of samples whose predicted class agrees (classifiers only).
    approximation : str
        ``"taylor"`` or ``"fit"``: how the per-layer polynomials were built.
    max_order : int
    tolerance : float
        Absolute error above which a potential counts as badly approximated.
    polynomial : Polynomial
    """

    layers: tuple[LayerDiagnosis, ...]
    r2: float
    mse: float
    max_abs_error: float
    class_agreement: float | None
    approximation: str
    max_order: int
    tolerance: float
    polynomial: Polynomial = field(repr=False)

    def plot(self, layer: int = 0, **kwargs: Any) -> matplotlib.figure.Figure:
        """Activation, polynomials and potential density of one layer; see
        :func:`nn2poly.diagnostics.plot_activation_fit`.

        Examples
        --------
        >>> import numpy as np
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([np.array([[0.0], [2.0]]), np.ones((2, 1))],
        ...                                    ["tanh", "linear"])
        >>> report = nn2poly.diagnose(net, np.linspace(-1, 1, 50)[:, None], max_order=3)
        >>> report.plot(0).axes[0].get_ylabel()
        'activation'
        """
        from ._plot import plot_activation_fit

        return plot_activation_fit(self, layer, **kwargs)

    def __repr__(self) -> str:
        return (
            f"Diagnosis(approximation={self.approximation!r}, max_order={self.max_order}, "
            f"r2={self.r2:.4g}, mse={self.mse:.3g}, layers={len(self.layers)})"
        )

    def __str__(self) -> str:
        lines = [
            f"Fidelity of the polynomial (approximation={self.approximation!r}, "
            f"max_order={self.max_order}) to the network on the data:",
            f"  R^2 = {self.r2:.6g}   MSE = {self.mse:.4g}   "
            f"max |error| = {self.max_abs_error:.4g}",
        ]
        if self.class_agreement is not None:
            lines.append(f"  class agreement = {100 * self.class_agreement:.2f} %")
        lines.append(
            f"Potentials per layer; 'off' = share where |polynomial - activation| > "
            f"{self.tolerance:g}:"
        )
        lines.append(
            f"  {'layer':>5} {'activation':<12} {'min':>9} {'q5%':>9} {'median':>9} {'q95%':>9} "
            f"{'max':>9} {'off':>7}  worst neurons (share off)"
        )
        for layer in self.layers:
            q = layer.quantiles
            if layer.exact:
                worst = "exact"
            else:
                worst = ", ".join(
                    f"{j} ({100 * layer.neuron_share_off[j]:.0f}%)" for j in layer.worst
                )
            lines.append(
                f"  {layer.index:>5} {layer.activation:<12} {q[0]:9.3g} {q[2]:9.3g} {q[4]:9.3g} "
                f"{q[6]:9.3g} {q[8]:9.3g} {100 * layer.share_off:6.1f}%  {worst}"
            )
        return "\n".join(lines)


def _r2(truth: FloatArray, prediction: FloatArray) -> float:
    """Mean over outputs of ``1 - SSE / SST`` (1 for an exact fit of a constant output)."""
    residual = np.sum((truth - prediction) ** 2, axis=0)
    total = np.sum((truth - truth.mean(axis=0)) ** 2, axis=0)
    scores = []
    for sse, sst in zip(residual, total, strict=True):
        if sst > 0:
            scores.append(1.0 - sse / sst)
        else:
            scores.append(1.0 if sse == 0 else -np.inf)
    return float(np.mean(scores))


def _classes(logits: FloatArray, link: str) -> NDArray[np.int64]:
    """Predicted classes from logits: argmax for softmax, one 0/1 per sigmoid output."""
    if link == "softmax":
        return np.argmax(logits, axis=1)[:, None]
    return (logits > 0).astype(np.int64)


def diagnose(
    model: Any,
    data: Any,
    polynomial: Polynomial | None = None,
    *,
    approximation: Any = "taylor",
    max_order: int | None = None,
    taylor_orders: Any = None,
    taylor_center: float | str = 0.0,
    fit_data: Any = None,
    interval: Any = None,
    tolerance: float = 1e-2,
    n_worst: int = 3,
    memory_limit: int | None = None,
    trust: bool = False,
) -> Diagnosis:
    """Check a polynomial against its network on ``data``, layer by layer.

    For every layer it reports where the potentials (pre-activations) fall on
    ``data`` and how often the polynomial that replaces the activation is off
    by more than ``tolerance`` there; overall it compares the polynomial's
    outputs with the network's.

    The per-layer check uses each neuron's polynomial as the conversion
    really uses it: re-expanded around the neuron's potential at ``x = 0``
    and cut at the polynomial's degree.  With ``"fit"``, the polynomials of
    deeper layers also absorb the truncation and errors of the layers before
    them, so some share "off" there is expected; the overall fidelity is the
    final word.

    Parameters
    ----------
    model : Network or supported model
    data : array_like of shape (n_samples, n_features)
        Inputs to check on, e.g. held-out data.
    polynomial : Polynomial, optional
        The polynomial to judge.  None: it is built here with
        :func:`nn2poly.to_polynomial` and the settings below.
    approximation : {"taylor", "fit"}, TaylorApproximation or FitApproximation
        How the per-neuron polynomials were (or are to be) built, as in
        :func:`nn2poly.to_polynomial`.  When you pass ``polynomial``, pass
        the settings it was converted with.
    max_order : int, optional
        Default: the degree of ``polynomial``, else 2.
    taylor_orders, taylor_center : optional
        As in :func:`nn2poly.to_polynomial`.
    fit_data : array_like, optional
        For ``"fit"``: the inputs the polynomials were fitted on (default:
        ``data``).
    interval : (low, high), optional
        For ``"fit"`` without data, as in :func:`nn2poly.to_polynomial`.
    tolerance : float, default=1e-2
        Absolute error ``|P(u) - g(u)|`` above which a potential counts as
        badly approximated.
    n_worst : int, default=3
        Worst neurons listed per layer.
    memory_limit : int or None, default=None
        Bytes the conversion may allocate, as in :func:`nn2poly.to_polynomial`.
    trust : bool, default=False
        Allow loading ``model`` from a file whose loader can run code.

    Returns
    -------
    Diagnosis

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.5, 0.0], [3.0, 0.2], [0.0, 0.3]]), np.array([[0.0], [1.0], [1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> X = np.random.default_rng(0).uniform(-1, 1, (300, 2))
    >>> report = nn2poly.diagnose(net, X, max_order=3)
    >>> report.layers[0].worst[0]  # neuron 0 sees potentials up to 3.5
    0
    >>> report.r2 < nn2poly.diagnose(net, X, max_order=3, approximation="fit").r2
    True
    """
    caller = "diagnose"
    trust = check_param("trust", trust, [bool], caller=caller)
    adapted = adapt(model, trust=trust, data=data)  # the reading is checked on the data too
    network = adapted.network
    X = check_data(data, network.n_inputs)
    polynomial = check_param(
        "polynomial",
        polynomial,
        [InstanceOf((Polynomial,), "an nn2poly.Polynomial"), None],
        caller=caller,
    )
    if max_order is None:
        max_order = polynomial.degree if polynomial is not None else 2
    max_order = check_max_order(max_order, caller=caller)
    tolerance = check_param(
        "tolerance", tolerance, [Interval(float, 0, None, "neither")], caller=caller
    )
    n_worst = check_param("n_worst", n_worst, [Interval(int, 0, None)], caller=caller)
    memory_limit = check_limit("memory_limit", memory_limit, caller=caller)
    if approximation == "fit" and fit_data is None and interval is None:
        fit_data = X
    bound = resolve_approximation(
        approximation,
        network=network,
        max_order=max_order,
        taylor_orders=taylor_orders,
        taylor_center=taylor_center,
        data=fit_data,
        interval=interval,
        caller=caller,
        data_name="fit_data",
    )
    converted, used = build_polynomial(
        adapted, max_order, bound, keep_layers=True, memory_limit=memory_limit
    )
    if polynomial is None:
        polynomial = converted
    if polynomial.n_features != network.n_inputs or polynomial.n_outputs != network.n_outputs:
        raise invalid_value(
            "polynomial",
            polynomial,
            f"a polynomial in {network.n_inputs} features with {network.n_outputs} outputs",
            caller=caller,
            fix=f"It has {polynomial.n_features} features and {polynomial.n_outputs} outputs; "
            "pass the polynomial converted from this model.",
        )
    kept = converted.layers or ()
    degree = converted.degree
    potentials = network.pre_activations(X)
    layers = []
    for index, (layer, u) in enumerate(zip(network.layers, potentials, strict=True)):
        activation = get_activation(layer.activation)
        ranges = np.column_stack([u.min(axis=0), u.max(axis=0)])
        quantiles = np.quantile(u, QUANTILES)
        polynomials = used[index]
        if polynomials is None:
            zeros = np.zeros(layer.n_out)
            layers.append(
                LayerDiagnosis(
                    index,
                    activation.name,
                    True,
                    quantiles,
                    ranges,
                    0.0,
                    zeros,
                    zeros.copy(),
                    (),
                    None,
                    None,
                    u,
                )
            )
            continue
        constants = kept[index].input.coef[0].copy()
        centers, coefficients = polynomials
        top = min(coefficients.shape[1] - 1, degree)
        effective = taylor_shift(coefficients, constants - centers, top)
        with np.errstate(invalid="ignore", over="ignore"):  # far potentials: inf errors
            values = np.column_stack(
                [
                    np.polynomial.polynomial.polyval(u[:, j] - constants[j], effective[j])
                    for j in range(layer.n_out)
                ]
            )
            error = np.abs(values - activation.evaluate(u))
        error = np.where(np.isfinite(error), error, np.inf)
        off = error > tolerance
        share = off.mean(axis=0)
        worst_error = error.max(axis=0)
        order = np.lexsort((-worst_error, -share))
        layers.append(
            LayerDiagnosis(
                index,
                activation.name,
                False,
                quantiles,
                ranges,
                float(off.mean()),
                share,
                worst_error,
                tuple(int(j) for j in order[:n_worst]),
                constants,
                effective,
                u,
            )
        )
    with np.errstate(over="ignore", invalid="ignore"):
        truth = network.forward(X)
        prediction = polynomial.decision_function(X)
        difference = prediction - truth
        mse = float(np.mean(difference**2))
        max_abs = float(np.max(np.abs(difference)))
        r2 = _r2(truth, prediction)
    agreement = None
    if polynomial.link is not None:
        agreement = float(
            np.mean(_classes(truth, polynomial.link) == _classes(prediction, polynomial.link))
        )
    return Diagnosis(
        tuple(layers),
        r2,
        mse,
        max_abs,
        agreement,
        approximation
        if isinstance(approximation, str)
        else "fit"
        if isinstance(approximation, FitApproximation)
        else "taylor",
        max_order,
        float(tolerance),
        polynomial,
    )
