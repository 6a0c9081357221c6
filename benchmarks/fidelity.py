"""Fidelity of NN2Poly polynomials to trained networks, per approximation.

Trains seeded networks in the two simulation setups of the NN2Poly papers and
prints, per setup, activation and depth, the median held-out
MSE(network, polynomial) and the share of networks with that MSE below 1e-2
for four polynomials:

* ``taylor0`` -- Taylor expansion at 0 (NN2Poly, orders 8);
* ``local``   -- Taylor expansion around each neuron's potential at x = 0;
* ``fit``     -- ``approximation="fit"`` with the training inputs as data;
* ``distill`` -- least-squares polynomial fitted to the network's outputs on the
  training inputs (the best any polynomial of the degree does there).

Setups:

(a) p = 3, n = 200, y a random full degree-2 polynomial with coefficients
    U(-5, 5), X ~ N(mu, I) with mu ~ U(-10, 10), noise sd 0.1, X and y min-max
    scaled to [-1, 1], 75/25 split; one hidden layer of width 4 or 10;
    tanh / softplus / sigmoid; no constraint.
(b) p = 5, n = 500, X ~ U(-1, 1), y = 5 linear terms and 5 random second-order
    terms with coefficients U(-3, 3), noise sd 0.1, scaled, 75/25 split; 1 or 3
    hidden layers of width 50; with and without the l1 constraint (each hidden
    neuron's [bias; weights] radially rescaled to l1 norm <= 1 after every
    optimiser step).

Every network is trained with Adam on its own data set (seed = network index).
Run ``python benchmarks/fidelity.py --help`` for the options; the defaults
take about half an hour on one core.

``--deep`` runs the depth benchmark instead: setup (b)'s data with n = 2000
rows (1500 to train and fit, 500 held out), 2 and 3 unconstrained hidden
layers of width 20 (tanh, softplus, relu), max_order 3 to 6, and prints per
cell the median held-out MSE(network, polynomial) of ``fit`` without the joint
refinement (``before``), with it (``after``) and of ``distill``, and the median
and largest ratios to ``distill``.  The goal: ``after / distill`` at most 1.5
in the median and never 3.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np

import nn2poly

METHODS = ("taylor0", "local", "fit", "distill")
THRESHOLD = 1e-2


# ------------------------------------------------------------------- data
def _scale(values: np.ndarray) -> np.ndarray:
    low, high = values.min(axis=0), values.max(axis=0)
    return 2.0 * (values - low) / np.where(high > low, high - low, 1.0) - 1.0


def data_setup_a(
    rng: np.random.Generator, n: int = 200, p: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    mu = rng.uniform(-10, 10, p)
    X = rng.normal(mu, 1.0, (n, p))
    terms = (
        [()] + [(i,) for i in range(p)] + list(itertools.combinations_with_replacement(range(p), 2))
    )
    coefficients = rng.uniform(-5, 5, len(terms))
    y = sum(c * np.prod(X[:, list(t)], axis=1) for c, t in zip(coefficients, terms, strict=True))
    y = y + rng.normal(0.0, 0.1, n)
    return _scale(X), _scale(y[:, None])[:, 0]


def data_setup_b(
    rng: np.random.Generator, n: int = 500, p: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, (n, p))
    pairs = list(itertools.combinations_with_replacement(range(p), 2))
    chosen = [pairs[i] for i in rng.choice(len(pairs), 5, replace=False)]
    y = X @ rng.uniform(-3, 3, p)
    for (i, j), c in zip(chosen, rng.uniform(-3, 3, 5), strict=True):
        y = y + c * X[:, i] * X[:, j]
    y = y + rng.normal(0.0, 0.1, n)
    return _scale(X), _scale(y[:, None])[:, 0]


# --------------------------------------------------------------- training
TORCH_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "softplus": "Softplus", "relu": "ReLU"}


def train(
    X: np.ndarray,
    y: np.ndarray,
    widths: tuple[int, ...],
    activation: str,
    *,
    constrained: bool,
    seed: int,
    epochs: int,
    batch_size: int,
    learning_rate: float,
) -> nn2poly.Network:
    """A seeded Adam training loop on torch; returns the trained Network."""
    import torch

    torch.manual_seed(seed)
    sizes = [X.shape[1], *widths]
    layers: list = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(n_in, n_out), getattr(torch.nn, TORCH_ACTIVATIONS[activation])()]
    layers.append(torch.nn.Linear(sizes[-1], 1))
    model = torch.nn.Sequential(*layers).double()
    hidden = [m for m in layers[:-1] if isinstance(m, torch.nn.Linear)]
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    Xt = torch.as_tensor(X)
    yt = torch.as_tensor(y)[:, None]
    generator = torch.Generator().manual_seed(seed)

    def rescale() -> None:
        with torch.no_grad():
            for linear in hidden:
                norms = linear.weight.abs().sum(dim=1) + linear.bias.abs()
                factor = torch.clamp(norms, min=1.0)
                linear.weight /= factor[:, None]
                linear.bias /= factor

    if constrained:
        rescale()
    for _ in range(epochs):
        order = torch.randperm(X.shape[0], generator=generator)
        for start in range(0, X.shape[0], batch_size):
            batch = order[start : start + batch_size]
            optimiser.zero_grad()
            loss = torch.mean((model(Xt[batch]) - yt[batch]) ** 2)
            loss.backward()
            optimiser.step()
            if constrained:
                rescale()
    linears = [m for m in layers if isinstance(m, torch.nn.Linear)]
    weights = [
        np.vstack([m.bias.detach().numpy()[None, :], m.weight.detach().numpy().T]) for m in linears
    ]
    return nn2poly.Network.from_weights(weights, [activation] * len(widths) + ["linear"])


# ------------------------------------------------------------- evaluation
def fidelity(
    net: nn2poly.Network, X_train: np.ndarray, X_test: np.ndarray, max_order: int
) -> dict[str, float]:
    """Held-out MSE(network, polynomial) for every method (NaN where not applicable)."""
    truth = net.forward(X_test)[:, 0]
    analytic = nn2poly.get_activation(net.activations[0]).is_analytic
    polys = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        if analytic:
            polys["taylor0"] = nn2poly.to_polynomial(net, max_order)
            polys["local"] = nn2poly.to_polynomial(net, max_order, taylor_center="local")
    polys["fit"] = nn2poly.to_polynomial(net, max_order, approximation="fit", data=X_train)
    polys["distill"] = nn2poly.distill(net, X_train, max_order)
    result = {}
    for method in METHODS:
        if method not in polys:
            result[method] = float("nan")
            continue
        with np.errstate(all="ignore"):
            error = float(np.mean((polys[method].predict(X_test) - truth) ** 2))
        result[method] = error if np.isfinite(error) else float("inf")
    return result


@dataclass
class Cell:
    setup: str
    activation: str
    depth: int
    width: int
    constrained: bool


def cells(activations_b: tuple[str, ...]) -> list[Cell]:
    out = [
        Cell("a", activation, 1, width, False)
        for activation in ("tanh", "softplus", "sigmoid")
        for width in (4, 10)
    ]
    out += [
        Cell("b", activation, depth, 50, constrained)
        for constrained in (False, True)
        for activation in activations_b
        for depth in (1, 3)
    ]
    return out


def run(args: argparse.Namespace) -> list[dict]:
    import torch

    torch.set_num_threads(1)
    rows = []
    for cell in cells(tuple(args.activations)):
        if args.setup and cell.setup != args.setup:
            continue
        n_networks = args.n_a if cell.setup == "a" else args.n_b
        errors = {method: [] for method in METHODS}
        start = time.perf_counter()
        for index in range(n_networks):
            rng = np.random.default_rng([args.seed, index, ord(cell.setup)])
            X, y = data_setup_a(rng) if cell.setup == "a" else data_setup_b(rng)
            n_train = int(0.75 * X.shape[0])
            net = train(
                X[:n_train],
                y[:n_train],
                (cell.width,) * cell.depth,
                cell.activation,
                constrained=cell.constrained,
                seed=args.seed * 1000 + index,
                epochs=args.epochs_a if cell.setup == "a" else args.epochs_b,
                batch_size=32,
                learning_rate=args.learning_rate,
            )
            result = fidelity(net, X[:n_train], X[n_train:], args.max_order)
            for method in METHODS:
                errors[method].append(result[method])
        row = {
            "setup": cell.setup,
            "activation": cell.activation,
            "depth": cell.depth,
            "width": cell.width,
            "l1": cell.constrained,
            "n": n_networks,
            "seconds": round(time.perf_counter() - start, 1),
        }
        for method in METHODS:
            values = np.array(errors[method])
            row[f"{method}_median"] = float(np.median(values))
            row[f"{method}_share"] = (
                float("nan") if np.all(np.isnan(values)) else float(np.mean(values < THRESHOLD))
            )
        if cell.constrained and not np.all(np.isnan(errors["taylor0"])):
            fit, taylor = np.array(errors["fit"]), np.array(errors["taylor0"])
            row["fit_worse_than_taylor_by_10pct"] = int(np.sum(fit > 1.1 * taylor))
        rows.append(row)
        print(format_row(row), flush=True)
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(rows, handle, indent=1)
    return rows


def _cell(median: float, share: float) -> str:
    if np.isnan(median):
        return f"{'n/a':>17}"
    return f"{median:9.2e} {100 * share:5.0f}%"


HEADER = f"{'setup':5} {'activation':10} {'depth':>5} {'width':>5} {'l1':>3} {'n':>4} " + " ".join(
    f"{m:>17}" for m in METHODS
)


def format_row(row: dict) -> str:
    line = (
        f"{row['setup']:5} {row['activation']:10} {row['depth']:5d} {row['width']:5d} "
        f"{'yes' if row['l1'] else 'no':>3} {row['n']:4d} "
        + " ".join(_cell(row[f"{m}_median"], row[f"{m}_share"]) for m in METHODS)
    )
    if "fit_worse_than_taylor_by_10pct" in row:
        line += f"   fit > 1.1 x taylor0 on {row['fit_worse_than_taylor_by_10pct']} networks"
    return line


# ------------------------------------------------------------ depth benchmark
DEEP_ORDERS = (3, 4, 5, 6)


def deep_errors(
    net: nn2poly.Network, X_train: np.ndarray, X_test: np.ndarray, max_order: int
) -> tuple[float, float, float]:
    """Held-out MSE of fit (unrefined), fit (refined) and distill."""
    truth = net.forward(X_test)[:, 0]
    polys = [
        nn2poly.to_polynomial(
            net, max_order, approximation=nn2poly.FitApproximation(data=X_train, refine=refine)
        )
        for refine in (False, True)
    ]
    polys.append(nn2poly.distill(net, X_train, max_order))
    return tuple(float(np.mean((poly.predict(X_test) - truth) ** 2)) for poly in polys)  # type: ignore[return-value]


def run_deep(args: argparse.Namespace) -> list[dict]:
    import torch

    torch.set_num_threads(1)
    print(
        f"{'activation':10} {'depth':>5} {'order':>5} {'n':>3} {'before':>9} {'after':>9} "
        f"{'distill':>9} {'before/distill':>14} {'after/distill':>13} {'max after/distill':>17}",
        flush=True,
    )
    rows: list[dict] = []
    for activation in args.activations:
        for depth in (2, 3):
            errors: dict[int, list[tuple[float, float, float]]] = {q: [] for q in DEEP_ORDERS}
            for index in range(args.n_deep):
                rng = np.random.default_rng([args.seed, index, depth, 7])
                X, y = data_setup_b(rng, n=2000)
                n_train = 1500
                net = train(
                    X[:n_train],
                    y[:n_train],
                    (20,) * depth,
                    activation,
                    constrained=False,
                    seed=args.seed * 1000 + index,
                    epochs=args.epochs_deep,
                    batch_size=32,
                    learning_rate=args.learning_rate,
                )
                for q in DEEP_ORDERS:
                    errors[q].append(deep_errors(net, X[:n_train], X[n_train:], q))
            for q in DEEP_ORDERS:
                values = np.array(errors[q])
                before, after, distill = np.median(values, axis=0)
                ratio_before = values[:, 0] / values[:, 2]
                ratio_after = values[:, 1] / values[:, 2]
                row = {
                    "activation": activation,
                    "depth": depth,
                    "max_order": q,
                    "n": args.n_deep,
                    "before": before,
                    "after": after,
                    "distill": distill,
                    "before_ratio_median": float(np.median(ratio_before)),
                    "after_ratio_median": float(np.median(ratio_after)),
                    "after_ratio_max": float(np.max(ratio_after)),
                }
                rows.append(row)
                print(
                    f"{activation:10} {depth:5d} {q:5d} {args.n_deep:3d} {before:9.2e} "
                    f"{after:9.2e} {distill:9.2e} {row['before_ratio_median']:14.2f} "
                    f"{row['after_ratio_median']:13.2f} {row['after_ratio_max']:17.2f}",
                    flush=True,
                )
                if args.json:
                    with open(args.json, "w") as handle:
                        json.dump(rows, handle, indent=1)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n-a", type=int, default=20, help="networks per cell in setup (a)")
    parser.add_argument("--n-b", type=int, default=10, help="networks per cell in setup (b)")
    parser.add_argument("--setup", choices=["a", "b"], default=None, help="run one setup only")
    parser.add_argument(
        "--activations",
        nargs="+",
        default=["tanh", "softplus", "sigmoid", "relu"],
        help="activations of setup (b)",
    )
    parser.add_argument("--max-order", type=int, default=3)
    parser.add_argument("--epochs-a", type=int, default=500)
    parser.add_argument("--epochs-b", type=int, default=150)
    parser.add_argument("--learning-rate", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    parser.add_argument("--deep", action="store_true", help="run the depth benchmark instead")
    parser.add_argument("--n-deep", type=int, default=5, help="networks per depth-benchmark cell")
    parser.add_argument("--epochs-deep", type=int, default=100)
    args = parser.parse_args(argv)
    if args.deep:
        if args.activations == parser.get_default("activations"):
            args.activations = ["tanh", "softplus", "relu"]
        print("median held-out MSE(network, polynomial); ratios: median and largest over nets")
        run_deep(args)
        return 0
    print("median held-out MSE(network, polynomial) and share of networks below 1e-2")
    print(HEADER, flush=True)
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
