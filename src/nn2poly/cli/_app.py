"""The typer application shared by every command module."""

from __future__ import annotations

import sys

try:
    import typer
except ImportError:  # pragma: no cover - exercised only without the cli extra
    sys.stderr.write("The nn2poly command line needs typer and rich: pip install nn2poly[cli]\n")
    raise SystemExit(1) from None

app = typer.Typer(
    name="nn2poly",
    help="Explain feed-forward neural networks as explicit polynomials (NN2Poly).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class CommandError(Exception):
    """An error the CLI reports as one line on stderr, with exit code 2."""


def fail(message: str) -> None:
    """Print ``Error: message`` on stderr and exit with status 2 (no traceback)."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=2)


def main() -> None:
    """Entry point of the ``nn2poly`` script."""
    app()
