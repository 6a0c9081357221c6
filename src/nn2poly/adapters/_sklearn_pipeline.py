"""scikit-learn preprocessing folded into the network: pipelines and transformed targets.

The scalers of :mod:`sklearn.preprocessing` are affine maps of each feature
(``x * scale + shift``) and a ``PCA`` is an affine map of all of them, so a
``Pipeline`` of such steps before an MLP computes the same function as an MLP
whose first layer absorbed them.  The steps are read into the graph builder
as scalings and affine maps; they fold exactly into the first dense layer and
the polynomial is in the pipeline's input units.  A
``TransformedTargetRegressor`` whose target transformer is such a scaler
(or the identity) folds its inverse into the output the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._dense import Dense
from .._graph import Add, Concatenate
from .._network import Network
from .._validation import invalid_value
from ._builder import GraphBuilder, Value
from ._sklearn_mlp import check_mlp, mlp_output

__all__ = ["ReadEstimator", "is_composite", "read_estimator"]

FloatArray = NDArray[np.float64]

#: What a pipeline may hold before its network, for the messages.
SUPPORTED_STEPS = (
    "StandardScaler, MinMaxScaler (clip=False), MaxAbsScaler, RobustScaler, PCA, "
    "'passthrough' or None, and nested Pipelines"
)
#: The attributes a fitted step of each class holds.
_FITTED = {
    "StandardScaler": "n_features_in_",
    "MinMaxScaler": "scale_",
    "MaxAbsScaler": "scale_",
    "RobustScaler": "n_features_in_",
    "PCA": "components_",
}


@dataclass
class ReadEstimator:
    """What reading an estimator gave: its output, link, final network estimator, dtypes."""

    value: Value
    link: str | None
    final: Any
    dtypes: list[Any] = field(default_factory=list)


def is_composite(model: Any) -> bool:
    """A scikit-learn ``Pipeline`` or ``TransformedTargetRegressor`` (of exact type)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline

    return type(model) in (Pipeline, TransformedTargetRegressor)


def _where(name: str, step: Any) -> str:
    return f"step {name!r} ({type(step).__name__})"


def _refuse(name: str, step: Any, reason: str) -> Exception:
    return invalid_value(
        "model",
        step,
        f"a Pipeline whose steps before the network are {SUPPORTED_STEPS}",
        caller="adapt_sklearn",
        fix=f"Unsupported {_where(name, step)} in the pipeline: {reason} To explain the network "
        "on its transformed inputs instead, convert pipeline[-1] with data "
        "pipeline[:-1].transform(X).",
    )


def _array(step: Any, attribute: str) -> FloatArray | None:
    value = getattr(step, attribute, None)
    return None if value is None else np.asarray(value, dtype=np.float64)


def scaler_map(name: str, step: Any) -> tuple[FloatArray, FloatArray] | None:
    """``(scale, shift)`` with ``step.transform(x) == x * scale + shift``, or None if not a
    scaler nn2poly folds (an identity step gives ``(1, 0)``)."""
    from sklearn.preprocessing import FunctionTransformer

    kind = type(step).__name__
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return np.ones(1), np.zeros(1)
    if type(step) is FunctionTransformer and step.func is None:
        return np.ones(1), np.zeros(1)
    module = type(step).__module__
    if not module.startswith("sklearn.preprocessing") or kind not in _FITTED or kind == "PCA":
        return None
    if not hasattr(step, _FITTED[kind]):
        raise _refuse(name, step, "it is not fitted; fit the pipeline before converting it.")
    if kind == "MinMaxScaler":
        if step.clip:
            raise _refuse(name, step, "clip=True clips inputs outside the training range.")
        return np.asarray(step.scale_, np.float64), np.asarray(step.min_, np.float64)
    if kind == "MaxAbsScaler":
        return 1.0 / np.asarray(step.scale_, np.float64), np.zeros(1)
    center = _array(step, "mean_" if kind == "StandardScaler" else "center_")
    spread = _array(step, "scale_")
    if kind == "StandardScaler" and not step.with_mean:
        center = None
    factor = np.ones(1) if spread is None else 1.0 / spread
    return factor, (np.zeros(1) if center is None else -center * factor)


def _fold_step(builder: GraphBuilder, value: Value, name: str, step: Any) -> Value:
    mapping = scaler_map(name, step)
    if mapping is not None:
        return builder.scale_shift(value, *mapping)
    if type(step).__name__ == "PCA" and type(step).__module__.startswith("sklearn.decomposition"):
        if not hasattr(step, "components_"):
            raise _refuse(name, step, "it is not fitted; fit the pipeline before converting it.")
        components = np.asarray(step.components_, dtype=np.float64).T
        shift = -np.asarray(step.mean_, dtype=np.float64) @ components
        if step.whiten:
            spread = np.sqrt(np.asarray(step.explained_variance_, dtype=np.float64))
            spread[spread < np.finfo(np.float64).eps] = np.finfo(np.float64).eps
            components, shift = components / spread, shift / spread
        return builder.affine(value, components, shift)
    raise _refuse(name, step, "it is not an affine map of the features nn2poly can fold.")


def _fold_steps(
    builder: GraphBuilder, value: Value, steps: list[tuple[str, Any]], dtypes: list[Any]
) -> Value:
    """The transformers ``steps`` (nested pipelines flattened) applied to ``value``."""
    from sklearn.pipeline import Pipeline

    for name, step in steps:
        if type(step) is Pipeline:
            value = _fold_steps(builder, value, step.steps, dtypes)
            continue
        value = _fold_step(builder, value, name, step)
        arrays = vars(step).values() if hasattr(step, "__dict__") else ()
        dtypes.extend(a.dtype for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f")
    return value


def _replay(builder: GraphBuilder, value: Value, network: Network) -> Value:
    """An nn2poly network's nodes applied to ``value``."""
    values = {"input": value}
    for node in network.nodes:
        inputs = [values[name] for name in node.inputs]
        operation = node.operation
        if isinstance(operation, Dense):
            result = builder.affine(inputs[0], operation.weight, operation.bias)
            result = builder.activation(result, operation.activation, name=node.name)
        elif isinstance(operation, Add):
            result = builder.add(*inputs)
        elif isinstance(operation, Concatenate):
            result = builder.concatenate(inputs)
        else:  # the graph module grew an operation this replay does not know
            raise TypeError(f"Unknown network operation {type(operation).__name__}.")
        values[node.name] = result
    return values[network.nodes[-1].name]


def _target(builder: GraphBuilder, read: ReadEstimator, model: Any) -> None:
    """The inverse of a TransformedTargetRegressor's transformer, folded into the output."""
    transformer = model.transformer_
    mapping = scaler_map("transformer_", transformer)
    if mapping is None:
        raise invalid_value(
            "model",
            transformer,
            f"a target transformer among {SUPPORTED_STEPS.split(', PCA')[0]} or the identity",
            caller="adapt_sklearn",
            fix=f"The TransformedTargetRegressor transforms its target with "
            f"{type(transformer).__name__}, whose inverse nn2poly cannot fold into the network.",
        )
    scale, shift = mapping
    read.value = builder.scale_shift(read.value, 1.0 / scale, -shift / scale)


def read_estimator(builder: GraphBuilder, value: Value, model: Any) -> ReadEstimator:
    """Read ``model`` (an MLP, an nn2poly estimator, a Pipeline or a transformed-target
    regressor of them) applied to ``value``."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline

    if type(model) is Pipeline:
        dtypes: list[Any] = []
        value = _fold_steps(builder, value, model.steps[:-1], dtypes)
        read = read_estimator(builder, value, model.steps[-1][1])
        read.dtypes.extend(dtypes)
        return read
    if type(model) is TransformedTargetRegressor:
        if not hasattr(model, "regressor_"):
            raise invalid_value(
                "model",
                model,
                "a fitted TransformedTargetRegressor",
                caller="adapt_sklearn",
                fix="It is not fitted yet; call fit(X, y) before converting it.",
            )
        read = read_estimator(builder, value, model.regressor_)
        _target(builder, read, model)
        return read
    if model is None or (isinstance(model, str) and model == "passthrough"):
        return ReadEstimator(value, None, None)
    network = getattr(model, "network_", None)
    if isinstance(network, Network) and not hasattr(model, "coefs_"):
        adapted = getattr(model, "adapted_model_", None)
        link = getattr(adapted, "link", None) or network.link
        return ReadEstimator(_replay(builder, value, network), link, model)
    hidden, link = check_mlp(model)
    return ReadEstimator(
        mlp_output(builder, value, model, hidden), link, model, [model.coefs_[0].dtype]
    )


def n_inputs_of(model: Any) -> int:
    """The number of input features of a fitted estimator or pipeline."""
    count = getattr(model, "n_features_in_", None)
    if isinstance(count, (int, np.integer)):
        return int(count)
    steps = getattr(model, "steps", None)
    if steps:
        for _, step in steps:
            if step is not None and not (isinstance(step, str) and step == "passthrough"):
                return n_inputs_of(step)
    for attribute in ("regressor_", "network_"):
        inner = getattr(model, attribute, None)
        if inner is not None:
            return int(inner.n_inputs) if attribute == "network_" else n_inputs_of(inner)
    coefs = getattr(model, "coefs_", None)
    if coefs:
        return int(np.shape(coefs[0])[0])
    raise invalid_value(
        "model",
        model,
        "a fitted estimator",
        caller="adapt_sklearn",
        fix="It is not fitted yet (it has no n_features_in_); call fit(X, y) before converting it.",
    )
