"""Two concentric circles: the classifier's logit polynomial is nearly radial.

A point's class depends only on its radius, so a faithful polynomial of the
logit should be close to a + b*(x1^2 + x2^2).

Run:  python examples/circles.py
"""

from __future__ import annotations

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
    print(f"Network accuracy on held-out points: {model.score(X[test], y[test]):.3f}")

    poly = model.to_polynomial(max_order=2)
    agreement = float(np.mean(poly.predict_class(X[test]) == np.searchsorted(model.classes_, model.predict(X[test]))))
    print(f"Logit polynomial ({poly.link} link): {poly}")
    print(f"Class agreement, polynomial vs network, on held-out points: {agreement:.3f}")

    # How radial is it?  Least squares of the logit polynomial on [1, x1^2 + x2^2].
    logits = poly.predict(X)
    radius2 = (X**2).sum(axis=1)
    design = np.column_stack([np.ones_like(radius2), radius2])
    (a, b), *_ = np.linalg.lstsq(design, logits, rcond=None)
    residual = logits - design @ np.array([a, b])
    r2 = 1.0 - residual.var() / logits.var()
    print(
        f"x1^2 {poly.coefficient((1, 1)):+.3f}, x2^2 {poly.coefficient((2, 2)):+.3f}, "
        f"x1*x2 {poly.coefficient((1, 2)):+.3f}, x1 {poly.coefficient((1,)):+.3f}, x2 {poly.coefficient((2,)):+.3f}"
    )
    print(f"Logit ~ {a:+.3f} {b:+.3f}*(x1^2 + x2^2) explains R² = {r2:.4f} of the logit polynomial")
    return {"accuracy": model.score(X[test], y[test]), "agreement": agreement, "polynomial": poly, "radial_r2": r2}


if __name__ == "__main__":
    main()
