"""Joint refinement of a data fit: every neuron's polynomial tuned on the network's output.

The layer-by-layer fit of :mod:`nn2poly._fit` chooses each neuron's polynomial
so that the truncated composition matches that neuron's true activations.  In
deep networks the errors of the layers add up at the output; this module then
tunes all the neurons' coefficients together (Levenberg--Marquardt) so that
the output polynomial matches the network's outputs on part of ``data``, and
keeps the coefficients that do best on the rest (held out, seeded), so the
refined polynomial is never worse there than the layer-by-layer one.  The
polynomial stays derived from the network's structure: the weights are kept,
only the univariate polynomial that replaces each activation changes.

The Jacobian is exact and cheap.  A neuron's polynomial ``P_j`` enters the
output through ``z_j = T_Q[P_j(u_j)] = sum_k d_jk T_Q[v_j^k]``, linear in its
coefficients.  A change ``dz`` of layer ``l`` reaches the output as
``sum_j T_Q[a_j dz_j]`` with one *multiplier polynomial* ``a_j`` per neuron,
computed backwards like a gradient: ``a_i = sum_j W_ij T_Q[a'_j P_j'(u_j)]``
from the next layer's ``a'`` (``T_Q`` commutes with products because no
monomial has negative degree).  So ``d out / d d_jk = T_Q[a_j T_Q[v_j^k]]``,
one truncated product per coefficient, evaluated on the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._algebra import taylor_shift
from ._approximation import LayerPolynomials, LayerWalker, ProductTable
from ._finite import NonFiniteCoefficientsError
from ._monomials import MonomialBasis
from ._network import Network
from ._powers import variable_monomials
from ._refine_compose import KeptLayer, compose_graph, compose_layers, fixed_walker
from ._refine_compose import jacobian as _jacobian

__all__ = [
    "HOLDOUT_FRACTION",
    "MIN_REFINE_ROWS",
    "KeptLayer",
    "Refinement",
    "compose_graph",
    "compose_layers",
    "fixed_walker",
    "refine_bytes",
    "refine_fits",
]

FloatArray = NDArray[np.float64]
Fits = list[LayerPolynomials | None]

#: ``refine="auto"`` refines when ``data`` has at least this many rows.
MIN_REFINE_ROWS = 100
#: Share of the rows held out (seeded) to choose when to stop.
HOLDOUT_FRACTION = 0.2
#: Seed of the held-out split: the same data give the same polynomial.
SPLIT_SEED = 0
#: At most this many rows of ``data`` (evenly spaced) are split into tuning and held-out rows.
MAX_REFINE_ROWS = 10_000
#: Cap on ``rows * coefficients`` of the Jacobian (the rows used are evenly spaced).
MAX_JACOBIAN_VALUES = 20_000_000
#: Damping of the first step, relative to the (unit) diagonal of the scaled normal matrix.
INITIAL_DAMPING = 1e-3
#: Accepted steps without a better held-out error before stopping.
PATIENCE = 3
#: Trials per iteration, the damping growing each time a step fails.
MAX_TRIALS = 8


@dataclass(frozen=True)
class Refinement:
    """What the joint refinement did: errors before and after, and why it stopped.

    Attributes
    ----------
    iterations : int
        Accepted Levenberg--Marquardt steps.
    n_train, n_holdout : int
        Rows the coefficients were tuned on, and rows held out to stop.
    train_mse_before, train_mse_after : float
        Mean squared error (network vs polynomial) on the tuning rows.
    holdout_mse_before, holdout_mse_after : float
        The same on the held-out rows; ``after <= before`` always.
    stopped : str
        Why it stopped.

    Examples
    --------
    >>> r = Refinement(3, 80, 20, 1e-3, 5e-4, 1.2e-3, 8e-4, "held-out error stopped improving")
    >>> r.holdout_mse_after < r.holdout_mse_before
    True
    """

    iterations: int
    n_train: int
    n_holdout: int
    train_mse_before: float
    train_mse_after: float
    holdout_mse_before: float
    holdout_mse_after: float
    stopped: str


def _split(n_rows: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    order = np.random.default_rng(SPLIT_SEED).permutation(n_rows)
    n_holdout = max(1, round(HOLDOUT_FRACTION * n_rows))
    return np.sort(order[n_holdout:]), np.sort(order[:n_holdout])


def _recentre(kept: list[KeptLayer], fits: Fits) -> Fits:
    """The same polynomials written around each neuron's current constant ``u_j(0)``."""
    out: Fits = []
    for (_, u, _), fit in zip(kept, fits, strict=True):
        if fit is None:
            out.append(None)
            continue
        centers, coefficients = fit
        constants = u[0].copy()
        degree = coefficients.shape[1] - 1
        out.append((constants, taylor_shift(coefficients, constants - centers, degree)))
    return out


def _damped_step(normal: FloatArray, gradient: FloatArray, damping: float) -> FloatArray | None:
    """``-(normal + damping I)^-1 gradient`` by Cholesky; None if not positive definite."""
    import scipy.linalg  # import nn2poly stays light

    damped = normal + damping * np.eye(normal.shape[0])
    try:
        factor = scipy.linalg.cho_factor(damped, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    step: FloatArray = -scipy.linalg.cho_solve(factor, gradient, check_finite=False)
    return step if np.all(np.isfinite(step)) else None


def _pack(fits: Fits) -> FloatArray:
    return np.concatenate([fit[1].ravel() for fit in fits if fit is not None])


def _unpack(fits: Fits, theta: FloatArray) -> Fits:
    out: Fits = []
    start = 0
    for fit in fits:
        if fit is None:
            out.append(None)
            continue
        size = fit[1].size
        out.append((fit[0], theta[start : start + size].reshape(fit[1].shape)))
        start += size
    return out


def _n_train(n_rows: int, n_parameters: int, n_outputs: int, n_terms: int) -> int:
    n_train = n_rows - max(1, round(HOLDOUT_FRACTION * n_rows))
    return min(n_train, max(20, MAX_JACOBIAN_VALUES // max(n_parameters * n_outputs, n_terms)))


def refine_bytes(network: Network, degrees: list[int | None], n_terms: int, n_rows: int) -> int:
    """Bytes the refinement holds at its peak (on top of the layer-by-layer fit's).

    Examples
    --------
    >>> import numpy as np
    >>> net = Network.from_weights([np.ones((3, 4)), np.ones((5, 4)), np.ones((5, 1))],
    ...                            ["tanh", "tanh", "linear"])
    >>> refine_bytes(net, [3, 3, None], 10, 500) > 0
    True
    """
    n_rows = min(n_rows, MAX_REFINE_ROWS)
    n_outputs = network.n_outputs
    sizes = [
        0 if degree is None else layer.n_out * (degree + 1)
        for degree, layer in zip(degrees, network.layers, strict=True)
    ]
    n_parameters = sum(sizes)
    n_train = _n_train(n_rows, n_parameters, n_outputs, n_terms)
    n_holdout = max(1, round(HOLDOUT_FRACTION * n_rows))
    widest = max([network.n_inputs, *(layer.n_out for layer in network.layers)])
    # the compositions (current, trial, best) and their recentred fits
    layers = 3 * 2 * n_terms * sum(layer.n_out + network.n_inputs for layer in network.layers)
    if not network.is_chain:
        # a graph's sums and concatenations, and the multipliers of the values alive together
        others = sum(network.width_of(node.name) for node in network.nodes)
        layers += 3 * n_terms * others
        widest += others
    # every layer's powers, one layer's products, the multipliers
    powers = n_terms * (sum(sizes) + 2 * max(sizes) + 4 * widest)
    # monomials and outputs on the rows, residuals
    rows = (n_train + n_holdout) * (n_terms + 2 * n_outputs) + 3 * n_train * n_outputs
    # the Jacobian, a layer's block, J^T J, its eigenvectors and LAPACK's work
    jacobian = n_train * n_outputs * (n_parameters + max(sizes)) + 5 * n_parameters**2
    return 8 * (layers + powers + rows + jacobian + 8 * n_parameters)


def refine_fits(
    network: Network,
    basis: MonomialBasis,
    table: ProductTable,
    walker: LayerWalker,
    X: FloatArray,
    iterations: int,
) -> tuple[Fits, Refinement]:
    """The layer-by-layer fits, then every neuron's polynomial tuned jointly on the outputs.

    ``walker`` gives the layer-by-layer fits.  Of at most
    :data:`MAX_REFINE_ROWS` evenly spaced rows of ``X``, a share
    :data:`HOLDOUT_FRACTION` of the rows (seeded) is held out; at most
    ``iterations`` Levenberg--Marquardt steps reduce the squared error on the
    other rows, and the coefficients with the lowest held-out error are
    returned (the layer-by-layer ones if no step improves it).

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import FitApproximation
    >>> from nn2poly._engine import convert_network
    >>> rng = np.random.default_rng(0)
    >>> net = Network.from_weights([rng.normal(0, 1.5, (3, 6)), rng.normal(0, 1, (7, 6)),
    ...                             rng.normal(0, 1, (7, 1))], ["tanh", "tanh", "linear"])
    >>> X = rng.uniform(-1, 1, (300, 2))
    >>> bound = FitApproximation(data=X, refine=True).bind(net, 3)
    >>> _ = convert_network(net, 3, bound)  # fits, refines, composes
    >>> report = bound.refinement
    >>> report.holdout_mse_after < report.holdout_mse_before
    True
    """
    composed = compose_graph(network, basis, table, walker)
    if composed is None:
        raise NonFiniteCoefficientsError(
            "The fitted polynomials overflow when composed: the data or the weights are too "
            "large for this max_order. Scale the inputs (e.g. to [-1, 1]) or lower max_order."
        )
    kept, fits, out = composed
    if X.shape[0] > MAX_REFINE_ROWS:
        X = X[np.linspace(0, X.shape[0] - 1, MAX_REFINE_ROWS).round().astype(np.int64)]
    train, holdout = _split(X.shape[0])
    n_parameters = sum(fit[1].size for fit in fits if fit is not None)
    n_keep = _n_train(X.shape[0], n_parameters, network.n_outputs, basis.n_terms)
    if train.size > n_keep:
        train = train[np.linspace(0, train.size - 1, n_keep).round().astype(np.int64)]
    with np.errstate(over="ignore", invalid="ignore"):
        M_train = variable_monomials(basis.variables, X[train])
        M_holdout = variable_monomials(basis.variables, X[holdout])
        y_train = network.forward(X[train])
        y_holdout = network.forward(X[holdout])

    def errors(out: FloatArray) -> tuple[FloatArray, float]:
        with np.errstate(over="ignore", invalid="ignore"):
            residual = (M_train @ out - y_train).T.ravel()
            holdout_error = float(np.mean((M_holdout @ out - y_holdout) ** 2))
        return residual, holdout_error if np.isfinite(holdout_error) else np.inf

    current = _recentre(kept, fits)
    residual, best_holdout = errors(out)
    loss = float(np.mean(residual**2))
    before = (loss, best_holdout)
    best, best_loss = current, loss
    damping, accepted, waiting = INITIAL_DAMPING, 0, 0
    stopped = f"{iterations} iterations done"
    for _ in range(iterations):
        J = _jacobian(network, kept, current, M_train, table)
        scale = np.sqrt(np.einsum("ij,ij->j", J, J))
        scale[scale == 0.0] = 1.0
        J /= scale
        normal = J.T @ J
        gradient = J.T @ residual
        del J
        theta = _pack(current)
        step_taken = False
        for _ in range(MAX_TRIALS):
            step = _damped_step(normal, gradient, damping)
            if step is None:
                damping *= 4.0
                continue
            trial = _unpack(current, theta + step / scale)
            trial_composed = compose_graph(network, basis, table, fixed_walker(trial))
            if trial_composed is not None:
                trial_kept = trial_composed[0]
                trial_residual, trial_holdout = errors(trial_composed[2])
                trial_loss = float(np.mean(trial_residual**2))
                if np.isfinite(trial_loss) and trial_loss < loss:
                    damping = max(damping / 3.0, 1e-9)
                    kept, residual, loss = trial_kept, trial_residual, trial_loss
                    current = _recentre(kept, trial)
                    step_taken = True
                    break
            damping *= 4.0
        if not step_taken:
            stopped = "no step reduces the error"
            break
        accepted += 1
        if trial_holdout < best_holdout:
            best, best_holdout, best_loss, waiting = current, trial_holdout, loss, 0
        else:
            waiting += 1
            if waiting >= PATIENCE:
                stopped = "held-out error stopped improving"
                break
    report = Refinement(
        iterations=accepted,
        n_train=int(train.size),
        n_holdout=int(holdout.size),
        train_mse_before=before[0],
        train_mse_after=best_loss,
        holdout_mse_before=before[1],
        holdout_mse_after=best_holdout,
        stopped=stopped,
    )
    return best, report
