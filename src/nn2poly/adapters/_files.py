"""Loading networks from files, choosing the reader by extension.

Formats that only hold data are read freely: nn2poly JSON, ONNX, Keras
``.keras`` archives (loaded in Keras's safe mode) and TorchScript.  Formats
whose loading can run code stored in the file (pickles from ``torch.save``,
``pickle``/``joblib`` and legacy Keras HDF5) are read only with
``trust=True``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._network import Network
from . import AdaptedModel

__all__ = ["SUPPORTED_SUFFIXES", "load_adapted", "load_network"]

#: Extension -> what it holds (for messages and the command line's help).
SUPPORTED_SUFFIXES = {
    ".json": "nn2poly network JSON (or the reference weights/activations layout)",
    ".onnx": "ONNX model",
    ".keras": "Keras 3 model archive",
    ".h5": "legacy Keras HDF5 model (trust=True)",
    ".hdf5": "legacy Keras HDF5 model (trust=True)",
    ".pt": "TorchScript, or a whole model from torch.save (trust=True)",
    ".pth": "TorchScript, or a whole model from torch.save (trust=True)",
    ".torchscript": "TorchScript",
    ".pkl": "pickled model, e.g. a scikit-learn MLP (trust=True)",
    ".pickle": "pickled model, e.g. a scikit-learn MLP (trust=True)",
    ".joblib": "joblib-dumped model, e.g. a scikit-learn MLP (trust=True)",
}


def _refuse_untrusted(file: Path, what: str) -> None:
    raise ValueError(
        f"Refusing to load {file.name!r}: loading a {what} can run code stored in the file. If "
        "you trust the file, pass trust=True (command line: --trust); otherwise save the model "
        "as .keras, .onnx or nn2poly JSON."
    )


def load_adapted(path: str | os.PathLike[str], *, trust: bool = False) -> AdaptedModel:
    """Load a saved model as an :class:`AdaptedModel`; see :func:`load_network`.

    Unlike :func:`load_network` this keeps what the file says besides the
    layers: a classifier's link and, where the format has them, feature and
    output names.
    """
    if not isinstance(trust, bool):
        raise TypeError(f"trust must be True or False; got {trust!r}.")
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"No such file: {os.fspath(path)!r}.")
    if file.is_dir():
        raise ValueError(
            f"{os.fspath(path)!r} is a directory; expected a model file, one of "
            f"{', '.join(SUPPORTED_SUFFIXES)}. (A TensorFlow SavedModel folder cannot be read: "
            "export the model to ONNX or save it as .keras.)"
        )
    suffix = file.suffix.lower()
    if suffix == ".json":
        return AdaptedModel(Network.load(file))
    if suffix == ".onnx":
        from ._onnx import load_onnx

        return load_onnx(file)
    if suffix == ".keras":
        from ._keras import load_keras

        return load_keras(file)
    if suffix in {".h5", ".hdf5"}:
        if not trust:
            _refuse_untrusted(file, "legacy Keras HDF5 model")
        from ._keras import load_keras

        return load_keras(file)
    if suffix in {".pt", ".pth", ".torchscript"}:
        from ._torch import load_torch

        return load_torch(file, trust=trust)
    if suffix in {".pkl", ".pickle", ".joblib"}:
        from ._sklearn import load_pickled

        return load_pickled(file, trust=trust)
    raise ValueError(
        f"Unsupported model file {file.name!r}: expected one of "
        + "; ".join(f"{key} ({value})" for key, value in SUPPORTED_SUFFIXES.items())
        + "."
    )


def load_network(path: str | os.PathLike[str], *, trust: bool = False) -> Network:
    """Load a network from a file, choosing the reader by extension.

    Parameters
    ----------
    path : str or path-like
        ``.json`` (nn2poly's own format or the reference ``weights``/
        ``activations`` layout), ``.onnx``, ``.keras``, TorchScript ``.pt``;
        pickled models (``torch.save`` of a whole model, joblib/pickle of a
        scikit-learn MLP) and legacy Keras ``.h5`` files need ``trust=True``.
        A ``torch.save`` of a ``state_dict`` is refused: it lacks the
        architecture.
    trust : bool, default=False
        Allow formats whose loading can run arbitrary code: only for files
        you trust.

    Returns
    -------
    Network
        A classifier's final sigmoid/softmax is not part of the network;
        :func:`nn2poly.to_polynomial` of the path keeps it as the link.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights([np.array([[0.1], [0.5], [-0.2]])], ["tanh"])
    >>> path = os.path.join(tempfile.mkdtemp(), "net.json")
    >>> net.save(path)
    >>> nn2poly.load_network(path) == net
    True
    """
    return load_adapted(path, trust=trust).network
