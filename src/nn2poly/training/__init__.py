"""Training NN2Poly-ready networks with torch, behind scikit-learn's estimator API.

:class:`MLPRegressor` and :class:`MLPClassifier` keep every hidden neuron's
``[bias; weights]`` in the l1 ball (``constraint="l1"`` or
``"l1-project"``), so that on inputs scaled to [-1, 1] the Taylor-based
polynomial of :func:`nn2poly.to_polynomial` stays faithful.
:class:`L1Constraint` applies the same constraint in a training loop of
your own.  This subpackage needs torch and scikit-learn.

Examples
--------
>>> import torch
>>> from nn2poly.training import L1Constraint
>>> model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
>>> constrain = L1Constraint("l1")
>>> constrain(model)   # call after every optimizer.step()
"""

from ._constraints import CONSTRAINTS, L1Constraint, l1_project, l1_rescale
from ._estimators import InputRangeWarning, MLPClassifier, MLPRegressor
from ._keras_callback import keras_l1_constraint

__all__ = [
    "CONSTRAINTS",
    "InputRangeWarning",
    "L1Constraint",
    "MLPClassifier",
    "MLPRegressor",
    "keras_l1_constraint",
    "l1_project",
    "l1_rescale",
]
