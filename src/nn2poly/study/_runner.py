"""Run a study: every grid setting x repetition, in parallel, streamed to CSV, resumable."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._config import StudyConfig
from ._single import RunSpec, run_one

__all__ = ["BACKENDS", "StudyResult", "plan_runs", "run_study"]

BACKENDS = ("loky", "dask", "serial")
RESULTS_FILE = "results.csv"
COEFFICIENTS_FILE = "coefficients.csv"
CONFIG_FILE = "config.json"


class StudyResult:
    """Where a study wrote its files, and how many runs it did now and before.

    Attributes
    ----------
    directory : Path
    results_path, coefficients_path : Path
    n_runs, n_done_before, n_new : int
    """

    def __init__(self, directory: Path, n_runs: int, n_done_before: int, n_new: int) -> None:
        self.directory = directory
        self.results_path = directory / RESULTS_FILE
        self.coefficients_path = directory / COEFFICIENTS_FILE
        self.n_runs = n_runs
        self.n_done_before = n_done_before
        self.n_new = n_new

    def frame(self) -> Any:
        """The result rows as a pandas DataFrame."""
        from ._results import load_results

        return load_results(self.directory)

    def __repr__(self) -> str:
        return (
            f"StudyResult({str(self.directory)!r}, runs={self.n_runs}, "
            f"before={self.n_done_before}, new={self.n_new})"
        )


def plan_runs(config: StudyConfig) -> list[RunSpec]:
    """Every run of a study, repetition by repetition (all settings of repetition 0 first).

    Running in this order means a study stopped at any time holds about the
    same number of repetitions of every setting.

    Examples
    --------
    >>> from nn2poly.study import StudyConfig
    >>> runs = plan_runs(StudyConfig("s", grid={"width": [4, 8]}, repetitions=2))
    >>> [run.run_id for run in runs]
    ['0-0', '1-0', '0-1', '1-1']
    """
    settings = config.settings()
    conversions = tuple(config.full_conversions())
    return [
        RunSpec(
            study=config.name,
            setting_id=index,
            repetition=repetition,
            setting=setting,
            conversions=conversions,
            data_seed=config.data_seed(setting, repetition),
            network_seed=config.network_seed(setting, repetition),
            record_coefficients=config.record_coefficients,
        )
        for repetition in range(config.repetitions)
        for index, setting in enumerate(settings)
    ]


def _complete_lines(path: Path) -> None:
    """Cut a partly written last line (an interrupted write) so appends stay well formed."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def finished_runs(directory: str | os.PathLike[str]) -> set[str]:
    """Run ids whose result rows are all in ``results.csv`` (the resume set)."""
    path = Path(directory) / RESULTS_FILE
    if not path.exists():
        return set()
    counts: dict[str, int] = {}
    expected: dict[str, int] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if None in row or any(value is None for value in row.values()):
                continue  # a malformed (cut) line
            counts[row["run_id"]] = counts.get(row["run_id"], 0) + 1
            expected[row["run_id"]] = int(row["n_conversions"])
    return {run for run, count in counts.items() if count >= expected[run]}


class _CsvSink:
    """Appends rows to a CSV, header once, flushed and synced after every run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fields: list[str] | None = None
        _complete_lines(path)
        if path.exists() and path.stat().st_size:
            with path.open(newline="") as handle:
                self.fields = next(csv.reader(handle), None)

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.fields is None:
            self.fields = list(rows[0])
            with self.path.open("w", newline="") as handle:
                csv.writer(handle).writerow(self.fields)
        missing = set(rows[0]) ^ set(self.fields)
        if missing:
            raise ValueError(
                f"{str(self.path)!r} was written by a study with other columns ({sorted(missing)} differ); "
                "resume only the same study, or give another output directory."
            )
        with self.path.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.fields)
            writer.writerows({key: _format(value) for key, value in row.items()} for row in rows)
            handle.flush()
            os.fsync(handle.fileno())


def _format(value: Any) -> Any:
    """Floats with 8 significant digits keep the files small (a run's numbers are far noisier)."""
    return format(value, ".8g") if isinstance(value, float) else value


def _check_directory(directory: Path, config: StudyConfig) -> None:
    """Refuse to mix two different studies in one directory (repetitions may differ)."""
    path = directory / CONFIG_FILE
    current = {**json.loads(json.dumps(config.to_dict(), default=str)), "repetitions": None}
    if path.exists():
        previous = {**json.loads(path.read_text()), "repetitions": None}
        if previous != current:
            raise ValueError(
                f"{str(directory)!r} holds results of another study configuration; resume the same "
                "study there (only repetitions may change), or give another output directory."
            )
    path.write_text(json.dumps(config.to_dict(), indent=2, default=str))


def _run_local(specs: list[RunSpec], n_jobs: int) -> Iterator[tuple[list, list]]:
    if n_jobs == 1:
        for spec in specs:
            yield run_one(spec, torch_threads=None)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")
    yield from parallel(delayed(run_one)(spec) for spec in specs)


def _run_dask(specs: list[RunSpec], scheduler: Any, n_jobs: int) -> Iterator[tuple[list, list]]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=max(1, n_jobs), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        client = Client(scheduler)
    try:
        futures = client.map(run_one, specs, pure=False)
        for future in as_completed(futures):
            yield future.result()
            future.release()
    finally:
        if client is not scheduler:
            client.close()
        if cluster is not None:
            cluster.close()


def run_study(
    config: StudyConfig,
    directory: str | os.PathLike[str],
    *,
    backend: str = "loky",
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: bool = False,
) -> StudyResult:
    """Run every unfinished run of ``config``, appending its rows to ``directory/results.csv``.

    Rows are written as soon as each run returns, and the file is synced, so an
    interrupted study loses only the runs in flight; calling again with the same
    directory skips the finished runs (resume), and a larger ``repetitions`` adds
    runs to an existing study. Seeds depend only on the configuration, so the
    backend and the number of workers never change the numbers.

    Parameters
    ----------
    config : StudyConfig
    directory : path
        Created if needed; holds ``results.csv``, ``coefficients.csv``, ``config.json``.
    backend : {'loky', 'dask', 'serial'}, default='loky'
        ``loky``: joblib processes on this machine (``n_jobs`` of them; 1 runs
        in this process). ``dask``: a Dask cluster — ``scheduler`` is an address
        such as ``"tcp://host:8786"``, a ``distributed.Client``, or ``None`` for a
        ``LocalCluster`` with ``n_jobs`` workers. ``serial``: in this process.
    n_jobs : int, default=1
    scheduler : str, distributed.Client or None
    progress : bool, default=False
        Show a progress bar with an ETA on stderr (rich).

    Returns
    -------
    StudyResult

    Examples
    --------
    >>> from nn2poly.study import preset, run_study, load_results
    >>> result = run_study(preset("tnnls2023", quick=True), "runs/quick")  # doctest: +SKIP
    >>> load_results(result.directory).groupby("activation")["mse_network_polynomial"].median()  # doctest: +SKIP
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}.")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be an int >= 1; got {n_jobs!r}.")
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler is used only with backend='dask'; got backend={backend!r}.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _check_directory(directory, config)
    specs = plan_runs(config)
    done = finished_runs(directory)
    todo = [spec for spec in specs if spec.run_id not in done]
    n_done_before = len(specs) - len(todo)
    results = _CsvSink(directory / RESULTS_FILE)
    coefficients = _CsvSink(directory / COEFFICIENTS_FILE)
    if backend == "dask":
        stream = _run_dask(todo, scheduler, n_jobs)
    else:
        stream = _run_local(todo, 1 if backend == "serial" else n_jobs)
    n_conversions = len(config.conversions)
    n_new = 0
    with _Progress(progress, len(specs), n_done_before, config.name) as advance:
        for rows, coefficient_rows in stream:
            coefficients.write(coefficient_rows)  # before the rows that mark the run finished
            results.write([{**row, "n_conversions": n_conversions} for row in rows])
            n_new += 1
            advance()
    return StudyResult(directory, len(specs), n_done_before, n_new)


class _Progress:
    """A rich progress bar with an ETA, or nothing."""

    def __init__(self, enabled: bool, total: int, completed: int, name: str) -> None:
        self.enabled, self.total, self.completed, self.name = enabled, total, completed, name
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

        self.bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            "eta",
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.bar.start()
        task = self.bar.add_task(self.name, total=self.total, completed=self.completed)
        return lambda: self.bar.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
