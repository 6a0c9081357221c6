"""Layer-by-layer training: exact least squares on the layers that enter linearly.

With every other layer fixed, the network output is linear in the output
layer's weights (and, with identity activations, in every layer's weights), so
the squared-error loss is quadratic in them and its minimiser is a linear least
squares solution. Layers that enter non-linearly (the hidden layers of a square
or tanh3 network) get a trust-region Newton minimisation of that block instead.
Sweeping over the layers repeatedly is block coordinate descent: the loss never
increases.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import minimize

from ._critical import classify_point, deduplicate
from ._derivatives import output_jets
from ._loss import LossPolynomial
from ._newton import check_n_starts, random_starts
from ._results import SolverResult

__all__ = ["linear_layers", "solve_layerwise"]


def linear_layers(loss: LossPolynomial) -> list[bool]:
    """For each layer, whether the output is linear in that layer's parameters.

    Examples
    --------
    >>> from nn2poly.polynet import seed_network, LossPolynomial, gate_data
    >>> linear_layers(LossPolynomial.build(seed_network(activation="square"), *gate_data("xor")))
    [False, False, True]
    """
    identity = loss.network.polynomial_activation.degree == 1
    n_layers = loss.network.n_layers
    return [identity or index == n_layers - 1 for index in range(n_layers)]


def _sweep(loss: LossPolynomial, theta: np.ndarray, linear: list[bool]) -> np.ndarray:
    """One pass over the layers, last to first, in canonical coordinates."""
    network = loss.network
    slices = network.layer_slices()
    for index in reversed(range(network.n_layers)):
        block = slices[index]
        if linear[index]:
            base = theta.copy()
            base[block] = 0.0
            offset, jacobian, _ = output_jets(network, base, loss.X, hessian=False)
            design = jacobian[:, block]
            solution = np.linalg.lstsq(design, loss.y - offset, rcond=None)[0]
            theta = theta.copy()
            theta[block] = solution
        else:

            def block_loss(
                values: np.ndarray, block: slice = block, theta: np.ndarray = theta
            ) -> float:
                trial = theta.copy()
                trial[block] = values
                return loss.value(loss.from_canonical(trial))

            def block_gradient(
                values: np.ndarray, block: slice = block, theta: np.ndarray = theta
            ) -> np.ndarray:
                trial = theta.copy()
                trial[block] = values
                return loss.to_canonical(loss.gradient(loss.from_canonical(trial)))[block]

            def block_hessian(
                values: np.ndarray, block: slice = block, theta: np.ndarray = theta
            ) -> np.ndarray:
                trial = theta.copy()
                trial[block] = values
                order = np.argsort(loss.variable_order)  # canonical -> position
                full = loss.hessian(loss.from_canonical(trial))[np.ix_(order, order)]
                return full[block, block]

            fit = minimize(
                block_loss,
                theta[block],
                jac=block_gradient,
                hess=block_hessian,
                method="trust-exact",
                options={"maxiter": 20, "gtol": 1e-12},
            )
            if fit.fun <= block_loss(theta[block]):
                theta = theta.copy()
                theta[block] = fit.x
    return theta


def solve_layerwise(
    loss: LossPolynomial,
    *,
    n_starts: int = 20,
    seed: int = 0,
    scale: float = 1.0,
    max_sweeps: int = 300,
    gradient_tolerance: float = 1e-6,
) -> SolverResult:
    """Alternate exact per-layer solutions from many random starts.

    Parameters
    ----------
    loss : LossPolynomial
    n_starts : int, default=20
    seed : int, default=0
    scale : float, default=1
        Standard deviation of the normal starting points.
    max_sweeps : int, default=300
        Passes over the layers per start; a start stops earlier when a pass no
        longer lowers the loss.
    gradient_tolerance : float, default=1e-6
        A run counts as converged when its final gradient norm is below
        ``gradient_tolerance * max(1, L)``; only such end points are classified.

    Returns
    -------
    SolverResult

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork, LossPolynomial, gate_data
    >>> loss = LossPolynomial.build(PolynomialNetwork(2, (), "identity"), *gate_data("and"))
    >>> result = solve_layerwise(loss, n_starts=2)
    >>> result.critical_points[0].parameters.round(6).tolist()
    [-0.25, 0.5, 0.5]
    """
    n_starts = check_n_starts(n_starts, caller="solve_layerwise")
    begin = time.perf_counter()
    linear = linear_layers(loss)
    starts = random_starts(loss.n_variables, n_starts, seed=seed, scale=scale)
    points, losses, converged = [], [], []
    for start in starts:
        theta = loss.to_canonical(start)
        previous = loss.value(start)
        for _ in range(max_sweeps):
            theta = _sweep(loss, theta, linear)
            current = loss.value(loss.from_canonical(theta))
            if previous - current <= 1e-15 * max(1.0, previous):
                break
            previous = current
        final = loss.from_canonical(theta)
        value = loss.value(final)
        ok = bool(np.linalg.norm(loss.gradient(final)) <= gradient_tolerance * max(1.0, value))
        losses.append(value)
        converged.append(ok)
        if ok:
            points.append(classify_point(loss, final))
    return SolverResult(
        "layerwise",
        "solved",
        deduplicate(points),
        np.array(losses),
        np.array(converged),
        time.perf_counter() - begin,
        f"{sum(converged)}/{n_starts} runs ended at a critical point",
    )
