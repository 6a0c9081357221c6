"""The torch network the estimators train, and its conversion to a :class:`Network`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from .._network import Dense, Network
from ..activations import get_activation

__all__ = ["TRAINABLE_ACTIVATIONS", "MLPModule", "torch_activation"]

Function = Callable[[torch.Tensor], torch.Tensor]


#: Above ``beta * x = 40`` softplus equals ``x`` to float64 precision (exp(-40) ~ 4e-18).
_SOFTPLUS_THRESHOLD = 40.0


def _softplus(beta: float) -> Function:
    # log(1 + exp(beta x)) / beta to float64 precision (torch's default threshold is 20)
    functional = torch.nn.functional
    return lambda x: functional.softplus(x, beta=beta, threshold=_SOFTPLUS_THRESHOLD)


def _builders() -> dict[str, Callable[[dict[str, float]], Function]]:
    functional = torch.nn.functional
    return {
        "linear": lambda p: (lambda x: x),
        "tanh": lambda p: torch.tanh,
        "sigmoid": lambda p: torch.sigmoid,
        "softplus": lambda p: _softplus(p["beta"]),
        "arctan": lambda p: torch.atan,
        "silu": lambda p: functional.silu,
        "gelu": lambda p: functional.gelu,
        "isru": lambda p: (lambda x: x * torch.rsqrt(1.0 + p["alpha"] * x * x)),
        "square": lambda p: (lambda x: x * x),
        "relu": lambda p: torch.relu,
        "leaky_relu": lambda p: (lambda x: functional.leaky_relu(x, p["negative_slope"])),
        "elu": lambda p: (lambda x: functional.elu(x, p["alpha"])),
        "softsign": lambda p: functional.softsign,
    }


TRAINABLE_ACTIVATIONS = tuple(sorted(_builders()))


def torch_activation(name: str) -> Function:
    """The torch function of a registered activation name (parameters included).

    Examples
    --------
    >>> import torch
    >>> torch_activation("softplus(beta=2)")(torch.zeros(1, dtype=torch.float64))
    tensor([0.3466], dtype=torch.float64)
    """
    activation = get_activation(name)
    builders = _builders()
    if activation.spec.name not in builders:
        raise ValueError(
            f"The activation {activation.name!r} cannot be trained with torch here (it has no "
            f"useful gradient or no torch implementation). Use one of {TRAINABLE_ACTIVATIONS}."
        )
    return builders[activation.spec.name](dict(activation.params))


class MLPModule(torch.nn.Module):
    """A fully connected network: hidden layers with one activation, a linear output layer.

    Parameters
    ----------
    n_inputs : int
    hidden_layer_sizes : sequence of int
    n_outputs : int
    activation : str
        Registered activation name of the hidden layers.
    dropout : float
        Dropout probability after each hidden activation (training only).
    dtype : torch.dtype
    """

    def __init__(
        self,
        n_inputs: int,
        hidden_layer_sizes: Sequence[int],
        n_outputs: int,
        activation: str,
        dropout: float,
        dtype: torch.dtype,
    ) -> None:
        super().__init__()
        sizes = [n_inputs, *hidden_layer_sizes, n_outputs]
        self.linears = torch.nn.ModuleList(
            torch.nn.Linear(a, b, dtype=dtype) for a, b in zip(sizes[:-1], sizes[1:])
        )
        self.activation_name = get_activation(activation).name
        self.activation = torch_activation(activation)
        self.dropout = torch.nn.Dropout(dropout) if dropout > 0 else torch.nn.Identity()

    def reset_glorot(self, generator: torch.Generator) -> None:
        """Glorot-uniform weights and zero biases, drawn from ``generator``."""
        with torch.no_grad():
            for linear in self.linears:
                fan_out, fan_in = linear.weight.shape
                limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
                linear.weight.uniform_(-limit, limit, generator=generator)
                linear.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for linear in self.linears[:-1]:
            x = self.dropout(self.activation(linear(x)))
        return self.linears[-1](x)

    def to_network(self) -> Network:
        """The trained network as an nn2poly :class:`Network` in float64."""
        layers = []
        for index, linear in enumerate(self.linears):
            is_output = index == len(self.linears) - 1
            layers.append(
                Dense(
                    linear.weight.detach().double().numpy().T.copy(),
                    linear.bias.detach().double().numpy().copy(),
                    "linear" if is_output else self.activation_name,
                    _name=f"layer {index}",
                )
            )
        return Network(tuple(layers))
