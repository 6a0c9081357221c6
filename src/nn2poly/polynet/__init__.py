"""Polynomial networks trained by solving for the critical points of their loss.

A feed-forward network whose activations are polynomials (identity, square, a
truncated Taylor polynomial of tanh such as ``tanh3``) has an output that is a
polynomial in its inputs and weights, and a squared-error loss that is a
polynomial in its weights. Its critical points (``grad L = 0``) can then be
sought with polynomial methods:

- :func:`solve_groebner`: exact, by Gröbner bases, under a hard time limit;
- :func:`solve_newton`: many-start Newton (Levenberg-Marquardt) on ``grad L = 0``;
- :func:`solve_layerwise`: exact least squares for the layers that enter
  linearly, alternated over the layers;
- :func:`solve_gradient_descent`: plain gradient descent (torch), for comparison.

:func:`solve_gates` runs them on the XOR, OR and AND gates, and
:func:`explain_fit` uses :func:`nn2poly.to_polynomial` to show why identity
activations cannot fit the gates (degree 1 in x, no x1 x2 term) and a square
activation can. The package needs sympy; torch only for gradient descent.

Examples
--------
>>> from nn2poly import polynet
>>> loss = polynet.LossPolynomial.build(polynet.seed_network(), *polynet.gate_data("xor"))
>>> max(sum(monomial) for monomial in loss.ring_element().monoms())   # total degree
6
>>> result = polynet.solve_newton(loss, n_starts=5)
>>> [round(level, 9) for level in result.minimum_levels()]   # the best linear fit: 4/3
[1.333333333]
"""

from ._activations import PolynomialActivation, polynomial_activation
from ._critical import CriticalPoint, classify_point, deduplicate, distinct_levels
from ._derivatives import output_jets
from ._explain import GateExplanation, boolean_reduction, explain_fit, gate_interpolant
from ._gradient_descent import solve_gradient_descent
from ._groebner import ideal_dimension, solve_groebner
from ._layerwise import linear_layers, solve_layerwise
from ._loss import GATES, LossPolynomial, gate_data
from ._network import PolynomialNetwork, seed_network
from ._newton import random_starts, solve_newton
from ._results import SolverResult
from ._study import SOLVERS, ComparisonRow, run_solver, solve_gates

__all__ = [
    "GATES",
    "SOLVERS",
    "ComparisonRow",
    "CriticalPoint",
    "GateExplanation",
    "LossPolynomial",
    "PolynomialActivation",
    "PolynomialNetwork",
    "SolverResult",
    "boolean_reduction",
    "classify_point",
    "deduplicate",
    "distinct_levels",
    "explain_fit",
    "gate_data",
    "gate_interpolant",
    "ideal_dimension",
    "linear_layers",
    "output_jets",
    "polynomial_activation",
    "random_starts",
    "run_solver",
    "seed_network",
    "solve_gates",
    "solve_gradient_descent",
    "solve_groebner",
    "solve_layerwise",
    "solve_newton",
]
