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
from .._local_point import expand_at
from .._memory import check_limit
from .._monomials import n_monomials
from .._polynomial import Polynomial
from .._resolve import resolve_approximation
from .._validation import InstanceOf, Interval, check_param, invalid_value
from ..activations import get_activation
from ..adapters import adapt
from ._layer import QUANTILES, LayerDiagnosis
from ._verdict import Fidelity, _classes, _r2, advice, fidelity, settings_from_provenance

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.figure

__all__ = ["Diagnosis", "LayerDiagnosis", "diagnose"]
_ = (_classes, _r2)  # kept importable from here

FloatArray = NDArray[np.float64]


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
    faithful : bool
        The verdict: for a classifier, ``class_agreement >= min_agreement``;
        otherwise ``r2 >= min_r2``.
    min_r2, min_agreement : float
        The thresholds of the verdict (``diagnose``'s arguments).
    recommendation : str
        Advice computed from the data: where the polynomial is off and what
        another setting gives (measured, e.g. ``approximation='fit'`` with
        these inputs when a Taylor polynomial is not faithful).
    alternative : Fidelity or None
        The fidelity measured for the recommended setting, if one was tried.
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
    faithful: bool = False
    min_r2: float = 0.9
    min_agreement: float = 0.95
    recommendation: str = ""
    alternative: Fidelity | None = None

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
            f"r2={self.r2:.4g}, mse={self.mse:.3g}, faithful={self.faithful}, "
            f"layers={len(self.layers)})"
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
        if self.class_agreement is not None:
            rule = f"class agreement >= {100 * self.min_agreement:g} %"
        else:
            rule = f"R^2 >= {self.min_r2:g}"
        verdict = "faithful" if self.faithful else "NOT faithful"
        lines.append(f"Verdict: {verdict} on these data ({rule} required).")
        if self.recommendation and not self.faithful:
            lines.append(f"Advice: {self.recommendation}")
        return "\n".join(lines)


def diagnose(
    model: Any,
    data: Any,
    polynomial: Polynomial | None = None,
    *,
    approximation: Any = None,
    max_order: int | None = None,
    taylor_orders: Any = None,
    taylor_center: float | str | None = None,
    fit_data: Any = None,
    interval: Any = None,
    tolerance: float = 1e-2,
    n_worst: int = 3,
    memory_limit: int | None = None,
    trust: bool = False,
    min_r2: float = 0.9,
    min_agreement: float = 0.95,
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
    approximation : {"auto", "taylor", "fit"}, TaylorApproximation or FitApproximation
        How the per-neuron polynomials were (or are to be) built, as in
        :func:`nn2poly.to_polynomial`.  Default: read from
        ``polynomial.provenance`` when given, else ``"auto"`` (which fits
        on ``data`` unless the network is l1-constrained).  Settings given
        here that contradict the polynomial's provenance are refused.
    max_order : int, optional
        Default: from the polynomial's provenance, else its degree, else 2.
    taylor_orders, taylor_center : optional
        As in :func:`nn2poly.to_polynomial` (default: from the provenance).
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
    min_r2 : float, default=0.9
        The verdict ``faithful`` needs R² (polynomial vs network) at least this.
    min_agreement : float, default=0.95
        For classifiers the verdict needs this share of samples whose class
        the polynomial predicts as the network does (R² of the logits aside).

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
    >>> report = nn2poly.diagnose(net, X, max_order=3, approximation="taylor")
    >>> report.layers[0].worst[0]  # neuron 0 sees potentials up to 3.5
    0
    >>> report.r2 < nn2poly.diagnose(net, X, max_order=3, approximation="fit").r2
    True

    A polynomial's settings are read from its provenance; the verdict and
    the advice are computed on the data:

    >>> verdict = nn2poly.diagnose(net, X, nn2poly.to_polynomial(net, 3, data=X))
    >>> verdict.approximation, verdict.faithful
    ('fit', True)
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
    settings = {
        "approximation": approximation,
        "max_order": max_order,
        "taylor_orders": taylor_orders,
        "taylor_center": taylor_center,
    }
    if polynomial is not None:
        settings = settings_from_provenance(polynomial.provenance, settings, caller=caller)
        recorded = polynomial.provenance
        if fit_data is None and interval is None and "fit_interval" in recorded:
            interval = [pair or (-1.0, 1.0) for pair in recorded["fit_interval"]]
    approximation = "auto" if settings["approximation"] is None else settings["approximation"]
    taylor_orders = settings["taylor_orders"]
    center = settings["taylor_center"]
    taylor_center = 0.0 if center is None else center
    max_order = settings["max_order"]
    if max_order is None:
        max_order = polynomial.degree if polynomial is not None else 2
    max_order = check_max_order(max_order, caller=caller)
    min_r2 = check_param("min_r2", min_r2, [Interval(float, None, 1, "right")], caller=caller)
    min_agreement = check_param(
        "min_agreement", min_agreement, [Interval(float, 0, 1, "both")], caller=caller
    )
    tolerance = check_param(
        "tolerance", tolerance, [Interval(float, 0, None, "neither")], caller=caller
    )
    n_worst = check_param("n_worst", n_worst, [Interval(int, 0, None)], caller=caller)
    memory_limit = check_limit("memory_limit", memory_limit, caller=caller)
    if approximation in ("fit", "auto") and fit_data is None and interval is None:
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
    expanded = adapted
    if polynomial is not None and polynomial.provenance.get("at") is not None:
        # a local polynomial at x0: the layers are expanded where the network is at x0
        expanded, _ = expand_at(adapted, polynomial.provenance["at"], bound, None, caller=caller)
    converted, used = build_polynomial(
        expanded, max_order, bound, keep_layers=True, memory_limit=memory_limit
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
    measured = fidelity(network, polynomial, X)
    used_approximation = str(converted.provenance.get("approximation", "taylor"))
    faithful = measured.passes(min_r2, min_agreement)
    inputs, checked = X, X
    if fit_data is not None and fit_data is not X:
        inputs = check_data(fit_data, network.n_inputs, "fit_data")
    split = inputs is X and X.shape[0] // 2 >= n_monomials(network.n_inputs, max_order + 1)
    if split:  # the alternative is fitted on half of the rows and judged on the other half
        inputs, checked = X[::2], X[1::2]

    def fitted(order: int) -> Fidelity:
        bound = FitApproximation(data=inputs).bind(network, order)
        candidate = build_polynomial(adapted, order, bound, memory_limit=memory_limit)[0]
        return fidelity(network, candidate, checked)

    shares = [(layer.index, layer.share_off) for layer in layers if not layer.exact]
    recommendation, alternative = advice(
        approximation=used_approximation,
        max_order=max_order,
        n_features=network.n_inputs,
        worst_layer=max(shares, key=lambda item: item[1]) if shares else None,
        faithful=faithful,
        fit=fitted,
        fit_note=" (fitted on half of these rows, measured on the other half)" if split else "",
        verdict=measured,
        min_r2=min_r2,
        min_agreement=min_agreement,
    )
    return Diagnosis(
        tuple(layers),
        measured.r2,
        measured.mse,
        measured.max_abs_error,
        measured.class_agreement,
        used_approximation,
        max_order,
        float(tolerance),
        polynomial,
        faithful,
        float(min_r2),
        float(min_agreement),
        recommendation,
        alternative,
    )
