"""Loading networks from files, choosing the reader by extension.

Which formats are read freely and which need ``trust=True`` follows from how
each loader works (the table is in ``docs/loading.md``): nn2poly JSON and
ONNX hold data only, and ``.keras`` archives are loaded in Keras's safe
mode (no Lambda or custom-object code runs).  TorchScript (``torch.jit.load``
runs ``__setstate__`` code stored in the archive), pickles (``torch.save``,
``pickle``, ``joblib``) and legacy Keras HDF5 run code while loading and are
read only with ``trust=True``, and so are ``torch.export`` archives
(``.pt2``), which ``torch.export.load`` may unpickle.

Every file is first checked by :func:`nn2poly.adapters._files.check_model_file`.
The readers of the frameworks' formats are imported only when a file of
theirs is read.
"""

from __future__ import annotations

import os

from .._network import Network
from .._validation import check_param
from ._adapted import AdaptedModel
from ._files import SUPPORTED_SUFFIXES, ModelFileError, check_model_file, refuse_untrusted

__all__ = ["load_adapted", "load_network"]


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
    if suffix in {".pt", ".pth", ".torchscript", ".pt2"}:
        from ._torch_files import load_torch

        return load_torch(file, trust=trust)
    if suffix in {".pkl", ".pickle", ".joblib"}:
        from ._sklearn import load_pickled

        return load_pickled(file, trust=trust)
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
