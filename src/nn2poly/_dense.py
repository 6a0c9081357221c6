"""One fully connected layer, its arrays checked and read-only."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._data import as_plain_array
from ._validation import check_param, invalid_value
from .activations import get_activation

__all__ = ["Dense", "as_float_array"]


def as_float_array(value: ArrayLike, *, name: str, ndim: int) -> NDArray[np.float64]:
    """``value`` as a read-only float64 array of ``ndim`` dimensions, finite, or an error.

    Examples
    --------
    >>> as_float_array([[1, 2]], name="weight", ndim=2)
    array([[1., 2.]])
    """
    value = as_plain_array(value)  # tensors (even with requires_grad) are detached
    try:
        raw = np.asarray(value)
        complex_values = np.iscomplexobj(raw)
        array = None if complex_values else np.array(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise invalid_value(
            name,
            value,
            "a numeric array",
            subject=name,
            type_error=True,
            fix=f"numpy cannot convert it to float64 ({exc}).",
        ) from None
    except OverflowError:
        raise invalid_value(
            name,
            value,
            "an array of numbers within the float64 range",
            subject=name,
            fix="It holds an integer too large for a float64; rescale the weights.",
        ) from None
    if array is None:
        raise invalid_value(
            name,
            value,
            "a real-valued array",
            subject=name,
            type_error=True,
            fix="It is complex; weights and biases must be real numbers.",
        )
    if array.ndim != ndim:
        raise invalid_value(
            name,
            array,
            f"a {ndim}-D array",
            subject=name,
            fix="Reshape it to (n_in, n_out)." if ndim == 2 else "Reshape it to (n_out,).",
        )
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise invalid_value(
            name,
            array,
            "finite",
            subject=name,
            fix=f"It contains a non-finite value ({array[tuple(bad)]!r} at index "
            f"{tuple(int(i) for i in bad)}); every weight and bias must be finite.",
        )
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Dense:
    """One fully connected layer: ``activation(z @ weight + bias)``.

    Parameters
    ----------
    weight : array_like of shape (n_in, n_out)
        Column ``j`` holds the weights of neuron ``j``.
    bias : array_like of shape (n_out,)
    activation : str, default="linear"
        A name known to :func:`nn2poly.activations.get_activation`
        (``"tanh"``, ``"sigmoid"``, ``"softplus"``, ``"relu"``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dense(np.array([[1.0], [2.0]]), np.array([0.5]), "tanh")
    >>> layer.n_in, layer.n_out
    (2, 1)
    >>> layer.forward(np.array([[0.0, 0.0]]))
    array([[0.46211716]])
    """

    weight: NDArray[np.float64]
    bias: NDArray[np.float64]
    activation: str = "linear"
    _name: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        label = self._name or "Dense"
        weight = as_float_array(self.weight, name=f"{label} weight", ndim=2)
        bias = as_float_array(self.bias, name=f"{label} bias", ndim=1)
        if bias.shape[0] != weight.shape[1]:
            raise invalid_value(
                "bias",
                bias,
                f"an array of shape ({weight.shape[1]},)",
                subject=f"{label} bias",
                fix=f"The weight has shape {weight.shape}; the bias needs one entry per output "
                "neuron.",
            )
        if weight.shape[0] == 0 or weight.shape[1] == 0:
            raise invalid_value(
                "weight",
                weight,
                "a matrix with no empty dimension",
                subject=f"{label} weight",
                fix="A layer needs at least one input and one neuron.",
            )
        check_param(
            "activation",
            self.activation,
            [str],
            subject=f"{label} activation",
            fix=f"It is a {type(self.activation).__name__}; give an activation name such as "
            "'tanh' (see nn2poly.available_activations()).",
        )
        activation = get_activation(self.activation).name
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "activation", activation)

    @property
    def n_in(self) -> int:
        """Number of inputs of the layer."""
        return int(self.weight.shape[0])

    @property
    def n_out(self) -> int:
        """Number of neurons of the layer."""
        return int(self.weight.shape[1])

    def pre_activation(self, z: ArrayLike) -> NDArray[np.float64]:
        """Return ``z @ weight + bias`` of shape (n_samples, n_out).

        Examples
        --------
        >>> import numpy as np
        >>> Dense(np.array([[1.0], [2.0]]), np.array([0.5])).pre_activation(np.ones((1, 2)))
        array([[3.5]])
        """
        return np.asarray(z, dtype=np.float64) @ self.weight + self.bias

    def forward(self, z: ArrayLike) -> NDArray[np.float64]:
        """Return the layer's output, shape (n_samples, n_out), in float64.

        Examples
        --------
        >>> import numpy as np
        >>> Dense(np.array([[1.0]]), np.array([0.0]), "relu").forward(np.array([[-2.0], [3.0]]))
        array([[0.],
               [3.]])
        """
        return get_activation(self.activation).evaluate(self.pre_activation(z))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dense):
            return NotImplemented
        return (
            self.activation == other.activation
            and np.array_equal(self.weight, other.weight)
            and np.array_equal(self.bias, other.bias)
        )

    __hash__ = None  # type: ignore[assignment]
