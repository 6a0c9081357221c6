"""Diabetes progression (scikit-learn's load_diabetes): reading the top terms of a network.

Inputs are scaled to [-1, 1] and the target standardised; an l1-constrained
network is trained, converted at order 2, and its largest terms are listed.
The figure shows the polynomial's predictions against the network's on
held-out patients, and the largest coefficients.

Run:  python examples/diabetes.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

import nn2poly
from nn2poly.plotting import plot_fidelity, plot_top_coefficients


def main() -> dict[str, object]:
    torch.set_num_threads(1)
    data = load_diabetes()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0
    )
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(X_train)
    # held-out points may fall slightly outside [-1, 1]; clip them onto the training range
    X_train, X_test = scaler.transform(X_train), np.clip(scaler.transform(X_test), -1, 1)
    mean, sd = y_train.mean(), y_train.std()
    y_train, y_test = (y_train - mean) / sd, (y_test - mean) / sd

    model = nn2poly.MLPRegressor(
        (16,),
        "softplus(beta=2)",
        learning_rate=0.01,
        epochs=300,
        batch_size=32,
        validation_fraction=0.2,
        n_iter_no_change=30,
        weight_decay=1e-4,
        random_state=0,
    ).fit(X_train, y_train)
    score = model.score(X_test, y_test)
    print(f"Network R² on held-out patients: {score:.3f}")
    print(f"Epochs run {model.n_epochs_}, best {model.best_epoch_ + 1}")

    poly = model.to_polynomial(max_order=2, feature_names=list(data.feature_names))
    y_network, y_poly = model.predict(X_test), poly(X_test)
    fidelity = 1.0 - np.mean((y_network - y_poly) ** 2) / np.var(y_network)
    print(f"Polynomial fidelity to the network on held-out patients: R² {fidelity:.4f}")
    top = poly.top(10, include_intercept=False)
    print("Top terms (standardised target per unit of scaled input):")
    for name, value in zip(top.term_names, top.coef[:, 0], strict=True):
        print(f"  {name:<10} {value:+.3f}")

    # The figure: fidelity on held-out patients and the largest coefficients.
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    plot_fidelity(y_network, y_poly, ax=left)
    plot_top_coefficients(poly, n=10, ax=right)
    right.set_title("Largest coefficients")
    return {
        "polynomial": poly,
        "fidelity": fidelity,
        "score": score,
        "top": top.term_names,
        "figure": figure,
    }


if __name__ == "__main__":
    main()
