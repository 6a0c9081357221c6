"""Check an adapter's reading: the model's own inference against the network's forward.

An adapter reads a model's layers by their types and settings; a module whose
behaviour differs from what its type promises (a subclass overriding its
forward, a TorchScript module named ``Tanh`` computing something else) would
be read wrongly without a trace.  After building the network every adapter
therefore runs the model itself and :meth:`Network.forward` on the same
inputs (a fixed, seeded set spanning ``[-1, 1]``, edge points, and the data
when given) and refuses the reading with :class:`ModelMismatchError` when the
two part beyond the model's floating-point precision.  Rounding grows with the
size of the inputs (a float32 sum of terms near 1e5 loses about 1e-2), so the
tolerance on a row grows with its largest input beyond 1: data far from the
origin add checks without refusing a faithful reading for rounding alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._network import Network

__all__ = ["ModelMismatchError", "check_agreement", "disagreement", "probe_inputs"]

FloatArray = NDArray[np.float64]

#: Relative tolerance for a model computing in float32 (or lower) / in float64.
RTOL_FLOAT32 = 2e-3
RTOL_FLOAT64 = 1e-6
#: Rows of the data used for the check, at most.
MAX_DATA_ROWS = 256


class ModelMismatchError(ValueError):
    """The network read from a model does not compute what the model computes.

    Raised by the adapters when the model's own inference and the network's
    forward pass disagree on probe inputs or on the data; the message names
    the first layer where they part.

    Examples
    --------
    >>> import nn2poly
    >>> issubclass(nn2poly.ModelMismatchError, ValueError)
    True
    """


def probe_inputs(n_features: int, data: ArrayLike | None = None) -> FloatArray:
    """Inputs on which a model and its network are compared.

    Sixteen seeded points uniform in ``[-1, 1]``, the origin, the corners
    ``±(1, ..., 1)``, an alternating corner, and the first rows of ``data``.

    Examples
    --------
    >>> probe_inputs(2).shape
    (20, 2)
    """
    rng = np.random.default_rng(20240611)
    points = [rng.uniform(-1.0, 1.0, size=(16, n_features))]
    alternating = np.where(np.arange(n_features) % 2 == 0, 1.0, -1.0)
    points.append(
        np.stack([np.zeros(n_features), np.ones(n_features), -np.ones(n_features), alternating])
    )
    if data is not None:
        try:
            array = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):  # checked by the entry point
            array = np.empty((0, 0))
        if array.ndim == 2 and array.shape[1] == n_features:
            finite = array[np.all(np.isfinite(array), axis=1)]
            points.append(finite[:MAX_DATA_ROWS])
    return np.concatenate(points, axis=0)


def rtol_for(dtype: Any) -> float:
    """The relative tolerance of a model computing in ``dtype``."""
    try:
        resolution = float(np.finfo(np.dtype(dtype)).resolution)
    except (TypeError, ValueError):
        return RTOL_FLOAT32
    return RTOL_FLOAT64 if resolution <= 1e-15 else RTOL_FLOAT32


def with_link(values: FloatArray, link: str | None, *, log: bool = False) -> FloatArray:
    """Apply a classifier's link (``log`` for a model ending in LogSoftmax)."""
    from scipy.special import expit, log_softmax, softmax  # import nn2poly stays light

    if link == "sigmoid":
        return np.asarray(expit(values), dtype=np.float64)
    if link == "softmax":
        result = log_softmax(values, axis=1) if log else softmax(values, axis=1)
        return np.asarray(result, dtype=np.float64)
    return values


def disagreement(
    expected: ArrayLike, got: ArrayLike, rtol: float, inputs: ArrayLike | None = None
) -> float:
    """Largest gap between two arrays in units of the allowed tolerance (> 1: they part).

    The tolerance is relative to each value and to the largest value of its
    column, so rounding in float32 sums does not count as a difference.  With
    ``inputs`` (the rows the values come from), each row's tolerance is
    multiplied by its largest absolute input when that exceeds 1.

    Examples
    --------
    >>> disagreement([1.0, 2.0], [1.0, 2.0000001], rtol=1e-6) < 1
    True
    >>> disagreement([1.0, 2.0], [1.0, 2.1], rtol=1e-6) > 1
    True
    >>> disagreement([[1.0], [2.0]], [[1.0], [2.1]], rtol=1e-6, inputs=[[0.5], [1e6]]) < 1
    True
    """
    reference = np.asarray(expected, dtype=np.float64)
    other = np.asarray(got, dtype=np.float64)
    if reference.shape != other.shape:
        if reference.size != other.size:
            return np.inf
        other = other.reshape(reference.shape)
    # Values that overflow in one precision and not in the other say nothing about the
    # reading (a float32 model overflows first): only finite pairs are compared.
    finite = np.isfinite(reference) & np.isfinite(other)
    reference, other = np.where(finite, reference, 0.0), np.where(finite, other, 0.0)
    flat_ref = reference.reshape(reference.shape[0], -1) if reference.ndim else reference[None]
    flat_other = other.reshape(flat_ref.shape)
    scale = np.max(np.abs(flat_ref), axis=0, keepdims=True) if flat_ref.size else 0.0
    allowed = rtol * (np.abs(flat_ref) + scale) + rtol * 1e-6
    if inputs is not None:
        rows = np.abs(np.asarray(inputs, dtype=np.float64)).reshape(flat_ref.shape[0], -1)
        size = np.max(rows, axis=1, initial=1.0) if rows.size else np.ones(flat_ref.shape[0])
        allowed = allowed * size[:, None]
    return float(np.max(np.abs(flat_other - flat_ref) / allowed)) if flat_ref.size else 0.0


def check_agreement(
    network: Network,
    link: str | None,
    model_output: Callable[[FloatArray], ArrayLike],
    *,
    what: str,
    rtol: float,
    data: ArrayLike | None = None,
    log_link: bool = False,
    locate: Callable[[FloatArray], str | None] | None = None,
) -> None:
    """Refuse a reading whose network does not reproduce the model.

    Parameters
    ----------
    network, link
        What the adapter read.
    model_output : callable
        ``model_output(X)``: the model's own inference on float64 inputs.
    what : str
        The model, for the message ("the PyTorch model").
    rtol : float
        Relative tolerance (see :func:`rtol_for`).
    data : array_like, optional
        Inputs to check besides the probe points.
    log_link : bool
        The model outputs the log of the link (``LogSoftmax``).
    locate : callable, optional
        ``locate(X)`` names the first layer where the model and the reading
        part, for the message.

    Raises
    ------
    ModelMismatchError

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights([np.array([[0.0], [2.0]])], ["tanh"])
    >>> check_agreement(net, None, lambda X: np.tanh(2 * X), what="f", rtol=1e-6)
    >>> check_agreement(net, None, lambda X: 100 * X, what="f", rtol=1e-6)
    Traceback (most recent call last):
    ...
    nn2poly.adapters._agreement.ModelMismatchError: The network read from f does not ...
    """
    X = probe_inputs(network.n_inputs, data)
    try:
        expected = np.asarray(model_output(X), dtype=np.float64)
    except ModelMismatchError:
        raise
    except (RuntimeError, TypeError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise ModelMismatchError(
            f"Could not run {what} on inputs of shape (n_samples, {network.n_inputs}) to check "
            f"the network read from it ({type(exc).__name__}: {reason}); nn2poly converts models "
            "that map a 2-D float input (samples by features) to their outputs."
        ) from None
    got = with_link(network.forward(X), link, log=log_link)
    gap = disagreement(expected, got, rtol, inputs=X)
    if gap <= 1.0:
        return
    where = locate(X) if locate is not None else None
    place = f" They first part at {where}." if where else ""
    raise ModelMismatchError(
        f"The network read from {what} does not compute what {what} computes (largest gap "
        f"{gap * rtol:.3g} relative, tolerance {rtol:g}) on inputs in [-1, 1]"
        f"{' and the data' if data is not None else ''}.{place} A module or layer behaves "
        "differently from what its type says (a subclass overriding forward or call, or a "
        "custom module with a built-in's name); rebuild the model from the framework's own "
        "modules, or build the network with nn2poly.Network.from_weights."
    )
