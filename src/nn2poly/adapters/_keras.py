"""Keras 3 models to :class:`Network`.

Reads ``Sequential`` models and functional models (``keras.Model(inputs,
outputs)``) with one input and one output, on any Keras backend, as graphs:

* ``Dense`` (its ``activation``), ``Activation``, ``ReLU`` (also as ReLU6),
  ``LeakyReLU``, ``ELU`` and ``Softmax`` layers;
* ``Add``, ``Subtract`` and ``Average`` of branches (residual connections)
  and ``Concatenate`` along any axis;
* ``BatchNormalization`` (inference statistics), ``Normalization`` (adapted
  or given mean and variance) and ``Rescaling``, folded exactly into the
  neighbouring dense layers: the polynomial is in the model's input units;
* ``Flatten``, ``Reshape`` and ``Permute`` (a model's input of shape
  ``(batch, *dims)`` is read flattened in C order);
* ``Conv1D``/``Conv2D``/``Conv3D`` (strides, ``"valid"``/``"same"``/
  ``"causal"`` padding, dilation, groups), ``AveragePooling`` without padding
  and ``GlobalAveragePooling``, channels last, lowered to dense matrices;
  ``Cropping``, ``ZeroPadding``, nearest ``UpSampling`` and ``RepeatVector``;
* ``InputLayer`` and the inference identities (``Dropout``, ``GaussianNoise``,
  ...) are skipped; nested ``Sequential``/functional models are walked;
* ``keras.ops`` calls between layers (``2 * h + 1``, ``h - g``, ``h[:, :4]``,
  ``keras.ops.tanh(h)``, ``keras.ops.concatenate``, reshapes): element-wise
  activations, arithmetic by constants, sums, slices and concatenations;
* a final sigmoid or softmax becomes the link of a classifier.

Activation functions and layers are looked up in the registry by their Keras
names (:func:`nn2poly.activations.activation_for`).  Layers are recognised by
their exact type: a subclass overriding ``call`` is refused by name, and so is
any other layer (``LayerNormalization``, ``MaxPooling2D``, ``Multiply`` of two
branches, ``Embedding``...), with the list of those read.  The network read is
checked against the model's own inference on inputs spanning ``[-1, 1]`` (and
the data when given); a mismatch names the first layer where they part.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._network import Network
from .._validation import InstanceOf, check_param
from ._adapted import AdaptedModel
from ._agreement import check_agreement, disagreement, rtol_for, with_link
from ._builder import GraphBuilder
from ._files import ModelFileError
from ._keras_conv import CONVOLUTIONS, RESHUFFLES, read_convolution, read_reshuffle
from ._keras_graph import chain_layers, input_shape, walk
from ._keras_layers import (
    KerasModelError,
    KerasTensor,
    check_inputs,
    describe,
    exact_layer,
    import_keras,
    read_layer,
    to_numpy,
)
from ._keras_ops import read_operation

__all__ = ["KerasModelError", "adapt_keras", "chain_layers", "load_keras"]

FloatArray = NDArray[np.float64]


def _reader(builder: GraphBuilder) -> Any:
    """The visit that reads each layer call into ``builder``."""
    keras = import_keras()

    def visit(operation: Any, node: Any, inputs: list[KerasTensor]) -> list[KerasTensor]:
        if isinstance(operation, keras.Model):
            return walk(operation, inputs, visit)
        if not isinstance(operation, keras.layers.Layer):
            return [read_operation(builder, operation, node, inputs)]
        try:
            kind = exact_layer(operation)
        except KerasModelError:  # a custom layer: read if registered, else refused by name
            kind = None
        if kind in CONVOLUTIONS | RESHUFFLES and len(inputs) == 1:
            check_inputs(operation, inputs)
            read = read_convolution if kind in CONVOLUTIONS else read_reshuffle
            result = read(builder, operation, kind, inputs[0])
            return [KerasTensor(result.value, result.shape, describe(operation))]
        return [read_layer(builder, operation, inputs)]

    return visit


def _read(model: Any, shape: tuple[int, ...]) -> tuple[Network, bool]:
    """The network of ``model`` (input of ``shape``) and whether it ends in a log-softmax."""
    size = int(np.prod(shape))
    builder = GraphBuilder(size)
    (output,) = walk(model, [KerasTensor(builder.input, shape)], _reader(builder))
    return builder.build(output.value), builder.log_link


def _call(operation: Any, node: Any, inputs: list[Any]) -> list[Any]:
    """Keras running one layer call on concrete tensors."""
    keras = import_keras()
    if node is None:
        return [operation(inputs[0])]
    args, kwargs = node.arguments.fill_in(
        {id(tensor): value for tensor, value in zip(node.input_tensors, inputs, strict=True)}
    )
    return list(keras.tree.flatten(operation(*args, **kwargs)))


def _reading_of(operation: Any, node: Any, inputs: list[Any]) -> FloatArray | None:
    """What nn2poly reads one layer call as, run on Keras's own inputs to it."""
    arrays = [to_numpy(value).reshape(value.shape[0], -1) for value in inputs]
    builder = GraphBuilder(sum(array.shape[1] for array in arrays))
    start, tensors = 0, []
    for value, array in zip(inputs, arrays, strict=True):
        width = array.shape[1]
        part = builder.select(builder.input, np.arange(start, start + width))
        tensors.append(KerasTensor(part, tuple(int(d) for d in value.shape[1:])))
        start += width
    try:
        (output,) = _reader(builder)(operation, node, tensors)
        network = builder.build(output.value)
    except ValueError:
        return None
    return with_link(network.forward(np.hstack(arrays)), network.link, log=builder.log_link)


def _check(model: Any, network: Network, log_link: bool, shape: tuple[int, ...], data: Any) -> None:
    keras = import_keras()
    dtype = getattr(model, "compute_dtype", None) or "float32"
    rtol = rtol_for(dtype)

    def tensor(X: FloatArray) -> Any:
        array = np.asarray(X, dtype=dtype).reshape(len(X), *shape)
        return keras.ops.convert_to_tensor(array)

    def run(X: FloatArray) -> FloatArray:
        return to_numpy(model(tensor(X), training=False)).reshape(len(X), -1)

    def locate(X: FloatArray) -> str | None:
        first: list[str] = []

        def visit(operation: Any, node: Any, inputs: list[Any]) -> list[Any]:
            outputs = _call(operation, node, inputs)
            if not first:
                got = _reading_of(operation, node, inputs)
                expected = to_numpy(outputs[0]).reshape(len(X), -1)
                if got is not None and disagreement(expected, got, rtol) > 1.0:
                    first.append(describe(operation))
            return outputs

        walk(model, [tensor(X)], visit)
        return first[0] if first else None

    check_agreement(
        network,
        network.link,
        run,
        what=f"the Keras model {model.name!r}",
        rtol=rtol,
        data=data,
        log_link=log_link,
        locate=locate,
    )


def adapt_keras(model: Any, *, data: Any = None) -> AdaptedModel:
    """Read a Keras 3 ``Sequential`` or functional model.

    Parameters
    ----------
    model : keras.Model
        A built ``Sequential`` or functional model with one input and one
        output (see the module documentation for the layers read).
    data : array_like of shape (n_samples, n_features), optional
        Inputs on which the reading is checked against the model, besides
        points spanning ``[-1, 1]``; a model whose input has several
        dimensions takes them flattened.

    Returns
    -------
    AdaptedModel
        A final sigmoid or softmax (a ``Dense`` activation, an ``Activation``
        or a ``Softmax`` layer) is left out of the network and becomes the
        ``link``.  Scalers (``Normalization``, ``Rescaling``,
        ``BatchNormalization``) are folded into the dense layers, so the
        network reads the model's raw inputs.

    Raises
    ------
    KerasModelError
        (a ValueError) naming the layer or activation nn2poly cannot read.
    ModelMismatchError
        (a ValueError) when the network does not compute what the model
        computes, naming the first layer where they part.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
    ...                           keras.layers.Dense(1)])
    >>> adapt_keras(model).network
    Network(3 -> 4[tanh] -> 1[linear])

    A residual block of a functional model:

    >>> inputs = keras.Input((3,))
    >>> h = keras.layers.Dense(4, activation="tanh")(inputs)
    >>> h = keras.layers.Add()([h, keras.layers.Dense(4, activation="tanh")(h)])
    >>> network = adapt_keras(keras.Model(inputs, keras.layers.Dense(1)(h))).network
    >>> network.is_chain
    False
    """
    keras = import_keras()
    check_param("model", model, [InstanceOf((keras.Model,), "a keras.Model")], caller="adapt_keras")
    shape = input_shape(model)
    network, log_link = _read(model, shape)
    if data is not None and np.ndim(data) == len(shape) + 1 and np.shape(data)[1:] == shape:
        data = np.reshape(data, (len(data), -1))  # images and sequences, flattened
    adapted = AdaptedModel(network, link=network.link)
    _check(model, network, log_link, shape, data)
    return adapted


def load_keras(path: str | os.PathLike[str]) -> AdaptedModel:
    """Read a ``.keras`` file saved with ``model.save``.

    The file is loaded with ``safe_mode=True`` (no code stored in the file
    runs) and without compiling the model.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    AdaptedModel

    Raises
    ------
    ModelFileError
        (a ValueError) when the file is not a Keras model, or holds code
        (a ``Lambda`` layer) that safe mode refuses to load.
    """
    import zipfile

    keras = import_keras()
    file = Path(path)
    try:
        model = keras.saving.load_model(os.fspath(file), compile=False, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError, zipfile.BadZipFile) as exc:
        text = str(exc)
        if "safe_mode" in text or "Lambda" in text:
            raise ModelFileError(
                f"{file.name!r} holds code (a Lambda layer or a function stored as bytecode), "
                "which nn2poly never runs; rebuild the model from Keras's own layers."
            ) from None
        reason = text.splitlines()[0][:200] if text else type(exc).__name__
        raise ModelFileError(
            f"{file.name!r} could not be read as a Keras model ({reason}); expected a model "
            "saved with model.save."
        ) from None
    return adapt_keras(model)
