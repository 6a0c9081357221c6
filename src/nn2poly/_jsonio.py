"""Reading and writing the JSON files of networks and polynomials."""

from __future__ import annotations

import json
import os
from typing import Any

__all__ = ["read_json", "write_json"]


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as JSON; Python's float repr keeps every float exactly."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file, with a ValueError naming the file when it is not JSON."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{os.fspath(path)!r} is not valid JSON: {exc}") from None
