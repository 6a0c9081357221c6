"""Explaining each prediction: the network's Taylor polynomial at every patient.

A scikit-learn network (two hidden tanh layers, no weight constraint) is
trained on scikit-learn's diabetes data.  ``nn2poly.local_polynomials`` gives
its Taylor polynomial at every held-out patient at once: the prediction, how
each input moves it for that patient (the gradient), and the interactions.
The figure shows the local effect of each input across patients, and, for one
patient, the network along the body-mass-index axis beside its local
polynomials of order 1, 2 and 3.

Run:  python examples/local_explanations.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

import nn2poly

#: Readable names of scikit-learn's diabetes columns.
NAMES = {
    "age": "age",
    "sex": "sex",
    "bmi": "body-mass index",
    "bp": "blood pressure",
    "s1": "total cholesterol",
    "s2": "LDL",
    "s3": "HDL",
    "s4": "cholesterol / HDL",
    "s5": "log triglycerides",
    "s6": "blood sugar",
}


def main() -> dict[str, object]:
    data = load_diabetes()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    mean, sd = y_train.mean(), y_train.std()
    model = MLPRegressor(
        hidden_layer_sizes=(16, 8),
        activation="tanh",
        alpha=5.0,
        max_iter=3000,
        tol=1e-6,
        random_state=0,
    ).fit(X_train, (y_train - mean) / sd)
    names = list(data.feature_names)
    print(f"Network R² on held-out patients: {model.score(X_test, (y_test - mean) / sd):.3f}")

    # Every held-out patient's Taylor polynomial, in one call.
    local = nn2poly.local_polynomials(model, X_test, max_order=3, feature_names=names)
    patient = 0
    poly = local.polynomial(patient)
    print(f"Patient {patient}: predicted {local.values[patient, 0]:+.3f} (standardised)")
    print("Largest terms of its local polynomial (variables: x - this patient):")
    for name, value in zip(*_largest(poly, 6), strict=True):
        print(f"  {name:<14} {value:+.4f}")

    # The figure: local effects across patients; one patient along one axis.
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    gradients = local.gradients[:, :, 0]
    order = np.argsort(np.median(np.abs(gradients), axis=0))
    left.boxplot(gradients[:, order], orientation="horizontal", showfliers=False)
    left.set_yticks(range(1, len(names) + 1), [NAMES[names[i]] for i in order])
    left.axvline(0.0, color="0.6", linewidth=0.8)
    left.set_xlabel("change of the prediction per standard deviation (gradient)")
    left.set_title(f"Local effect of each input across {local.n_points} patients")

    feature = names.index("bmi")
    steps = np.linspace(-3.0, 3.0, 241)
    line = np.repeat(X_test[patient : patient + 1], steps.size, axis=0)
    line[:, feature] += steps
    network = model.predict(line)
    right.plot(steps, network, color="black", linewidth=2.5, label="network")
    errors = {}
    for degree, style in zip((1, 2, 3), (":", "--", "-"), strict=True):
        values = poly.truncate(degree).predict(line)
        errors[degree] = float(np.max(np.abs(values - network)[np.abs(steps) <= 0.5]))
        right.plot(steps, values, linestyle=style, label=f"local polynomial, order {degree}")
    right.plot([0.0], network[steps.size // 2 : steps.size // 2 + 1], "o", color="black")
    right.set_ylim(network.min() - 0.3, network.max() + 0.3)
    right.set_xlabel(f"{NAMES['bmi']}: standard deviations from patient {patient}")
    right.set_ylabel("prediction (standardised)")
    right.set_title(f"Patient {patient} along the {NAMES['bmi']} axis")
    right.legend(loc="best")
    return {
        "local": local,
        "model": model,
        "X_test": X_test,
        "errors": errors,
        "figure": figure,
    }


def _largest(poly: nn2poly.Polynomial, n: int) -> tuple[list[str], list[float]]:
    top = poly.top(n, include_intercept=False)
    return list(top.term_names), [float(v) for v in top.coef[:, 0]]


if __name__ == "__main__":
    main()
    plt.show()
