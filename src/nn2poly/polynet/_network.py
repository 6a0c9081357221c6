"""A feed-forward network whose activations are polynomials, as a symbolic object."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import Interval, Predicate, check_param, invalid_value
from ._activations import PolynomialActivation, _lookup, polynomial_activation

if TYPE_CHECKING:  # pragma: no cover
    from nn2poly import Network

__all__ = ["PolynomialNetwork", "seed_network"]

FloatArray = NDArray[np.float64]


def _positive_sizes(sizes: Any) -> bool:
    return isinstance(sizes, tuple) and all(
        isinstance(s, Integral) and not isinstance(s, bool) and int(s) >= 1 for s in sizes
    )


@dataclass(frozen=True)
class PolynomialNetwork:
    """Architecture of a network with polynomial activations and one linear output.

    The weights are not stored: they are the unknowns. Parameters are ordered
    layer by layer and, inside a layer, neuron by neuron as
    ``b{l}_{j}`` (when ``use_bias``) then ``w{l}_{i}_{j}`` for each input ``i``.

    Parameters
    ----------
    n_inputs : int
        Number of inputs.
    hidden_sizes : tuple of int
        Neurons in each hidden layer; ``()`` gives a linear model.
    activation : str
        Activation of every hidden layer: ``"identity"``, ``"square"`` or ``"tanhK"``.
    use_bias : bool, default=True
        Whether every layer, the output included, has a bias.

    Examples
    --------
    >>> net = PolynomialNetwork(2, (1,), "square", use_bias=False)
    >>> net.parameter_names
    ('w1_1_1', 'w1_2_1', 'w2_1_1')
    >>> float(net.forward([1.0, -1.0, 2.0], [[1.0, 1.0]])[0])
    0.0
    >>> print(net.output_expression())
    w2_1_1*(w1_1_1*x1 + w1_2_1*x2)**2
    """

    n_inputs: int
    hidden_sizes: tuple[int, ...]
    activation: str = "identity"
    use_bias: bool = True

    def __post_init__(self) -> None:
        caller = "PolynomialNetwork"
        n_inputs = check_param("n_inputs", self.n_inputs, [Interval(int, 1, None)], caller=caller)
        given: Any = self.hidden_sizes
        if isinstance(given, Iterable) and not isinstance(given, (str, bytes)):
            given = tuple(given)
        sizes = check_param(
            "hidden_sizes",
            given,
            [
                Predicate(
                    _positive_sizes,
                    "a tuple of ints >= 1, e.g. (2, 2)",
                    type_test=lambda value: isinstance(value, tuple),
                )
            ],
            caller=caller,
            fix="Give the number of neurons of each hidden layer; () gives a linear model.",
        )
        object.__setattr__(self, "n_inputs", n_inputs)
        object.__setattr__(self, "hidden_sizes", tuple(int(s) for s in sizes))
        activation = _lookup(self.activation, parameter="activation", caller=caller)
        object.__setattr__(self, "activation", activation.name)

    # ------------------------------------------------------------------ layout
    @property
    def polynomial_activation(self) -> PolynomialActivation:
        """The hidden layers' activation."""
        return polynomial_activation(self.activation)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """``(n_inputs, *hidden_sizes, 1)``."""
        return (self.n_inputs, *self.hidden_sizes, 1)

    @property
    def n_layers(self) -> int:
        """Number of weight layers, the output layer included."""
        return len(self.hidden_sizes) + 1

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the unknowns in their canonical order."""
        names: list[str] = []
        sizes = self.layer_sizes
        for layer in range(1, self.n_layers + 1):
            for j in range(1, sizes[layer] + 1):
                if self.use_bias:
                    names.append(f"b{layer}_{j}")
                names.extend(f"w{layer}_{i}_{j}" for i in range(1, sizes[layer - 1] + 1))
        return tuple(names)

    @property
    def n_parameters(self) -> int:
        """Number of unknowns."""
        return len(self.parameter_names)

    def layer_slices(self) -> list[slice]:
        """Slice of the parameter vector holding each layer's parameters."""
        slices, start = [], 0
        sizes = self.layer_sizes
        for layer in range(1, self.n_layers + 1):
            count = sizes[layer] * (sizes[layer - 1] + int(self.use_bias))
            slices.append(slice(start, start + count))
            start += count
        return slices

    def unpack(self, parameters: ArrayLike) -> list[tuple[FloatArray, FloatArray]]:
        """Split a parameter vector into ``(weight (n_in, n_out), bias (n_out,))`` per layer."""
        theta = np.asarray(parameters, dtype=float)
        if theta.shape != (self.n_parameters,):
            raise invalid_value(
                "parameters",
                theta,
                f"a vector of shape ({self.n_parameters},), one value per unknown",
                caller=f"{type(self).__name__}.unpack",
                fix=f"Give the parameters in the order of parameter_names of {self!r}.",
            )
        sizes = self.layer_sizes
        layers = []
        for index, part in enumerate(self.layer_slices()):
            n_in, n_out = sizes[index], sizes[index + 1]
            block = theta[part].reshape(n_out, n_in + int(self.use_bias))
            if self.use_bias:
                layers.append((block[:, 1:].T.copy(), block[:, 0].copy()))
            else:
                layers.append((block.T.copy(), np.zeros(n_out)))
        return layers

    # ----------------------------------------------------------------- numeric
    def forward(self, parameters: ArrayLike, X: ArrayLike) -> FloatArray:
        """Network output at inputs ``X`` of shape (n_samples, n_inputs); returns (n_samples,)."""
        hidden = np.asarray(X, dtype=float)
        if hidden.ndim != 2 or hidden.shape[1] != self.n_inputs:
            raise invalid_value(
                "X",
                hidden,
                f"an array of shape (n_samples, {self.n_inputs})",
                caller=f"{type(self).__name__}.forward",
                fix=f"Give one row per sample and one column per input ({self.n_inputs}).",
            )
        act = self.polynomial_activation
        layers = self.unpack(parameters)
        for index, (weight, bias) in enumerate(layers):
            hidden = hidden @ weight + bias
            if index < len(layers) - 1:
                hidden = act.evaluate(hidden)
        return hidden[:, 0]

    def to_network(self, parameters: ArrayLike) -> Network:
        """The equivalent :class:`nn2poly.Network` at the given parameters.

        Use ``taylor_orders=self.taylor_orders()`` when converting it so that
        NN2Poly reproduces this polynomial network exactly.
        """
        from .. import Network

        weights = [np.vstack([bias[None, :], weight]) for weight, bias in self.unpack(parameters)]
        hidden = [self.polynomial_activation.nn2poly_activation] * len(self.hidden_sizes)
        return Network.from_weights(weights, [*hidden, "linear"])

    def taylor_orders(self) -> list[int]:
        """Per-layer Taylor orders that make :func:`nn2poly.to_polynomial` exact."""
        return [self.polynomial_activation.nn2poly_taylor_order] * len(self.hidden_sizes) + [1]

    def output_degree(self) -> int:
        """Total degree of the output polynomial in the inputs."""
        return self.polynomial_activation.degree ** len(self.hidden_sizes)

    # ---------------------------------------------------------------- symbolic
    def propagate(self, inputs: Sequence[Any], parameters: Sequence[Any]) -> Any:
        """Apply the network to ring elements or sympy objects (exact arithmetic).

        ``inputs`` holds one value per input, ``parameters`` one per unknown in
        canonical order; the result is the output in the same algebra.
        """
        sizes = self.layer_sizes
        coefficients = self.polynomial_activation.coefficients
        values = list(inputs)
        position = 0
        for layer in range(1, self.n_layers + 1):
            next_values = []
            for _ in range(sizes[layer]):
                if self.use_bias:
                    total = parameters[position]
                    position += 1
                else:
                    total = 0
                for value in values:
                    total = total + parameters[position] * value
                    position += 1
                next_values.append(total)
            if layer < self.n_layers:
                next_values = [_apply_polynomial(coefficients, value) for value in next_values]
            values = next_values
        return values[0]

    def output_expression(self) -> Any:
        """The output as a sympy expression in ``x1..xn`` and the weights (not expanded)."""
        import sympy

        x = sympy.symbols(f"x1:{self.n_inputs + 1}", real=True)
        theta = sympy.symbols(self.parameter_names, real=True)
        return self.propagate(x, theta)


def _apply_polynomial(coefficients: Sequence[Any], value: Any) -> Any:
    """``sum_k c_k value^k`` with sympy Rationals, skipping zero coefficients."""
    import sympy

    result: Any = 0
    power: Any = 1
    for k, coefficient in enumerate(coefficients):
        if k > 0:
            power = power * value
        if coefficient != 0:
            term = (
                power
                if coefficient == 1
                else sympy.Rational(coefficient.numerator, coefficient.denominator) * power
            )
            result = term if result == 0 else result + term
    return result


def seed_network(*, activation: str = "identity", use_bias: bool = False) -> PolynomialNetwork:
    """The XOR network of the critical-point experiment: 2 inputs, two hidden layers of 2.

    Without biases and with identity activations it is the original
    experiment's network (10 weights).

    Examples
    --------
    >>> seed_network().n_parameters
    10
    >>> seed_network(use_bias=True, activation="square").n_parameters
    15
    """
    return PolynomialNetwork(2, (2, 2), activation, use_bias)
