"""Prediction by layer: every layer's polynomials evaluated on the same samples.

A conversion with ``keep_layers=True`` keeps, for each layer ``l``, the
polynomials of its neurons' pre-activations (``input``: the potentials
``u = b + W z``) and of their activations (``output``: the polynomial that
replaced ``g(u)``), all in the network's inputs.  :func:`predict_layers`
evaluates them on ``X``, as the reference R package's ``predict(object,
newdata, layers = ...)``, to compare each layer with the network's own
forward pass or to see where a conversion starts to depart from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._polynomial import Polynomial
from ._validation import InstanceOf, Interval, Predicate, check_param, invalid_value

__all__ = ["LayerValues", "predict_layers"]

FloatArray = NDArray[np.float64]


class LayerValues(NamedTuple):
    """One layer's polynomials evaluated on samples, each of shape (n_samples, n_neurons).

    ``input`` holds the pre-activations (potentials) and ``output`` the
    activations, as the polynomials of :class:`nn2poly.LayerPolynomials`
    give them.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> weights = [np.array([[0.0], [0.5]]), np.array([[0.0], [2.0]])]
    >>> poly = nn2poly.to_polynomial((weights, ["tanh", "linear"]), 3, keep_layers=True)
    >>> first = nn2poly.predict_layers(poly, [[1.0]])[0]
    >>> first.input, first.output.round(4)
    (array([[0.5]]), array([[0.4583]]))
    """

    input: FloatArray
    output: FloatArray


def _is_layer_list(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) > 0
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    )


def _layer_indices(layers: Any, n_layers: int) -> list[int]:
    """The requested layers as sorted distinct indices in ``0 .. n_layers - 1``."""
    fix = (
        f"The polynomial has {n_layers} layers: give an index from 0 (the first hidden "
        f"layer) to {n_layers - 1} (the output layer), negative from the end, a list of "
        "them, or None for all."
    )
    checked = check_param(
        "layers",
        layers,
        [
            Interval(int, -n_layers, n_layers - 1),
            Predicate(
                lambda value: (
                    _is_layer_list(value) and all(-n_layers <= int(v) < n_layers for v in value)
                ),
                f"a list of layer indices in [{-n_layers}, {n_layers - 1}]",
                type_test=_is_layer_list,
            ),
            None,
        ],
        caller="predict_layers",
        fix=fix,
    )
    if checked is None:
        return list(range(n_layers))
    chosen = [checked] if isinstance(checked, (int, np.integer)) else list(checked)
    return sorted({int(index) % n_layers for index in chosen})


def predict_layers(
    poly: Polynomial, X: ArrayLike, *, layers: int | Sequence[int] | None = None
) -> dict[int, LayerValues]:
    """Evaluate each layer's polynomials on ``X``: its pre-activations and activations.

    The polynomial must come from a conversion with ``keep_layers=True``.
    Each layer's ``input`` polynomials give the neurons' pre-activations and
    its ``output`` polynomials their activations, both as functions of the
    network's inputs; the last layer's ``output`` is what ``poly.predict``
    gives (the logits for a classifier).  Compare them with the network's
    own pre-activations (:meth:`nn2poly.Network.pre_activations`) to see in
    which layer a conversion departs from the network.

    Parameters
    ----------
    poly : Polynomial
        From :func:`nn2poly.to_polynomial` with ``keep_layers=True``.
    X : array_like or pandas.DataFrame of shape (n_samples, n_features)
        Samples, as for :meth:`Polynomial.predict` (in the original
        coordinates for a polynomial centred at a point).
    layers : int, sequence of int or None, default=None
        Layers to evaluate, 0 for the first hidden layer, negative from the
        end (``-1``: the output layer); None: every layer.

    Returns
    -------
    dict of int to LayerValues
        For each chosen layer (by its index in ``poly.layers``, in increasing
        order) its values ``input`` and ``output``, each of shape
        (n_samples, n_neurons of the layer).

    Raises
    ------
    ValueError
        If ``poly`` has no layer polynomials (converted without
        ``keep_layers=True``, or a polynomial made from one: loaded,
        truncated, ...) or a layer index is out of range.

    Notes
    -----
    A layer's values follow the network's own as far as each neuron's
    polynomial follows its activation where the potentials are: closely for
    a Taylor expansion of an l1-constrained network at a high order, exactly
    for linear and polynomial activations.  A fit whose neuron polynomials
    were refined jointly on the network's output is tuned for the last
    layer; its inner layers may depart from the network's.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> poly = nn2poly.to_polynomial(net, max_order=7, keep_layers=True)
    >>> X = np.array([[0.2, -0.1], [0.5, 0.5]])
    >>> values = nn2poly.predict_layers(poly, X)
    >>> sorted(values), values[0].input.shape
    ([0, 1], (2, 2))
    >>> bool(np.allclose(values[0].input, net.pre_activations(X)[0]))  # exact: affine
    True
    >>> bool(np.allclose(values[0].output, np.tanh(values[0].input), atol=1e-6))
    True
    >>> bool(np.array_equal(values[1].output[:, 0], poly.predict(X)))
    True

    Only the output layer:

    >>> nn2poly.predict_layers(poly, X, layers=-1)[1].output.shape
    (2, 1)
    """
    poly = check_param(
        "poly",
        poly,
        [InstanceOf((Polynomial,), "a Polynomial")],
        caller="predict_layers",
        fix="Pass the result of nn2poly.to_polynomial(model, max_order, keep_layers=True).",
    )
    if poly.layers is None:
        raise invalid_value(
            "poly",
            poly,
            "a Polynomial that keeps its layers' polynomials",
            caller="predict_layers",
            fix="Convert with keep_layers=True: "
            "nn2poly.to_polynomial(model, max_order, keep_layers=True), and evaluate that "
            "polynomial itself (saving, loading, truncate, top and arithmetic give "
            "polynomials without the layers).",
        )
    chosen = _layer_indices(layers, len(poly.layers))
    # every layer's polynomials are in the final polynomial's variables (X - origin)
    samples = poly._check_X(X, "predict_layers")
    return {
        index: LayerValues(
            input=poly.layers[index].input._evaluate(samples),
            output=poly.layers[index].output._evaluate(samples),
        )
        for index in chosen
    }
