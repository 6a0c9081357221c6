"""``nn2poly convert``: a saved network to its polynomial."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ._app import app, fail


class Approximation(str, Enum):
    taylor = "taylor"
    fit = "fit"


def read_data(path: Path):  # type: ignore[no-untyped-def]
    """Inputs for ``--data``: a ``.npy`` array or a numeric CSV (a header row is skipped)."""
    import numpy as np

    if not path.exists():
        raise FileNotFoundError(f"No such file: {str(path)!r}.")
    if path.suffix.lower() == ".npy":
        return np.load(path, allow_pickle=False)
    if path.suffix.lower() not in {".csv", ".txt"}:
        raise ValueError(f"--data must be a .npy or .csv file; got {path.name!r}.")
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    try:
        [float(value) for value in first.strip().split(",")]
        skip = 0
    except ValueError:
        skip = 1  # a header row
    try:
        return np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"--data {path.name}: could not read a numeric CSV ({exc}).") from None


def parse_interval(text: str | None) -> tuple[float, float] | None:
    """``"-3,3"`` -> (-3.0, 3.0)."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        low, high = (float(part) for part in parts)
    except ValueError:
        raise ValueError(f"--interval must be two numbers 'LOW,HIGH'; got {text!r}.") from None
    return low, high


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def parse_taylor_orders(text: str | None) -> int | list[int] | None:
    """``"8"`` -> 8, ``"5,5,1"`` -> [5, 5, 1], None -> None."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    try:
        values = [int(part) for part in parts]
    except ValueError:
        raise ValueError(
            f"--taylor-orders must be an int or a comma-separated list of ints; got {text!r}."
        ) from None
    return values[0] if len(values) == 1 and "," not in text else values


def parse_center(text: str) -> float | str:
    """``"local"`` or a float."""
    if text.strip().lower() == "local":
        return "local"
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"--taylor-center must be a number or 'local'; got {text!r}.") from None


def _rows_as_csv(poly) -> str:  # type: ignore[no-untyped-def]
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["term", "label", "degree", *poly.output_names])
    for index, (name, label, degree) in enumerate(zip(poly.term_names, poly.labels, poly.degrees)):
        writer.writerow([name, " ".join(map(str, label)), int(degree), *map(repr, poly.coef[index].tolist())])
    return buffer.getvalue()


def _as_table(poly, limit: int | None, file=None) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.table import Table

    table = Table(title=repr(poly), show_lines=False)
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
    console.print(table)
    if limit is not None and poly.n_terms > limit:
        console.print(f"... {poly.n_terms - limit} more terms (use --all, or --format csv)")


@app.command()
def convert(
    file: Annotated[Path, typer.Argument(help="Model file: .json (nn2poly or reference layout), .onnx, .keras, TorchScript .pt; pickles (.pkl/.joblib/.pt/.h5) with --trust.")],
    max_order: Annotated[int, typer.Option("--max-order", "-q", help="Largest total degree kept.")] = 2,
    taylor_orders: Annotated[Optional[str], typer.Option(help="One order for every non-linear layer (8) or one per layer (5,5,1).")] = None,
    taylor_center: Annotated[str, typer.Option(help="Expansion point: a number, or 'local'.")] = "0",
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of the terminal.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Show every term in the table.")] = False,
    trust: Annotated[bool, typer.Option("--trust", help="Allow loading pickled models (runs code from the file).")] = False,
    approximation: Annotated[Approximation, typer.Option(help="'taylor' (NN2Poly) or 'fit' (polynomials fitted where the potentials are).")] = Approximation.taylor,
    data: Annotated[Optional[Path], typer.Option(help="Inputs (.csv or .npy) whose potentials the 'fit' approximation follows.")] = None,
    interval: Annotated[Optional[str], typer.Option(help="Range 'LOW,HIGH' of potentials to fit over when there is no --data.")] = None,
) -> None:
    """Convert a saved network into its polynomial (NN2Poly's Taylor expansion, or fitted)."""
    from .._memory import MemoryLimitError
    from ..activations import NotAnalyticError, UnknownActivationError
    from .._convert import to_polynomial
    from ..adapters._files import load_adapted

    try:
        orders = parse_taylor_orders(taylor_orders)
        center = parse_center(taylor_center)
        model = load_adapted(file, trust=trust)
        if approximation is Approximation.fit:
            poly = to_polynomial(
                model,
                max_order,
                taylor_orders=orders,
                approximation="fit",
                data=None if data is None else read_data(data),
                interval=parse_interval(interval),
            )
        else:
            if data is not None or interval is not None:
                raise ValueError("--data and --interval need --approximation fit.")
            poly = to_polynomial(model, max_order, taylor_orders=orders, taylor_center=center)
    except FileNotFoundError as exc:
        fail(str(exc))
    except (ValueError, TypeError, KeyError, NotAnalyticError, UnknownActivationError, MemoryLimitError) as exc:
        fail(f"{file}: {exc}")
    except ImportError as exc:
        fail(str(exc))
    if output_format is OutputFormat.table and output is None:
        _as_table(poly, None if show_all else 40)
        return
    if output_format is OutputFormat.json:
        text = json.dumps(poly.to_dict())
    elif output_format is OutputFormat.csv:
        text = _rows_as_csv(poly)
    else:
        import io

        buffer = io.StringIO()
        _as_table(poly, None, file=buffer)
        text = buffer.getvalue()
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
        typer.echo(f"Wrote {poly.n_terms} terms to {output}", err=True)
