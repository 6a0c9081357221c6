"""Reading ``.onnx`` files, with their external weight files.

An ONNX file is protobuf data: parsing it runs no code.  Large models keep
their weights in external files named by each tensor; those are read only
when they are regular files inside the model's folder (a location with
``..``, an absolute path or a link leading out of the folder is refused),
and within the byte cap of model files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._adapted import AdaptedModel
from ._files import MAX_FILE_BYTES, ModelFileError, check_model_file
from ._onnx import adapt_onnx
from ._onnx_tensors import OnnxTensorError, check_tensors

__all__ = ["load_onnx"]


def _external_tensors(model: Any) -> list[Any]:
    """The tensors of the graph (initializers, Constant values) stored in external files."""
    from onnx import TensorProto

    tensors = list(model.graph.initializer)
    for node in model.graph.node:
        tensors.extend(attribute.t for attribute in node.attribute if attribute.HasField("t"))
    return [tensor for tensor in tensors if tensor.data_location == TensorProto.EXTERNAL]


def _check_external_data(model: Any, file: Path) -> None:
    """Every external data file: a regular file inside the model's folder, within the cap."""
    folder = file.resolve().parent
    total = 0
    for tensor in _external_tensors(model):
        entries = {entry.key: entry.value for entry in tensor.external_data}
        location = entries.get("location", "")
        target = (folder / location).resolve()
        if not location or Path(location).is_absolute() or not target.is_relative_to(folder):
            raise ModelFileError(
                f"{file.name!r}: the weights of tensor {tensor.name!r} are stored at "
                f"{location!r}, outside the model's folder; expected a file next to the model. "
                "Save the model with its external data in the same folder."
            )
        if not target.is_file():
            raise ModelFileError(
                f"{file.name!r}: the weights of tensor {tensor.name!r} are stored in "
                f"{location!r}, which is not a regular file in {str(folder)!r}; expected the "
                "external data file saved with the model."
            )
        total += target.stat().st_size
        if total > MAX_FILE_BYTES:
            raise ModelFileError(
                f"{file.name!r}: its external data exceed {MAX_FILE_BYTES} bytes, more than "
                "nn2poly reads for a model."
            )


def load_onnx(path: str | os.PathLike[str]) -> AdaptedModel:
    """Read a ``.onnx`` file (external weight files next to it are read too).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    AdaptedModel

    Raises
    ------
    ModelFileError
        (a ValueError) when the file is not an ONNX model, or its external
        data lie outside its folder or are missing.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "broken.onnx")
    >>> with open(path, "wb") as handle:
    ...     _ = handle.write(b"not protobuf")
    >>> load_onnx(path)
    Traceback (most recent call last):
    ...
    nn2poly.adapters._files.ModelFileError: 'broken.onnx' is not a valid ONNX model file ...
    """
    try:
        import onnx
        from onnx.external_data_helper import load_external_data_for_model
    except ImportError:
        raise ImportError(
            "Reading ONNX models needs the onnx package: pip install 'nn2poly[onnx]'."
        ) from None
    from google.protobuf.message import DecodeError

    file = check_model_file(path)
    try:
        model = onnx.load(os.fspath(file), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelFileError(
            f"{file.name!r} is not a valid ONNX model file ({reason[:200]}); expected a model "
            "saved with onnx.save or exported by torch.onnx.export."
        ) from None
    if _external_tensors(model):
        _check_external_data(model, file)
        try:
            load_external_data_for_model(model, os.fspath(file.resolve().parent))
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelFileError(
                f"{file.name!r}: its external weight data could not be read ({exc}); expected "
                "the data files saved next to the model."
            ) from None
    try:
        check_tensors(model)
    except OnnxTensorError as exc:
        raise ModelFileError(f"{file.name!r}: {exc}") from None
    return adapt_onnx(model)
