"""Two concentric circles: the classifier's logit polynomial is nearly radial.

A point's class depends only on its radius, so a faithful polynomial of the
logit should be close to a + b*(x1^2 + x2^2).  The figure draws the held-out
points with the decision boundary of the network (probability 0.5) and that of
its order-2 logit polynomial (logit 0): the two nearly coincide, and both are
close to a circle.

Run:  python examples/circles.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import make_circles

import nn2poly


def main() -> dict[str, object]:
    torch.set_num_threads(1)
    X, y = make_circles(n_samples=600, factor=0.5, noise=0.05, random_state=0)
    X = X / np.abs(X).max()  # one scale for both axes keeps the circles round, inside [-1, 1]
    train, test = slice(0, 400), slice(400, None)
    model = nn2poly.MLPClassifier(
        (16,), "softplus(beta=2)", learning_rate=0.03, epochs=200, batch_size=16, random_state=0
    ).fit(X[train], y[train])
    accuracy = model.score(X[test], y[test])
    print(f"Network accuracy on held-out points: {accuracy:.3f}")

    poly = model.to_polynomial(max_order=2)
    network_classes = np.searchsorted(model.classes_, model.predict(X[test]))
    agreement = float(np.mean(poly.predict_class(X[test]) == network_classes))
    print(f"Logit polynomial ({poly.link} link): {poly}")
    print(f"Class agreement, polynomial vs network, on held-out points: {agreement:.3f}")

    # How radial is it?  Least squares of the logit polynomial on [1, x1^2 + x2^2].
    logits = poly(X)
    radius2 = (X**2).sum(axis=1)
    design = np.column_stack([np.ones_like(radius2), radius2])
    (a, b), *_ = np.linalg.lstsq(design, logits, rcond=None)
    residual = logits - design @ np.array([a, b])
    r2 = 1.0 - residual.var() / logits.var()
    terms = {"x1^2": (1, 1), "x2^2": (2, 2), "x1*x2": (1, 2), "x1": (1,), "x2": (2,)}
    print(", ".join(f"{name} {poly.coefficient(label):+.3f}" for name, label in terms.items()))
    print(f"Logit ~ {a:+.3f} {b:+.3f}*(x1^2 + x2^2) explains R² = {r2:.4f} of the logit polynomial")

    # The figure: held-out points and the two decision boundaries.
    grid = np.linspace(-1.05, 1.05, 121)
    g1, g2 = np.meshgrid(grid, grid)
    points = np.column_stack([g1.ravel(), g2.ravel()])
    network_p = model.predict_proba(points)[:, 1].reshape(g1.shape)
    poly_logit = poly(points).reshape(g1.shape)
    figure, axes = plt.subplots(figsize=(5.5, 5), layout="constrained")
    axes.scatter(*X[test].T, c=y[test], cmap="coolwarm", s=12, alpha=0.7)
    axes.contour(g1, g2, network_p, levels=[0.5], colors="black", linewidths=2)
    axes.contour(g1, g2, poly_logit, levels=[0.0], colors="orange", linestyles="--")
    axes.plot([], [], color="black", linewidth=2, label="network (p = 0.5)")
    axes.plot([], [], color="orange", linestyle="--", label="polynomial (logit = 0)")
    axes.set(xlabel="x1", ylabel="x2", aspect="equal", title="Decision boundaries")
    axes.legend(loc="upper right")
    return {
        "accuracy": accuracy,
        "agreement": agreement,
        "polynomial": poly,
        "radial_r2": r2,
        "figure": figure,
    }


if __name__ == "__main__":
    main()
