"""Time per point of the local polynomials: many points at once beside one at a time.

A 10-feature network with two hidden tanh layers of 32 neurons and one linear
output (weights N(0, 0.3^2)); ``n_points`` points drawn N(0, 1).  For each
``max_order`` the table gives the microseconds per point of

* ``batched``: ``nn2poly.local_polynomials(net, X0, max_order)``;
* ``one by one``: ``nn2poly.to_polynomial(net, max_order, taylor_center="local",
  taylor_orders=max_order, at=x0)`` for each point (the engine on the shifted
  network; the basis and product table are cached between calls);
* ``torch.func`` (``max_order`` 2 only, when torch is installed):
  ``vmap(hessian)`` and ``vmap(jacrev)`` on the same network in float64, which
  give the Hessians and gradients but not a polynomial.

Each figure is the best of ``--repeat`` runs in the same process, so the
ratios are meaningful even on a busy machine; absolute times are not.

Usage::

    python benchmarks/local.py
    python benchmarks/local.py --points 200 --repeat 5
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import nn2poly


def _best(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _network(seed: int = 0) -> nn2poly.Network:
    rng = np.random.default_rng(seed)
    weights = [rng.normal(scale=0.3, size=shape) for shape in [(11, 32), (33, 32), (33, 1)]]
    return nn2poly.Network.from_weights(weights, ["tanh", "tanh", "linear"])


def _torch_seconds(net: nn2poly.Network, X0: np.ndarray, repeat: int) -> tuple[float, float]:
    import torch
    from torch.func import hessian, jacrev, vmap

    layers: list[torch.nn.Module] = []
    for layer in net.layers:
        linear = torch.nn.Linear(layer.n_in, layer.n_out).double()
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer.weight.T))
            linear.bias.copy_(torch.tensor(layer.bias))
        layers.append(linear)
        if layer.activation == "tanh":
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    points = torch.tensor(X0)
    gradients = _best(lambda: vmap(jacrev(model))(points), repeat)
    hessians = _best(lambda: vmap(hessian(model))(points), repeat)
    return gradients, hessians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one-by-one", type=int, default=100, help="points timed one by one")
    args = parser.parse_args()
    net = _network()
    X0 = np.random.default_rng(1).normal(size=(args.points, net.n_inputs))
    nn2poly.local_polynomials(net, X0[:2], max_order=3)  # compile the kernels
    print(
        f"10 features, tanh 32-32, {args.points} points; microseconds per point (best of "
        f"{args.repeat})"
    )
    print(f"{'max_order':>9} {'n_terms':>8} {'batched':>10} {'one by one':>11} {'ratio':>7}")
    for max_order in (1, 2, 3, 4):
        batched = _best(lambda q=max_order: nn2poly.local_polynomials(net, X0, q), args.repeat)
        some = X0[: args.one_by_one]

        def one_by_one(q: int = max_order, points: np.ndarray = some) -> None:
            for x0 in points:
                nn2poly.to_polynomial(net, q, taylor_center="local", taylor_orders=q, at=x0)

        single = _best(one_by_one, args.repeat) / len(some)
        per_point = batched / len(X0)
        n_terms = nn2poly.n_monomials(net.n_inputs, max_order)
        print(
            f"{max_order:>9} {n_terms:>8} {per_point * 1e6:>10.1f} {single * 1e6:>11.1f} "
            f"{single / per_point:>6.1f}x"
        )
    try:
        gradients, hessians = _torch_seconds(net, X0, args.repeat)
    except ImportError:
        return
    print(
        f"torch.func float64: vmap(jacrev) {gradients / len(X0) * 1e6:.1f} us/point, "
        f"vmap(hessian) {hessians / len(X0) * 1e6:.1f} us/point"
    )


if __name__ == "__main__":
    main()
