"""Arguments of the study functions are checked with the one message template."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nn2poly._validation import InvalidParameterError, InvalidParameterTypeError
from nn2poly.study import (
    StudyConfig,
    load_config,
    plot_study,
    random_polynomial,
    run_study,
    simulate,
    summarise,
)


@pytest.mark.parametrize(
    "kwargs,error,fragment",
    [
        (
            {"name": ""},
            InvalidParameterError,
            "'name' parameter of StudyConfig must be a non-empty",
        ),
        ({"repetitions": 0}, InvalidParameterError, "'repetitions' parameter of StudyConfig"),
        ({"repetitions": 2.0}, InvalidParameterTypeError, "'repetitions'"),
        ({"repetitions": True}, InvalidParameterTypeError, "'repetitions'"),
        ({"seed": -1}, InvalidParameterError, "'seed'"),
        ({"conversions": []}, InvalidParameterError, "'conversions'"),
        ({"conversions": [{"max_ordre": 3}]}, InvalidParameterError, "max_ordre"),
        ({"grid": {"widht": [3]}}, InvalidParameterError, "widht"),
        ({"grid": {"width": []}}, InvalidParameterError, "non-empty list"),
        ({"data": {"n_featurs": 2}}, InvalidParameterError, "n_featurs"),
        ({"same_data": "yes"}, InvalidParameterTypeError, "'same_data'"),
    ],
)
def test_study_config_checks(kwargs: dict, error: type, fragment: str) -> None:
    arguments = {"name": "s", **kwargs}
    with pytest.raises(error, match=fragment.replace("[", r"\[")):
        StudyConfig(**arguments)


@pytest.mark.parametrize(
    "arguments,error,fragment",
    [
        ((0, 2), InvalidParameterError, "'n_features' parameter of random_polynomial"),
        ((2, 1.5), InvalidParameterTypeError, "'degree'"),
        ((2, 2), InvalidParameterError, "lower it"),
    ],
)
def test_random_polynomial_checks(arguments: tuple, error: type, fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        random_polynomial(*arguments, terms_per_degree=[1, 9])


def test_random_polynomial_ranges() -> None:
    with pytest.raises(InvalidParameterError, match="'coef_range'"):
        random_polynomial(2, 1, coef_range=(1.0, -1.0))
    with pytest.raises(InvalidParameterError, match="'coef_range'"):
        random_polynomial(2, 1, coef_range=(0.0, np.inf))
    with pytest.raises(InvalidParameterError, match="one entry per degree"):
        random_polynomial(2, 2, terms_per_degree=[1])


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"n": 3}, "'n' parameter of simulate"),
        ({"noise_sd": -0.1}, "'noise_sd'"),
        ({"noise_sd": np.nan}, "'noise_sd'"),
        ({"test_fraction": 1.0}, "'test_fraction'"),
        ({"distribution": "cauchy"}, "'distribution'"),
        ({"distribution": "normal", "mean_range": (5, -5)}, "'mean_range'"),
        ({"distribution": "correlated_normal", "correlation": 1.0}, "'correlation'"),
    ],
)
def test_simulate_checks(kwargs: dict, fragment: str) -> None:
    arguments = {"n": 40, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        simulate(random_polynomial(2, 1, rng=0), rng=0, **arguments)


def test_run_study_checks(tmp_path: Path) -> None:
    config = StudyConfig("s", repetitions=1)
    with pytest.raises(InvalidParameterError, match="'backend' parameter of run_study"):
        run_study(config, tmp_path, backend="threads")
    with pytest.raises(InvalidParameterError, match="'n_jobs'"):
        run_study(config, tmp_path, n_jobs=0)
    with pytest.raises(InvalidParameterError, match="'connect_timeout'"):
        run_study(config, tmp_path, backend="dask", connect_timeout=float("nan"))
    with pytest.raises(InvalidParameterError, match="'scheduler'"):
        run_study(config, tmp_path, scheduler="tcp://x:1")
    with pytest.raises(InvalidParameterTypeError, match="'config'"):
        run_study({"name": "s"}, tmp_path)
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(InvalidParameterError, match="not a folder"):
        run_study(config, target)
    assert not list(tmp_path.glob("*/config.json"))


@pytest.mark.parametrize("threshold", [np.nan, np.inf, "0.1"])
def test_thresholds_are_finite_numbers(tmp_path: Path, threshold: object) -> None:
    frame = pd.DataFrame({"activation": ["tanh"], "mse_network_polynomial": [1e-3]})
    with pytest.raises((InvalidParameterError, InvalidParameterTypeError), match="'threshold'"):
        summarise(frame, ["activation"], threshold=threshold)  # type: ignore[arg-type]
    (tmp_path / "results.csv").write_text("run_id,conversion,n_conversions\n0-0,0,1\n")
    with pytest.raises((InvalidParameterError, InvalidParameterTypeError), match="'threshold'"):
        plot_study(tmp_path, threshold=threshold)  # type: ignore[arg-type]


def test_summarise_names_missing_group_columns() -> None:
    frame = pd.DataFrame({"activation": ["tanh"], "mse_network_polynomial": [1e-3]})
    with pytest.raises(ValueError, match="to group by"):
        summarise(frame, ["width"])


def test_load_config_refuses_what_is_not_a_small_toml_file(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_config(binary)
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * (1 << 20) + "\n")
    with pytest.raises(ValueError, match="more than a study configuration"):
        load_config(huge)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("name = 3\n")
    with pytest.raises(InvalidParameterTypeError, match="'name'"):
        load_config(wrong)


def test_plot_arguments_are_checked() -> None:
    import nn2poly
    from nn2poly.study import (
        coefficient_spread,
        plot_coefficient_intervals,
        plot_coefficient_recovery,
        plot_mse_distribution,
        plot_surfaces,
    )

    frame = pd.DataFrame({"activation": ["tanh"], "mse_network_polynomial": [1e-3]})
    with pytest.raises(InvalidParameterError, match="'threshold' parameter of plot_mse_dist"):
        plot_mse_distribution(frame, threshold=float("nan"))
    coefficients = pd.DataFrame({"term": ["1"], "true": [0.5], "recovered": [0.4]})
    with pytest.raises(InvalidParameterError, match="'max_points'"):
        plot_coefficient_recovery(coefficients, max_points=0)
    powers = np.array([[0, 0], [1, 0]])
    polys = [nn2poly.Polynomial(powers, np.array([0.1, 1.0 + d])) for d in (-0.1, 0.1)]
    with pytest.raises(InvalidParameterError, match="'n' parameter"):
        plot_coefficient_intervals(coefficient_spread(polys), n=0)
    with pytest.raises(InvalidParameterError, match="'resolution'"):
        plot_surfaces(polys[0], polys[0], polys[0], resolution=1)
    with pytest.raises(InvalidParameterTypeError, match="'network' parameter of plot_surfaces"):
        plot_surfaces(polys[0], "not a model", polys[0])
