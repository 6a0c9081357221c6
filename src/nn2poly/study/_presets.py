"""Presets that reproduce the published simulation studies, each with a quick variant."""

from __future__ import annotations

from typing import Any

from .._validation import Options, check_param
from ._config import StudyConfig

__all__ = ["PRESETS", "preset"]


def _morala2021(quick: bool) -> StudyConfig:
    """Morala et al. (2021): one hidden layer, p = 3, with and without the l1 constraint.

    Full degree-2 polynomial (10 terms, intercept included) with coefficients
    U(-5, 5); X ~ N(mu, I) with mu ~ U(-10, 10); noise sd 0.1; n = 200; X and y
    min-max scaled to [-1, 1]; widths 4 and 10; softplus, tanh, sigmoid; Taylor
    orders 3, 5 and 7 (with max_order equal to the Taylor order, the whole
    polynomial of a one-hidden-layer network); 500 repetitions.
    """
    data = {
        "n_features": 3,
        "degree": 2,
        "terms_per_degree": None,
        "coef_range": [-5.0, 5.0],
        "intercept": True,
        "n": 60 if quick else 200,
        "distribution": "normal",
        "mean_range": [-10.0, 10.0],
        "noise_sd": 0.1,
        "scale_x": True,
        "scale_y": True,
    }
    network = {
        "depth": 1,
        "optimizer": "adam",
        "learning_rate": 0.01,
        "epochs": 3 if quick else 300,
        "batch_size": 50,
    }
    grid: dict[str, list[Any]] = {
        "activation": ["softplus", "tanh", "sigmoid"],
        "width": [4, 10],
        "constraint": ["none", "l1"],
    }
    conversions = [{"max_order": q, "taylor_order": q} for q in (3, 5, 7)]
    return StudyConfig(
        "morala2021-quick" if quick else "morala2021",
        data=data,
        network=network,
        grid=grid,
        conversions=conversions,
        repetitions=1 if quick else 500,
        seed=2021,
    )


def _tnnls2023(quick: bool) -> StudyConfig:
    """Morala et al. (2023, IEEE TNNLS): deep l1-constrained networks, p = 5.

    X ~ U(-1, 1), n = 500; 5 linear and 5 random second-order terms with
    coefficients U(-3, 3), no intercept; noise sd 0.1; X min-max scaled, y left
    in its units; 1, 3, 5 or 7 hidden layers of width 50 or 100; tanh, softplus,
    sigmoid; Adam, 700 epochs, batch 100; l1 constraint; max_order 3 with Taylor
    order 8; 20 repetitions.
    """
    data = {
        "n_features": 5,
        "degree": 2,
        "terms_per_degree": [None, 5],
        "coef_range": [-3.0, 3.0],
        "intercept": False,
        "n": 60 if quick else 500,
        "distribution": "uniform",
        "noise_sd": 0.1,
        "scale_x": True,
        "scale_y": False,
    }
    network = {
        "constraint": "l1",
        "optimizer": "adam",
        "learning_rate": 0.001,
        "epochs": 2 if quick else 700,
        "batch_size": 100,
    }
    grid: dict[str, list[Any]] = {
        "activation": ["tanh", "softplus", "sigmoid"],
        "depth": [1, 3] if quick else [1, 3, 5, 7],
        "width": [8] if quick else [50, 100],
    }
    return StudyConfig(
        "tnnls2023-quick" if quick else "tnnls2023",
        data=data,
        network=network,
        grid=grid,
        conversions=[{"max_order": 3, "taylor_order": 8}],
        repetitions=1 if quick else 20,
        seed=2023,
    )


PRESETS = {"morala2021": _morala2021, "tnnls2023": _tnnls2023}


def preset(name: str, *, quick: bool = False) -> StudyConfig:
    """A published study by name: ``'morala2021'`` or ``'tnnls2023'``.

    Parameters
    ----------
    name : str
    quick : bool, default=False
        A tiny variant (small n, few epochs, one repetition) that runs in seconds;
        for tests and for trying the pipeline, not for conclusions.

    Examples
    --------
    >>> config = preset("tnnls2023")
    >>> len(config.settings()), config.repetitions
    (24, 20)
    >>> preset("morala2021", quick=True).repetitions
    1
    """
    name = check_param(
        "name",
        name,
        [Options(set(PRESETS))],
        caller="preset",
        fix="Those are the presets; for a study of your own, give a TOML file to load_config.",
    )
    quick = check_param("quick", quick, [bool], caller="preset")
    return PRESETS[name](quick)
