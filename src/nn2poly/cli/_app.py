"""The typer application shared by every command module, and its one error boundary.

Every command runs inside :class:`OneLineErrors`: whatever goes wrong reaches
the user as one line on stderr (``Error: ...``) with a non-zero exit status,
never as a traceback, and a Python warning as one line ``Warning: ...``; both
name the command's options where the library's text names its keyword
arguments (``--data FILE`` for ``data=X_train``).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable
from typing import Any, NoReturn, TextIO

try:
    import typer
    from typer.core import TyperGroup
except ImportError:  # pragma: no cover - exercised only without the cli extra
    sys.stderr.write("The nn2poly command line needs typer and rich: pip install nn2poly[cli]\n")
    raise SystemExit(1) from None

from .._validation import check_param
from ._terms import command_line_terms

#: Exit status of an error the user can fix (bad option, unreadable file...).
USER_ERROR = 2
#: Exit status of an unexpected internal error.
INTERNAL_ERROR = 1
#: Exit status after Ctrl-C.
INTERRUPTED = 130
#: Set this environment variable to see the traceback of an internal error.
TRACEBACK_VARIABLE = "NN2POLY_TRACEBACK"


def one_line(text: str) -> str:
    """``text`` on one line: line breaks and runs of spaces become one space.

    Examples
    --------
    >>> one_line("first\\n  second\\tthird ")
    'first second third'
    """
    return " ".join(str(text).split())


def describe(error: BaseException) -> tuple[str, int]:
    """The one-line message and exit status for an exception raised by a command.

    Examples
    --------
    >>> describe(ValueError("max_order must be\\nan int"))
    ('Error: max_order must be an int', 2)
    >>> describe(FileNotFoundError(2, "No such file or directory", "/nowhere/x.json"))
    ("Error: No such file or directory: '/nowhere/x.json'", 2)
    >>> describe(RecursionError("maximum recursion depth exceeded"))[0]
    'Error: the input is nested too deeply to read (maximum recursion depth exceeded).'
    >>> describe(RuntimeError("bad archive\\n  File 'x.py', line 3"))[0][:43]
    'Error: unexpected RuntimeError: bad archive'
    """
    if isinstance(error, KeyboardInterrupt):
        return "Error: interrupted.", INTERRUPTED
    if isinstance(error, RecursionError):
        return f"Error: the input is nested too deeply to read ({error}).", USER_ERROR
    if isinstance(error, MemoryError):
        return "Error: out of memory; try a smaller problem or a lower --max-order.", USER_ERROR
    if isinstance(error, OSError) and error.strerror and error.filename is not None:
        return f"Error: {error.strerror}: {str(error.filename)!r}", USER_ERROR
    if isinstance(error, Warning):  # a warning turned into an error (python -W error)
        return f"Error: {one_line(str(error))}", USER_ERROR
    if isinstance(error, EOFError):
        return "Error: the input ended before it was complete (an empty or cut file?).", USER_ERROR
    if isinstance(error, (ValueError, TypeError, OSError, ImportError)):
        return f"Error: {one_line(str(error)) or type(error).__name__}", USER_ERROR
    first = (str(error).strip().splitlines() or [""])[0]  # not a framework's trace below it
    text = one_line(f"{type(error).__name__}: {first}")[:300]
    return (
        f"Error: unexpected {text} (an internal error of nn2poly; please report it, "
        f"and set {TRACEBACK_VARIABLE}=1 to see the traceback).",
        INTERNAL_ERROR,
    )


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Python warnings as one line on stderr, in command-line terms, without the file and line
    they came from."""
    typer.echo(f"Warning: {command_line_terms(one_line(str(message)))}", err=True)


#: What the boundary lets through: the exits typer handles itself.
_PASS_THROUGH = (typer.Exit, typer.Abort, SystemExit)


def _is_usage_error(error: BaseException) -> bool:
    """Whether ``error`` is click's or typer's (a usage error, a bad option value...)."""
    return hasattr(error, "format_message") and isinstance(getattr(error, "exit_code", None), int)


class OneLineErrors(TyperGroup):
    """The command group: every error of a command is one line on stderr and an exit status."""

    def invoke(self, ctx: Any) -> Any:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except _PASS_THROUGH:
                raise
            except (Exception, KeyboardInterrupt) as error:  # the boundary: no traceback leaves
                if type(error).__name__ == "NoArgsIsHelpError":
                    raise  # shows the help
                if _is_usage_error(error):
                    usage: Any = error  # click's or typer's usage error
                    context = getattr(usage, "ctx", None)
                    hint = f" (see '{context.command_path} --help')" if context else ""
                    fail(f"{usage.format_message()}{hint}", code=usage.exit_code)
                if os.environ.get(TRACEBACK_VARIABLE) and not isinstance(error, KeyboardInterrupt):
                    raise
                message, code = describe(error)
                fail(command_line_terms(message.removeprefix("Error: ")), code=code)


def fail(message: str, *, code: int = USER_ERROR) -> NoReturn:
    """Print ``Error: message`` on one line of stderr and exit with ``code`` (no traceback)."""
    typer.echo(f"Error: {one_line(message)}", err=True)
    raise typer.Exit(code=code)


def check_option(
    option: str, value: Any, constraints: Iterable[Any], *, fix: str | None = None
) -> Any:
    """Check a command-line option's value with the validation module's constraints.

    Examples
    --------
    >>> from nn2poly._validation import Finite
    >>> check_option("--threshold", 0.5, [Finite()])
    0.5
    >>> check_option("--threshold", float("nan"), [Finite()])
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: --threshold must be a finite float. Got nan instead.
    """
    return check_param(option.lstrip("-"), value, constraints, fix=fix, subject=option)


app = typer.Typer(
    name="nn2poly",
    help="Explain feed-forward neural networks as explicit polynomials (NN2Poly).",
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Entry point of the ``nn2poly`` script."""
    app()
