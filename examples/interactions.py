"""Breast cancer (scikit-learn's load_breast_cancer): the strongest pairwise interactions.

With 30 features a polynomial of degree 3 has 5,456 terms, most of them
products of three different features that interaction methods (SHAP-IQ, EBM)
do not use.  ``max_interaction=2`` keeps only the monomials with at most two
distinct features: the intercept, the main effects (``x``, ``x^2``, ``x^3``)
and the pairwise interactions (``x*z``, ``x^2*z``, ``x*z^2``).  Every kept
coefficient is exactly the one of the full conversion; only the others are
left out, so the basis, and the time and memory, are smaller.

Inputs are scaled to [-1, 1]; an l1-constrained classifier is trained and
converted at order 3.  The strength of the interaction between features i and
j is the sum of the absolute coefficients of the monomials made of exactly
those two features.  The figure shows that strength over all pairs as a heat
map, and the largest pairs as bars.

Run:  python examples/interactions.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

import nn2poly


def pairwise_strength(poly: nn2poly.Polynomial) -> np.ndarray:
    """Matrix (p, p): the sum of |coefficient| over the monomials made of exactly i and j."""
    powers, coef = poly.powers, np.abs(poly.coef[:, 0])
    strength = np.zeros((poly.n_features, poly.n_features))
    for row, size in zip(powers, coef, strict=True):
        (used,) = np.nonzero(row)
        if len(used) == 2:
            i, j = used
            strength[i, j] += size
            strength[j, i] += size
    return strength


def main() -> dict[str, object]:
    torch.set_num_threads(1)
    data = load_breast_cancer()
    names = [name.replace(" ", "_") for name in data.feature_names]
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0, stratify=data.target
    )
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(X_train)
    # held-out points may fall slightly outside [-1, 1]; clip them onto the training range
    X_train, X_test = scaler.transform(X_train), np.clip(scaler.transform(X_test), -1, 1)

    model = nn2poly.MLPClassifier(
        (16,),
        "tanh",
        learning_rate=0.02,
        epochs=150,
        batch_size=64,
        random_state=0,
    ).fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    print(f"Network accuracy on held-out tumours: {accuracy:.3f}")

    poly = model.to_polynomial(max_order=3, max_interaction=2, data=X_train, feature_names=names)
    full_terms = nn2poly.n_monomials(len(names), 3)
    print(f"Terms kept: {poly.n_terms} of {full_terms} (max_interaction=2)")
    agreement = np.mean(poly.predict_class(X_test) == model.predict(X_test))
    print(f"Polynomial and network agree on {agreement:.1%} of held-out tumours")

    strength = pairwise_strength(poly)
    upper_i, upper_j = np.triu_indices(len(names), k=1)
    order = np.argsort(-strength[upper_i, upper_j], kind="stable")[:15]
    pairs = [(int(upper_i[k]), int(upper_j[k])) for k in order]
    print("Strongest pairwise interactions (sum of |coefficients| of their monomials):")
    for i, j in pairs:
        print(f"  {names[i]:<24} x {names[j]:<24} {strength[i, j]:.4f}")

    # The figure: the heat map over every pair, and the 15 strongest pairs as bars.
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(13, 5.5), layout="constrained", width_ratios=(1, 1.1)
    )
    image = left.imshow(strength, cmap="viridis")
    left.set_title("Pairwise interaction strength")
    left.set_xlabel("feature index (order of data.feature_names)")
    left.set_ylabel("feature index")
    figure.colorbar(image, ax=left, shrink=0.8, label="sum of |coefficients|")
    labels = [f"{names[i]} x {names[j]}" for i, j in pairs]
    heights = [strength[i, j] for i, j in pairs]
    right.barh(labels[::-1], heights[::-1], color="tab:blue")
    right.tick_params(axis="y", labelsize=8)
    right.set_xlabel("sum of |coefficients|")
    right.set_title("Strongest 15 pairs")
    return {
        "model": model,
        "polynomial": poly,
        "strength": strength,
        "pairs": pairs,
        "accuracy": accuracy,
        "agreement": agreement,
        "figure": figure,
    }


if __name__ == "__main__":
    main()
