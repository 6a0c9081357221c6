"""Memory guard: count bytes before allocating, refuse with a clear message."""

from __future__ import annotations

import os

import numpy as np

__all__ = ["MemoryLimitError", "available_memory", "get_memory_limit", "set_memory_limit"]

_FRACTION_OF_AVAILABLE = 0.5
_FALLBACK_AVAILABLE = 4 * 2**30
_user_limit: int | None = None


class MemoryLimitError(ValueError):
    """Raised when a conversion would need more memory than the set limit."""


def available_memory() -> int:
    """Bytes of memory currently available (``MemAvailable``), or 4 GiB if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return _FALLBACK_AVAILABLE


def get_memory_limit() -> int:
    """The limit in bytes: the one set by :func:`set_memory_limit`, else half
    of the currently available memory."""
    if _user_limit is not None:
        return _user_limit
    return int(_FRACTION_OF_AVAILABLE * available_memory())


def set_memory_limit(limit_bytes: int | None) -> None:
    """Set the largest number of bytes a conversion may allocate.

    Parameters
    ----------
    limit_bytes : int or None
        A positive number of bytes, or None to go back to the default (half
        of the available memory).

    Examples
    --------
    >>> set_memory_limit(2 * 2**30)
    >>> get_memory_limit()
    2147483648
    >>> set_memory_limit(None)
    """
    global _user_limit
    if limit_bytes is None:
        _user_limit = None
        return
    if (
        isinstance(limit_bytes, bool)
        or not isinstance(limit_bytes, (int, np.integer))
        or limit_bytes <= 0
    ):
        raise ValueError(
            f"limit_bytes must be a positive int (bytes) or None; got {limit_bytes!r}."
        )
    _user_limit = int(limit_bytes)


def format_bytes(n_bytes: float) -> str:
    """Human-readable size, e.g. ``'1.5 GiB'``."""
    if abs(n_bytes) < 1024:
        return f"{int(n_bytes)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n_bytes /= 1024
        if abs(n_bytes) < 1024:
            break
    return f"{n_bytes:.3g} {unit}"
