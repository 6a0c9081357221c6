"""scikit-learn MLPs, pipelines and transformed-target regressors to :class:`Network`.

A fitted ``MLPRegressor`` or ``MLPClassifier`` is read from its weights (see
``_sklearn_mlp``); a ``Pipeline`` of affine scalers before one, and a
``TransformedTargetRegressor`` scaling its target, fold into its first and
last layers (see ``_sklearn_pipeline``), so the polynomial is in the units of
the pipeline's inputs and outputs.  The output activation of a classifier
becomes the polynomial's link, so the polynomial describes the logits.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._validation import invalid_value
from ._adapted import AdaptedModel
from ._agreement import RTOL_FLOAT64, check_agreement, rtol_for
from ._builder import GraphBuilder
from ._files import ModelFileError, refuse_untrusted
from ._sklearn_mlp import check_mlp, class_names, classes_of, model_output
from ._sklearn_pipeline import is_composite, n_inputs_of, read_estimator

__all__ = ["adapt_sklearn", "load_pickled"]


def _names(values: Any) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(str(value) for value in values)


def adapt_sklearn(model: Any, *, data: Any = None) -> AdaptedModel:
    """Read a fitted scikit-learn MLP, or a pipeline with one as its last step.

    Parameters
    ----------
    model : MLPRegressor, MLPClassifier, Pipeline or TransformedTargetRegressor
        A fitted ``sklearn.neural_network`` estimator (``coefs_`` and
        ``intercepts_`` present); or a fitted ``Pipeline`` whose steps before
        it are ``StandardScaler``, ``MinMaxScaler`` (``clip=False``),
        ``MaxAbsScaler``, ``RobustScaler``, ``PCA``, ``"passthrough"`` or
        None; or a ``TransformedTargetRegressor`` of either whose target
        transformer is one of those scalers (or the identity).  The last step
        may also be an nn2poly estimator (one with a ``network_``).
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
        and, for classifiers, output names from ``classes_``.  The scalers of
        a pipeline are folded into the first layer: the network reads the
        pipeline's raw inputs.

    Raises
    ------
    ValueError
        If the estimator is not fitted, uses an activation nn2poly does not
        know, or a pipeline holds a step that is not an affine map (named with
        its class); :class:`ModelMismatchError` if the network does not
        compute what the estimator predicts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 2)
    >>> model = MLPRegressor(hidden_layer_sizes=(3,), activation="tanh", solver="lbfgs",
    ...                      random_state=0)
    >>> adapt_sklearn(model.fit(X, X.sum(axis=1))).network
    Network(2 -> 3[tanh] -> 1[linear])
    >>> pipeline = make_pipeline(StandardScaler(), model).fit(10 * X, X.sum(axis=1))
    >>> adapt_sklearn(pipeline).network   # the scaler lives in the first layer
    Network(2 -> 3[tanh] -> 1[linear])
    """
    if not is_composite(model) and not hasattr(model, "network_"):
        check_mlp(model)  # refuses anything else in the one message template
    builder = GraphBuilder(n_inputs_of(model))
    read = read_estimator(builder, builder.input, model)
    if read.final is None:
        raise invalid_value(
            "model",
            model,
            "a Pipeline whose last step is an MLPRegressor, MLPClassifier or nn2poly estimator",
            caller="adapt_sklearn",
            fix="Its last step is 'passthrough' or None: it transforms, it does not predict.",
        )
    link = read.link
    last = f"layer {len(read.final.coefs_) - 1}" if hasattr(read.final, "coefs_") else "output"
    network = builder.build(read.value, name=last, peel_sigmoid=False)
    network = network.with_link(link) if link is not None else network
    final = read.final
    if final is not None and not hasattr(final, "coefs_"):  # an nn2poly estimator
        inner = getattr(final, "adapted_model_", None)
        output_names = getattr(inner, "output_names", None)
    else:
        output_names = class_names(final, network.n_outputs, link)
    adapted = AdaptedModel(
        network,
        link=link,
        feature_names=_names(getattr(model, "feature_names_in_", None)),
        output_names=output_names,
        classes=classes_of(model, link),
    )
    rtol = max([RTOL_FLOAT64, *(rtol_for(dtype) for dtype in read.dtypes)])
    check_agreement(
        network,
        link,
        lambda X: model_output(model, X, link, network.n_outputs),
        what=f"the scikit-learn {type(model).__name__}",
        rtol=rtol,
        data=data,
    )
    return adapted


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
