"""The ``nn2poly`` command line (typer).

Each command lives in its own module and registers itself on :data:`app`.
"""

from __future__ import annotations

from . import _convert, _demo, _diagnose, _gates, _study  # noqa: F401  (register commands)
from ._app import app, main

__all__ = ["app", "main"]
