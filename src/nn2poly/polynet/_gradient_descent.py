"""Full-batch gradient descent with torch, the usual way of training, for comparison."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ._critical import classify_point, deduplicate
from ._loss import LossPolynomial
from ._newton import check_n_starts, random_starts
from ._results import SolverResult

__all__ = ["solve_gradient_descent"]


def _torch_loss(loss: LossPolynomial, theta: Any, X: Any, y: Any) -> Any:
    """The squared-error loss of ``loss.network`` in torch (canonical parameters)."""
    network = loss.network
    coefficients = [float(c) for c in network.polynomial_activation.coefficients]
    sizes = network.layer_sizes
    hidden = X
    for index, block in enumerate(network.layer_slices()):
        n_in, n_out = sizes[index], sizes[index + 1]
        matrix = theta[block].reshape(n_out, n_in + int(network.use_bias))
        hidden = hidden @ matrix[:, 1:].T + matrix[:, 0] if network.use_bias else hidden @ matrix.T
        if index < network.n_layers - 1:
            result = 0.0 * hidden
            for coefficient in reversed(coefficients):
                result = result * hidden + coefficient
            hidden = result
    residual = hidden[:, 0] - y
    return (residual * residual).sum()


def solve_gradient_descent(
    loss: LossPolynomial,
    *,
    n_starts: int = 20,
    seed: int = 0,
    scale: float = 1.0,
    learning_rate: float = 0.02,
    n_steps: int = 3000,
    gradient_tolerance: float = 1e-6,
) -> SolverResult:
    """Plain full-batch gradient descent (torch, float64) from many random starts.

    Parameters
    ----------
    loss : LossPolynomial
    n_starts : int, default=20
    seed : int, default=0
        Seed of the starting points (the same starts as the other solvers for
        the same seed and scale).
    scale : float, default=1
    learning_rate : float, default=0.02
    n_steps : int, default=3000
        Steps per start; a run stops early once its gradient norm is below
        the tolerance.
    gradient_tolerance : float, default=1e-6
        A run counts as converged when its final gradient norm is below
        ``gradient_tolerance * max(1, L)``; only such end points are classified.

    Returns
    -------
    SolverResult
        Runs that diverge (loss above 1e12 or not finite) end with a NaN loss.

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork, LossPolynomial, gate_data
    >>> loss = LossPolynomial.build(PolynomialNetwork(2, (), "identity"), *gate_data("or"))
    >>> result = solve_gradient_descent(loss, n_starts=1, learning_rate=0.1, n_steps=500)
    >>> result.critical_points[0].parameters.round(4).tolist()
    [0.25, 0.5, 0.5]
    """
    import torch

    n_starts = check_n_starts(n_starts, caller="solve_gradient_descent")
    begin = time.perf_counter()
    X = torch.as_tensor(loss.X, dtype=torch.float64)
    y = torch.as_tensor(loss.y, dtype=torch.float64)
    starts = random_starts(loss.n_variables, n_starts, seed=seed, scale=scale)
    points, losses, converged = [], [], []
    for start in starts:
        theta = torch.tensor(loss.to_canonical(start), dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.SGD([theta], lr=learning_rate)
        diverged = False
        for _ in range(n_steps):
            optimizer.zero_grad()
            value = _torch_loss(loss, theta, X, y)
            value.backward()
            current = value.item()
            grad = theta.grad
            gradient_norm = float("nan") if grad is None else grad.norm().item()
            if not (np.isfinite(current) and np.isfinite(gradient_norm)) or current > 1e12:
                diverged = True
                break
            if gradient_norm <= 0.1 * gradient_tolerance * max(1.0, current):
                break
            optimizer.step()
        final = loss.from_canonical(theta.detach().numpy().copy())
        if diverged or not np.all(np.isfinite(final)):
            losses.append(np.nan)
            converged.append(False)
            continue
        value = loss.value(final)
        ok = bool(np.linalg.norm(loss.gradient(final)) <= gradient_tolerance * max(1.0, value))
        losses.append(value)
        converged.append(ok)
        if ok:
            points.append(classify_point(loss, final))
    return SolverResult(
        "gd",
        "solved",
        deduplicate(points),
        np.array(losses),
        np.array(converged),
        time.perf_counter() - begin,
        f"{sum(converged)}/{n_starts} runs ended at a critical point "
        f"(learning rate {learning_rate:g}, at most {n_steps} steps)",
    )
