"""Training NN2Poly-ready networks with torch, behind scikit-learn's estimator API.

:class:`MLPRegressor` and :class:`MLPClassifier` keep every hidden neuron's
``[bias; weights]`` in the l1 ball (``constraint="l1"`` or
``"l1-project"``), so that on inputs scaled to [-1, 1] the Taylor-based
polynomial of :func:`nn2poly.to_polynomial` stays faithful; the reference R
package's weaker l2 ball is ``constraint="l2"``.  :class:`L1Constraint` and
:class:`L2Constraint` apply the same constraints in a training loop of your
own.  These need torch (the estimators also scikit-learn);
:func:`keras_l1_constraint` and :func:`keras_l2_constraint` need only Keras.
Names are imported on first use.

Examples
--------
>>> import torch
>>> from nn2poly.training import L1Constraint
>>> model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
>>> constrain = L1Constraint("l1")
>>> constrain(model)   # call after every optimizer.step()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ._base_mlp import InputRangeWarning
    from ._constraints import (
        CONSTRAINTS,
        L1Constraint,
        L2Constraint,
        l1_project,
        l1_rescale,
        l2_rescale,
    )
    from ._estimators import MLPClassifier, MLPRegressor
    from ._keras_callback import keras_l1_constraint, keras_l2_constraint

# Each name is imported from its module on first use: the Keras callback needs
# neither torch nor scikit-learn, the estimators need both.
_LAZY = {
    "CONSTRAINTS": "._constraints",
    "InputRangeWarning": "._base_mlp",
    "L1Constraint": "._constraints",
    "L2Constraint": "._constraints",
    "MLPClassifier": "._estimators",
    "MLPRegressor": "._estimators",
    "keras_l1_constraint": "._keras_callback",
    "keras_l2_constraint": "._keras_callback",
    "l1_project": "._constraints",
    "l1_rescale": "._constraints",
    "l2_rescale": "._constraints",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'nn2poly.training' has no attribute {name!r}")
    return getattr(importlib.import_module(module_name, __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CONSTRAINTS",
    "InputRangeWarning",
    "L1Constraint",
    "L2Constraint",
    "MLPClassifier",
    "MLPRegressor",
    "keras_l1_constraint",
    "keras_l2_constraint",
    "l1_project",
    "l1_rescale",
    "l2_rescale",
]
