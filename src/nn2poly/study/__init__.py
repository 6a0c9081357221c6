"""Simulation studies: data from known polynomials, many trained networks, their polynomials.

Generate data from a random sparse polynomial, train networks over a grid of
settings and repetitions, convert each, and measure how close network,
polynomial and truth are. Results stream to CSV and a rerun resumes; runs go
in parallel with joblib (loky) or on a Dask cluster. Needs torch, joblib,
pandas (and distributed for Dask, matplotlib for the plots).

Examples
--------
>>> import numpy as np
>>> from nn2poly.study import random_polynomial, simulate
>>> data = simulate(random_polynomial(3, 2, rng=0), 200, distribution="normal",
...                 mean_range=(-10, 10), noise_sd=0.0, rng=0)
>>> bool(np.allclose(data.true_scaled.predict(data.X_scaled), data.y_scaled))
True
"""

from ._config import DATA_DEFAULTS, NETWORK_DEFAULTS, StudyConfig, load_config
from ._generate import SimulatedData, random_polynomial, simulate
from ._plots import (
    plot_coefficient_intervals,
    plot_coefficient_recovery,
    plot_mse_distribution,
    plot_surfaces,
)
from ._presets import PRESETS, preset
from ._report import plot_study
from ._results import load_coefficients, load_results, summarise
from ._runner import BACKENDS, StudyResult, plan_runs, run_study
from ._scaling import MinMaxScaling, affine_substitute
from ._single import RunSpec, make_data, run_one
from ._spread import CoefficientSpread, coefficient_spread, same_data_networks

__all__ = [
    "BACKENDS",
    "DATA_DEFAULTS",
    "NETWORK_DEFAULTS",
    "PRESETS",
    "CoefficientSpread",
    "MinMaxScaling",
    "RunSpec",
    "SimulatedData",
    "StudyConfig",
    "StudyResult",
    "affine_substitute",
    "coefficient_spread",
    "load_coefficients",
    "load_config",
    "load_results",
    "make_data",
    "plan_runs",
    "plot_coefficient_intervals",
    "plot_coefficient_recovery",
    "plot_mse_distribution",
    "plot_study",
    "plot_surfaces",
    "preset",
    "random_polynomial",
    "run_one",
    "run_study",
    "same_data_networks",
    "simulate",
    "summarise",
]
