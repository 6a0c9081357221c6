"""scikit-learn estimators that train NN2Poly-ready networks with torch."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.validation import validate_data

from .._data import as_plain_array
from .._validation import invalid_value
from ._base_mlp import _DTYPE, InputRangeWarning, _BaseMLP

__all__ = ["InputRangeWarning", "MLPClassifier", "MLPRegressor"]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multi-layer perceptron regressor trained for NN2Poly (mean squared error).

    Hidden layers share one activation; the output layer is linear.  With
    ``constraint`` set, every hidden neuron's ``[bias; weights]`` is kept in
    a norm ball after every optimiser step.  In the l1 ball (the default), on
    inputs in [-1, 1] its potential stays in [-1, 1] where the Taylor
    expansion is accurate.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(32,)
        Width of each hidden layer.
    activation : str, default="tanh"
        Any trainable registered activation (``"tanh"``, ``"sigmoid"``,
        ``"softplus(beta=2)"``, ``"silu"``, ...).
    constraint : {"l1", "l1-project", "l2"} or None, default="l1"
        ``"l1"``: radial rescaling ``v * min(||v||_1, 1) / (||v||_1 + 1e-7)``,
        as the reference R package; ``"l1-project"``: Euclidean projection
        onto the l1 ball; ``"l2"``: radial rescaling into the l2 ball, as
        the R package's ``"l2_norm"`` (weaker: on inputs in ``[-1, 1]^p`` a
        potential is only bounded by ``sqrt(p + 1)``, so the Taylor
        expansion may be inaccurate; :func:`nn2poly.to_polynomial` checks
        the l1 norms and warns); None: free.
    optimizer : {"adam", "sgd", "momentum", "rmsprop"}, default="adam"
    learning_rate : float, default=0.001
    epochs : int, default=200
        Passes over the training data (fewer with early stopping).
    batch_size : int, default=32
    validation_fraction : float, default=0.0
        Share of the data held out for early stopping; when > 0, training
        stops after ``n_iter_no_change`` epochs without a better validation
        loss and the best weights are restored.
    n_iter_no_change : int, default=10
    weight_decay : float, default=0.0
        L2 penalty passed to the optimiser.
    dropout : float, default=0.0
        Dropout probability after each hidden activation, during training.
    gradient_clip : float or None, default=None
        Largest gradient norm; gradients are rescaled beyond it.
    random_state : int, RandomState or None, default=None
        Seed of initialisation, shuffling, validation split and dropout.
    verbose : bool, default=False
        Show a progress bar with the losses.

    Attributes
    ----------
    network_ : Network
        The trained network in float64.
    model_ : torch.nn.Module
        The trained torch module.
    n_features_in_ : int
    n_outputs_ : int
    loss_curve_ : list of float
        Training loss per epoch.
    validation_loss_curve_ : list of float
    best_epoch_ : int
        Epoch (0-based) of the weights kept.
    n_epochs_ : int
    stopped_early_ : bool

    Notes
    -----
    Weights start Glorot-uniform with zero biases (the regressor's output
    bias starts at the mean of ``y``), and the constraint is applied once
    before the first step as well as after every step.  Training runs in
    float64 on one CPU thread, so ``network_`` holds exactly the trained
    weights and a fixed ``random_state`` gives bit-for-bit identical fits.
    The polynomial describes the network on inputs in [-1, 1]: scale ``X``
    (``fit`` warns with :class:`InputRangeWarning` otherwise) and, for
    faster training, bring ``y`` to unit scale.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 2))
    >>> y = 1.0 + X[:, 0] - 0.5 * X[:, 0] * X[:, 1]
    >>> model = nn2poly.MLPRegressor((16,), epochs=60, learning_rate=0.02, random_state=0).fit(X, y)
    >>> poly = model.to_polynomial(max_order=2)
    >>> round(poly.coefficient((1,)), 1), round(poly.coefficient((1, 2)), 1)
    (1.0, -0.5)
    """

    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPRegressor:
        """Train on ``X`` (n_samples, n_features) and ``y`` (n_samples,) or (n_samples, n_out).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).uniform(-1, 1, (40, 2))
        >>> model = MLPRegressor((4,), epochs=2, random_state=0).fit(X, X[:, 0])
        >>> model.network_.widths
        (4, 1)
        """
        X, y = validate_data(
            self,
            as_plain_array(X),
            as_plain_array(y),
            dtype=np.float64,
            multi_output=True,
            y_numeric=True,
        )
        self._y_was_1d = np.ndim(y) == 1
        return self._fit(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64))

    def _prepare_targets(self, y: NDArray[Any]) -> tuple[torch.Tensor, int]:
        targets = torch.tensor(y.reshape(len(y), -1), dtype=_DTYPE)
        self.n_outputs_ = int(targets.shape[1])
        return targets, self.n_outputs_

    def _initial_output_bias(self, targets: torch.Tensor) -> torch.Tensor:
        return targets.mean(dim=0)

    def _loss(self) -> Any:
        return torch.nn.MSELoss()

    def _link_and_outputs(self) -> tuple[str | None, tuple[str, ...] | None]:
        return None, None

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """Network output, shape (n_samples,) for one target, else (n_samples, n_outputs).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).uniform(-1, 1, (40, 2))
        >>> MLPRegressor((4,), epochs=2, random_state=0).fit(X, X[:, 0]).predict(X).shape
        (40,)
        """
        output = self._forward(X)
        return output[:, 0] if self._y_was_1d else output


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multi-layer perceptron classifier trained for NN2Poly (cross-entropy on logits).

    Two classes: one logit and a sigmoid; more: one logit per class and a
    softmax.  The fitted network (and its polynomial) gives the logits; the
    link turns them into probabilities.  Parameters and attributes as in
    :class:`MLPRegressor`, plus ``classes_``.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(300, 2))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> clf = nn2poly.MLPClassifier((8,), epochs=30, learning_rate=0.05, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    >>> poly = clf.to_polynomial(max_order=3)
    >>> poly.link, bool((poly.predict_class(X) == clf.predict(X)).mean() > 0.95)
    ('sigmoid', True)
    """

    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPClassifier:
        """Train on ``X`` (n_samples, n_features) and class labels ``y`` (n_samples,).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).uniform(-1, 1, (40, 2))
        >>> model = MLPClassifier((4,), epochs=2, random_state=0).fit(X, X[:, 0] > 0)
        >>> model.classes_.tolist()
        [False, True]
        """
        X, y = validate_data(self, as_plain_array(X), as_plain_array(y), dtype=np.float64)
        return self._fit(np.asarray(X, dtype=np.float64), np.asarray(y))

    def _prepare_targets(self, y: NDArray[Any]) -> tuple[torch.Tensor, int]:
        from sklearn.utils.multiclass import check_classification_targets

        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise invalid_value(
                "y",
                self.classes_.tolist(),
                "class labels of at least two classes",
                caller="MLPClassifier.fit",
                fix="y holds one class only; give samples of every class to learn.",
            )
        if len(self.classes_) == 2:
            self.n_outputs_ = 1
            return torch.tensor(encoded[:, None], dtype=_DTYPE), 1
        self.n_outputs_ = len(self.classes_)
        return torch.tensor(encoded, dtype=torch.long), self.n_outputs_

    def _loss(self) -> Any:
        if self.n_outputs_ == 1:
            return torch.nn.BCEWithLogitsLoss()
        return torch.nn.CrossEntropyLoss()

    def _link_and_outputs(self) -> tuple[str | None, tuple[str, ...] | None]:
        if self.n_outputs_ == 1:
            return "sigmoid", (f"logit({self.classes_[1]})",)
        return "softmax", tuple(str(c) for c in self.classes_)

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Logits: shape (n_samples,) for two classes, else (n_samples, n_classes).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).uniform(-1, 1, (40, 2))
        >>> model = MLPClassifier((4,), epochs=2, random_state=0).fit(X, X[:, 0] > 0)
        >>> model.decision_function(X).shape
        (40,)
        """
        logits = self._forward(X)
        return logits[:, 0] if logits.shape[1] == 1 else logits

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).uniform(-1, 1, (40, 2))
        >>> model = MLPClassifier((4,), epochs=2, random_state=0).fit(X, X[:, 0] > 0)
        >>> bool(np.allclose(model.predict_proba(X).sum(axis=1), 1.0))
        True
        """
        logits = self._forward(X)
        if logits.shape[1] == 1:
            positive = expit(logits)
            return np.hstack([1.0 - positive, positive])
        return softmax(logits, axis=1)

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Predicted class labels, shape (n_samples,).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).uniform(-1, 1, (40, 2))
        >>> model = MLPClassifier((4,), epochs=2, random_state=0).fit(X, X[:, 0] > 0)
        >>> model.predict(X[:3]).dtype
        dtype('bool')
        """
        probability = self.predict_proba(X)
        return self.classes_[np.argmax(probability, axis=1)]
