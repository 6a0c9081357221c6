"""Reading PyTorch model files.

Every PyTorch format that holds a model runs code while loading:
``torch.jit.load`` runs the ``__setstate__`` methods stored in a TorchScript
archive, ``torch.load(weights_only=False)`` unpickles, and
``torch.export.load`` may unpickle too (its own documentation warns never
to load an untrusted ``.pt2``).  All of them are therefore read only with
``trust=True``; without it only a ``state_dict`` can be opened (with
``torch.load(weights_only=True)``, which runs no code) to say that it lacks
the architecture.  TorchScript modules and exported programs are read as
graphs (:mod:`._torch_trace`), so any module whose graph reduces to the
supported operations loads, not only ``nn.Sequential`` chains.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

from ._adapted import AdaptedModel
from ._files import ModelFileError, refuse_untrusted
from ._torch import adapt_torch

__all__ = ["load_torch"]


def _torchscript_archive(file: Path) -> bool:
    """Whether the zip archive holds TorchScript code (a ``code/`` folder).

    A zip archive whose entries are not all in one top-level folder (what
    ``torch.save`` and ``torch.jit.save`` write) is refused.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    folders = {name.split("/", 1)[0] if "/" in name else "" for name in names}
    if len(folders) != 1 or "" in folders or any(".." in name.split("/") for name in names):
        stray = sorted(name for name in names if "/" not in name or ".." in name.split("/"))
        shown = ", ".join(repr(name) for name in (stray or sorted(f"{f}/" for f in folders))[:3])
        raise ModelFileError(
            f"{file.name!r} is a zip archive whose entries are not all in one folder ({shown}); "
            "expected an archive written by torch.save or torch.jit.save."
        )
    return any("/code/" in name or name.endswith("constants.pkl") for name in names)


def _torch_error(file: Path, exc: BaseException) -> ModelFileError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ModelFileError(
        f"{file.name!r} could not be read as a PyTorch file ({reason[:200]}); expected a "
        "TorchScript archive (torch.jit.save) or a whole model saved with torch.save."
    )


def load_torch(path: str | os.PathLike[str], *, trust: bool = False) -> AdaptedModel:
    """Load a saved PyTorch model as an :class:`AdaptedModel`.

    Parameters
    ----------
    path : str or path-like
        A TorchScript file (``torch.jit.save``, of a scripted or traced
        module), a ``torch.export.save`` archive (``.pt2``) or a whole model
        saved with ``torch.save``.  All are read only when ``trust=True``:
        loading TorchScript runs the ``__setstate__`` code stored in the
        archive, and ``torch.export.load`` and ``torch.save`` files unpickle.
    trust : bool, default=False
        Allow loading a file whose loading can run code.

    Returns
    -------
    AdaptedModel

    Raises
    ------
    UntrustedFormatError
        Without ``trust=True`` (a ValueError saying why and how).
    ModelFileError
        When the file is not a PyTorch file that holds a model.

    Examples
    --------
    >>> import os, tempfile, torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
    >>> torch.jit.save(torch.jit.script(model), path)
    >>> load_torch(path, trust=True).network
    Network(2 -> 3[tanh] -> 1[linear])
    """
    import torch

    file = Path(path)
    if file.suffix.lower() == ".pt2":
        if not trust:
            refuse_untrusted(file, "torch.export archive (torch.export.load unpickles it)")
        try:
            program = torch.export.load(str(file))
        except (RuntimeError, ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
            raise ModelFileError(
                f"{file.name!r} could not be read as a torch.export archive "
                f"({str(exc).strip()[:200] or type(exc).__name__}); expected a file written by "
                "torch.export.save."
            ) from None
        return adapt_torch(program)
    if _torchscript_archive(file):
        if not trust:
            refuse_untrusted(file, "TorchScript archive (torch.jit.load runs code stored in it)")
        try:
            model = torch.jit.load(str(file), map_location="cpu")  # type: ignore[no-untyped-call]
        except (RuntimeError, ValueError, OSError) as exc:
            raise _torch_error(file, exc) from None
        return adapt_torch(model)
    if not zipfile.is_zipfile(file):
        with open(file, "rb") as handle:
            head = handle.read(1)
        if head != b"\x80":  # the protocol opcode every torch.save pickle starts with
            raise ModelFileError(
                f"{file.name!r} is neither a zip archive nor a pickle; expected a TorchScript "
                "archive (torch.jit.save) or a whole model saved with torch.save."
            )
    content: Any
    try:
        content = torch.load(str(file), map_location="cpu", weights_only=not trust)
    except pickle.UnpicklingError as exc:
        if not trust and "weights only" in str(exc).lower():  # a pickle that could run code
            refuse_untrusted(file, "pickled PyTorch object (torch.load unpickles it)")
        raise _torch_error(file, exc) from None
    except (RuntimeError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise _torch_error(file, exc) from None
    if isinstance(content, torch.nn.Module):
        return adapt_torch(content)
    if isinstance(content, dict):
        raise ModelFileError(
            f"{file.name!r} holds a state_dict (only tensors, keys such as "
            f"{', '.join(map(repr, list(content)[:3]))}), which does not say how the layers are "
            "connected. Build the model, call model.load_state_dict(torch.load(path)) and pass "
            "the model to nn2poly, or save it with torch.jit.save(torch.jit.script(model), path)."
        )
    raise ModelFileError(
        f"{file.name!r} holds a {type(content).__name__}; expected a torch.nn.Module "
        "(TorchScript, or a whole model saved with torch.save)."
    )
