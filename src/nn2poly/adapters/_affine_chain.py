"""Assemble a :class:`Network` from a chain of affine maps and activations.

Framework graphs describe a feed-forward network as a sequence of
operations: affine maps (a dense layer, a matrix product, a bias addition),
per-feature scalings (batch normalisation at inference) and element-wise
activations.  :class:`ChainBuilder` turns such a sequence into
:class:`Dense` layers, folding per-feature scalings exactly into a
neighbouring affine map so that a network with batch normalisation becomes a
plain network with the same outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._network import Dense, Network
from .._validation import InvalidParameterError, InvalidParameterTypeError, invalid_value

__all__ = ["ChainBuilder"]

FloatArray = NDArray[np.float64]

#: What every refusal speaks of: the model being read, as its operations.
_SUBJECT = "The operations of the 'model' parameter of adapt"


def _not_a_chain(
    found: Any, expected: str, fix: str
) -> InvalidParameterError | InvalidParameterTypeError:
    """The error (a ValueError) for operations that do not form a feed-forward chain."""
    return invalid_value("model", found, expected, subject=_SUBJECT, fix=fix)


@dataclass
class _OpenLayer:
    """An affine map ``z @ weight + bias`` whose activation is not known yet."""

    weight: FloatArray
    bias: FloatArray


class ChainBuilder:
    """Collect affine maps and activations, then build a :class:`Network`.

    A layer stays *open* after an affine map until an activation closes it,
    so that a bias added or a scaling applied afterwards lands in the same
    layer.  A per-feature scaling with nothing open before it waits and is
    folded into the next affine map; if an activation comes first it becomes
    a layer of its own.

    Examples
    --------
    >>> import numpy as np
    >>> chain = ChainBuilder()
    >>> chain.affine(np.array([[1.0, 2.0]]), np.array([0.0, 1.0]))
    >>> chain.scale_shift(np.array([2.0, 2.0]), np.array([0.5, 0.0]))
    >>> chain.activation("tanh")
    >>> chain.affine(np.ones((2, 1)), np.zeros(1))
    >>> net = chain.build()
    >>> net
    Network(1 -> 2[tanh] -> 1[linear])
    >>> net.layers[0].weight.tolist(), net.layers[0].bias.tolist()
    ([[2.0, 4.0]], [0.5, 2.0])
    """

    def __init__(self) -> None:
        self._layers: list[Dense] = []
        self._open: _OpenLayer | None = None
        self._pending: tuple[FloatArray, FloatArray] | None = None
        self._width: int | None = None

    @property
    def width(self) -> int | None:
        """Number of features flowing at this point (None before the first map)."""
        return self._width

    @property
    def is_empty(self) -> bool:
        """True while no operation has been recorded."""
        return not self._layers and self._open is None and self._pending is None

    def _close(self, activation: str) -> None:
        if self._open is None:
            return
        self._layers.append(
            Dense(
                self._open.weight, self._open.bias, activation, _name=f"layer {len(self._layers)}"
            )
        )
        self._open = None

    def _check_width(self, array: FloatArray, what: str) -> None:
        n_in = array.shape[0]
        if self._width is not None and n_in != self._width:
            raise _not_a_chain(
                array,
                f"a chain of matching shapes ({self._width} inputs after the previous operation)",
                f"{what} expects {n_in} inputs but the previous operation gives {self._width}.",
            )

    def affine(self, weight: ArrayLike, bias: ArrayLike | None = None) -> None:
        """Append ``z @ weight + bias`` (weight of shape (n_in, n_out))."""
        matrix = np.array(weight, dtype=np.float64)
        vector = np.zeros(matrix.shape[1]) if bias is None else np.array(bias, dtype=np.float64)
        self._check_width(matrix, "An affine map")
        if self._open is not None:
            self._close("linear")
        if self._pending is not None:
            scale, shift = self._pending
            vector = vector + shift @ matrix
            matrix = scale[:, None] * matrix
            self._pending = None
        self._open = _OpenLayer(matrix, vector)
        self._width = matrix.shape[1]

    def shift(self, bias: ArrayLike) -> None:
        """Append ``z + bias`` (bias of shape (n,), broadcast over samples)."""
        vector = np.array(bias, dtype=np.float64)
        if self._width is None:
            raise _not_a_chain(
                vector,
                "a chain that starts with a dense (fully connected) layer",
                "A bias addition comes before any matrix product, so the number of features is "
                "unknown.",
            )
        vector = np.broadcast_to(vector, (self._width,)).copy()
        self.scale_shift(np.ones(self._width), vector)

    def scale_shift(self, scale: ArrayLike, shift: ArrayLike) -> None:
        """Append the per-feature map ``z * scale + shift`` (both of shape (n,))."""
        factor = np.array(scale, dtype=np.float64)
        offset = np.array(shift, dtype=np.float64)
        self._check_width(factor, "A per-feature scaling")
        if self._open is not None:
            self._open.weight = self._open.weight * factor[None, :]
            self._open.bias = self._open.bias * factor + offset
        elif self._pending is not None:
            old_scale, old_shift = self._pending
            self._pending = (old_scale * factor, old_shift * factor + offset)
        else:
            self._pending = (factor, offset)
        self._width = factor.shape[0]

    def _materialise_pending(self) -> None:
        if self._pending is None:
            return
        scale, shift = self._pending
        self._pending = None
        self._open = _OpenLayer(np.diag(scale), shift)

    def activation(self, name: str) -> None:
        """Apply an element-wise activation (a name known to :func:`nn2poly.get_activation`)."""
        if name == "linear":
            return
        if self._width is None:
            raise _not_a_chain(
                name,
                "a chain that starts with a dense (fully connected) layer",
                f"The activation {name!r} comes before any dense layer.",
            )
        self._materialise_pending()
        if self._open is None:
            self._open = _OpenLayer(np.eye(self._width), np.zeros(self._width))
        self._close(name)

    def build(self) -> Network:
        """The :class:`Network` of everything appended so far."""
        self._materialise_pending()
        self._close("linear")
        if not self._layers:
            raise _not_a_chain(
                self._layers,
                "a chain with at least one dense (fully connected) layer",
                "The model has no dense layer; nn2poly converts feed-forward networks made of "
                "dense layers and activations.",
            )
        return Network(tuple(self._layers))
