"""``nn2poly convert``: a saved network to its polynomial."""

from __future__ import annotations

import json
import math
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from .._validation import Finite, invalid_value
from ..plotting._basic import approximation_words
from ._app import app, check_option

#: Bytes of a ``--data`` file read at most (a guard against reading a device or a huge file).
MAX_DATA_BYTES = 1 << 30


class Approximation(str, Enum):
    """The choices of ``--approximation``."""

    auto = "auto"
    taylor = "taylor"
    fit = "fit"


#: Help of ``--approximation`` (convert and diagnose).
APPROXIMATION_HELP = (
    "'auto': NN2Poly's Taylor expansion for an l1-constrained network or without --data and "
    "--interval, else the fit; 'taylor' (NN2Poly); 'fit' (polynomials fitted where the "
    "potentials are)."
)
#: Help of ``--trust`` (convert and diagnose).
TRUST_HELP = (
    "Allow formats whose loader can run code from the file (pickles, TorchScript, legacy .h5); "
    "only for files you trust."
)


def check_taylor_inputs(approximation: Approximation, *, data: bool, interval: bool) -> None:
    """Refuse ``--approximation taylor`` with ``--data`` or ``--interval`` (fit inputs only).

    Examples
    --------
    >>> check_taylor_inputs(Approximation.taylor, data=True, interval=False)
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: --approximation must be 'fit' or 'auto' when \
--data or --interval is given. Got 'taylor' instead. Add --approximation fit, or leave out \
--data.
    """
    if approximation is Approximation.taylor and (data or interval):
        given = "--data" if data else "--interval"
        raise invalid_value(
            "approximation",
            "taylor",
            "'fit' or 'auto' when --data or --interval is given",
            subject="--approximation",
            fix=f"Add --approximation fit, or leave out {given}.",
        )


class Link(str, Enum):
    """The choices of ``--link``."""

    model = "model"
    softmax = "softmax"
    sigmoid = "sigmoid"


class OutputFormat(str, Enum):
    """The choices of ``--format``."""

    table = "table"
    csv = "csv"
    json = "json"


def read_data(path: Path) -> Any:
    """Inputs for ``--data``: a ``.npy`` array or a numeric CSV (a header row is skipped).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = path.write_text("a,b\\n1,2\\n3,4\\n")
    >>> read_data(path).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    >>> read_data(path.parent)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: --data must be a .npy or .csv file...
    """
    import numpy as np

    expected = "a .npy or .csv file"
    if not path.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    if not path.is_file():
        what = "a folder" if path.is_dir() else "not a regular file"
        raise invalid_value(
            "data", str(path), expected, subject="--data", fix=f"It is {what}; give a file."
        )
    if path.stat().st_size > MAX_DATA_BYTES:
        raise invalid_value(
            "data",
            str(path),
            f"{expected} of at most {MAX_DATA_BYTES >> 20} MiB",
            subject="--data",
            fix="Pass a sample of the inputs.",
        )
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, EOFError, OSError):
            raise invalid_value(
                "data",
                str(path),
                "a numeric array saved with numpy.save",
                subject="--data",
                fix="It is not one (numpy cannot read it without running pickled code, or it is "
                "cut short); save the inputs with numpy.save, or as CSV.",
            ) from None
    if suffix not in {".csv", ".txt"}:
        raise invalid_value("data", str(path), expected, subject="--data")
    with path.open(encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
    try:
        [float(value) for value in first.strip().split(",")]
        skip = 0
    except ValueError:
        skip = 1  # a header row
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            array = np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2)
    except ValueError as exc:
        raise invalid_value(
            "data",
            str(path),
            "a numeric CSV file (one header row at most)",
            subject="--data",
            fix=f"It could not be read: {str(exc).rstrip('.')}.",
        ) from None
    if array.size == 0:
        raise invalid_value(
            "data",
            str(path),
            "a numeric CSV file with at least one row of numbers",
            subject="--data",
            fix="It holds no numbers; pass the training inputs, one sample per row.",
        )
    return array


def parse_interval(text: str | None) -> tuple[float, float] | None:
    """``"-3,3"`` -> (-3.0, 3.0).

    Examples
    --------
    >>> parse_interval("-3,3")
    (-3.0, 3.0)
    >>> parse_interval("0,inf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: --interval must be two numbers 'LOW,HIGH'...
    """
    if text is None:
        return None
    try:
        bounds = [float(part) for part in text.split(",")]
    except ValueError:
        bounds = []
    if len(bounds) != 2 or not all(math.isfinite(bound) for bound in bounds):
        raise invalid_value("interval", text, "two numbers 'LOW,HIGH'", subject="--interval")
    return bounds[0], bounds[1]


def parse_taylor_orders(text: str | None) -> int | list[int] | None:
    """``"8"`` -> 8, ``"5,5,1"`` -> [5, 5, 1], None -> None.

    Examples
    --------
    >>> parse_taylor_orders("8"), parse_taylor_orders("5,5,1")
    (8, [5, 5, 1])
    """
    if text is None:
        return None
    try:
        values = [int(part.strip()) for part in text.split(",")]
    except ValueError:
        raise invalid_value(
            "taylor_orders",
            text,
            "an int or a comma-separated list of ints",
            subject="--taylor-orders",
        ) from None
    return values[0] if len(values) == 1 and "," not in text else values


def parse_center(text: str) -> float | str:
    """``"local"`` or a finite number.

    Examples
    --------
    >>> parse_center("local"), parse_center("0.5")
    ('local', 0.5)
    """
    if text.strip().lower() == "local":
        return "local"
    expected = "a finite number or 'local'"
    try:
        value = float(text)
    except ValueError:
        raise invalid_value("taylor_center", text, expected, subject="--taylor-center") from None
    center: float = check_option("--taylor-center", value, [Finite()])
    return center


def _rows_as_csv(poly: Any) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["term", "label", "degree", *poly.output_names])
    for index, (name, label, degree) in enumerate(
        zip(poly.term_names, poly.labels, poly.degrees, strict=True)
    ):
        values = map(repr, poly.coef[index].tolist())
        writer.writerow([name, " ".join(map(str, label)), int(degree), *values])
    return buffer.getvalue()


def describe_polynomial(poly: Any, top: int | None = None) -> str:
    """The line above the table: size, how the polynomial was built, which terms are shown.

    Examples
    --------
    >>> import nn2poly
    >>> poly = nn2poly.Polynomial([[0], [1], [2]], [0.5, -2.0, 1.0])
    >>> describe_polynomial(poly)
    'Polynomial in 1 variable, 1 output: 3 terms up to degree 2.'
    >>> describe_polynomial(poly, top=2)
    'Polynomial in 1 variable, 1 output: the 2 largest of 3 terms (by absolute coefficient).'
    """

    def count(number: int, word: str) -> str:
        return f"{number} {word}{'' if number == 1 else 's'}"

    shape = f"Polynomial in {count(poly.n_features, 'variable')}, {count(poly.n_outputs, 'output')}"
    if top is None:
        terms = f"{count(poly.n_terms, 'term')} up to degree {poly.degree}"
    else:
        shown = min(top, poly.n_terms)
        terms = f"the {shown} largest of {poly.n_terms} terms (by absolute coefficient)"
    built = approximation_words(poly.provenance)
    return f"{shape}: {terms}" + (f"; {built}." if built else ".")


def _as_table(
    poly: Any, limit: int | None, file: Any = None, *, heading: str | None = None
) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    table.add_column("term")
    table.add_column("degree", justify="right")
    for name in poly.output_names:
        table.add_column(name, justify="right")
    rows = range(poly.n_terms) if limit is None else range(min(limit, poly.n_terms))
    for index in rows:
        table.add_row(
            poly.term_names[index],
            str(int(poly.degrees[index])),
            *(f"{value:.6g}" for value in poly.coef[index]),
        )
    console = Console(file=file, width=None if file is None else 200)
    console.print(heading or describe_polynomial(poly), highlight=False)
    console.print(table)
    if limit is not None and poly.n_terms > limit:
        console.print(f"... {poly.n_terms - limit} more terms (use --all, or --format csv)")


def _convert(
    file: Path,
    max_order: int,
    *,
    orders: int | list[int] | None,
    center: float | str,
    trust: bool,
    approximation: Approximation,
    data: Path | None,
    interval: tuple[float, float] | None,
    link: Link = Link.model,
) -> Any:
    from .. import to_polynomial

    check_taylor_inputs(approximation, data=data is not None, interval=interval is not None)
    return to_polynomial(
        file,
        max_order,
        taylor_orders=orders,
        taylor_center=center,
        approximation=approximation.value,
        data=None if data is None else read_data(data),
        interval=interval,
        trust=trust,
        link=None if link is Link.model else link.value,
    )


@app.command()
def convert(
    file: Annotated[
        Path,
        typer.Argument(
            help=(
                "Model file: .json (nn2poly or reference layout), .onnx, .keras; TorchScript .pt, "
                "pickles (.pkl/.joblib/.pt) and legacy .h5 with --trust."
            )
        ),
    ],
    max_order: Annotated[
        int, typer.Option("--max-order", "-q", help="Largest total degree kept.")
    ] = 2,
    taylor_orders: Annotated[
        str | None,
        typer.Option(help="One order for every non-linear layer (8) or one per layer (5,5,1)."),
    ] = None,
    taylor_center: Annotated[
        str, typer.Option(help="Expansion point: a number, or 'local'.")
    ] = "0",
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of the terminal."),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Show every term in the table.")] = False,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            min=1,
            help="Only the N terms of largest absolute coefficient, largest first.",
        ),
    ] = None,
    trust: Annotated[bool, typer.Option("--trust", help=TRUST_HELP)] = False,
    approximation: Annotated[
        Approximation, typer.Option(help=APPROXIMATION_HELP)
    ] = Approximation.auto,
    data: Annotated[
        Path | None,
        typer.Option(
            help="Inputs (.csv or .npy) whose potentials the 'fit' approximation follows."
        ),
    ] = None,
    interval: Annotated[
        str | None,
        typer.Option(help="Range 'LOW,HIGH' of potentials to fit over when there is no --data."),
    ] = None,
    link: Annotated[
        Link,
        typer.Option(
            help="Output link of a classifier that emits raw logits (softmax: CrossEntropyLoss, "
            "sigmoid: BCEWithLogitsLoss); 'model' keeps the model's own."
        ),
    ] = Link.model,
) -> None:
    """Convert a saved network into its polynomial (NN2Poly's Taylor expansion, or fitted)."""
    poly = _convert(
        file,
        max_order,
        orders=parse_taylor_orders(taylor_orders),
        center=parse_center(taylor_center),
        trust=trust,
        approximation=approximation,
        data=data,
        interval=parse_interval(interval),
        link=link,
    )
    heading = describe_polynomial(poly, top)
    if top is not None:
        poly = poly.top(top)
    if output_format is OutputFormat.table and output is None:
        _as_table(poly, None if show_all or top is not None else 40, heading=heading)
        return
    if output_format is OutputFormat.json:
        text = json.dumps(poly.to_dict())
    elif output_format is OutputFormat.csv:
        text = _rows_as_csv(poly)
    else:
        import io

        buffer = io.StringIO()
        _as_table(poly, None, file=buffer, heading=heading)
        text = buffer.getvalue()
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {poly.n_terms} terms to {output}", err=True)
