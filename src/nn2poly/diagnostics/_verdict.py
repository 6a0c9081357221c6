"""The verdict of a diagnosis: fidelity figures, whether they pass, and advice from the data.

Also reads the settings a polynomial was built with from its provenance, so
that :func:`nn2poly.diagnose` need not be told them again (and refuses
settings that contradict them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._data import FitDataError
from .._finite import NonFiniteCoefficientsError
from .._memory import MemoryLimitError
from .._monomials import n_monomials
from .._network import Network
from .._validation import invalid_value

__all__ = ["MAX_ALTERNATIVE_TERMS", "Fidelity", "advice", "fidelity", "settings_from_provenance"]

FloatArray = NDArray[np.float64]
#: The next-degree fit is tried as advice only while its basis has at most this many terms.
MAX_ALTERNATIVE_TERMS = 5000


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


@dataclass(frozen=True)
class Fidelity:
    """How closely a polynomial follows its network on some inputs.

    Examples
    --------
    >>> Fidelity(0.95, 0.01, 0.2, None).passes(0.9, 0.95)
    True
    """

    r2: float
    mse: float
    max_abs_error: float
    class_agreement: float | None

    def passes(self, min_r2: float, min_agreement: float) -> bool:
        """Classifiers: class agreement at least ``min_agreement``; else R^2 at least ``min_r2``."""
        if self.class_agreement is not None:
            return self.class_agreement >= min_agreement
        return bool(self.r2 >= min_r2)

    def text(self) -> str:
        """``R² 0.99`` (and the class agreement for a classifier)."""
        shown = f"R^2 {self.r2:.3g}"
        if self.class_agreement is not None:
            shown += f", class agreement {100 * self.class_agreement:.1f} %"
        return shown


def fidelity(network: Network, polynomial: Any, X: FloatArray) -> Fidelity:
    """The polynomial against the network on ``X`` (logits for classifiers).

    Examples
    --------
    >>> import nn2poly
    >>> net = Network.from_weights([np.array([[0.0], [1.0]]), np.ones((2, 1))],
    ...                            ["linear", "linear"])
    >>> poly = nn2poly.to_polynomial(net, 1)
    >>> fidelity(net, poly, np.linspace(-1, 1, 5)[:, None]).r2
    1.0
    """
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
    return Fidelity(r2, mse, max_abs, agreement)


#: Settings of diagnose read from a polynomial's provenance, with their provenance keys.
_SETTINGS = {
    "approximation": "approximation",
    "max_order": "max_order",
    "taylor_center": "taylor_center",
}


def settings_from_provenance(
    provenance: Mapping[str, Any], given: dict[str, Any], *, caller: str = "diagnose"
) -> dict[str, Any]:
    """``given`` completed from ``provenance``; a given setting that contradicts it is refused.

    ``given`` maps ``approximation``, ``max_order``, ``taylor_orders`` and
    ``taylor_center`` to the caller's values (None when not given).

    Examples
    --------
    >>> record = {"approximation": "fit", "max_order": 3, "taylor_orders": [3, 1]}
    >>> settings = settings_from_provenance(record, {"approximation": None, "max_order": None,
    ...                                              "taylor_orders": None, "taylor_center": None})
    >>> settings["approximation"], settings["max_order"]
    ('fit', 3)
    >>> settings_from_provenance(record, {**settings, "max_order": 2})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: The 'max_order' parameter of diagnose must be 3...
    """
    settings = dict(given)
    recorded = {name: provenance[key] for name, key in _SETTINGS.items() if key in provenance}
    if "taylor_orders" in provenance and provenance.get("approximation") == "taylor":
        recorded["taylor_orders"] = list(provenance["taylor_orders"])
    if recorded.get("approximation") not in ("taylor", "fit"):
        return settings  # built some other way: nothing to compare with
    for name, value in recorded.items():
        mine = given.get(name)
        if mine is None:
            settings[name] = value
            continue
        if isinstance(mine, str) and mine == "auto" and name == "approximation":
            settings[name] = value
            continue
        same = mine == value
        if name == "taylor_orders" and isinstance(mine, int) and not isinstance(mine, bool):
            same = all(order in (mine, 1) for order in value)
        if not same:
            raise invalid_value(
                name,
                mine,
                repr(value),
                caller=caller,
                fix=f"The polynomial was built with {name}={value!r} (poly.provenance); leave "
                f"{name} out and {caller} reads it, or pass the polynomial built with {mine!r}.",
            )
    return settings


def _alternative(build: Any, max_order: int) -> tuple[Fidelity | None, str]:
    """The fidelity of another polynomial from ``build(max_order)``, or why there is none."""
    try:
        return build(max_order), ""
    except MemoryLimitError:
        return None, "needs more memory than the limit allows"
    except (NonFiniteCoefficientsError, FitDataError) as exc:
        return None, f"failed ({str(exc).split('.')[0]})"


def advice(
    *,
    approximation: str,
    max_order: int,
    n_features: int,
    worst_layer: tuple[int, float] | None,
    faithful: bool,
    fit: Any,
    verdict: Fidelity,
    fit_note: str = "",
    min_r2: float,
    min_agreement: float,
) -> tuple[str, Fidelity | None]:
    """The recommendation printed with a diagnosis, and the alternative it measured.

    ``worst_layer`` is (layer, share of its potentials where the polynomial is
    off); ``fit(max_order)`` builds a fitted polynomial on the inputs and
    returns its :class:`Fidelity`, or raises; ``fit_note`` says how that
    fidelity was measured (e.g. on held-out rows).

    Examples
    --------
    >>> good = Fidelity(0.99, 0.001, 0.01, None)
    >>> advice(approximation="fit", max_order=3, n_features=2, worst_layer=(0, 0.0),
    ...        faithful=True, fit=None, verdict=good, min_r2=0.9, min_agreement=0.95)[0]
    'The polynomial is faithful to the network on these data (R^2 0.99).'
    """
    if faithful:
        return f"The polynomial is faithful to the network on these data ({verdict.text()}).", None
    where = ""
    if worst_layer is not None and worst_layer[1] > 0:
        layer, share = worst_layer
        region = "the Taylor polynomial" if approximation == "taylor" else "its polynomial"
        where = (
            f"{100 * share:.0f} % of layer-{layer} potentials lie where {region} is off the "
            "activation; "
        )
    if approximation == "taylor":
        alternative, why = _alternative(fit, max_order)
        if alternative is None:
            text = f"{where}approximation='fit' with these inputs {why}."
            return text[0].upper() + text[1:], None
        better = "" if alternative.passes(min_r2, min_agreement) else " (still not faithful)"
        text = (
            f"{where}approximation='fit' with these inputs gives {alternative.text()}{better}"
            f"{fit_note} "
            f"instead of {verdict.text()}."
        )
        return text[0].upper() + text[1:], alternative
    higher = max_order + 1
    if n_monomials(n_features, higher) > MAX_ALTERNATIVE_TERMS:
        text = (
            f"{where}raise max_order (now {max_order}) if memory allows, or check that the "
            "data cover the inputs of interest."
        )
        return text[0].upper() + text[1:], None
    alternative, why = _alternative(fit, higher)
    if alternative is None:
        text = f"{where}approximation='fit' with max_order={higher} {why}."
    else:
        text = (
            f"{where}approximation='fit' with max_order={higher} gives {alternative.text()}"
            f"{fit_note} "
            f"instead of {verdict.text()}."
        )
    return text[0].upper() + text[1:], alternative
