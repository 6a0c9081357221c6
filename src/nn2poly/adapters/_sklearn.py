"""scikit-learn ``MLPRegressor`` and ``MLPClassifier`` to :class:`Network`.

A fitted scikit-learn MLP holds one weight matrix per layer in ``coefs_``
(shape ``(n_in, n_out)``), one bias vector per layer in ``intercepts_``, one
hidden activation for every hidden layer (``activation``) and the output
activation in ``out_activation_``.  The output activation of a classifier
(``"logistic"`` or ``"softmax"``) becomes the polynomial's link, so the
polynomial describes the logits.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._network import Dense, Network
from .._polynomial_classes import class_labels
from .._validation import InstanceOf, check_param, invalid_value
from ..activations import activation_for, framework_names
from ._adapted import AdaptedModel
from ._agreement import check_agreement, rtol_for
from ._files import ModelFileError, refuse_untrusted

__all__ = ["adapt_sklearn", "load_pickled"]

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


def _names(values: Any) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(str(value) for value in values)


def _classes(model: Any, link: str | None) -> tuple[Any, ...] | None:
    """A classifier's class labels as JSON values (None for a regressor or unusual labels)."""
    if link is None:
        return None
    labels = class_labels(model)
    return None if labels is None else tuple(labels)


def _output_names(model: Any, n_outputs: int, link: str | None) -> tuple[str, ...] | None:
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


def adapt_sklearn(model: Any, *, data: Any = None) -> AdaptedModel:
    """Read a fitted scikit-learn ``MLPRegressor`` or ``MLPClassifier``.

    Parameters
    ----------
    model : sklearn.neural_network.MLPRegressor or MLPClassifier
        A fitted estimator (``coefs_`` and ``intercepts_`` present).
    data : array_like of shape (n_samples, n_features), optional
        Inputs on which the reading is checked against the estimator's own
        ``predict``/``predict_proba``, besides points spanning ``[-1, 1]``.

    Returns
    -------
    AdaptedModel
        Hidden layers with the estimator's ``activation``, a linear output
        layer, ``link`` from ``out_activation_`` (``"logistic"`` ->
        ``"sigmoid"``, ``"softmax"`` -> ``"softmax"``, ``"identity"`` -> None),
        feature names from ``feature_names_in_`` (when fitted on a DataFrame)
        and, for classifiers, output names from ``classes_``.

    Raises
    ------
    ValueError
        If the estimator is not fitted or uses an activation nn2poly does
        not know; :class:`ModelMismatchError` if the network does not
        compute what the estimator predicts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 2)
    >>> model = MLPRegressor(hidden_layer_sizes=(3,), activation="tanh", solver="lbfgs",
    ...                      random_state=0)
    >>> model = model.fit(X, X.sum(axis=1))
    >>> adapt_sklearn(model).network
    Network(2 -> 3[tanh] -> 1[linear])
    """
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    if type(model) not in (MLPRegressor, MLPClassifier) and isinstance(
        model, (MLPRegressor, MLPClassifier)
    ):
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
    check_param(
        "model",
        model,
        [InstanceOf((MLPRegressor, MLPClassifier), "a scikit-learn MLPRegressor or MLPClassifier")],
        caller="adapt_sklearn",
    )
    _check_fitted(model)
    found = (
        activation_for("sklearn", model.activation) if isinstance(model.activation, str) else None
    )
    name = type(model).__name__
    if found is None:
        raise invalid_value(
            "model",
            model,
            f"an MLP whose activation is one of {list(framework_names('sklearn'))}",
            caller="adapt_sklearn",
            fix=f"{name}.activation is {model.activation!r}; refit with one nn2poly reads.",
        )
    hidden = found.name
    if model.out_activation_ not in OUTPUT_LINKS:
        raise invalid_value(
            "model",
            model,
            f"an MLP whose out_activation_ is one of {sorted(OUTPUT_LINKS)}",
            caller="adapt_sklearn",
            fix=f"{name}.out_activation_ is {model.out_activation_!r}.",
        )
    link = OUTPUT_LINKS[model.out_activation_]
    count = len(model.coefs_)
    if len(model.intercepts_) != count:
        raise invalid_value(
            "model",
            model,
            "an MLP with one intercept vector per weight matrix",
            caller="adapt_sklearn",
            fix=f"The estimator has {count} weight matrices but {len(model.intercepts_)} "
            "intercept vectors; it looks corrupted. Refit it.",
        )
    layers = tuple(
        Dense(
            np.asarray(weight, dtype=np.float64),
            np.asarray(bias, dtype=np.float64),
            hidden if index < count - 1 else "linear",
            _name=f"layer {index}",
        )
        for index, (weight, bias) in enumerate(zip(model.coefs_, model.intercepts_, strict=True))
    )
    network = Network(layers)
    adapted = AdaptedModel(
        network,
        link=link,
        feature_names=_names(getattr(model, "feature_names_in_", None)),
        output_names=_output_names(model, network.n_outputs, link),
        classes=_classes(model, link),
    )
    check_agreement(
        network,
        link,
        lambda X: _model_output(model, X, link, network.n_outputs),
        what=f"the scikit-learn {type(model).__name__}",
        rtol=rtol_for(model.coefs_[0].dtype),
        data=data,
    )
    return adapted


def _model_output(model: Any, X: Any, link: str | None, n_outputs: int) -> Any:
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


def load_pickled(path: str | os.PathLike[str], *, trust: bool = False) -> AdaptedModel:
    """Load a pickled model (``pickle`` or ``joblib``) and adapt it.

    Unpickling runs code stored in the file, so it is refused unless
    ``trust=True``.

    Parameters
    ----------
    path : str or path-like
        A ``.pkl``/``.pickle`` file (``pickle.dump``) or a ``.joblib`` file
        (``joblib.dump``) holding a fitted scikit-learn MLP or any other
        model nn2poly reads.
    trust : bool, default=False
        Set to True only for files from a source you trust.

    Returns
    -------
    AdaptedModel
    """
    file = Path(path)
    if not trust:
        refuse_untrusted(file, "pickle (unpickling runs code stored in the file)")
    if file.suffix.lower() == ".joblib":
        try:
            import joblib
        except ImportError:
            raise ImportError(
                f"Reading {file.name!r} needs joblib; install it with pip install joblib."
            ) from None
        try:
            model = joblib.load(file)
        except (pickle.UnpicklingError, EOFError, ValueError, KeyError, OSError) as exc:
            raise ModelFileError(
                f"{file.name!r} could not be unpickled ({type(exc).__name__}: {exc}); expected a "
                "model saved with joblib.dump."
            ) from None
    else:
        with open(file, "rb") as handle:
            try:
                model = pickle.load(handle)
            except (pickle.UnpicklingError, EOFError, ValueError, KeyError) as exc:
                raise ModelFileError(
                    f"{file.name!r} could not be unpickled ({type(exc).__name__}: {exc}); "
                    "expected a model saved with pickle.dump."
                ) from None
    from . import adapt

    if isinstance(model, Mapping) and not {"layers", "weights", "input"} & set(model):
        raise ModelFileError(
            f"{file.name!r} holds a dictionary of parameters (keys {sorted(map(str, model))[:4]!r}"
            "...), not a model: it does not say how the layers connect or which activations they "
            "use. Pickle the fitted model object itself, or build the network with "
            "nn2poly.Network.from_weights(weights, activations)."
        )
    if isinstance(model, (str, bytes, os.PathLike)):
        raise ModelFileError(
            f"{file.name!r} holds a {type(model).__name__}, not a model; pickle the fitted model "
            "itself."
        )
    return adapt(model)
