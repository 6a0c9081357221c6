"""Run a study: every grid setting x repetition, in parallel, streamed to CSV, resumable."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._validation import Interval, Options, check_param, invalid_value
from ._config import StudyConfig
from ._results import load_results
from ._single import RunSpec, run_one
from ._storage import (
    COEFFICIENTS_FILE,
    CONFIG_FILE,
    RESULTS_FILE,
    CsvSink,
    finished_runs,
    make_folder,
    read_config,
    repair,
)

__all__ = ["BACKENDS", "StudyResult", "plan_runs", "run_study"]

#: Where :func:`run_study` can run the runs.
BACKENDS = ("loky", "dask", "serial")


class StudyResult:
    """Where a study wrote its files, and how many runs it did now and before.

    Attributes
    ----------
    directory : Path
    results_path, coefficients_path : Path
    n_runs, n_done_before, n_new : int

    Examples
    --------
    >>> from pathlib import Path
    >>> StudyResult(Path("runs"), n_runs=8, n_done_before=3, n_new=5)
    StudyResult('runs', runs=8, before=3, new=5)
    """

    def __init__(self, directory: Path, n_runs: int, n_done_before: int, n_new: int) -> None:
        self.directory = directory
        self.results_path = directory / RESULTS_FILE
        self.coefficients_path = directory / COEFFICIENTS_FILE
        self.n_runs = n_runs
        self.n_done_before = n_done_before
        self.n_new = n_new

    def frame(self) -> Any:
        """The result rows as a pandas DataFrame (see :func:`load_results`)."""
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


def _check_directory(directory: Path, config: StudyConfig) -> None:
    """Refuse to mix two different studies in one directory (repetitions may differ)."""
    current = {**json.loads(json.dumps(config.to_dict(), default=str)), "repetitions": None}
    previous = read_config(directory)
    if previous is not None and {**previous, "repetitions": None} != current:
        raise invalid_value(
            "directory",
            str(directory),
            "a new folder, or the folder of this same study to resume it",
            caller="run_study",
            fix="It holds results of another study configuration; resume the same study there "
            "(only repetitions may change), or give another output directory.",
        )


def _run_local(specs: list[RunSpec], n_jobs: int) -> Iterator[tuple[list, list]]:
    if n_jobs == 1:
        for spec in specs:
            yield run_one(spec, torch_threads=None)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")
    yield from parallel(delayed(run_one)(spec) for spec in specs)


def _connect(scheduler: str, timeout: float) -> Any:
    """A Dask client of the scheduler at ``scheduler``, or a one-line error after ``timeout`` s."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise ConnectionError(
            f"No Dask scheduler answered at {scheduler!r} within {timeout:g} s ({error}); "
            "start one there (dask scheduler), check the address, or leave out the scheduler "
            "for a local cluster."
        ) from None


def _run_dask(
    specs: list[RunSpec], scheduler: Any, n_jobs: int, timeout: float
) -> Iterator[tuple[list, list]]:
    """Connect (or start a local cluster) now; the runs go when the result is iterated."""
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
        client = _connect(scheduler, timeout)

    def stream() -> Iterator[tuple[list, list]]:
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

    return stream()


def run_study(
    config: StudyConfig,
    directory: str | os.PathLike[str],
    *,
    backend: str = "loky",
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: bool = False,
    connect_timeout: float = 10.0,
) -> StudyResult:
    """Run every unfinished run of ``config``, appending its rows to ``directory/results.csv``.

    Rows are written as soon as each run returns, and the file is synced, so an
    interrupted study loses only the runs in flight; calling again with the same
    directory skips the finished runs (resume), and a larger ``repetitions`` adds
    runs to an existing study. Before resuming, the damage an interruption can
    leave is repaired: a cut last line is removed and a run whose rows were only
    partly written is dropped, then run again and written once, in full. Seeds
    depend only on the configuration, so the backend and the number of workers
    never change the numbers.

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
    connect_timeout : float, default=10.0
        Seconds to wait for the Dask scheduler at a ``scheduler`` address; then a
        ``ConnectionError``.

    Returns
    -------
    StudyResult

    Examples
    --------
    >>> import tempfile
    >>> from nn2poly.study import StudyConfig, load_results
    >>> config = StudyConfig("tiny", data={"n_features": 2, "n": 40},
    ...                      network={"width": 3, "epochs": 1}, repetitions=2)
    >>> folder = tempfile.mkdtemp()
    >>> result = run_study(config, folder, backend="serial")
    >>> result.n_new, len(load_results(folder))
    (2, 2)
    >>> run_study(config.replace(repetitions=3), folder, backend="serial").n_new  # resumes
    1
    """
    caller = "run_study"
    check_param("config", config, [StudyConfig], caller=caller)
    check_param("backend", backend, [Options(BACKENDS)], caller=caller)
    n_jobs = check_param("n_jobs", n_jobs, [Interval(int, 1, None)], caller=caller)
    check_param("progress", progress, [bool], caller=caller)
    connect_timeout = check_param(
        "connect_timeout",
        connect_timeout,
        [Interval(float, 0, None, closed="neither")],
        caller=caller,
    )
    if scheduler is not None and backend != "dask":
        raise invalid_value(
            "scheduler",
            scheduler,
            "None unless backend='dask'",
            caller=caller,
            fix="Pass backend='dask' to run on a Dask cluster.",
        )
    directory = make_folder(directory, name="directory", caller=caller)
    _check_directory(directory, config)
    repair(directory)  # before anything reads the files
    (directory / CONFIG_FILE).write_text(
        json.dumps(config.to_dict(), indent=2, default=str), encoding="utf-8"
    )
    specs = plan_runs(config)
    done = finished_runs(directory)
    todo = [spec for spec in specs if spec.run_id not in done]
    n_done_before = len(specs) - len(todo)
    results = CsvSink(directory / RESULTS_FILE)
    coefficients = CsvSink(directory / COEFFICIENTS_FILE)
    if backend == "dask":
        stream = _run_dask(todo, scheduler, n_jobs, connect_timeout)
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
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

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
