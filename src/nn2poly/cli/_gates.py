"""``nn2poly solve-gates``: critical points of polynomial networks fitted to logic gates."""

from __future__ import annotations

from typing import Annotated

import typer

from .._validation import Finite, Interval, invalid_value
from ._app import app, check_option

_GATES = ("xor", "or", "and")
_ACTIVATIONS = ("identity", "square", "tanh3")
_SOLVERS = ("groebner", "newton", "layerwise", "gd")


def _choices(value: str, allowed: tuple[str, ...], option: str) -> list[str]:
    """One name, several separated by commas, or ``all``."""
    keys = [part.strip().lower() for part in value.split(",") if part.strip()]
    if keys == ["all"]:
        return list(allowed)
    unknown = [key for key in keys if key not in allowed]
    if unknown or not keys:
        raise invalid_value(
            option.lstrip("-"),
            value,
            f"one of {', '.join(allowed)}, several separated by commas, or all",
            subject=option,
        )
    return list(dict.fromkeys(keys))


#: Largest networks and numbers of starts the command accepts: every solver
#: runs on every gate and activation, so a run stays within minutes.
MAX_COMMAND_PARAMETERS = 40
MAX_SEEDS = 200


def _hidden(value: str) -> tuple[int, ...]:
    if value.strip() in ("", "none", "0"):
        return ()
    expected = "comma-separated layer sizes of at least 1, such as 2,2"
    try:
        sizes = tuple(int(part) for part in value.split(","))
    except ValueError:
        sizes = (0,)
    if any(size < 1 for size in sizes):
        raise invalid_value("hidden", value, expected, subject="--hidden")
    return sizes


def _check_size(value: str, n_parameters: int) -> None:
    if n_parameters > MAX_COMMAND_PARAMETERS:
        raise invalid_value(
            "hidden",
            value,
            f"layer sizes giving at most {MAX_COMMAND_PARAMETERS} weights and biases "
            f"(these give {n_parameters})",
            subject="--hidden",
            fix="Use narrower or fewer hidden layers, e.g. 2,2 or 4,4; the library's "
            "nn2poly.polynet.solve_gates accepts larger networks.",
        )


def _number(value: float) -> str:
    if value != value:  # NaN
        return "—"
    return f"{value:.4g}" if abs(value) >= 1e-10 else "0"


@app.command("solve-gates")
def solve_gates_command(
    gate: Annotated[str, typer.Option(help="xor, or, and (comma-separated) or all.")] = "xor",
    activation: Annotated[
        str, typer.Option(help="identity, square, tanh3 (comma-separated) or all.")
    ] = "identity",
    solver: Annotated[
        str, typer.Option(help="groebner, newton, layerwise, gd (comma-separated) or all.")
    ] = "all",
    seeds: Annotated[int, typer.Option(help="Random starts of each iterative solver.")] = 20,
    bias: Annotated[
        bool, typer.Option("--bias/--no-bias", help="Give every neuron a bias.")
    ] = False,
    hidden: Annotated[str, typer.Option(help="Hidden layer sizes, comma-separated.")] = "2,2",
    time_limit: Annotated[
        float, typer.Option(help="Seconds allowed to the Gröbner solver.")
    ] = 20.0,
    scale: Annotated[float, typer.Option(help="Standard deviation of the starting weights.")] = 0.5,
    seed: Annotated[int, typer.Option(help="Seed of the starting points.")] = 0,
) -> None:
    """Compare critical-point solvers and gradient descent on XOR/OR/AND gates.

    The default is the bias-free XOR network with two hidden layers of two
    identity neurons. After the table, NN2Poly shows which polynomial in x1, x2
    the best network computes and whether it has the x1*x2 term the gate needs.
    """
    gates = _choices(gate, _GATES, "--gate")
    activations = _choices(activation, _ACTIVATIONS, "--activation")
    solvers = _choices(solver, _SOLVERS, "--solver")
    sizes = _hidden(hidden)
    check_option("--seeds", seeds, [Interval(int, 1, MAX_SEEDS)])
    check_option("--time-limit", time_limit, [Interval(float, 0, None, closed="neither")])
    check_option("--scale", scale, [Finite()])

    from rich.console import Console
    from rich.table import Table

    from ..polynet import PolynomialNetwork, explain_fit, solve_gates

    _check_size(hidden, PolynomialNetwork(2, sizes, "identity", use_bias=bias).n_parameters)

    rows = solve_gates(
        gates=gates,
        activations=activations,
        use_bias=[bias],
        solvers=solvers,
        hidden_sizes=sizes,
        n_seeds=seeds,
        seed=seed,
        scale=scale,
        time_limit=time_limit,
    )
    console = Console()
    if not console.is_terminal:  # files and pipes: room for every column
        console = Console(width=max(console.width, 170))
    architecture = "-".join(str(n) for n in (2, *sizes, 1))
    table = Table(
        title=f"Critical points of the squared-error loss, network {architecture}, "
        f"{'with' if bias else 'no'} biases"
    )
    for column in (
        "gate",
        "activation",
        "solver",
        "status",
        "runs",
        "time s",
        "best loss",
        "median loss",
        "converged",
        "critical pts",
        "minima",
        "minimum levels",
        "at global min",
    ):
        table.add_column(
            column,
            justify="left" if column in ("gate", "activation", "solver", "status") else "right",
        )
    for row in rows:
        levels = ", ".join(_number(v) for v in row.minimum_levels[:4])
        if len(row.minimum_levels) > 4:
            levels += ", …"
        share = "—" if row.share_global != row.share_global else f"{row.share_global:.0%}"
        table.add_row(
            row.gate,
            row.activation,
            row.solver,
            row.status,
            str(row.n_runs),
            f"{row.wall_time:.2f}",
            _number(row.best_loss),
            _number(row.median_loss),
            str(row.n_converged),
            str(row.n_critical),
            str(row.n_minima),
            levels or "—",
            share,
        )
    console.print(table)
    for row in rows:
        if row.message and row.solver == "groebner":
            console.print(f"Gröbner, {row.gate}/{row.activation}: {row.status} — {row.message}")
    seen = set()
    for row in sorted(
        rows, key=lambda r: r.best_loss if r.best_loss == r.best_loss else float("inf")
    ):
        key = (row.gate, row.activation)
        if key in seen or row.best_point is None:
            continue
        seen.add(key)
        network = PolynomialNetwork(2, sizes, row.activation, bias)
        explanation = explain_fit(network, row.best_point, row.gate)
        needed = explanation.interpolant[(1, 2)]
        verdict = "can fit the gate" if explanation.loss < 1e-8 else "cannot fit the gate exactly"
        console.print(
            f"NN2Poly, {row.gate}/{row.activation}: best network "
            f"(loss {_number(explanation.loss)}) is a degree-{explanation.degree} polynomial in "
            f"x; on {{0,1}}² its x1·x2 coefficient is "
            f"{_number(explanation.interaction)} (the gate needs {needed:g}): {verdict}."
        )
