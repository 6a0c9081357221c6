"""``nn2poly study`` runs a simulation study; ``nn2poly plot`` draws its figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._app import app, fail


@app.command("study")
def study_command(
    study: Annotated[str, typer.Argument(help="A preset (morala2021, tnnls2023) or a TOML configuration file.")],
    quick: Annotated[bool, typer.Option("--quick", help="The preset's tiny variant (seconds; for trying the pipeline).")] = False,
    repetitions: Annotated[Optional[int], typer.Option("--repetitions", "-r", help="Runs per setting (overrides the study's).")] = None,
    backend: Annotated[str, typer.Option("--backend", help="loky (joblib processes), dask, or serial.")] = "loky",
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786; without it a local cluster.")] = None,
    n_jobs: Annotated[int, typer.Option("--n-jobs", "-j", help="Parallel workers (loky processes or local Dask workers).")] = 1,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Output directory (default: ./<study name>).")] = None,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Draw the figures when the runs are done.")] = True,
) -> None:
    """Run a simulation study; rerunning with the same output directory resumes it."""
    from ..study import load_config, plot_study, preset, run_study
    from ..study._presets import PRESETS

    try:
        if study in PRESETS:
            config = preset(study, quick=quick)
        else:
            if quick:
                fail("--quick applies to the presets only; lower repetitions or epochs in your TOML file instead.")
            config = load_config(study)
        if repetitions is not None:
            config = config.replace(repetitions=repetitions)
        if backend not in ("loky", "dask", "serial"):
            fail(f"--backend must be loky, dask or serial; got {backend!r}.")
        if scheduler is not None and backend != "dask":
            fail("--scheduler needs --backend dask.")
        directory = output if output is not None else Path(config.name)
        result = run_study(config, directory, backend=backend, n_jobs=n_jobs, scheduler=scheduler, progress=True)
    except (ValueError, TypeError) as error:
        fail(str(error))
        return
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
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder for the figures (default: <results>/figures).")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="MSE threshold line and share reported.")] = 1e-2,
) -> None:
    """Draw a study's figures (MSE distributions, coefficient recovery) and its summary table."""
    from ..study import plot_study

    try:
        written = plot_study(results, output, threshold=threshold)
    except ValueError as error:
        fail(str(error))
        return
    for path in written:
        typer.echo(f"wrote {path}")
