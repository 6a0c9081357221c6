"""The NN2Poly weight constraints (l1 or l2 ball) for Keras training.

NN2Poly's Taylor expansion is accurate when every hidden neuron's potential
``u_j = b_j + sum_i w_ij x_i`` stays in ``[-1, 1]`` for inputs scaled to
``[-1, 1]``; that holds when the l1 norm of the neuron's whole vector
``[b_j; w_1j; ...; w_pj]`` is at most 1.  The l2 ball, the reference R
package's other choice, only bounds the potential by ``sqrt(p + 1)``.  The
constraint couples a neuron's bias and its weights, which live in two
different Keras variables, so a Keras ``Constraint`` (applied to one
variable at a time) cannot express it.  It is applied instead by a
callback: after every training batch (and once when training starts) each
hidden neuron whose norm exceeds ``max_norm`` has its bias and weights
rescaled onto the ball; neurons inside the ball are left alone.  The output
layer is not constrained.  The rescaling is computed in float64 and aimed
just inside the ball, so that the float32 weights never exceed ``max_norm``,
whether their norm is summed in float64 or, for the l1 ball, in float32.

This module imports Keras only when a constraint is created.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .._validation import Interval, check_param
from ._norm_ball import ball_factors, dtype_eps

__all__ = ["keras_l1_constraint", "keras_l2_constraint"]


@cache
def _constraint_class() -> type:
    try:
        import keras
    except ImportError:
        raise ImportError(
            "The Keras weight constraints need Keras 3: pip install 'nn2poly[keras]'."
        ) from None

    from ..adapters._keras import chain_layers

    class NeuronNormConstraint(keras.callbacks.Callback):
        """Rescale each hidden neuron's ``[bias; weights]`` to l1 or l2 norm <= max_norm."""

        def __init__(self, max_norm: float, order: int = 1) -> None:
            super().__init__()
            self.max_norm = max_norm
            self.order = order

        def hidden_layers(self, model: Any) -> list[Any]:
            """The Dense layers constrained: every Dense layer but the last."""
            dense = [
                layer for layer in chain_layers(model) if isinstance(layer, keras.layers.Dense)
            ]
            return dense[:-1]

        def apply(self, model: Any) -> None:
            """Rescale the hidden layers of ``model`` into the ball now."""
            to_numpy = keras.ops.convert_to_numpy
            for layer in self.hidden_layers(model):
                kernel = np.asarray(to_numpy(layer.kernel))
                columns = [kernel.astype(np.float64)]
                if layer.use_bias:
                    columns.insert(0, np.asarray(to_numpy(layer.bias), dtype=np.float64)[None])
                rows = np.concatenate(columns, axis=0).T  # (n_neurons, [bias,] weights)
                scaled = constrained_rows(rows, self.order, self.max_norm, kernel.dtype)
                if scaled is None:
                    continue
                layer.kernel.assign(scaled[:, -kernel.shape[0] :].T)
                if layer.use_bias:
                    layer.bias.assign(scaled[:, 0])

        def on_train_begin(self, logs: Any = None) -> None:
            self.apply(self.model)

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.apply(self.model)

        def get_config(self) -> dict[str, Any]:
            return {"max_norm": self.max_norm, "order": self.order}

    NeuronNormConstraint.__module__ = __name__
    NeuronNormConstraint.__qualname__ = "NeuronNormConstraint"
    return NeuronNormConstraint


def stored_l1_norms(rows: NDArray[Any]) -> NDArray[np.float64]:
    """The largest of the l1 norms a reader may compute from rows ``[bias, weights]`` stored in
    a float dtype: in float64 (:func:`nn2poly.hidden_l1_norms`), and in the dtype's own
    arithmetic, row by row and as ``abs(kernel).sum(axis=0) + abs(bias)`` on Keras's layout.

    Examples
    --------
    >>> rows = np.array([[0.1, 0.2, 0.7]], dtype=np.float32)
    >>> bool(stored_l1_norms(rows)[0] >= 1.0)
    True
    """
    magnitudes = np.abs(rows)
    with np.errstate(over="ignore"):
        wide = magnitudes.astype(np.float64).sum(axis=1)
        by_row = magnitudes.sum(axis=1).astype(np.float64)
        by_column = (magnitudes[:, 1:].T.sum(axis=0) + magnitudes[:, 0]).astype(np.float64)
    result: NDArray[np.float64] = np.maximum(wide, np.maximum(by_row, by_column))
    return result


def constrained_rows(
    rows: NDArray[np.float64], order: int, max_norm: float, dtype: DTypeLike
) -> NDArray[Any] | None:
    """The rows ``[bias, weights]`` rescaled into the ball and stored in ``dtype``; None when
    every row already lies inside.

    The factor from :func:`~nn2poly.training._norm_ball.ball_factors` keeps the float64 norm
    of the stored values within ``max_norm``; for the l1 ball, a row whose norm summed in the
    dtype's own arithmetic (:func:`stored_l1_norms`) still exceeds ``max_norm`` is shrunk
    again by that excess and a few units of the dtype, until none does.

    Examples
    --------
    >>> rows = np.array([[0.5, 1.0, -1.5], [0.1, 0.2, 0.3]])
    >>> stored = constrained_rows(rows, 1, 1.0, np.float32)
    >>> stored.dtype, bool(stored_l1_norms(stored).max() <= 1.0), stored[1].tolist() == [
    ...     np.float32(0.1), np.float32(0.2), np.float32(0.3)]
    (dtype('float32'), True, True)
    """
    factors = ball_factors(rows, order, max_norm, dtype)
    stored = (rows * factors[:, None]).astype(dtype)
    changed = factors != 1.0
    if order == 1:
        eps = dtype_eps(dtype)
        for _ in range(64):  # each pass removes the measured excess and 4 units more
            norms = stored_l1_norms(stored)
            over = norms > max_norm
            if not over.any():
                break
            shrink = max_norm / norms[over] * (1.0 - 4.0 * eps)
            stored[over] = (stored[over].astype(np.float64) * shrink[:, None]).astype(dtype)
            changed |= over
    return stored if changed.any() else None


def _checked_max_norm(max_norm: float, caller: str) -> float:
    value = check_param(
        "max_norm", max_norm, [Interval(float, 0, None, closed="neither")], caller=caller
    )
    return float(value)


def keras_l1_constraint(max_norm: float = 1.0) -> Any:
    """A Keras callback that trains NN2Poly-ready networks (l1-constrained hidden neurons).

    Pass it to ``model.fit(..., callbacks=[...])``.  When training starts
    and after every batch, each neuron of every hidden ``Dense`` layer (all
    but the last ``Dense`` of the model) whose vector ``[bias; weights]`` has
    an l1 norm above ``max_norm`` is rescaled into the l1 ball of radius
    ``max_norm``; the output layer is free.  With inputs scaled to
    ``[-1, 1]`` the hidden potentials then stay in ``[-max_norm, max_norm]``,
    where the Taylor expansion used by :func:`nn2poly.to_polynomial` is
    accurate.  The callback's ``apply(model)`` rescales a model once, e.g.
    before saving a model trained without it.

    Parameters
    ----------
    max_norm : float, default=1.0
        Largest l1 norm of a hidden neuron's ``[bias; weights]``.

    Returns
    -------
    keras.callbacks.Callback

    Notes
    -----
    A Keras ``kernel_constraint`` sees only the kernel: the bias is a
    separate variable with its own constraint, so the joint norm of
    ``[bias; weights]`` cannot be bounded that way.  The callback acts after
    the optimizer's update, as a projection step of projected gradient
    descent.  The factor is computed in float64 and lands a few float32
    units inside the ball, so the stored norm never exceeds ``max_norm``,
    summed in float64 (as :func:`nn2poly.hidden_l1_norms` does) or in
    float32 (as ``abs(kernel).sum(axis=0) + abs(bias)`` does).
    See :func:`keras_l2_constraint` for the l2 ball.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> import nn2poly
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="tanh"),
    ...                           keras.layers.Dense(1)])
    >>> callback = nn2poly.keras_l1_constraint(max_norm=0.5)
    >>> callback.apply(model)  # or model.fit(X, y, callbacks=[callback])
    >>> kernel, bias = model.layers[0].get_weights()
    >>> bool(np.all(np.abs(kernel).sum(axis=0) + np.abs(bias) <= 0.5))
    True
    """
    return _constraint_class()(_checked_max_norm(max_norm, "keras_l1_constraint"), 1)


def keras_l2_constraint(max_norm: float = 1.0) -> Any:
    """A Keras callback holding each hidden neuron's ``[bias; weights]`` in the l2 ball.

    The reference R package's ``add_constraints(model, "l2_norm")``: when
    training starts and after every batch, each neuron of every hidden
    ``Dense`` layer whose ``[bias; weights]`` has an l2 norm above
    ``max_norm`` is rescaled into the l2 ball of radius ``max_norm``; the
    output layer is free.

    Parameters
    ----------
    max_norm : float, default=1.0
        Largest l2 norm of a hidden neuron's ``[bias; weights]``.

    Returns
    -------
    keras.callbacks.Callback

    Notes
    -----
    The guarantee is weaker than :func:`keras_l1_constraint`'s: on inputs in
    ``[-1, 1]^p`` a neuron's potential ``b + w . x`` is bounded by
    ``max_norm * sqrt(p + 1)`` (Cauchy-Schwarz, reached when bias and
    weights are equal), not by ``max_norm``, so the Taylor expansion around
    0 may be inaccurate for wide layers; :func:`nn2poly.to_polynomial`
    checks the l1 norms and warns.  Unlike a Keras ``MaxNorm`` kernel
    constraint, the bias counts in the norm.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> import nn2poly
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="tanh"),
    ...                           keras.layers.Dense(1)])
    >>> callback = nn2poly.keras_l2_constraint()
    >>> callback.apply(model)  # or model.fit(X, y, callbacks=[callback])
    >>> kernel, bias = model.layers[0].get_weights()
    >>> bool(np.all(np.sqrt((kernel.astype(float) ** 2).sum(axis=0) + bias ** 2.0) <= 1.0))
    True
    """
    return _constraint_class()(_checked_max_norm(max_norm, "keras_l2_constraint"), 2)
