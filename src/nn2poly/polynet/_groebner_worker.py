"""Child process of :func:`nn2poly.polynet.solve_groebner`.

Reads one JSON request on stdin and writes one JSON message per line on
stdout, flushing each, so that whatever was found before a kill is kept.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ._groebner import _worker


class _LineWriter:
    """``put(message)`` writes the message as a JSON line and flushes it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def put(self, message: Any) -> None:
        self.stream.write(json.dumps(message) + "\n")
        self.stream.flush()


def main() -> None:
    """Run the request read from stdin."""
    request = json.load(sys.stdin)
    residuals = [[(tuple(m), p, q) for m, p, q in terms] for terms in request["residuals"]]
    _worker(
        request["names"], residuals, request["n_slices"], request["seed"], _LineWriter(sys.stdout)
    )


if __name__ == "__main__":
    main()
