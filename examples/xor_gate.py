"""The XOR gate: a linear model cannot fit it, a network can, and its polynomial says why.

XOR needs the interaction of its inputs: on {0, 1}, XOR = x1 + x2 - 2*x1*x2.
On inputs scaled to [-1, 1] (s = 2x - 1) the same gate is 0.5 - 0.5*s1*s2.
The figure shows the polynomial of the trained network over the square, with
the four corners of the gate, and its largest coefficients: the interaction
s1*s2 dominates.

Run:  python examples/xor_gate.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

import nn2poly
from nn2poly.plotting import plot_top_coefficients

CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR = np.array([0.0, 1.0, 1.0, 0.0])


def main() -> dict[str, object]:
    torch.set_num_threads(1)
    # 1. Least squares on [1, x1, x2]: the best linear fit predicts 0.5 everywhere.
    design = np.hstack([np.ones((4, 1)), CORNERS])
    theta, *_ = np.linalg.lstsq(design, XOR, rcond=None)
    print(f"Linear regression coefficients {np.round(theta, 6)}")
    print(f"Linear regression predictions {np.round(design @ theta, 3)}")

    # 2. A small l1-constrained network on the scaled corners, repeated as a data set.
    scaled = 2.0 * CORNERS - 1.0
    X, y = np.tile(scaled, (64, 1)), np.tile(XOR, 64)
    model = nn2poly.MLPRegressor(
        (16,), "softplus(beta=2)", learning_rate=0.02, epochs=150, batch_size=32, random_state=0
    ).fit(X, y)
    network_predictions = model.predict(scaled)
    print(f"Network predictions on the corners {np.round(network_predictions, 3)}")

    # 3. Its polynomial, in the scaled inputs s1, s2.
    poly = model.to_polynomial(max_order=4, feature_names=["s1", "s2"])
    print(f"Largest terms of the polynomial (order 4) in s = 2x - 1:  {poly.top(5)}")
    interaction = poly.coefficient((1, 2))
    print(f"s1*s2 coefficient {interaction:+.3f} (XOR in these inputs: 0.5 - 0.5*s1*s2)")

    # 4. The polynomial on {0, 1}: the multilinear form through its values on the corners.
    v = poly(scaled)
    multilinear = {
        "1": v[0],
        "x1": v[2] - v[0],
        "x2": v[1] - v[0],
        "x1*x2": v[3] - v[2] - v[1] + v[0],
    }
    text = " ".join(
        f"{value:+.3f}*{term}" if term != "1" else f"{value:+.3f}"
        for term, value in multilinear.items()
    )
    print(f"On {{0, 1}} the polynomial is {text}  (XOR = x1 + x2 - 2*x1*x2)")

    # 5. The figure: the polynomial over the square and its largest coefficients.
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    grid = np.linspace(-1.0, 1.0, 101)
    s1, s2 = np.meshgrid(grid, grid)
    surface = poly(np.column_stack([s1.ravel(), s2.ravel()])).reshape(s1.shape)
    filled = left.contourf(s1, s2, surface, levels=20, cmap="RdBu_r")
    figure.colorbar(filled, ax=left, label="polynomial")
    left.scatter(scaled[:, 0], scaled[:, 1], c=XOR, cmap="RdBu_r", edgecolors="black", s=120)
    left.set(xlabel="s1", ylabel="s2", title="Polynomial of the network; dots: XOR")
    plot_top_coefficients(poly, n=6, ax=right)
    right.set_title("Largest coefficients")
    return {
        "linear_predictions": design @ theta,
        "network_predictions": network_predictions,
        "polynomial": poly,
        "multilinear": multilinear,
        "figure": figure,
    }


if __name__ == "__main__":
    main()
