"""The NN2Poly l1 weight constraint for Keras training.

NN2Poly's Taylor expansion is accurate when every hidden neuron's potential
``u_j = b_j + sum_i w_ij x_i`` stays in ``[-1, 1]`` for inputs scaled to
``[-1, 1]``; that holds when the l1 norm of the neuron's whole vector
``[b_j; w_1j; ...; w_pj]`` is at most 1.  The constraint couples a neuron's
bias and its weights, which live in two different Keras variables, so a
Keras ``Constraint`` (applied to one variable at a time) cannot express it.
It is applied instead by a callback: after every training batch (and once
when training starts) each hidden neuron whose norm exceeds ``max_norm`` has
its bias and weights divided by ``norm / max_norm``; neurons inside the ball
are left alone.  The output layer is not constrained.

This module imports Keras only when a constraint is created.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .._validation import Interval, check_param

__all__ = ["keras_l1_constraint"]


@cache
def _constraint_class() -> type:
    try:
        import keras
    except ImportError:
        raise ImportError(
            "The Keras l1 constraint needs Keras 3: pip install 'nn2poly[keras]'."
        ) from None

    from ..adapters._keras import chain_layers

    class L1NeuronConstraint(keras.callbacks.Callback):
        """Rescale each hidden neuron's ``[bias; weights]`` to l1 norm <= max_norm."""

        def __init__(self, max_norm: float) -> None:
            super().__init__()
            self.max_norm = max_norm

        def hidden_layers(self, model: Any) -> list[Any]:
            """The Dense layers constrained: every Dense layer but the last."""
            dense = [
                layer for layer in chain_layers(model) if isinstance(layer, keras.layers.Dense)
            ]
            return dense[:-1]

        def apply(self, model: Any) -> None:
            """Project the hidden layers of ``model`` now."""
            ops = keras.ops
            for layer in self.hidden_layers(model):
                kernel = layer.kernel
                norms = ops.sum(ops.abs(kernel), axis=0)
                if layer.use_bias:
                    norms = norms + ops.abs(layer.bias)
                factor = ops.minimum(1.0, self.max_norm / ops.maximum(norms, 1e-300))
                layer.kernel.assign(kernel * factor[None, :])
                if layer.use_bias:
                    layer.bias.assign(layer.bias * factor)

        def on_train_begin(self, logs: Any = None) -> None:
            self.apply(self.model)

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.apply(self.model)

        def get_config(self) -> dict[str, Any]:
            return {"max_norm": self.max_norm}

    L1NeuronConstraint.__module__ = __name__
    L1NeuronConstraint.__qualname__ = "L1NeuronConstraint"
    return L1NeuronConstraint


def keras_l1_constraint(max_norm: float = 1.0) -> Any:
    """A Keras callback that trains NN2Poly-ready networks (l1-constrained hidden neurons).

    Pass it to ``model.fit(..., callbacks=[...])``.  When training starts
    and after every batch, each neuron of every hidden ``Dense`` layer (all
    but the last ``Dense`` of the model) whose vector ``[bias; weights]`` has
    an l1 norm above ``max_norm`` is rescaled onto the norm ``max_norm``; the
    output layer is free.  With inputs scaled to ``[-1, 1]`` the hidden
    potentials then stay in ``[-max_norm, max_norm]``, where the Taylor
    expansion used by :func:`nn2poly.to_polynomial` is accurate.  The
    callback's ``apply(model)`` projects a model once, e.g. before saving a
    model trained without it.

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
    descent.

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
    >>> bool(np.all(np.abs(kernel).sum(axis=0) + np.abs(bias) <= 0.5 + 1e-6))
    True
    """
    max_norm = check_param(
        "max_norm",
        max_norm,
        [Interval(float, 0, None, closed="neither")],
        caller="keras_l1_constraint",
    )
    return _constraint_class()(float(max_norm))
