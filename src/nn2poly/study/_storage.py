"""The files of a study folder: appending rows, healing an interrupted write, reading whole runs.

A study appends the rows of each finished run to ``results.csv`` in one write
(one row per conversion, conversions ``0 .. n_conversions - 1`` in order). An
interruption can leave two kinds of damage: a last line cut anywhere (even right
after its final comma), and a run with only some of its rows written. Readers
ignore both (a cut last line is never parsed; of each run only its last complete
write counts, so no run is ever counted twice) and :func:`repair` removes both
from the files before a study resumes, so an unfinished run is written again in
full exactly once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._validation import invalid_value

__all__ = [
    "COEFFICIENTS_FILE",
    "CONFIG_FILE",
    "RESULTS_FILE",
    "CsvSink",
    "as_csv",
    "complete_rows",
    "finished_runs",
    "make_folder",
    "read_coefficients",
    "read_config",
    "read_results",
    "repair",
    "study_folder",
]

RESULTS_FILE = "results.csv"
COEFFICIENTS_FILE = "coefficients.csv"
CONFIG_FILE = "config.json"

#: Columns every results file has; they say which rows make up a run.
RUN_COLUMNS = ("run_id", "conversion", "n_conversions")
COEFFICIENT_COLUMNS = ("run_id", "conversion", "term", "true", "recovered")
#: Bytes of a ``config.json`` read at most (a study's configuration is a few kB).
MAX_CONFIG_BYTES = 1 << 20


def make_folder(
    path: str | os.PathLike[str], *, name: str, caller: str, subject: str | None = None
) -> Path:
    """Create the folder ``path`` (and its parents) if needed; refuse a path that is a file.

    Raises an :class:`~nn2poly._validation.InvalidParameterError` (a
    ``ValueError``) when ``path`` names an existing file and an ``OSError`` of
    the same kind, with a one-line message, when the folder cannot be created.
    ``subject`` names the value in the message instead of the parameter
    ``name`` of ``caller`` (e.g. the command-line option ``"--output"``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> make_folder(root / "a" / "b", name="output", caller="plot_study").is_dir()
    True
    >>> (root / "file").write_text("x")
    1
    >>> make_folder(root / "file", name="output", caller="plot_study")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: The 'output' parameter of plot_study must be...
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise invalid_value(
            name,
            str(folder),
            "a folder (created if missing)",
            caller=caller,
            fix="It is an existing file, not a folder; give a folder path.",
            subject=subject,
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise type(error)(
            f"Cannot create the folder {str(folder)!r}: {reason}; give a folder you can write to."
        ) from None
    return folder


def study_folder(
    path: str | os.PathLike[str], *, name: str = "path", caller: str = "study_folder"
) -> Path:
    """The study folder of ``path`` (a study folder or its ``results.csv``); refuse any other.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "results.csv").write_text("run_id,conversion,n_conversions\\n")
    >>> study_folder(folder / "results.csv") == folder
    True
    """
    folder = Path(path)
    if folder.is_file():
        folder = folder.parent
    if not (folder / RESULTS_FILE).is_file():
        raise invalid_value(
            name,
            str(path),
            f"the output folder of a study (or its {RESULTS_FILE})",
            caller=caller,
            fix=f"There is no {RESULTS_FILE} in {str(folder)!r}; give the folder run_study "
            "wrote to.",
        )
    return folder


def _complete_text(path: Path) -> str:
    """The file's text up to its last line break (a cut last line is left out)."""
    data = path.read_bytes()
    return data[: data.rfind(b"\n") + 1].decode("utf-8", errors="replace")


def _rows(path: Path) -> tuple[list[str] | None, list[list[str]]]:
    """Header and rows of the complete lines of a CSV file (no header: ``None``)."""
    if not path.is_file():
        return None, []
    reader = csv.reader(io.StringIO(_complete_text(path), newline=""))
    header = next(reader, None)
    return header, list(reader)


def _check_header(path: Path, header: list[str], required: Iterable[str]) -> None:
    missing = [column for column in required if column not in header]
    if missing:
        raise ValueError(
            f"{str(path)!r} is not a file written by a study: it has no column "
            f"{', '.join(repr(c) for c in missing)} (its columns are {header[:12]}); give the "
            "output folder of a study, or another output folder."
        )


def _whole_number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@dataclass
class _Write:
    """Consecutive rows of one run, conversion 0 first: one write of that run."""

    run_id: str
    expected: int
    rows: list[list[str]] = field(default_factory=list)


def complete_rows(header: list[str], rows: Iterable[list[str]]) -> list[list[str]]:
    """The rows of each run's last complete write, in file order.

    A write of a run is its rows with conversions ``0, 1, ..., n_conversions - 1``
    one after the other; rows of a partial write, cut or malformed rows and all
    but the last complete write of a run are left out.

    Examples
    --------
    >>> header = ["run_id", "conversion", "n_conversions", "mse"]
    >>> rows = [["0-0", "0", "2", "0.1"], ["0-0", "1", "2", "0.2"],
    ...         ["1-0", "0", "2", "0.3"],                              # a partial write
    ...         ["1-0", "0", "2", "0.4"], ["1-0", "1", "2", "0.5"]]    # written again in full
    >>> [row[3] for row in complete_rows(header, rows)]
    ['0.1', '0.2', '0.4', '0.5']
    """
    run, conversion, count = (header.index(column) for column in RUN_COLUMNS)
    writes: list[_Write] = []
    current: _Write | None = None
    for row in rows:
        index = _whole_number(row[conversion]) if len(row) == len(header) else None
        expected = _whole_number(row[count]) if index is not None else None
        if index is None or expected is None or expected < 1:
            current = None  # a malformed row ends any write in progress
            continue
        if index == 0:
            current = _Write(row[run], expected)
            writes.append(current)
        elif (
            current is None
            or current.run_id != row[run]
            or current.expected != expected
            or index != len(current.rows)
        ):
            current = None
            continue
        current.rows.append(row)
    last = {write.run_id: write for write in writes if len(write.rows) == write.expected}
    return [row for write in writes if last.get(write.run_id) is write for row in write.rows]


def read_results(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a ``results.csv``: each run's last complete write only."""
    header, rows = _rows(path)
    if header is None:
        return list(RUN_COLUMNS), []
    _check_header(path, header, RUN_COLUMNS)
    return header, complete_rows(header, rows)


def read_coefficients(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and well-formed rows of a ``coefficients.csv`` (a cut last line left out)."""
    header, rows = _rows(path)
    if header is None:
        return list(COEFFICIENT_COLUMNS), []
    _check_header(path, header, COEFFICIENT_COLUMNS)
    return header, [row for row in rows if len(row) == len(header)]


def as_csv(header: list[str], rows: Iterable[list[str]]) -> str:
    """CSV text of a header and rows, as the study writes it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def finished_runs(directory: str | os.PathLike[str]) -> set[str]:
    """Run ids with a complete write in ``results.csv`` (the runs a resume skips).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "results.csv").write_text(
    ...     "run_id,conversion,n_conversions\\n0-0,0,1\\n1-0,0,1\\n2-0,0,")  # the last line was cut
    >>> sorted(finished_runs(folder))
    ['0-0', '1-0']
    """
    path = Path(directory) / RESULTS_FILE
    header, rows = read_results(path)
    return {row[header.index("run_id")] for row in rows}


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file renamed over it)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def repair(directory: str | os.PathLike[str]) -> None:
    """Heal the files of an interrupted study before anything reads them.

    A cut last line is removed from ``results.csv`` and ``coefficients.csv``; in
    ``results.csv`` the rows of partial writes and earlier duplicate writes of a
    run are dropped (the file is replaced atomically), so a resumed study writes
    each unfinished run once, in full.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = folder / "results.csv"
    >>> _ = path.write_text(
    ...     "run_id,conversion,n_conversions\\n0-0,0,2\\n0-0,1,2\\n1-0,0,2\\n1-0,1,")
    >>> repair(folder)
    >>> path.read_text().splitlines()
    ['run_id,conversion,n_conversions', '0-0,0,2', '0-0,1,2']
    """
    folder = Path(directory)
    for name in (RESULTS_FILE, COEFFICIENTS_FILE):
        path = folder / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            with path.open("r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)
    path = folder / RESULTS_FILE
    header, rows = _rows(path)
    if header is None:
        return
    _check_header(path, header, RUN_COLUMNS)
    kept = complete_rows(header, rows)
    if len(kept) != len(rows):
        _replace(path, as_csv(header, kept))


def read_config(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``config.json`` of a study folder as a dict (``None`` when there is none).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> read_config(folder) is None
    True
    >>> _ = (folder / "config.json").write_text('{"name": "s", "grid": {"width": [4]}}')
    >>> read_config(folder)["grid"]
    {'width': [4]}
    """
    path = Path(directory) / CONFIG_FILE
    if not path.is_file():
        return None
    value = None
    if path.stat().st_size <= MAX_CONFIG_BYTES:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, RecursionError):
            value = None
    if not isinstance(value, dict):
        raise ValueError(
            f"{str(path)!r} is not the configuration of a study (a JSON object is expected); "
            "give the output folder of a study, or another output folder."
        )
    return value


class CsvSink:
    """Appends rows to a CSV, header once, flushed and synced after every run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fields: list[str] | None = None
        if path.is_file() and path.stat().st_size:
            with path.open(newline="", encoding="utf-8") as handle:
                self.fields = next(csv.reader(handle), None)

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Append ``rows`` (dicts with the same keys) in one write, then sync the file."""
        if not rows:
            return
        if self.fields is None:
            self.fields = list(rows[0])
            with self.path.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerow(self.fields)
        differ = set(rows[0]) ^ set(self.fields)
        if differ:
            raise ValueError(
                f"{str(self.path)!r} was written by a study with other columns ({sorted(differ)} "
                "differ); resume only the same study, or give another output directory."
            )
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=self.fields)
        writer.writerows({key: _format(value) for key, value in row.items()} for row in rows)
        with self.path.open("a", newline="", encoding="utf-8") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())


def _format(value: Any) -> Any:
    """Floats with 8 significant digits keep the files small (a run's numbers are far noisier)."""
    return format(value, ".8g") if isinstance(value, float) else value
