"""Classifier polynomials: probabilities through the link, and predicted classes.

The class labels, when the source model had them (scikit-learn's and
nn2poly's ``classes_``), are kept in ``poly.provenance["classes"]``; without
them :meth:`PolynomialClasses.predict_class` gives class indices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._polynomial_protocol import PolynomialBase

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

__all__ = ["PolynomialClasses", "class_labels"]


def class_labels(model: Any) -> list[Any] | None:
    """The class labels a classifier model carries (``classes_``), as JSON values, or None.

    Examples
    --------
    >>> class Model:
    ...     classes_ = np.array(["no", "yes"])
    >>> class_labels(Model())
    ['no', 'yes']
    >>> class_labels(object()) is None
    True
    """
    classes = getattr(model, "classes_", None)
    if classes is None:
        return None
    try:
        values = np.asarray(classes).reshape(-1).tolist()
    except (TypeError, ValueError):
        return None
    if not values or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values
    ):
        return None
    return list(values)


class PolynomialClasses(PolynomialBase):
    """``predict_proba``, ``predict_class`` and ``classes`` (a mixin of Polynomial)."""

    if TYPE_CHECKING:  # pragma: no cover
        provenance: Mapping[str, Any]

        def _check_X(self, X: Any, caller: str = ...) -> NDArray[np.float64]: ...

        def _evaluate(self, X: NDArray[np.float64]) -> NDArray[np.float64]: ...

    @property
    def classes(self) -> NDArray[Any] | None:
        """The class labels of a classifier polynomial (None when the model had none).

        Examples
        --------
        >>> import nn2poly
        >>> poly = nn2poly.Polynomial([[0], [1]], [0.0, 1.0], link="sigmoid",
        ...                           provenance={"classes": ["ham", "spam"]})
        >>> poly.classes.tolist()
        ['ham', 'spam']
        """
        labels = self.provenance.get("classes")
        return None if labels is None else np.asarray(labels)

    def _require_link(self, method: str) -> None:
        if self.link is None:
            raise ValueError(
                f"{method} needs a classifier polynomial (link 'sigmoid' or 'softmax'); this "
                "polynomial has link=None. For a classifier that emits raw logits (trained with "
                "CrossEntropyLoss or BCEWithLogitsLoss) convert with to_polynomial(model, ..., "
                "link='softmax') or link='sigmoid'; use predict for regression outputs."
            )

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class probabilities through the link, shape (n_samples, n_classes).

        With ``link="sigmoid"`` and one output the columns are
        ``(1 - p, p)``; with several sigmoid outputs (multi-label) each column
        is its own probability.

        Examples
        --------
        >>> import nn2poly
        >>> nn2poly.Polynomial([[0], [1]], [0.0, 1.0], link="sigmoid").predict_proba([[0.0]])
        array([[0.5, 0.5]])
        """
        self._require_link("predict_proba")
        logits = self._evaluate(self._check_X(X, "Polynomial.predict_proba"))
        if self.link == "softmax":
            from scipy.special import softmax

            probabilities: NDArray[np.float64] = softmax(logits, axis=1)
            return probabilities
        from scipy.special import expit

        probability: NDArray[np.float64] = expit(logits)
        if self.n_outputs == 1:
            return np.hstack([1.0 - probability, probability])
        return probability

    def predict_class(self, X: ArrayLike) -> NDArray[Any]:
        """Predicted class per sample, shape (n_samples,): the model's class labels
        when it had them (:attr:`classes`), else class indices (multi-label
        sigmoid: shape (n_samples, n_outputs) of 0/1).

        Examples
        --------
        >>> import nn2poly
        >>> poly = nn2poly.Polynomial([[0], [1]], [0.0, 1.0], link="sigmoid")
        >>> poly.predict_class([[-1.0], [2.0]])
        array([0, 1])
        >>> labelled = nn2poly.Polynomial([[0], [1]], [0.0, 1.0], link="sigmoid",
        ...                               provenance={"classes": ["ham", "spam"]})
        >>> labelled.predict_class([[-1.0], [2.0]]).tolist()
        ['ham', 'spam']
        """
        self._require_link("predict_class")
        probability = self.predict_proba(X)
        if self.link == "sigmoid" and self.n_outputs > 1:
            return (probability > 0.5).astype(np.int64)
        index: NDArray[np.int64] = np.argmax(probability, axis=1).astype(np.int64)
        labels = self.classes
        if labels is not None and labels.shape[0] == probability.shape[1]:
            return labels[index]
        return index
