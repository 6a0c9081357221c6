"""The logic-gate study: every solver on every gate, side by side."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import Interval, Options, check_param, invalid_value
from ._gradient_descent import solve_gradient_descent
from ._groebner import solve_groebner
from ._layerwise import solve_layerwise
from ._loss import GATES, LossPolynomial, gate_data
from ._network import PolynomialNetwork
from ._newton import solve_newton
from ._results import SolverResult

__all__ = ["SOLVERS", "ComparisonRow", "run_solver", "solve_gates"]

SOLVERS = ("groebner", "newton", "layerwise", "gd")


def run_solver(
    loss: LossPolynomial,
    solver: str,
    *,
    n_seeds: int = 20,
    seed: int = 0,
    scale: float = 0.5,
    time_limit: float = 20.0,
) -> SolverResult:
    """Run one solver by name (``"groebner"``, ``"newton"``, ``"layerwise"``, ``"gd"``).

    ``n_seeds`` random starts for the iterative solvers, drawn with ``seed``
    and standard deviation ``scale`` (the same starts for all three);
    ``time_limit`` seconds for the Gröbner solver.

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork, LossPolynomial, gate_data
    >>> loss = LossPolynomial.build(PolynomialNetwork(2, (), "identity"), *gate_data("or"))
    >>> round(run_solver(loss, "newton", n_seeds=2).best_loss, 6)
    0.25
    """
    solver = check_param("solver", solver, [Options(set(SOLVERS))], caller="run_solver")
    n_seeds = check_param("n_seeds", n_seeds, [Interval(int, 1, None)], caller="run_solver")
    if solver == "groebner":
        return solve_groebner(loss, time_limit=time_limit, seed=seed)
    if solver == "newton":
        return solve_newton(loss, n_starts=n_seeds, seed=seed, scale=scale)
    if solver == "layerwise":
        return solve_layerwise(loss, n_starts=n_seeds, seed=seed, scale=scale)
    return solve_gradient_descent(loss, n_starts=n_seeds, seed=seed, scale=scale)


@dataclass(frozen=True)
class ComparisonRow:
    """One solver on one gate and architecture.

    Attributes
    ----------
    gate, activation, solver, status : str
    use_bias : bool
    n_runs : int
        Starts (1 for the Gröbner solver).
    wall_time : float
        Seconds, all runs together.
    best_loss, median_loss : float
        Over the runs' final losses (NaN where none; diverged runs are NaN).
    n_converged : int
        Runs that ended at a critical point.
    n_critical : int
        Distinct real critical points found.
    n_minima : int
        Distinct local minima among them (positions).
    minimum_levels : tuple of float
        Distinct loss values of those minima.
    global_minimum : float
        Lowest loss any solver reached on this gate and architecture.
    share_global : float
        Share of runs ending within 1e-6 of ``global_minimum``.
    message : str
    best_point : ndarray of shape (n_parameters,) or None
        The lowest critical point found (canonical order), if any.
    """

    gate: str
    activation: str
    use_bias: bool
    solver: str
    status: str
    n_runs: int
    wall_time: float
    best_loss: float
    median_loss: float
    n_converged: int
    n_critical: int
    n_minima: int
    minimum_levels: tuple[float, ...]
    global_minimum: float
    share_global: float
    message: str
    best_point: np.ndarray | None = None


def _check_choice(name: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """``values`` in lower case; refuse an empty sequence or a value not in ``allowed``."""
    expected = "a non-empty sequence of " + ", ".join(repr(value) for value in allowed)
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise invalid_value(
            name,
            values,
            expected,
            caller="solve_gates",
            fix=f"Give a list, e.g. [{allowed[0]!r}].",
            type_error=not isinstance(values, (str, bytes)),
        )
    chosen = tuple(str(v).lower() for v in values)
    unknown = [v for v in chosen if v not in allowed]
    if unknown or not chosen:
        fix = f"Unknown: {unknown}." if unknown else "Give at least one."
        raise invalid_value(name, list(values), expected, caller="solve_gates", fix=fix)
    return chosen


def solve_gates(
    *,
    gates: Sequence[str] = ("xor",),
    activations: Sequence[str] = ("identity",),
    use_bias: Sequence[bool] = (False,),
    solvers: Sequence[str] = SOLVERS,
    hidden_sizes: tuple[int, ...] = (2, 2),
    n_seeds: int = 20,
    seed: int = 0,
    scale: float = 0.5,
    time_limit: float = 20.0,
) -> list[ComparisonRow]:
    """Train polynomial networks on logic gates with each solver and compare.

    The default is the original experiment: XOR, two inputs, two hidden layers
    of two identity neurons, no biases.

    Parameters
    ----------
    gates : sequence of {"xor", "or", "and"}
    activations : sequence of str
        Hidden activations: ``"identity"``, ``"square"``, ``"tanh3"`` ...
    use_bias : sequence of bool
    solvers : sequence of {"groebner", "newton", "layerwise", "gd"}
    hidden_sizes : tuple of int, default=(2, 2)
    n_seeds : int, default=20
        Random starts of each iterative solver.
    seed : int, default=0
    scale : float, default=0.5
        Standard deviation of the starting weights.
    time_limit : float, default=20
        Seconds allowed to the Gröbner solver per configuration.

    Returns
    -------
    list of ComparisonRow
        One per gate, activation, bias setting and solver.

    Examples
    --------
    >>> rows = solve_gates(
    ...     gates=["or"], hidden_sizes=(), use_bias=[True], solvers=["newton"], n_seeds=2
    ... )
    >>> [(row.solver, round(row.best_loss, 6), row.share_global) for row in rows]
    [('newton', 0.25, 1.0)]
    """
    gates = _check_choice("gates", gates, tuple(GATES))
    solvers = _check_choice("solvers", solvers, SOLVERS)
    n_seeds = check_param("n_seeds", n_seeds, [Interval(int, 1, None)], caller="solve_gates")
    rows: list[ComparisonRow] = []
    for gate in gates:
        for activation in activations:
            for bias in use_bias:
                network = PolynomialNetwork(2, tuple(hidden_sizes), activation, bool(bias))
                loss = LossPolynomial.build(network, *gate_data(gate))
                results = [
                    run_solver(
                        loss, s, n_seeds=n_seeds, seed=seed, scale=scale, time_limit=time_limit
                    )
                    for s in solvers
                ]
                finite = [r.best_loss for r in results if np.isfinite(r.best_loss)]
                global_minimum = min(finite) if finite else float("nan")
                for result in results:
                    losses = result.run_losses
                    has_finite = bool(np.isfinite(losses).any())
                    rows.append(
                        ComparisonRow(
                            gate=gate,
                            activation=network.activation,
                            use_bias=bool(bias),
                            solver=result.solver,
                            status=result.status,
                            n_runs=len(losses),
                            wall_time=result.elapsed,
                            best_loss=float(np.nanmin(losses)) if has_finite else float("nan"),
                            median_loss=float(np.nanmedian(losses)) if has_finite else float("nan"),
                            n_converged=int(np.sum(result.run_converged)),
                            n_critical=len(result.critical_points),
                            n_minima=len(result.minima),
                            minimum_levels=tuple(result.minimum_levels()),
                            global_minimum=global_minimum,
                            share_global=result.share_reaching(global_minimum),
                            message=result.message,
                            best_point=(
                                result.critical_points[0].parameters
                                if result.critical_points
                                else None
                            ),
                        )
                    )
    return rows
