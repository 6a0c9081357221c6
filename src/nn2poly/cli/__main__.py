"""``python -m nn2poly.cli``: the ``nn2poly`` command."""

from __future__ import annotations

from ._app import main

if __name__ == "__main__":  # pragma: no cover - run as a script
    main()
