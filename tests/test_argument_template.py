"""Arguments of polynet, training, plotting and study are refused in the one message template.

Each refusal names the parameter and its function, says what was expected and what was given,
and (where the table cannot say it) how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import nn2poly
from nn2poly._validation import InvalidParameterError, InvalidParameterTypeError
from nn2poly.polynet import (
    LossPolynomial,
    PolynomialNetwork,
    boolean_reduction,
    explain_fit,
    gate_data,
    gate_interpolant,
    polynomial_activation,
    run_solver,
    solve_gates,
    solve_groebner,
    solve_layerwise,
    solve_newton,
)
from nn2poly.study import (
    coefficient_spread,
    load_config,
    load_results,
    plot_coefficient_recovery,
    plot_mse_distribution,
    plot_study,
    preset,
    same_data_networks,
    summarise,
)
from nn2poly.study._scaling import MinMaxScaling

TEMPLATE = re.compile(r"^The '(?P<name>[^']+)' parameter of (?P<caller>\S+) must be .+\. Got .+ ")


def _loss() -> LossPolynomial:
    return LossPolynomial.build(PolynomialNetwork(2, (), "identity"), *gate_data("or"))


def _poly(n_features: int = 2) -> nn2poly.Polynomial:
    powers = np.eye(n_features, dtype=int)
    return nn2poly.Polynomial(powers, np.ones(n_features))


FRAME = pd.DataFrame({"activation": ["tanh"], "mse_network_polynomial": [1e-3]})

VE, TE = InvalidParameterError, InvalidParameterTypeError

#: (call, error class, "parameter caller"), one per refusal
CASES: dict[str, tuple[Callable[[], Any], type, str]] = {
    "n_inputs": (lambda: PolynomialNetwork(0, (2,)), VE, "n_inputs PolynomialNetwork"),
    "hidden_sizes": (lambda: PolynomialNetwork(2, 5), TE, "hidden_sizes PolynomialNetwork"),
    "activation": (lambda: PolynomialNetwork(2, (2,), 3), TE, "activation PolynomialNetwork"),
    "activation_name": (lambda: polynomial_activation("relu"), VE, "name polynomial_activation"),
    "forward_X": (
        lambda: PolynomialNetwork(2, ()).forward(np.zeros(3), np.zeros((4, 3))),
        VE,
        "X PolynomialNetwork.forward",
    ),
    "unpack": (
        lambda: PolynomialNetwork(2, ()).unpack(np.zeros(5)),
        VE,
        "parameters PolynomialNetwork.unpack",
    ),
    "gate": (lambda: gate_interpolant("nand"), VE, "gate gate_interpolant"),
    "reduction": (lambda: boolean_reduction(_poly(3)), VE, "polynomial boolean_reduction"),
    "explain": (
        lambda: explain_fit(PolynomialNetwork(3, ()), np.zeros(4), "xor"),
        VE,
        "network explain_fit",
    ),
    "loss_X": (
        lambda: LossPolynomial.build(PolynomialNetwork(3, ()), *gate_data("or")),
        VE,
        "X LossPolynomial.build",
    ),
    "starts": (lambda: solve_newton(_loss(), starts=np.zeros((2, 5))), VE, "starts solve_newton"),
    "n_starts": (lambda: solve_layerwise(_loss(), n_starts=0), VE, "n_starts solve_layerwise"),
    "solver": (lambda: run_solver(_loss(), "sgd"), VE, "solver run_solver"),
    "gates_str": (lambda: solve_gates(gates="xor"), VE, "gates solve_gates"),
    "solvers_type": (lambda: solve_gates(solvers=None), TE, "solvers solve_gates"),
    "n_seeds": (lambda: solve_gates(n_seeds=0), VE, "n_seeds solve_gates"),
    "time_limit": (
        lambda: solve_groebner(_loss(), time_limit="1"),
        TE,
        "time_limit solve_groebner",
    ),
    "preset": (lambda: preset("nope"), VE, "name preset"),
    "preset_quick": (lambda: preset("tnnls2023", quick=1), TE, "quick preset"),
    "metric": (lambda: summarise(FRAME, ["activation"], metric="r2"), VE, "metric summarise"),
    "panel": (
        lambda: plot_mse_distribution(FRAME, panel="width"),
        VE,
        "panel plot_mse_distribution",
    ),
    "coefficients": (
        lambda: plot_coefficient_recovery(FRAME),
        VE,
        "coefficients plot_coefficient_recovery",
    ),
    "spread_one": (lambda: coefficient_spread([_poly()]), VE, "polynomials coefficient_spread"),
    "spread_type": (
        lambda: coefficient_spread([_poly(), "b"]),
        TE,
        "polynomials coefficient_spread",
    ),
    "seeds": (
        lambda: same_data_networks(np.zeros((4, 2)), np.zeros(4), k=2, seeds=[1]),
        VE,
        "seeds same_data_networks",
    ),
    "scaling": (lambda: MinMaxScaling.fit(np.zeros((0, 2))), VE, "values MinMaxScaling.fit"),
}


@pytest.mark.parametrize("call,error,where", list(CASES.values()), ids=list(CASES))
def test_refusals_follow_the_template(call: Callable[[], Any], error: type, where: str) -> None:
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    match = TEMPLATE.match(message)
    assert match is not None, message
    assert f"{match['name']} {match['caller']}" == where
    assert "\n" not in message


def test_training_refusals_follow_the_template() -> None:
    pytest.importorskip("torch")
    from nn2poly.training import MLPClassifier, MLPRegressor
    from nn2poly.training._torch_mlp import ActivationModule

    X = np.random.default_rng(0).uniform(-1, 1, (5, 2))
    with pytest.raises(InvalidParameterError, match="'activation' parameter of MLPRegressor"):
        MLPRegressor((3,), activation="step", epochs=1).fit(X, X[:, 0])
    with pytest.raises(InvalidParameterError, match=r"'validation_fraction'.*raise it"):
        MLPRegressor((3,), validation_fraction=0.01, epochs=1).fit(X, X[:, 0])
    with pytest.raises(InvalidParameterError, match=r"'validation_fraction'.*lower it"):
        MLPRegressor((3,), validation_fraction=0.95, epochs=1).fit(X, X[:, 0])
    with pytest.raises(InvalidParameterError, match=r"'y' parameter of MLPClassifier\.fit"):
        MLPClassifier((3,), epochs=1).fit(X, np.ones(5))
    with pytest.raises(InvalidParameterError, match="'name' parameter of ActivationModule"):
        ActivationModule("step")


def test_plot_and_folder_refusals_follow_the_template(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as pyplot

    from nn2poly.plotting import plot_fidelity

    figure, axes = pyplot.subplots(1, 2)
    with pytest.raises(InvalidParameterError, match="'ax' parameter of plot_fidelity must be a"):
        plot_fidelity(np.zeros(3), np.zeros(3), ax=axes)
    pyplot.close(figure)
    with pytest.raises(InvalidParameterError, match="'path' parameter of load_config"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(InvalidParameterError, match="'path' parameter of load_results"):
        load_results(tmp_path)
    with pytest.raises(InvalidParameterError, match="'results' parameter of plot_study"):
        plot_study(tmp_path)
    (tmp_path / "results.csv").write_text("")
    with pytest.raises(InvalidParameterError, match="no finished runs"):
        plot_study(tmp_path)
