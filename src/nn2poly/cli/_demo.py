"""``nn2poly demo``: train a constrained network on data from a known polynomial and recover it."""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from .._polynomial import Polynomial
from .._powers import labels_to_powers
from ._app import app, fail

#: The known sparse polynomial, on inputs in [-1, 1]: R-style label -> coefficient.
TRUE_COEFFICIENTS: dict[tuple[int, ...], float] = {
    (0,): 0.5,
    (1,): 2.0,
    (2,): -1.5,
    (3,): 1.0,
    (1, 2): 1.5,
    (3, 4): -1.0,
}
N_FEATURES = 5
NOISE_SD = 0.1
SEED = 2024


@dataclass(frozen=True)
class DemoSettings:
    """Sizes of the demo run."""

    n_train: int
    n_test: int
    epochs: int
    learning_rate: float
    hidden_layer_sizes: tuple[int, ...] = (32,)
    activation: str = "softplus(beta=2)"
    batch_size: int = 16


FULL = DemoSettings(n_train=2000, n_test=1000, epochs=100, learning_rate=0.005)
QUICK = DemoSettings(n_train=1000, n_test=500, epochs=40, learning_rate=0.01)


def true_polynomial() -> Polynomial:
    """The known polynomial as a :class:`~nn2poly.Polynomial` in ``x1 .. x5``.

    Examples
    --------
    >>> print(true_polynomial())
    y = 0.5 + 2*x1 - 1.5*x2 + x3 + 1.5*x1*x2 - x3*x4
    """
    powers = labels_to_powers(list(TRUE_COEFFICIENTS), N_FEATURES)
    return Polynomial(powers, list(TRUE_COEFFICIENTS.values()), output_names=["y"])


def true_polynomial_values(X: Any) -> Any:
    """The known polynomial evaluated on ``X`` of shape (n_samples, 5).

    Examples
    --------
    >>> import numpy as np
    >>> true_polynomial_values(np.array([[1.0, 1.0, 0.0, 0.0, 0.0]])).tolist()
    [2.5]
    """
    return true_polynomial().predict(X)


def true_polynomial_text() -> str:
    """The known polynomial as text.

    Examples
    --------
    >>> true_polynomial_text()
    '0.5 + 2·x1 - 1.5·x2 + x3 + 1.5·x1·x2 - x3·x4'
    """
    text = ""
    for label, value in TRUE_COEFFICIENTS.items():
        monomial = "·".join(f"x{v}" for v in label if v)
        size = f"{abs(value):g}"
        term = monomial if monomial and size == "1" else "·".join(filter(None, [size, monomial]))
        if not text:
            text = ("-" if value < 0 else "") + term
        else:
            text += f" {'-' if value < 0 else '+'} {term}"
    return text


def make_data(n_train: int, n_test: int, seed: int = SEED) -> tuple[Any, Any, Any, Any]:
    """Inputs drawn on their own scales, min-max scaled to [-1, 1], and noisy targets (fixed seed).

    The known polynomial is defined on the scaled inputs.  Returns
    ``X_train, y_train, X_test, y_test``.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    low = rng.uniform(-5.0, 5.0, N_FEATURES)
    width = rng.uniform(1.0, 20.0, N_FEATURES)
    raw = low + width * rng.uniform(0.0, 1.0, size=(n_train + n_test, N_FEATURES))
    minimum, maximum = raw.min(axis=0), raw.max(axis=0)
    X = 2.0 * (raw - minimum) / (maximum - minimum) - 1.0
    y = true_polynomial_values(X) + rng.normal(0.0, NOISE_SD, size=X.shape[0])
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _coefficient_table(poly: Any, n_extra: int) -> Any:
    from rich.table import Table

    table = Table()
    table.add_column("term")
    table.add_column("true", justify="right")
    table.add_column("recovered", justify="right")
    names = dict(zip(poly.labels, poly.term_names, strict=True))
    for label, value in TRUE_COEFFICIENTS.items():
        table.add_row(names[label], f"{value:+.3f}", f"{poly.coefficient(label):+.3f}")
    others = [
        label
        for label in poly.top(poly.n_terms, include_intercept=False).labels
        if label not in TRUE_COEFFICIENTS
    ][:n_extra]
    for label in others:
        table.add_row(
            f"[dim]{names[label]}[/dim]",
            "[dim]0[/dim]",
            f"[dim]{poly.coefficient(label):+.3f}[/dim]",
        )
    return table


def _save_figures(poly: Any, y_network: Any, y_polynomial: Any, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    from ..plotting import plot_fidelity, plot_top_coefficients

    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for name, figure in (
        ("top_coefficients.png", plot_top_coefficients(poly, n=12)),
        ("fidelity.png", plot_fidelity(y_network, y_polynomial)),
    ):
        path = folder / name
        figure.savefig(path, dpi=120)
        pyplot.close(figure)
        saved.append(path)
    return saved


def run_demo(settings: DemoSettings, output: Path, *, console: Any) -> dict[str, Any]:
    """Run the demo, printing to ``console``; returns the polynomial and fidelity numbers."""
    import numpy as np
    from rich.markup import escape

    from ..training import MLPRegressor

    X_train, y_train, X_test, _ = make_data(settings.n_train, settings.n_test)
    console.print(f"[bold]Data[/bold]        y = {true_polynomial_text()} + noise (sd {NOISE_SD})")
    console.print(
        f"            x1..x{N_FEATURES} scaled to [-1, 1]; {settings.n_train} training and "
        f"{settings.n_test} held-out samples"
    )
    model = MLPRegressor(
        settings.hidden_layer_sizes,
        settings.activation,
        constraint="l1",
        learning_rate=settings.learning_rate,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        random_state=0,
        verbose=True,
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    trained = time.perf_counter() - start
    truth_r2 = model.score(X_test, true_polynomial_values(X_test))
    console.print(f"[bold]Network[/bold]     {escape(repr(model.network_))}")
    console.print(
        f"            l1-constrained; trained in {trained:.1f} s; "
        f"R² {truth_r2:.4f} vs the true function"
    )
    start = time.perf_counter()
    poly = model.to_polynomial(max_order=3)
    converted = time.perf_counter() - start
    console.print(
        f"[bold]Polynomial[/bold]  {poly.n_terms} terms up to degree {poly.degree} (max_order 3), "
        f"converted in {converted * 1000:.0f} ms"
    )
    console.print(
        "[bold]Coefficients[/bold] on the scaled inputs (dim: largest terms not in the truth)"
    )
    console.print(_coefficient_table(poly, n_extra=4))
    y_network, y_polynomial = model.predict(X_test), poly.predict(X_test)
    mse = float(np.mean((y_network - y_polynomial) ** 2))
    r2 = 1.0 - mse / float(np.var(y_network))
    console.print(
        f"[bold]Fidelity[/bold]    polynomial vs network on held-out data: "
        f"R² {r2:.4f}, MSE {mse:.3g}"
    )
    saved: list[Path] = []
    if importlib.util.find_spec("matplotlib") is not None:
        saved = _save_figures(poly, y_network, y_polynomial, output)
        console.print(f"[bold]Figures[/bold]     {', '.join(str(path) for path in saved)}")
    else:
        console.print("Figures skipped: matplotlib is not installed (pip install 'nn2poly[plot]').")
    return {"polynomial": poly, "r2": r2, "mse": mse, "figures": saved, "model": model}


@app.command()
def demo(
    quick: Annotated[
        bool, typer.Option("--quick", help="A smaller run (under 20 s), for tests.")
    ] = False,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the figures.")] = Path(
        "demo-output"
    ),
) -> None:
    """Train an l1-constrained network on data from a known polynomial, convert it, compare."""
    for module in ("torch", "sklearn", "rich"):
        if importlib.util.find_spec(module) is None:
            fail(f"The demo needs {module}: pip install 'nn2poly[torch,sklearn,cli]'.")
    from rich.console import Console

    from ..study._storage import make_folder

    folder = make_folder(output, name="output", caller="nn2poly demo", subject="--output")
    run_demo(QUICK if quick else FULL, folder, console=Console())
