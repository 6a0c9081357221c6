"""``nn2poly study`` runs a simulation study; ``nn2poly plot`` draws its figures."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .._validation import Finite, Interval, invalid_value
from ._app import app, check_option


class Backend(str, Enum):
    """The choices of ``--backend``."""

    loky = "loky"
    dask = "dask"
    serial = "serial"


@app.command("study")
def study_command(
    study: Annotated[
        str, typer.Argument(help="A preset (morala2021, tnnls2023) or a TOML configuration file.")
    ],
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="The preset's tiny variant (seconds; for trying the pipeline)."
        ),
    ] = False,
    repetitions: Annotated[
        int | None,
        typer.Option(
            "--repetitions", "-r", min=1, help="Runs per setting (overrides the study's)."
        ),
    ] = None,
    backend: Annotated[
        Backend, typer.Option("--backend", help="loky (joblib processes), dask, or serial.")
    ] = Backend.loky,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address, e.g. tcp://host:8786; without it a local cluster.",
        ),
    ] = None,
    connect_timeout: Annotated[
        float, typer.Option("--connect-timeout", help="Seconds to wait for the Dask scheduler.")
    ] = 10.0,
    n_jobs: Annotated[
        int,
        typer.Option(
            "--n-jobs", "-j", min=1, help="Parallel workers (loky processes or local Dask workers)."
        ),
    ] = 1,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output directory (default: ./<study name>)."),
    ] = None,
    plots: Annotated[
        bool, typer.Option("--plots/--no-plots", help="Draw the figures when the runs are done.")
    ] = True,
) -> None:
    """Run a simulation study; rerunning with the same output directory resumes it."""
    from ..study import load_config, plot_study, preset, run_study
    from ..study._presets import PRESETS
    from ..study._storage import make_folder

    connect_timeout = check_option(
        "--connect-timeout", connect_timeout, [Interval(float, 0, None, closed="neither")]
    )
    if scheduler is not None and backend is not Backend.dask:
        raise invalid_value(
            "scheduler",
            scheduler,
            "used with --backend dask only",
            subject="--scheduler",
            fix="Add --backend dask, or leave out --scheduler.",
        )
    if study in PRESETS:
        config = preset(study, quick=quick)
    elif quick:
        raise invalid_value(
            "quick",
            True,
            "used with a preset only",
            subject="--quick",
            fix="Lower repetitions or epochs in your TOML file instead.",
        )
    else:
        config = load_config(study)
    if repetitions is not None:
        config = config.replace(repetitions=repetitions)
    directory = make_folder(
        output if output is not None else Path(config.name),
        name="output",
        caller="nn2poly study",
        subject="--output",
    )
    result = run_study(
        config,
        directory,
        backend=backend.value,
        n_jobs=n_jobs,
        scheduler=scheduler,
        progress=True,
        connect_timeout=connect_timeout,
    )
    typer.echo(
        f"{config.name}: {result.n_new} new runs, {result.n_done_before} already done, "
        f"{result.n_runs} in all -> {result.results_path}"
    )
    if plots and result.n_runs:
        for path in plot_study(result.directory):
            typer.echo(f"wrote {path}")


@app.command("plot")
def plot_command(
    results: Annotated[Path, typer.Argument(help="A study output directory or its results.csv.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Folder for the figures (default: <results>/figures)."),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold", help="MSE threshold line and share reported (a finite number)."
        ),
    ] = 1e-2,
) -> None:
    """Draw a study's figures (MSE distributions, coefficient recovery) and its summary table."""
    from ..study import plot_study
    from ..study._storage import make_folder

    threshold = check_option("--threshold", threshold, [Finite()])
    if output is not None and output.exists():  # refuse a file; plot_study creates the folder
        make_folder(output, name="output", caller="nn2poly plot", subject="--output")
    for path in plot_study(results, output, threshold=threshold):
        typer.echo(f"wrote {path}")
