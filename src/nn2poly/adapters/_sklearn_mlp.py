"""A fitted scikit-learn ``MLPRegressor`` or ``MLPClassifier`` read into a graph builder.

A fitted MLP holds one weight matrix per layer in ``coefs_`` (shape
``(n_in, n_out)``), one bias vector per layer in ``intercepts_``, one hidden
activation for every hidden layer (``activation``) and the output activation
in ``out_activation_``.  The output activation of a classifier (``"logistic"``
or ``"softmax"``) becomes the polynomial's link, so the polynomial describes
the logits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._polynomial_classes import class_labels
from .._validation import InstanceOf, check_param, invalid_value
from ..activations import activation_for, framework_names
from ._builder import GraphBuilder, Value

__all__ = ["OUTPUT_LINKS", "check_mlp", "class_names", "mlp_output", "model_output"]

#: scikit-learn ``out_activation_`` -> link of the polynomial
OUTPUT_LINKS = {"identity": None, "logistic": "sigmoid", "softmax": "softmax"}


def _check_fitted(model: Any) -> None:
    missing = [
        name for name in ("coefs_", "intercepts_", "out_activation_") if not hasattr(model, name)
    ]
    if missing:
        raise invalid_value(
            "model",
            model,
            "a fitted MLPRegressor or MLPClassifier",
            caller="adapt_sklearn",
            fix=f"This {type(model).__name__} is not fitted yet (it has no "
            f"{', '.join(missing)}); call fit(X, y) before converting it.",
        )


def _refuse_overrides(model: Any) -> None:
    """A subclass overriding what the MLP computes cannot be read from its weights."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    if type(model) in (MLPRegressor, MLPClassifier) or not isinstance(
        model, (MLPRegressor, MLPClassifier)
    ):
        return
    base = MLPClassifier if isinstance(model, MLPClassifier) else MLPRegressor
    overridden = [
        name
        for name in ("predict", "predict_proba", "_forward_pass_fast", "_forward_pass")
        if getattr(type(model), name, None) is not getattr(base, name, None)
    ]
    if overridden:
        raise invalid_value(
            "model",
            model,
            "a plain scikit-learn MLPRegressor or MLPClassifier",
            caller="adapt_sklearn",
            type_error=True,
            fix=f"{type(model).__name__} (subclass of sklearn.neural_network."
            f"{base.__name__} overriding {', '.join(overridden)}) is not supported: nn2poly "
            "cannot know what it computes. Convert a plain MLPRegressor or MLPClassifier.",
        )


def check_mlp(model: Any) -> tuple[str, str | None]:
    """The registry name of a fitted MLP's hidden activation and its output link."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    _refuse_overrides(model)
    check_param(
        "model",
        model,
        [InstanceOf((MLPRegressor, MLPClassifier), "a scikit-learn MLPRegressor or MLPClassifier")],
        caller="adapt_sklearn",
    )
    _check_fitted(model)
    name = type(model).__name__
    found = (
        activation_for("sklearn", model.activation) if isinstance(model.activation, str) else None
    )
    if found is None:
        raise invalid_value(
            "model",
            model,
            f"an MLP whose activation is one of {list(framework_names('sklearn'))}",
            caller="adapt_sklearn",
            fix=f"{name}.activation is {model.activation!r}; refit with one nn2poly reads.",
        )
    if model.out_activation_ not in OUTPUT_LINKS:
        raise invalid_value(
            "model",
            model,
            f"an MLP whose out_activation_ is one of {sorted(OUTPUT_LINKS)}",
            caller="adapt_sklearn",
            fix=f"{name}.out_activation_ is {model.out_activation_!r}.",
        )
    if len(model.intercepts_) != len(model.coefs_):
        raise invalid_value(
            "model",
            model,
            "an MLP with one intercept vector per weight matrix",
            caller="adapt_sklearn",
            fix=f"The estimator has {len(model.coefs_)} weight matrices but "
            f"{len(model.intercepts_)} intercept vectors; it looks corrupted. Refit it.",
        )
    return found.name, OUTPUT_LINKS[model.out_activation_]


def mlp_output(builder: GraphBuilder, value: Value, model: Any, hidden: str) -> Value:
    """The MLP's logits (its output before ``out_activation_``) computed from ``value``."""
    count = len(model.coefs_)
    for index, (weight, bias) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        value = builder.affine(
            value, np.asarray(weight, dtype=np.float64), np.asarray(bias, dtype=np.float64)
        )
        if index < count - 1:
            value = builder.activation(value, hidden, name=f"layer {index}")
    return value


def class_names(model: Any, n_outputs: int, link: str | None) -> tuple[str, ...] | None:
    """Output names of a classifier from ``classes_`` (None for a regressor)."""
    classes = getattr(model, "classes_", None)
    if link is None or classes is None:
        return None
    classes = np.asarray(classes)
    if classes.ndim != 1:
        return None  # multi-label indicator: no class names
    if link == "softmax" and classes.shape[0] == n_outputs:
        return tuple(str(value) for value in classes)
    if link == "sigmoid" and n_outputs == 1 and classes.shape[0] == 2:
        # one logit: that of the second class against the first
        return (str(classes[1]),)
    return None


def classes_of(model: Any, link: str | None) -> tuple[Any, ...] | None:
    """A classifier's class labels as JSON values (None for a regressor or unusual labels)."""
    if link is None:
        return None
    labels = class_labels(model)
    return None if labels is None else tuple(labels)


def model_output(model: Any, X: Any, link: str | None, n_outputs: int) -> Any:
    """The estimator's own inference: probabilities of a classifier, predictions otherwise."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fitted with feature names, given an array
        if link is None:
            return np.asarray(model.predict(X), dtype=np.float64).reshape(len(X), -1)
        proba = np.asarray(model.predict_proba(X), dtype=np.float64).reshape(len(X), -1)
    if link == "sigmoid" and n_outputs == 1 and proba.shape[1] == 2:
        return proba[:, 1:]
    return proba
