"""Why a network can or cannot fit a logic gate, read from its NN2Poly polynomial.

On the Boolean inputs {0, 1}^2, x^k = x for k >= 1, so every polynomial
reduces to a multilinear one ``c0 + c1 x1 + c2 x2 + c12 x1 x2``, and a gate has
exactly one such interpolant (Möbius inversion of its truth table):
XOR = x1 + x2 - 2 x1 x2, OR = x1 + x2 - x1 x2, AND = x1 x2. All three need the
x1 x2 term. A network with identity activations is a degree-1 polynomial in x
(whatever its depth), so its reduction has c12 = 0 and it cannot fit any of
them exactly; a square activation produces x1 x2 and can.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from .._validation import invalid_value
from ._loss import GATES, check_gate
from ._network import PolynomialNetwork

if TYPE_CHECKING:  # pragma: no cover
    from nn2poly import Polynomial

__all__ = ["GateExplanation", "boolean_reduction", "explain_fit", "gate_interpolant"]

Support = tuple[int, ...]


def gate_interpolant(gate: str) -> dict[Support, float]:
    """The unique multilinear polynomial equal to the gate on {0, 1}^2.

    Keys are the variables of each term: ``()`` constant, ``(1,)``, ``(2,)``, ``(1, 2)``.

    Examples
    --------
    >>> gate_interpolant("xor")
    {(): 0.0, (1,): 1.0, (2,): 1.0, (1, 2): -2.0}
    """
    key = check_gate(gate, caller="gate_interpolant")
    f00, f01, f10, f11 = (float(v) for v in GATES[key])  # rows (0,0), (0,1), (1,0), (1,1)
    return {(): f00, (1,): f10 - f00, (2,): f01 - f00, (1, 2): f11 - f10 - f01 + f00}


def boolean_reduction(polynomial: Polynomial, output: int = 0) -> dict[Support, float]:
    """Reduce a polynomial in x1, x2 with ``x^k -> x``: its values on {0, 1}^2.

    Examples
    --------
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.0], [0.5], [-0.5]]), np.array([[0.0], [4.0]])], ["square", "linear"])
    >>> boolean_reduction(nn2poly.to_polynomial(net, 2))   # 4 (x1/2 - x2/2)^2
    {(): 0.0, (1,): 1.0, (2,): 1.0, (1, 2): -2.0}
    """
    if polynomial.powers.shape[1] != 2:
        raise invalid_value(
            "polynomial",
            polynomial,
            "a polynomial in 2 inputs (x1, x2)",
            caller="boolean_reduction",
            fix=f"It has {polynomial.powers.shape[1]} inputs; logic gates have 2.",
        )
    reduced = {(): 0.0, (1,): 0.0, (2,): 0.0, (1, 2): 0.0}
    for powers, coefficient in zip(polynomial.powers, polynomial.coef[:, output], strict=True):
        support = tuple(i + 1 for i, p in enumerate(powers) if p > 0)
        reduced[support] += float(coefficient)
    return reduced


@dataclass(frozen=True)
class GateExplanation:
    """A fitted network's polynomial against the gate it should compute.

    Attributes
    ----------
    gate, activation : str
    loss : float
        Squared-error loss of the network on the gate's four rows.
    polynomial : nn2poly.Polynomial
        The network as an explicit polynomial in x1, x2 (exact for polynomial
        activations: NN2Poly with matching Taylor orders).
    degree : int
        Highest total degree with a non-zero coefficient.
    reduction : dict
        The polynomial reduced on {0, 1}^2 (``x^k -> x``).
    interpolant : dict
        The gate's unique multilinear interpolant.
    """

    gate: str
    activation: str
    loss: float
    polynomial: Polynomial
    degree: int
    reduction: dict[Support, float]
    interpolant: dict[Support, float]

    @property
    def interaction(self) -> float:
        """Coefficient of x1 x2 after reduction (the gate needs ``interpolant[(1, 2)]``)."""
        return self.reduction[(1, 2)]


def explain_fit(network: PolynomialNetwork, parameters: ArrayLike, gate: str) -> GateExplanation:
    """Convert a fitted polynomial network with NN2Poly and compare it with the gate.

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork
    >>> net = PolynomialNetwork(2, (1,), "square", use_bias=False)
    >>> explanation = explain_fit(net, [1.0, -1.0, 1.0], "xor")
    >>> explanation.degree, explanation.interaction, explanation.loss
    (2, -2.0, 0.0)
    """
    from .. import TaylorAccuracyWarning, to_polynomial
    from ._loss import gate_data

    if network.n_inputs != 2:
        raise invalid_value(
            "network",
            network,
            "a network with 2 inputs",
            caller="explain_fit",
            fix=f"It has {network.n_inputs} inputs; logic gates have 2.",
        )
    theta = np.asarray(parameters, dtype=float)
    with warnings.catch_warnings():
        # polynomial activations are reproduced exactly; the Taylor-accuracy
        # warning concerns tanh itself, which is not what this network computes
        warnings.simplefilter("ignore", TaylorAccuracyWarning)
        polynomial = to_polynomial(
            network.to_network(theta),
            max_order=network.output_degree(),
            taylor_orders=network.taylor_orders(),
        )
    scale = max(1.0, float(np.abs(polynomial.coef).max()))
    nonzero = np.abs(polynomial.coef[:, 0]) > 1e-12 * scale
    degree = int(polynomial.powers[nonzero].sum(axis=1).max()) if nonzero.any() else 0
    X, y = gate_data(gate)
    residual = network.forward(theta, X) - y
    return GateExplanation(
        str(gate).lower(),
        network.activation,
        float(residual @ residual),
        polynomial,
        degree,
        boolean_reduction(polynomial),
        gate_interpolant(gate),
    )
