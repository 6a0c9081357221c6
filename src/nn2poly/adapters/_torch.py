"""PyTorch models -> :class:`AdaptedModel`.

Read: any ``torch.nn.Module`` whose ``forward`` ``torch.fx`` can trace (or,
failing that, ``torch.export`` can export), ``torch.export.ExportedProgram``
objects and TorchScript modules (scripted or traced), made of

* ``Linear``, ``F.linear``, ``matmul``/``@`` and ``addmm`` with parameters
  or constants;
* the activations the registry knows by their ``torch.nn`` names (``Tanh``,
  ``Sigmoid``, ``Softplus``, ``GELU`` in both forms, ``ReLU``, ``ReLU6``,
  ``Hardtanh``, ``LeakyReLU``, ``ELU``, ``SELU``, ``CELU``, ``SiLU``,
  ``Mish``, ``Hardswish``, ``Hardsigmoid``, ``Softsign``, ``Identity`` and
  activations registered with a ``torch`` name), as modules, as functions
  (``F.relu``, ``torch.tanh``, ``F.softplus(beta=...)``) and as tensor
  methods (``x.tanh()``);
* ``Conv1d``/``Conv2d`` (stride, zero padding including ``"same"`` and
  ``"valid"``, dilation, groups), ``AvgPool1d``/``AvgPool2d`` and
  ``AdaptiveAvgPool`` (lowered to dense matrices), ``BatchNorm1d``/``2d`` in
  eval mode (folded), ``Dropout`` (skipped in eval mode);
* ``+ - * /`` and negation by constants, parameters and buffers; sums and
  differences of two values (residual connections); ``torch.cat`` along the
  features; ``flatten``/``reshape``/``view``/``unsqueeze``/``squeeze``/
  ``permute``/``transpose`` and slices that keep a sample's features;
* a final ``Softmax``/``LogSoftmax`` over the features or ``Sigmoid``, which
  becomes the polynomial's link: the polynomial then describes the logits.

Anything else (``LayerNorm``, ``MaxPool``, embeddings, attention, products
of two values that depend on the input, data-dependent control flow) is
refused with :class:`UnsupportedModuleError`, naming the operation and where
it sits.  The network read is checked against the model's own forward on
inputs spanning ``[-1, 1]`` (and the data when given).

Softplus: torch's ``Softplus`` returns ``x`` itself where ``beta * x``
exceeds ``threshold`` (default 20).  nn2poly maps it to the exact
``log(1 + exp(beta x)) / beta``; the two differ by at most
``log1p(exp(-threshold)) / beta`` (about 2e-9 for the defaults).  A
``threshold`` small enough to make that gap exceed 1e-6 is refused.

Weights are converted to float64 exactly (``tensor.detach().double()``).
"""

from __future__ import annotations

import copy
import sys
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import InstanceOf, check_param
from ._adapted import AdaptedModel
from ._agreement import (
    RTOL_FLOAT32,
    RTOL_FLOAT64,
    check_agreement,
    disagreement,
    with_link,
)
from ._builder import Value
from ._torch_modules import SUPPORTED_MODULES, Dep, UnsupportedModuleError, numpy_of
from ._torch_read import Reading, read_program
from ._torch_trace import (
    Program,
    from_exported,
    from_module,
    from_torchscript,
    inference,
    run_nodes,
)

__all__ = ["SUPPORTED_MODULES", "UnsupportedModuleError", "adapt_torch"]

FloatArray = NDArray[np.float64]


def _dtype(tensors: Any) -> Any:
    import torch

    for tensor in tensors:
        if isinstance(tensor, torch.Tensor) and tensor.is_floating_point():
            return tensor.dtype
    return torch.float32


def _rtol(dtype: Any) -> float:
    import torch

    resolution = float(torch.finfo(dtype).resolution)
    if resolution <= 1e-15:
        return RTOL_FLOAT64
    return max(RTOL_FLOAT32, 10 * resolution)


def _batches(program: Program, X: FloatArray, dtype: Any) -> list[tuple[Any, int]]:
    """``X`` as input tensors of the program's shape; padded batches for a fixed batch size."""
    import torch

    shaped = X.reshape(len(X), *program.input_shape)
    if not program.fixed_batch:
        return [(torch.as_tensor(shaped, dtype=dtype), len(X))]
    out = []
    for start in range(0, len(X), program.batch):
        chunk = shaped[start : start + program.batch]
        padded = np.zeros((program.batch, *program.input_shape))
        padded[: len(chunk)] = chunk
        out.append((torch.as_tensor(padded, dtype=dtype), len(chunk)))
    return out


def _locate(
    program: Program, reading: Reading, X: FloatArray, dtype: Any, rtol: float
) -> str | None:
    """The first operation of the traced graph whose output differs from its reading.

    The graph is run node by node on the first batch of ``X``; every node read as a value
    is compared with the network computing that value.
    """
    if reading.network.n_inputs != X.shape[1]:
        return None
    batch, rows = _batches(program, X, dtype)[0]
    actual = run_nodes(program, batch)
    for node in program.nodes:
        value = reading.values.get(node)
        if not isinstance(value, Dep) or node is program.input_node:
            continue
        expected = numpy_of(actual[node])[:rows].reshape(rows, -1)
        plain = Value(value.value.terms, value.value.bias)
        partial = reading.builder.build(plain, name="check", peel_sigmoid=False)
        got = with_link(partial.forward(X[:rows]), value.value.link, log=reading.log_link)
        if disagreement(expected, got, rtol) > 1.0:
            return program.describe(node)
    return None


def _read(model: Any, data: ArrayLike | None) -> tuple[Program, Any, Any]:
    import torch

    if isinstance(model, torch.export.ExportedProgram):
        return from_exported(model), _dtype(model.state_dict.values()), model.module()
    tensors = [*model.parameters(), *model.buffers()]
    if any(tensor.device.type != "cpu" for tensor in tensors):
        model = copy.deepcopy(model).cpu()  # read and checked on the CPU; the model stays put
    if isinstance(model, torch.jit.ScriptModule):
        return from_torchscript(model, data), _dtype(model.parameters()), model
    return from_module(model, data), _dtype(model.parameters()), model


def adapt_torch(model: Any, *, data: ArrayLike | None = None) -> AdaptedModel:
    """Read a PyTorch model as an :class:`AdaptedModel`.

    Parameters
    ----------
    model : torch.nn.Module or torch.export.ExportedProgram
        A module (traced with ``torch.fx``), a TorchScript module or an
        exported program, made of the operations this module's documentation
        lists.
    data : array_like of shape (n_samples, n_features), optional
        Inputs on which the reading is checked against the model's forward,
        besides points spanning ``[-1, 1]``.  Its number of columns is the
        model's number of input features where the model does not fix it
        (a convolution reading ``x.unsqueeze(1)``).

    Returns
    -------
    AdaptedModel
        The network in float64; a final ``Sigmoid`` or ``Softmax`` becomes
        the ``link``.

    Raises
    ------
    UnsupportedModuleError
        For operations outside the supported list, naming them and where
        they sit.
    ModelMismatchError
        (a ValueError) when the network does not compute what the model's
        forward computes, naming the first operation where they part.

    Examples
    --------
    >>> import torch
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc1, self.fc2 = torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)
    ...     def forward(self, x):
    ...         h = torch.tanh(self.fc1(x))
    ...         return torch.softmax(self.fc2(h) + 1.0, dim=1)
    >>> adapted = adapt_torch(Net())
    >>> adapted.network, adapted.link
    (Network(3 -> 4[tanh] -> 2[linear], link='softmax'), 'softmax')
    """
    import torch

    check_param(
        "model",
        model,
        [
            InstanceOf(
                (torch.nn.Module, torch.export.ExportedProgram),
                "a torch.nn.Module or a torch.export.ExportedProgram",
            )
        ],
        caller="adapt_torch",
    )
    if "nn2poly.training._torch_mlp" in sys.modules:
        from ..training._torch_mlp import MLPModule

        if type(model) is MLPModule:  # the module nn2poly's own estimators train
            return AdaptedModel(model.to_network())
    program, dtype, runnable = _read(model, data)
    own_module = isinstance(model, torch.nn.Module)
    if own_module:
        with inference(runnable):
            reading = read_program(program, dtype)
    else:
        reading = read_program(program, dtype)
    adapted = AdaptedModel(reading.network, link=reading.network.link)
    rtol = _rtol(dtype)

    def model_output(X: FloatArray) -> FloatArray:
        outputs = []
        for batch, rows in _batches(program, X, dtype):
            if own_module:
                with inference(runnable):
                    result = runnable(batch)
            else:
                with torch.no_grad():
                    result = runnable(batch)
            outputs.append(numpy_of(result)[:rows].reshape(rows, -1))
        return np.concatenate(outputs, axis=0)

    flat = None if data is None else np.asarray(data, dtype=np.float64)
    if flat is not None and flat.ndim > 2:
        flat = flat.reshape(len(flat), -1)
    check_agreement(
        adapted.network,
        adapted.link,
        model_output,
        what=f"the PyTorch model {program.owner!r}",
        rtol=rtol,
        data=flat,
        log_link=reading.log_link,
        locate=lambda X: _locate(program, reading, X, dtype, rtol),
    )
    return adapted
