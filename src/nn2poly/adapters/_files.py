"""Checks on a model file before any reader opens it, and the errors of reading.

Every file is checked first: a regular file (no device, pipe or directory,
links followed), not empty, and at most :data:`MAX_FILE_BYTES` long.  A
format whose loading can run code is refused without ``trust=True``
(:func:`refuse_untrusted`); :mod:`nn2poly.adapters._loading` says which.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_SUFFIXES",
    "ModelFileError",
    "UntrustedFormatError",
    "check_model_file",
    "refuse_untrusted",
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
    ".pt2": "torch.export program from torch.export.save (trust=True)",
    ".pkl": "pickled model, e.g. a scikit-learn MLP (trust=True)",
    ".pickle": "pickled model, e.g. a scikit-learn MLP (trust=True)",
    ".joblib": "joblib-dumped model, e.g. a scikit-learn MLP (trust=True)",
}


class ModelFileError(ValueError):
    """A model file that cannot be read: not a regular file, empty, too large or malformed.

    Examples
    --------
    >>> import os, tempfile
    >>> import nn2poly
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.onnx")
    >>> open(path, "wb").close()
    >>> try:
    ...     nn2poly.load_network(path)
    ... except nn2poly.ModelFileError as error:
    ...     print("empty" in str(error))
    True
    """


class UntrustedFormatError(ValueError):
    """A file whose loading can run code stored in it, given without ``trust=True``.

    Examples
    --------
    >>> import os, pickle, tempfile
    >>> import nn2poly
    >>> path = os.path.join(tempfile.mkdtemp(), "model.pkl")
    >>> with open(path, "wb") as handle:
    ...     pickle.dump({"weights": []}, handle)
    >>> try:
    ...     nn2poly.load_network(path)
    ... except nn2poly.UntrustedFormatError as error:
    ...     print("trust=True" in str(error))
    True
    """


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
