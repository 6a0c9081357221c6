"""The shared parameters, fitting and conversion of the scikit-learn MLP estimators.

Training runs in float64 on one CPU thread (the fastest for networks of this
size; torch's thread setting is restored afterwards), so the fitted
``network_`` holds exactly the weights that were trained and, with
``random_state`` set, two fits give bit-for-bit identical weights.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._data import as_plain_array
from .._network import Network
from .._polynomial import Polynomial
from .._validation import (
    InstanceOf,
    Interval,
    Options,
    Predicate,
    invalid_value,
    validate_params,
)
from ..activations import get_activation
from ..adapters import AdaptedModel
from ._constraints import CONSTRAINTS, make_constraint
from ._loop import OPTIMIZERS, TrainingHistory, make_optimizer, train
from ._norm_ball import NORM_ORDERS, potential_bound
from ._torch_mlp import TRAINABLE_ACTIVATIONS, MLPModule

__all__ = ["PARAM_TABLE", "InputRangeWarning"]

_DTYPE = torch.float64


class InputRangeWarning(UserWarning):
    """X lies outside [-1, 1] while a weight constraint is set.

    The constraint bounds each neuron's potential (by 1 for ``"l1"``, by
    ``sqrt(n_features + 1)`` for ``"l2"``) only for inputs scaled to [-1, 1]
    (e.g. with ``sklearn.preprocessing.MinMaxScaler((-1, 1))``).

    Examples
    --------
    >>> import warnings
    >>> import nn2poly
    >>> import numpy as np
    >>> X = np.random.default_rng(0).uniform(-5, 5, (40, 2))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = nn2poly.MLPRegressor((3,), epochs=1, random_state=0).fit(X, X[:, 0])
    >>> caught[0].category.__name__
    'InputRangeWarning'
    """


def _positive_sizes(sizes: Any) -> bool:
    return (
        isinstance(sizes, (tuple, list))
        and len(sizes) > 0
        and all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and int(s) > 0
            for s in sizes
        )
    )


#: What each constructor parameter accepts, checked in ``fit`` (as scikit-learn does).
PARAM_TABLE: dict[str, list[Any]] = {
    "hidden_layer_sizes": [
        Interval(int, 1, None),
        Predicate(
            _positive_sizes,
            "a non-empty tuple of positive ints",
            type_test=lambda value: isinstance(value, (tuple, list)),
        ),
    ],
    "activation": [InstanceOf((str,), "a registered activation name such as 'tanh'")],
    "constraint": [Options(set(CONSTRAINTS)), None],
    "optimizer": [Options(set(OPTIMIZERS))],
    "learning_rate": [Interval(float, 0, None, "neither")],
    "weight_decay": [Interval(float, 0, None)],
    "epochs": [Interval(int, 1, None)],
    "batch_size": [Interval(int, 1, None)],
    "n_iter_no_change": [Interval(int, 1, None)],
    "validation_fraction": [Interval(float, 0, 1, "left")],
    "dropout": [Interval(float, 0, 1, "left")],
    "gradient_clip": [Interval(float, 0, None, "neither"), None],
    "verbose": [bool, Interval(int, None, None)],
}


def _check_params(estimator: _BaseMLP) -> None:
    """Validate the constructor parameters against :data:`PARAM_TABLE`."""
    validate_params(
        estimator.get_params(deep=False),
        PARAM_TABLE,
        caller=type(estimator).__name__,
        fixes={"gradient_clip": "It is the largest gradient norm, e.g. 1.0."},
    )
    activation = get_activation(estimator.activation)  # UnknownActivationError names the known
    if activation.spec.name not in TRAINABLE_ACTIVATIONS:
        raise invalid_value(
            "activation",
            estimator.activation,
            "an activation trainable with torch: " + ", ".join(TRAINABLE_ACTIVATIONS),
            caller=type(estimator).__name__,
            fix="It has no useful gradient; train with a smooth activation such as 'tanh'.",
        )


class _BaseMLP(BaseEstimator):
    """Shared parameters, fitting and conversion of the two estimators."""

    def __init__(
        self,
        hidden_layer_sizes: int | tuple[int, ...] = (32,),
        activation: str = "tanh",
        *,
        constraint: str | None = "l1",
        optimizer: str = "adam",
        learning_rate: float = 0.001,
        epochs: int = 200,
        batch_size: int = 32,
        validation_fraction: float = 0.0,
        n_iter_no_change: int = 10,
        weight_decay: float = 0.0,
        dropout: float = 0.0,
        gradient_clip: float | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.constraint = constraint
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.gradient_clip = gradient_clip
        self.random_state = random_state
        self.verbose = verbose

    # hooks the two estimators fill in
    def _prepare_targets(self, y: NDArray[Any]) -> tuple[torch.Tensor, int]:
        raise NotImplementedError

    def _loss(self) -> Any:
        raise NotImplementedError

    def _link_and_outputs(self) -> tuple[str | None, tuple[str, ...] | None]:
        raise NotImplementedError

    def _initial_output_bias(self, targets: torch.Tensor) -> torch.Tensor | None:
        return None

    # ------------------------------------------------------------------ fit
    def _validate_X(self, X: ArrayLike, *, reset: bool) -> NDArray[np.float64]:
        return validate_data(self, as_plain_array(X), reset=reset, dtype=np.float64)

    def _warn_if_unscaled(self, X: NDArray[np.float64]) -> None:
        if self.constraint is not None and X.size and float(np.abs(X).max()) > 1.0 + 1e-9:
            bound = potential_bound(NORM_ORDERS[self.constraint], X.shape[1])
            warnings.warn(
                f"X has values outside [-1, 1] (largest |x| = {float(np.abs(X).max()):.4g}) but "
                f"constraint={self.constraint!r} bounds each first-layer potential by "
                f"{bound:.4g} only for inputs in [-1, 1]. Scale X first, e.g. with "
                "sklearn.preprocessing.MinMaxScaler(feature_range=(-1, 1)).",
                InputRangeWarning,
                stacklevel=4,
            )

    def _fit(self, X: NDArray[np.float64], y: NDArray[Any]) -> _BaseMLP:
        _check_params(self)
        self._warn_if_unscaled(X)
        given: Any = self.hidden_layer_sizes
        sizes = (
            (int(given),) if isinstance(given, numbers.Integral) else tuple(int(s) for s in given)
        )
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        targets, n_outputs = self._prepare_targets(y)
        inputs = torch.tensor(X, dtype=_DTYPE)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # small networks: fastest, and independent of the machine
        try:
            history, model = self._train(inputs, targets, sizes, n_outputs, seed)
        finally:
            torch.set_num_threads(threads)
        self._store(model, history)
        return self

    def _train(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        sizes: tuple[int, ...],
        n_outputs: int,
        seed: int,
    ) -> tuple[TrainingHistory, MLPModule]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # dropout masks use the global generator
            generator = torch.Generator().manual_seed(seed)
            model = MLPModule(
                inputs.shape[1], sizes, n_outputs, self.activation, float(self.dropout), _DTYPE
            )
            model.reset_glorot(generator)
            bias = self._initial_output_bias(targets)
            if bias is not None:
                with torch.no_grad():
                    model.linears[-1].bias.copy_(bias)
            constraint = make_constraint(self.constraint) if self.constraint is not None else None
            if constraint is not None:
                constraint(model)
            inputs_train, targets_train, inputs_valid, targets_valid = self._split(
                inputs, targets, generator
            )
            optimizer = make_optimizer(
                self.optimizer,
                model.parameters(),
                float(self.learning_rate),
                float(self.weight_decay),
            )
            history = train(
                model,
                self._loss(),
                inputs_train,
                targets_train,
                X_valid=inputs_valid,
                y_valid=targets_valid,
                optimizer=optimizer,
                constraint=constraint,
                epochs=int(self.epochs),
                batch_size=int(self.batch_size),
                n_iter_no_change=int(self.n_iter_no_change),
                gradient_clip=None if self.gradient_clip is None else float(self.gradient_clip),
                generator=generator,
                verbose=bool(self.verbose),
                description=f"{type(self).__name__} {list(sizes)} {model.activation_name}",
            )
        return history, model

    def _split(
        self, inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        if self.validation_fraction == 0:
            return inputs, targets, None, None
        n_samples = inputs.shape[0]
        n_valid = round(n_samples * float(self.validation_fraction))
        if n_valid < 1 or n_valid >= n_samples:
            raise invalid_value(
                "validation_fraction",
                self.validation_fraction,
                f"a fraction that leaves at least one of the {n_samples} samples for training "
                "and one for validation",
                caller=type(self).__name__,
                fix=f"It leaves {n_valid} for validation; {'raise' if n_valid < 1 else 'lower'} "
                "it, or set it to 0 to train on every sample.",
            )
        order = torch.randperm(n_samples, generator=generator)
        valid, train_ = order[:n_valid], order[n_valid:]
        return inputs[train_], targets[train_], inputs[valid], targets[valid]

    def _store(self, model: MLPModule, history: TrainingHistory) -> None:
        self.model_ = model
        link, output_names = self._link_and_outputs()
        self.network_: Network = model.to_network().with_link(link)
        feature_names = getattr(self, "feature_names_in_", None)
        self.adapted_model_ = AdaptedModel(
            self.network_,
            link=link,
            feature_names=None if feature_names is None else tuple(str(n) for n in feature_names),
            output_names=output_names,
        )
        self.loss_curve_ = history.loss
        self.validation_loss_curve_ = history.validation_loss
        self.best_epoch_ = history.best_epoch
        self.n_epochs_ = len(history.loss)
        self.stopped_early_ = history.stopped_early

    # ------------------------------------------------------------- predict
    def _forward(self, X: ArrayLike) -> NDArray[np.float64]:
        check_is_fitted(self, "network_")
        return self.network_.forward(self._validate_X(X, reset=False))

    def to_polynomial(self, max_order: int = 2, **kwargs: Any) -> Polynomial:
        """The fitted network's NN2Poly polynomial.

        Parameters
        ----------
        max_order : int, default=2
            Largest total degree kept.
        **kwargs
            Passed to :func:`nn2poly.to_polynomial` (``taylor_orders``,
            ``taylor_center``, ``feature_names``, ...).

        Returns
        -------
        Polynomial
            For a classifier, the polynomial of the logits with the link set.
        """
        from .._convert import to_polynomial

        check_is_fitted(self, "network_")
        return to_polynomial(self, max_order, **kwargs)  # the class labels come along
