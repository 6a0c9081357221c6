"""The study runner: streaming, resume after an interruption, backends, presets, the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from nn2poly.cli import app
from nn2poly.study import (
    StudyConfig,
    _runner,
    load_coefficients,
    load_results,
    make_data,
    preset,
    run_study,
    summarise,
)

TIMES = ["train_seconds", "convert_seconds"]


def tiny(repetitions: int = 2) -> StudyConfig:
    return StudyConfig(
        "tiny",
        data={"n_features": 2, "n": 40, "noise_sd": 0.05},
        network={"width": 3, "epochs": 2, "batch_size": 16, "learning_rate": 0.01},
        grid={"activation": ["tanh", "softplus"], "constraint": ["none", "l1"]},
        conversions=[{"max_order": 2, "taylor_order": 3}, {"max_order": 3, "taylor_order": 5}],
        repetitions=repetitions,
        seed=7,
    )


def numbers(directory) -> pd.DataFrame:
    frame = load_results(directory).drop(columns=TIMES)
    return frame.sort_values(["run_id", "conversion"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    directory = tmp_path_factory.mktemp("reference")
    result = run_study(tiny(), directory, backend="serial")
    assert (result.n_runs, result.n_new, result.n_done_before) == (8, 8, 0)
    return directory


def test_rows_metrics_and_coefficients(reference):
    frame = load_results(reference)
    assert len(frame) == 16 and set(frame["constraint"]) == {"none", "l1"}
    unconstrained = frame[frame["constraint"] == "none"]
    assert (
        unconstrained["max_l1_norm"].max() > 1
        and frame[frame["constraint"] == "l1"]["max_l1_norm"].max() <= 1 + 1e-6
    )
    assert not frame.loc[frame["constraint"] == "l1", "taylor_warning"].any()
    for column in ["mse_network_polynomial", "mse_network_y", "mse_polynomial_y", "coef_rmse"]:
        assert (frame[column] >= 0).all()
    coefficients = load_coefficients(reference)
    assert len(coefficients) == 16 * 6  # every term of the full degree-2 polynomial in 2 variables
    table = summarise(frame, ["activation"])
    assert table["runs"].tolist() == [8, 8]


def test_resume_after_an_interruption(reference, tmp_path, monkeypatch):
    calls = {"n": 0}
    real = _runner.run_one

    def interrupted(spec, torch_threads=1):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(spec, torch_threads)

    monkeypatch.setattr(_runner, "run_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_study(tiny(), tmp_path, backend="serial")
    assert len(load_results(tmp_path)) == 3 * 2
    with (tmp_path / "results.csv").open("a") as handle:
        handle.write("tiny,0,1,0-1,tanh,no")  # a line cut by the interruption
    monkeypatch.setattr(_runner, "run_one", real)
    result = run_study(tiny(), tmp_path, backend="serial")
    assert (result.n_done_before, result.n_new) == (3, 5)
    pd.testing.assert_frame_equal(numbers(tmp_path), numbers(reference))
    again = run_study(tiny(), tmp_path, backend="serial")
    assert again.n_new == 0
    more = run_study(tiny(3), tmp_path, backend="serial")
    assert (more.n_done_before, more.n_new) == (8, 4)


def test_refuses_to_mix_studies(reference, tmp_path):
    run_study(tiny(1), tmp_path, backend="serial")
    with pytest.raises(ValueError, match="another study"):
        run_study(tiny(1).replace(seed=8), tmp_path, backend="serial")


@pytest.mark.slow
def test_loky_gives_the_same_numbers(reference, tmp_path):
    run_study(tiny(), tmp_path, backend="loky", n_jobs=2)
    pd.testing.assert_frame_equal(numbers(tmp_path), numbers(reference))


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use:UserWarning")
@pytest.mark.filterwarnings("ignore:.*unclosed.*:ResourceWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning:distributed")
def test_dask_local_cluster_gives_the_same_numbers(reference, tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            run_study(tiny(), tmp_path / "client", backend="dask", scheduler=client)
        run_study(tiny(), tmp_path / "address", backend="dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(numbers(tmp_path / "client"), numbers(reference))
    pd.testing.assert_frame_equal(numbers(tmp_path / "address"), numbers(reference))


@pytest.mark.parametrize("name", ["morala2021", "tnnls2023"])
def test_each_preset_quick_run(name, tmp_path):
    config = preset(name, quick=True)
    result = run_study(config, tmp_path, backend="serial")
    frame = load_results(tmp_path)
    assert result.n_new == len(config.settings()) and len(frame) == result.n_new * len(
        config.conversions
    )
    assert np.isfinite(frame["mse_network_polynomial"]).all()
    if name == "morala2021":
        assert frame.loc[frame["constraint"] == "none", "taylor_warning"].any()


def test_same_data_mode_reuses_the_data(tmp_path):
    config = tiny(3).replace(same_data=True, grid={"activation": ["tanh"]})
    run_study(config, tmp_path, backend="serial")
    frame = load_results(tmp_path)
    assert frame["data_seed"].nunique() == 1 and frame["network_seed"].nunique() == 3
    data = make_data(config.settings()[0]["data"], int(frame["data_seed"].iloc[0]))
    assert data.X.shape == (40, 2)


def test_cli_study_resume_and_plot(tmp_path):
    runner = CliRunner()
    out = tmp_path / "t"
    first = runner.invoke(
        app, ["study", "tnnls2023", "--quick", "--backend", "serial", "-o", str(out), "--no-plots"]
    )
    assert first.exit_code == 0, first.output
    assert "6 new runs, 0 already done" in first.output
    second = runner.invoke(
        app, ["study", "tnnls2023", "--quick", "--backend", "serial", "-o", str(out), "--no-plots"]
    )
    assert "0 new runs, 6 already done" in second.output
    plotted = runner.invoke(app, ["plot", str(out), "-o", str(tmp_path / "figs")])
    assert plotted.exit_code == 0, plotted.output
    assert (tmp_path / "figs" / "mse_network_polynomial.png").stat().st_size > 1000
    assert (tmp_path / "figs" / "summary.csv").is_file()


def test_cli_errors_are_one_line(tmp_path):
    runner = CliRunner()
    unknown = runner.invoke(app, ["study", str(tmp_path / "missing.toml")])
    assert unknown.exit_code == 2 and "preset name" in unknown.output
    bad = runner.invoke(app, ["study", "tnnls2023", "--quick", "--scheduler", "tcp://x:1"])
    assert bad.exit_code == 2 and "--backend dask" in bad.output
    empty = runner.invoke(app, ["plot", str(tmp_path)])
    assert empty.exit_code == 2 and "results.csv" in empty.output
