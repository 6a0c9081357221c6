"""Framework-neutral description of a feed-forward network.

A :class:`Network` is an immutable tuple of :class:`Dense` layers.  Layer ``l``
maps its input ``z`` (shape ``(n_samples, n_in)``) to
``activation(z @ weight + bias)``.  Nothing here knows which framework a
network came from; the adapters in :mod:`nn2poly.adapters` build networks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._data import as_plain_array
from ._dense import Dense, as_float_array
from ._jsonio import read_json, write_json
from ._validation import InstanceOf, check_param, invalid_value
from .activations import get_activation

__all__ = ["Dense", "Network"]

_FORMAT_NAME = "nn2poly.network"
_FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class Network:
    """An immutable feed-forward network: a tuple of :class:`Dense` layers.

    Parameters
    ----------
    layers : sequence of Dense
        Consecutive layers; layer ``l``'s ``n_in`` must equal layer ``l-1``'s
        ``n_out``.

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights(
    ...     [np.array([[0.1, -0.2], [0.5, 0.3]]), np.array([[0.0], [1.0], [-1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> net.n_inputs, net.n_outputs, net.widths
    (1, 1, (2, 1))
    >>> net.forward(np.zeros((1, 1))).round(6)
    array([[0.297043]])
    """

    layers: tuple[Dense, ...]

    def __post_init__(self) -> None:
        layers = tuple(self.layers)
        if not layers:
            raise invalid_value(
                "layers",
                self.layers,
                "a sequence of at least one layer",
                caller="Network",
                fix="A Network needs at least one layer.",
            )
        for index, layer in enumerate(layers):
            check_param(
                f"layers[{index}]",
                layer,
                [InstanceOf((Dense,), "an nn2poly.Dense")],
                caller="Network",
                fix="Every layer must be a nn2poly.Dense.",
            )
        for index in range(1, len(layers)):
            previous, current = layers[index - 1], layers[index]
            if current.n_in != previous.n_out:
                raise invalid_value(
                    f"layers[{index}]",
                    current.weight,
                    f"a layer with {previous.n_out} inputs",
                    caller="Network",
                    fix=f"layer {index} expects {current.n_in} inputs (weight shape "
                    f"{current.weight.shape}) but layer {index - 1} has {previous.n_out} "
                    f"outputs (weight shape {previous.weight.shape}); the shapes must chain.",
                )
        object.__setattr__(self, "layers", layers)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_weights(
        cls, weights: Sequence[ArrayLike], activations: Sequence[str] | str
    ) -> Network:
        """Build a network from the nn2poly weight-list layout.

        Parameters
        ----------
        weights : sequence of array_like, each of shape (n_in + 1, n_out)
            One matrix per layer, **bias in row 0**, column ``j`` for neuron ``j``
            (the layout of the R package nn2poly).
        activations : sequence of str or str
            One activation name per layer (output layer included), or one name
            for every layer.

        Returns
        -------
        Network

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0, 0.1], [1.0, 2.0]]), np.ones((3, 1))],
        ...                            ["tanh", "linear"])
        >>> net.widths
        (2, 1)
        """
        caller = "Network.from_weights"
        weights = as_plain_array(weights)
        if isinstance(weights, np.ndarray) and weights.ndim == 2:
            weights = [weights]
        if not isinstance(weights, Sequence) or isinstance(weights, (str, bytes)):
            raise invalid_value(
                "weights",
                weights,
                "a list of (n_in + 1, n_out) matrices, one per layer",
                subject=f"{caller}: weights",
                type_error=True,
                fix=f"It is a {type(weights).__name__}.",
            )
        if isinstance(activations, str):
            activations = [activations] * len(weights)
        if not isinstance(activations, Sequence) or not all(
            isinstance(a, str) for a in activations
        ):
            raise invalid_value(
                "activations",
                activations,
                "a str (one activation for every layer) or a list with one name per layer",
                caller=caller,
                type_error=True,
            )
        activations = list(activations)
        if len(activations) != len(weights):
            raise invalid_value(
                "activations",
                activations,
                f"a list of {len(weights)} names, one per layer",
                caller=caller,
                fix=f"Got {len(weights)} weight matrices but {len(activations)} activations; "
                "give one activation per layer, output layer included.",
            )
        layers = []
        for index, (matrix, activation) in enumerate(zip(weights, activations, strict=True)):
            array = as_float_array(matrix, name=f"layer {index} weights", ndim=2)
            if array.shape[0] < 2:
                raise invalid_value(
                    f"weights[{index}]",
                    array,
                    "a matrix of shape (n_in + 1, n_out)",
                    caller=caller,
                    fix="The layout needs the bias in row 0 and at least one input row.",
                )
            layers.append(Dense(array[1:], array[0], activation, _name=f"layer {index}"))
        return cls(tuple(layers))

    def to_weights(self) -> list[NDArray[np.float64]]:
        """Return the weight-list layout: one (n_in + 1, n_out) matrix, bias in row 0.

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> net.to_weights()[0].tolist()
        [[0.0], [0.5]]
        """
        return [np.vstack([layer.bias[None, :], layer.weight]) for layer in self.layers]

    @property
    def activations(self) -> tuple[str, ...]:
        """Activation name of each layer."""
        return tuple(layer.activation for layer in self.layers)

    @property
    def n_inputs(self) -> int:
        """Number of input features."""
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        """Number of outputs of the last layer."""
        return self.layers[-1].n_out

    @property
    def widths(self) -> tuple[int, ...]:
        """Number of neurons of each layer, output layer included."""
        return tuple(layer.n_out for layer in self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return len(self.layers) == len(other.layers) and all(
            a == b for a, b in zip(self.layers, other.layers, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shape = " -> ".join(
            [str(self.n_inputs)] + [f"{layer.n_out}[{layer.activation}]" for layer in self.layers]
        )
        return f"Network({shape})"

    # ---------------------------------------------------------------- compute
    def _check_input(self, X: ArrayLike, caller: str) -> NDArray[np.float64]:
        X = as_plain_array(X)
        expected = f"a real array of shape (n_samples, {self.n_inputs})"
        if np.iscomplexobj(X):
            fix = "The network is evaluated on real inputs only."
            raise invalid_value("X", X, expected, caller=caller, fix=fix, type_error=True)
        array = np.asarray(X, dtype=np.float64)
        if array.ndim == 1 and self.n_inputs == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[1] != self.n_inputs:
            fix = (
                "Pass one column per input feature; reshape a single sample with X.reshape(1, -1)."
            )
            raise invalid_value("X", array, expected, caller=caller, fix=fix)
        return array

    def forward(self, X: ArrayLike) -> NDArray[np.float64]:
        """Network output for ``X``, float64, shape (n_samples, n_outputs).

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> net.forward(np.array([[2.0]])).round(4)
        array([[1.7616]])
        """
        z = self._check_input(X, "Network.forward")
        for layer in self.layers:
            z = layer.forward(z)
        return z

    def pre_activations(self, X: ArrayLike) -> list[NDArray[np.float64]]:
        """Each layer's pre-activation values for ``X``, one (n_samples, n_out) array per layer.

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> [u.round(4).tolist() for u in net.pre_activations(np.array([[2.0]]))]
        [[[1.0]], [[1.7616]]]
        """
        z = self._check_input(X, "Network.pre_activations")
        result = []
        for layer in self.layers:
            u = layer.pre_activation(z)
            result.append(u)
            z = get_activation(layer.activation).evaluate(u)
        return result

    # ------------------------------------------------------------ serialise
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary; floats are kept exactly (``repr`` round trip).

        Examples
        --------
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> Network.from_dict(net.to_dict()) == net
        True
        """
        return {
            "format": _FORMAT_NAME,
            "version": _FORMAT_VERSION,
            "layers": [
                {
                    "activation": layer.activation,
                    "weight": layer.weight.tolist(),
                    "bias": layer.bias.tolist(),
                }
                for layer in self.layers
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Network:
        """Inverse of :meth:`to_dict`; also reads the reference case layout
        (``{"input": {"weights": ..., "activations": ...}}``).

        Examples
        --------
        >>> Network.from_dict({"weights": [[[0.0], [0.5]]], "activations": ["tanh"]}).widths
        (1,)
        """
        caller = "Network.from_dict"
        expected = (
            "a mapping with the keys 'layers' (nn2poly format) or 'weights' and 'activations' "
            "(weight-list layout)"
        )
        if not isinstance(data, Mapping):
            fix = f"It is a {type(data).__name__}; give a dictionary as Network.to_dict writes."
            raise invalid_value("data", data, expected, caller=caller, fix=fix, type_error=True)
        if "layers" in data:
            layers = data["layers"]
            if not isinstance(layers, Sequence):
                raise ValueError(
                    f"'layers' must be a list of layer dictionaries; got {layers!r:.80}. Give "
                    "one {'weight', 'bias', 'activation'} dictionary per layer."
                )
            built = []
            for index, entry in enumerate(layers):
                if not isinstance(entry, Mapping) or not {"weight", "bias"} <= set(entry):
                    raise ValueError(
                        f"layer {index} must be a mapping with 'weight', 'bias' and "
                        f"'activation'; got {entry!r:.80}."
                    )
                built.append(
                    Dense(
                        entry["weight"],
                        entry["bias"],
                        entry.get("activation", "linear"),
                        _name=f"layer {index}",
                    )
                )
            return cls(tuple(built))
        source = data.get("input", data)
        if isinstance(source, Mapping) and "weights" in source and "activations" in source:
            return cls.from_weights(source["weights"], source["activations"])
        fix = f"Unrecognised network dictionary: its keys are {sorted(map(str, data))!r}."
        raise invalid_value("data", data, expected, caller=caller, fix=fix)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network as JSON (exact float round trip).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                            ["tanh", "linear"])
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
        >>> net.save(path)
        >>> Network.load(path) == net
        True
        """
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Read a network written by :meth:`save` (or a reference-layout JSON file).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
        >>> Network.from_weights([np.array([[0.0], [0.5]])], "tanh").save(path)
        >>> Network.load(path).activations
        ('tanh',)
        """
        return cls.from_dict(read_json(path))
