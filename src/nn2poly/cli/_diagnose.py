"""``nn2poly diagnose``: how faithful is a network's polynomial on the user's data?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .._validation import Finite, Interval
from ._app import app, check_option
from ._convert import (
    TRUST_HELP,
    Approximation,
    parse_taylor_orders,
    read_data,
)
from ._terms import command_line_terms

#: Help of ``--approximation`` here: --data is always given.
DIAGNOSE_APPROXIMATION_HELP = (
    "'auto': NN2Poly's Taylor expansion for an l1-constrained network (inputs in [-1, 1]), "
    "else polynomials fitted on --data; 'taylor' (NN2Poly); 'fit'."
)


def diagnosis_report(diagnosis: Any) -> str:
    """The text ``nn2poly diagnose`` prints: the library's report and its verdict, in
    command-line terms.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
    ...                                    ["tanh", "linear"])
    >>> X = np.linspace(-1, 1, 30)[:, None]
    >>> print(diagnosis_report(nn2poly.diagnose(net, X, max_order=3)))  # doctest: +ELLIPSIS
    Fidelity of the polynomial ...
    """
    return command_line_terms(str(diagnosis))


@app.command()
def diagnose(
    file: Annotated[Path, typer.Argument(help="Model file, as for 'nn2poly convert'.")],
    data: Annotated[
        Path,
        typer.Option(
            help="Inputs to check on (.csv with one header row at most, or .npy), one sample "
            "per row; with 'fit' (or 'auto' choosing it) also the inputs the polynomials are "
            "fitted on."
        ),
    ],
    max_order: Annotated[
        int, typer.Option("--max-order", "-q", help="Largest total degree kept.")
    ] = 2,
    approximation: Annotated[
        Approximation, typer.Option(help=DIAGNOSE_APPROXIMATION_HELP)
    ] = Approximation.auto,
    taylor_orders: Annotated[
        str | None,
        typer.Option(help="One order for every non-linear layer (8) or one per layer (5,5,1)."),
    ] = None,
    min_r2: Annotated[
        float,
        typer.Option("--min-r2", help="R² against the network a faithful polynomial reaches."),
    ] = 0.9,
    min_agreement: Annotated[
        float,
        typer.Option(
            "--min-agreement",
            help="Share of samples whose class a faithful classifier's polynomial agrees on.",
        ),
    ] = 0.95,
    trust: Annotated[bool, typer.Option("--trust", help=TRUST_HELP)] = False,
) -> None:
    """Check the polynomial against the network on --data: fidelity, potentials, verdict."""
    from ..diagnostics import diagnose as diagnose_model

    X = read_data(data)
    diagnosis = diagnose_model(
        file,
        X,
        approximation=approximation.value,
        max_order=max_order,
        taylor_orders=parse_taylor_orders(taylor_orders),
        fit_data=None if approximation is Approximation.taylor else X,
        min_r2=check_option("--min-r2", min_r2, [Finite()]),
        min_agreement=check_option("--min-agreement", min_agreement, [Interval(float, 0, 1)]),
        trust=trust,
    )
    typer.echo(diagnosis_report(diagnosis))
