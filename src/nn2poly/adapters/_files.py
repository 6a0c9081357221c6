"""Loading networks from files, choosing the reader by extension.

Which formats are read freely and which need ``trust=True`` follows from how
each loader works (the table is in ``docs/loading.md``): nn2poly JSON and
ONNX hold data only, and ``.keras`` archives are loaded in Keras's safe
mode (no Lambda or custom-object code runs).  TorchScript (``torch.jit.load``
runs ``__setstate__`` code stored in the archive), pickles (``torch.save``,
``pickle``, ``joblib``) and legacy Keras HDF5 run code while loading and are
read only with ``trust=True``.  ``torch.export`` archives (``.pt2``)
unpickle on loading and hold graphs of ATen operators, not modules: they are
not read.

Every file is checked first: a regular file (no device, pipe or directory,
links followed), not empty, and at most :data:`MAX_FILE_BYTES` long.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .._network import Network
from .._validation import check_param
from . import AdaptedModel

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "ModelFileError",
    "UntrustedFormatError",
    "load_adapted",
    "load_network",
]

#: Largest model file read, in bytes.
MAX_FILE_BYTES = 2 * 1024**3

#: Extension -> what it holds (for messages and the command line's help).
SUPPORTED_SUFFIXES = {
    ".json": "nn2poly network JSON (or the reference weights/activations layout)",
    ".onnx": "ONNX model",
    ".keras": "Keras 3 model archive",
    ".h5": "legacy Keras HDF5 model (trust=True)",
    ".hdf5": "legacy Keras HDF5 model (trust=True)",
    ".pt": "TorchScript, or a whole model from torch.save (trust=True)",
    ".pth": "TorchScript, or a whole model from torch.save (trust=True)",
    ".torchscript": "TorchScript (trust=True)",
    ".pkl": "pickled model, e.g. a scikit-learn MLP (trust=True)",
    ".pickle": "pickled model, e.g. a scikit-learn MLP (trust=True)",
    ".joblib": "joblib-dumped model, e.g. a scikit-learn MLP (trust=True)",
}


class ModelFileError(ValueError):
    """A model file that cannot be read: not a regular file, empty, too large or malformed."""


class UntrustedFormatError(ValueError):
    """A file whose loading can run code stored in it, given without ``trust=True``."""


def refuse_untrusted(file: Path, what: str) -> None:
    """Raise :class:`UntrustedFormatError` for ``file``, saying why and how."""
    raise UntrustedFormatError(
        f"Refusing to load {file.name!r}: loading a {what} can run code stored in the file. If "
        "you trust the file, pass trust=True (command line: --trust); otherwise save the model "
        "as .keras, .onnx or nn2poly JSON."
    )


def check_model_file(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> Path:
    """The path of a regular, non-empty model file of at most ``limit`` bytes.

    Examples
    --------
    >>> check_model_file("/dev/null")
    Traceback (most recent call last):
    ...
    nn2poly.adapters._files.ModelFileError: '/dev/null' is not a regular file (a character ...
    """
    file = Path(path)
    shown = os.fspath(path)
    try:
        info = file.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"No such file: {shown!r}.") from None
    except OSError as exc:
        raise ModelFileError(f"{shown!r} cannot be read ({exc.strerror}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise ModelFileError(
            f"{shown!r} is a directory; expected a model file, one of "
            f"{', '.join(SUPPORTED_SUFFIXES)}. (A TensorFlow SavedModel folder cannot be read: "
            "export the model to ONNX or save it as .keras.)"
        )
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a character device"
            if stat.S_ISCHR(info.st_mode)
            else "a block device"
            if stat.S_ISBLK(info.st_mode)
            else "a pipe"
            if stat.S_ISFIFO(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "not a file"
        )
        raise ModelFileError(f"{shown!r} is not a regular file ({kind}); expected a model file.")
    if info.st_size == 0:
        raise ModelFileError(
            f"{file.name!r} is empty (0 bytes); expected a saved model. Save it again."
        )
    if info.st_size > limit:
        raise ModelFileError(
            f"{file.name!r} is {info.st_size} bytes, more than the {limit} bytes nn2poly reads "
            "from a model file."
        )
    return file


def load_adapted(path: str | os.PathLike[str], *, trust: bool = False) -> AdaptedModel:
    """Load a saved model as an :class:`AdaptedModel`; see :func:`load_network`.

    Unlike :func:`load_network` this keeps what the file says besides the
    layers: a classifier's link and, where the format has them, feature and
    output names.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> net = Network.from_weights([np.array([[0.1], [0.5]])], ["tanh"])
    >>> path = os.path.join(tempfile.mkdtemp(), "net.json")
    >>> net.save(path)
    >>> load_adapted(path).network
    Network(1 -> 1[tanh])
    """
    trust = check_param("trust", trust, [bool], caller="load_network")
    file = check_model_file(path)
    suffix = file.suffix.lower()
    if suffix == ".json":
        return AdaptedModel(Network.load(file))
    if suffix == ".onnx":
        from ._onnx_files import load_onnx

        return load_onnx(file)
    if suffix == ".keras":
        from ._keras import load_keras

        return load_keras(file)
    if suffix in {".h5", ".hdf5"}:
        if not trust:
            refuse_untrusted(file, "legacy Keras HDF5 model (Keras deserialises it unsafely)")
        from ._keras import load_keras

        return load_keras(file)
    if suffix in {".pt", ".pth", ".torchscript"}:
        from ._torch_files import load_torch

        return load_torch(file, trust=trust)
    if suffix in {".pkl", ".pickle", ".joblib"}:
        from ._sklearn import load_pickled

        return load_pickled(file, trust=trust)
    if suffix == ".pt2":
        raise ModelFileError(
            f"{file.name!r} is a torch.export archive, which nn2poly does not read: "
            "torch.export.load unpickles the file and the program holds ATen operators, not "
            "modules. Save the model with torch.jit.save(torch.jit.script(model), path) or "
            "export it to ONNX."
        )
    raise ModelFileError(
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
        ``activations`` layout), ``.onnx`` and ``.keras`` are read freely.
        TorchScript ``.pt``, pickled models (``torch.save`` of a whole model,
        joblib/pickle of a scikit-learn MLP) and legacy Keras ``.h5`` files
        run code while loading and need ``trust=True``.  A ``torch.save`` of
        a ``state_dict`` is refused: it lacks the architecture.
    trust : bool, default=False
        Allow formats whose loading can run arbitrary code: only for files
        you trust.

    Returns
    -------
    Network
        A classifier's final sigmoid/softmax is not part of the network;
        :func:`nn2poly.to_polynomial` of the path keeps it as the link.

    Raises
    ------
    UntrustedFormatError
        (a ValueError) for a format that can run code, without ``trust=True``.
    ModelFileError
        (a ValueError) for a file that is not a regular file, is empty, too
        large, or not of the format its extension says.

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
