"""Reading and writing the JSON files of networks and polynomials.

Files are treated as untrusted: :func:`read_json` reads regular files only
(not a directory, a FIFO, a device such as ``/dev/zero``, even through a
symbolic link), at most :data:`MAX_JSON_BYTES` bytes, and turns every way the
content can fail to parse (bad UTF-8, bad JSON, nesting too deep for the
parser, numbers too large) into one :class:`JSONFileError` whose one-line
message names the file.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from typing import Any

__all__ = ["MAX_JSON_BYTES", "JSONFileError", "read_json", "write_json"]

#: Largest JSON file read, in bytes (256 MiB).
MAX_JSON_BYTES = 256 * 2**20


class JSONFileError(ValueError):
    """A file that cannot be read as JSON; the message names the file and the reason.

    Examples
    --------
    >>> import os, tempfile
    >>> import nn2poly
    >>> path = os.path.join(tempfile.mkdtemp(), "poly.json")
    >>> with open(path, "w") as handle:
    ...     _ = handle.write("[" * 100_000)
    >>> try:
    ...     nn2poly.Polynomial.load(path)
    ... except nn2poly.JSONFileError as error:
    ...     print(isinstance(error, ValueError))
    True
    """


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as JSON; Python's float repr keeps every float exactly.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.json")
    >>> write_json(path, {"coef": [0.1, 1e-300]})
    >>> read_json(path)
    {'coef': [0.1, 1e-300]}
    """
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


def _read_regular_file(name: str, max_bytes: int) -> bytes:
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(name, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise JSONFileError(
                f"Cannot read {name!r} as JSON: it is {kind} (a device, FIFO or socket is "
                "refused, also through a symbolic link); pass the path of a .json file."
            )
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    content = b"".join(chunks)
    if len(content) > max_bytes:
        raise JSONFileError(
            f"Cannot read {name!r} as JSON: it is larger than the limit of {max_bytes} bytes."
        )
    return content


def read_json(path: str | os.PathLike[str], *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Read a JSON file, checked as untrusted input.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int, default=MAX_JSON_BYTES
        Larger files are refused without reading past this size.

    Returns
    -------
    object
        The parsed JSON value.

    Raises
    ------
    JSONFileError
        (a ``ValueError``) If the path is not a regular file, is too large,
        or its content is not UTF-8 JSON that Python can represent.
    OSError
        If the file cannot be opened (missing, permissions).

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "deep.json")
    >>> with open(path, "w") as handle:
    ...     _ = handle.write("[" * 100_000 + "]" * 100_000)
    >>> read_json(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn2poly._jsonio.JSONFileError: ... is not valid JSON: it is nested too deeply to be read.
    """
    name = os.fspath(path)
    content = _read_regular_file(name, max_bytes)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONFileError(
            f"{name!r} is not valid JSON: it is not UTF-8 text ({exc.reason} at byte {exc.start})."
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JSONFileError(f"{name!r} is not valid JSON: {exc}") from None
    except RecursionError:
        raise JSONFileError(
            f"{name!r} is not valid JSON: it is nested too deeply to be read."
        ) from None
    except (OverflowError, ValueError) as exc:  # e.g. an integer of too many digits
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "integer string conversion" in reason:
            raise JSONFileError(
                f"{name!r} is not valid JSON for nn2poly: a number in the file is too long "
                f"(more than {sys.get_int_max_str_digits()} digits); write numbers as floats "
                "such as 1.5e300."
            ) from None
        raise JSONFileError(f"{name!r} is not valid JSON: {reason}") from None
