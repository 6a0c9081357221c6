"""The torch network the estimators train, and its conversion to a :class:`Network`."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch

from .._network import Dense, Network
from .._validation import invalid_value
from ..activations import get_activation

__all__ = ["TRAINABLE_ACTIVATIONS", "ActivationModule", "MLPModule"]


#: Above ``beta * x = 40`` softplus equals ``x`` to float64 precision (exp(-40) ~ 4e-18).
_SOFTPLUS_THRESHOLD = 40.0

TRAINABLE_ACTIVATIONS = (
    "arctan",
    "elu",
    "gelu",
    "isru",
    "leaky_relu",
    "linear",
    "relu",
    "sigmoid",
    "silu",
    "softplus",
    "softsign",
    "square",
    "tanh",
)


def _apply(base: str, params: dict[str, float], x: torch.Tensor) -> torch.Tensor:
    """Evaluate the registered activation ``base`` with ``params`` on a tensor."""
    functional = torch.nn.functional
    if base == "linear":
        return x
    if base == "tanh":
        return torch.tanh(x)
    if base == "sigmoid":
        return torch.sigmoid(x)
    if base == "softplus":
        # log(1 + exp(beta x)) / beta to float64 precision (torch's default threshold is 20)
        return functional.softplus(x, beta=params["beta"], threshold=_SOFTPLUS_THRESHOLD)
    if base == "arctan":
        return torch.atan(x)
    if base == "silu":
        return functional.silu(x)
    if base == "gelu":
        return functional.gelu(x)
    if base == "isru":
        return x * torch.rsqrt(1.0 + params["alpha"] * x * x)
    if base == "square":
        return x * x
    if base == "relu":
        return torch.relu(x)
    if base == "leaky_relu":
        return functional.leaky_relu(x, params["negative_slope"])
    if base == "elu":
        return functional.elu(x, params["alpha"])
    if base == "softsign":
        return functional.softsign(x)
    # ActivationModule admits only TRAINABLE_ACTIVATIONS, each handled above
    raise ValueError(
        f"No torch implementation of the activation {base!r}; expected one of "
        f"{TRAINABLE_ACTIVATIONS}. Build activations with ActivationModule, which checks the name."
    )


class ActivationModule(torch.nn.Module):
    """A registered activation as a torch module (picklable: it keeps only the name).

    Examples
    --------
    >>> import torch
    >>> ActivationModule("softplus(beta=2)")(torch.zeros(1, dtype=torch.float64))
    tensor([0.3466], dtype=torch.float64)
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        activation = get_activation(name)
        if activation.spec.name not in TRAINABLE_ACTIVATIONS:
            raise invalid_value(
                "name",
                name,
                "an activation trainable with torch: " + ", ".join(TRAINABLE_ACTIVATIONS),
                caller="ActivationModule",
                fix="It has no useful gradient or no torch implementation; use e.g. 'tanh'.",
            )
        self.name = activation.name
        self.base = activation.spec.name
        self.params = dict(activation.params)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _apply(self.base, self.params, x)

    def extra_repr(self) -> str:
        return repr(self.name)


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
        self.linears: list[torch.nn.Linear] = torch.nn.ModuleList(  # type: ignore[assignment]
            torch.nn.Linear(a, b, dtype=dtype) for a, b in itertools.pairwise(sizes)
        )
        self.activation = ActivationModule(activation)
        self.activation_name = self.activation.name
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
