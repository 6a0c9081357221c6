"""Loading networks from files, by extension."""

from __future__ import annotations

import os
from pathlib import Path

from .._network import Network
from . import AdaptedModel

__all__ = ["load_adapted", "load_network"]


def load_adapted(path: str | os.PathLike[str], *, trust: bool = False) -> AdaptedModel:
    """Load a saved model as an :class:`AdaptedModel`; see :func:`load_network`."""
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"No such file: {os.fspath(path)!r}.")
    suffix = file.suffix.lower()
    if suffix == ".json":
        return AdaptedModel(Network.load(file))
    if suffix == ".onnx":
        from ._onnx import load_onnx

        return load_onnx(file)
    if suffix == ".keras":
        from ._keras import load_keras

        return load_keras(file)
    if suffix in {".pt", ".pth", ".torchscript"}:
        from ._torch import load_torch

        return load_torch(file, trust=trust)
    if suffix in {".pkl", ".pickle", ".joblib"}:
        from ._sklearn import load_pickled

        return load_pickled(file, trust=trust)
    raise ValueError(
        f"Unsupported model file {file.name!r}: expected one of .json (nn2poly or reference "
        "layout), .onnx, .keras, .pt/.pth (TorchScript, or pickled with trust=True), "
        ".pkl/.joblib (with trust=True)."
    )


def load_network(path: str | os.PathLike[str], *, trust: bool = False) -> Network:
    """Load a network from a file, choosing the reader by extension.

    Parameters
    ----------
    path : str or path-like
        ``.json`` (nn2poly's own format or the reference ``weights``/
        ``activations`` layout), ``.onnx``, ``.keras``, TorchScript ``.pt``;
        pickled models (``torch.save`` of a whole model, joblib/pickle of a
        scikit-learn MLP) need ``trust=True``.
    trust : bool, default=False
        Allow unpickling, which can run arbitrary code: only for files you trust.

    Returns
    -------
    Network
    """
    return load_adapted(path, trust=trust).network
