"""``nn2poly demo``: the main job on an embedded default."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import app


@app.command()
def demo(
    max_order: Annotated[int, typer.Option("--max-order", "-q", help="Largest total degree kept.")] = 3,
) -> None:
    """Convert the example network shipped with nn2poly and show its polynomial."""
    from importlib.resources import files

    import numpy as np
    from rich.console import Console
    from rich.markup import escape

    from .._convert import to_polynomial
    from .._network import Network

    console = Console()
    source = files("nn2poly").joinpath("data/example_network.json")
    network = Network.from_dict(__import__("json").loads(source.read_text(encoding="utf-8")))
    console.print(f"[bold]Network[/bold] {escape(repr(network))} (hidden neurons l1-normalised)")
    poly = to_polynomial(network, max_order)
    console.print(f"[bold]Polynomial[/bold] {poly!r}")
    console.print(str(poly.top(10)))
    X = np.random.default_rng(0).uniform(-1, 1, size=(1000, network.n_inputs))
    y_net, y_poly = network.forward(X)[:, 0], poly.predict(X)
    mse = float(np.mean((y_net - y_poly) ** 2))
    r2 = 1.0 - mse / float(np.var(y_net))
    console.print(f"Fidelity on 1000 points in [-1, 1]^{network.n_inputs}: MSE {mse:.3g}, R² {r2:.6f}")
