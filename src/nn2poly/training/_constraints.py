"""The NN2Poly weight constraints: each hidden neuron's ``[bias; weights]`` in a norm ball.

With inputs scaled to [-1, 1] and ``||[b; w]||_1 <= 1`` a neuron's potential
``u = b + w . x`` satisfies ``|u| <= 1``, where the Taylor expansion of the
activation around 0 is accurate.  The constraint runs after every optimiser
step on every ``Linear`` layer except the output layer.

Three modes, as the reference R package (``add_constraints(type = "l1_norm"
| "l2_norm")``) plus a projection:

``"l1"`` (:class:`L1Constraint`)
    Radial rescaling, as the R package does:
    ``v * min(||v||_1, 1) / (||v||_1 + eps)`` with ``eps = 1e-7``.
``"l1-project"`` (:class:`L1Constraint`)
    The Euclidean projection onto the l1 ball (Duchi et al., 2008), which
    sets small entries exactly to zero (sparsifying).
``"l2"`` (:class:`L2Constraint`)
    Radial rescaling into the l2 ball, as the R package's ``"l2_norm"``:
    ``v * min(||v||_2, 1) / (||v||_2 + eps)``.  Weaker: on inputs in
    ``[-1, 1]^p`` a potential is only bounded by ``sqrt(p + 1)`` (see
    :mod:`nn2poly.training._norm_ball`), so the Taylor expansion around 0 may
    be inaccurate; :func:`nn2poly.to_polynomial` warns when a neuron's l1
    norm exceeds 1, whatever the training.

The rule is computed in float64 and the weights are stored in their own
dtype with a norm that never exceeds 1 (float32 rounding included).
"""

from __future__ import annotations

from typing import Any

import torch

from .._validation import Options, check_param
from ._norm_ball import ball_margins

__all__ = [
    "CONSTRAINTS",
    "L1Constraint",
    "L2Constraint",
    "l1_project",
    "l1_rescale",
    "l2_rescale",
    "make_constraint",
]

CONSTRAINTS = ("l1", "l1-project", "l2")

#: Added to the norm in the radial rescaling, as keras' ``epsilon()``.
EPSILON = 1e-7


def l1_rescale(vectors: torch.Tensor, radius: float = 1.0, eps: float = EPSILON) -> torch.Tensor:
    """Radially rescale each row into the l1 ball: ``v * min(||v||_1, r) / (||v||_1 + eps)``.

    Parameters
    ----------
    vectors : torch.Tensor of shape (n_vectors, n_entries)
    radius : float, default=1.0
    eps : float, default=1e-7

    Returns
    -------
    torch.Tensor of the same shape

    Examples
    --------
    >>> import torch
    >>> l1_rescale(torch.tensor([[2.0, -2.0], [0.25, 0.25]], dtype=torch.float64), eps=0.0)
    tensor([[ 0.5000, -0.5000],
            [ 0.2500,  0.2500]], dtype=torch.float64)
    """
    norms = vectors.abs().sum(dim=1, keepdim=True)
    return vectors * torch.clamp(norms, max=radius) / (norms + eps)


def l2_rescale(vectors: torch.Tensor, radius: float = 1.0, eps: float = EPSILON) -> torch.Tensor:
    """Radially rescale each row into the l2 ball: ``v * min(||v||_2, r) / (||v||_2 + eps)``.

    The rule of the reference R package's ``"l2_norm"`` constraint (and of
    Keras' ``MaxNorm``).

    Parameters
    ----------
    vectors : torch.Tensor of shape (n_vectors, n_entries)
    radius : float, default=1.0
    eps : float, default=1e-7

    Returns
    -------
    torch.Tensor of the same shape

    Examples
    --------
    >>> import torch
    >>> l2_rescale(torch.tensor([[3.0, -4.0], [0.3, 0.4]], dtype=torch.float64), eps=0.0)
    tensor([[ 0.6000, -0.8000],
            [ 0.3000,  0.4000]], dtype=torch.float64)
    """
    norms = torch.linalg.vector_norm(vectors, ord=2, dim=1, keepdim=True)
    return vectors * torch.clamp(norms, max=radius) / (norms + eps)


def l1_project(vectors: torch.Tensor, radius: float = 1.0) -> torch.Tensor:
    """Euclidean projection of each row onto the l1 ball of the given radius.

    Rows already inside the ball are returned unchanged; the others become
    ``sign(v) * max(|v| - theta, 0)`` with the ``theta`` that puts them on
    the sphere (Duchi, Shalev-Shwartz, Singer and Chandra, 2008).

    Parameters
    ----------
    vectors : torch.Tensor of shape (n_vectors, n_entries)
    radius : float, default=1.0

    Returns
    -------
    torch.Tensor of the same shape

    Examples
    --------
    >>> import torch
    >>> l1_project(torch.tensor([[2.0, 0.5, -0.1], [0.2, 0.3, 0.1]], dtype=torch.float64))
    tensor([[1.0000, 0.0000, -0.0000],
            [0.2000, 0.3000, 0.1000]], dtype=torch.float64)
    """
    magnitudes = vectors.abs()
    inside = magnitudes.sum(dim=1, keepdim=True) <= radius
    sorted_magnitudes, _ = torch.sort(magnitudes, dim=1, descending=True)
    cumulative = torch.cumsum(sorted_magnitudes, dim=1) - radius
    ranks = torch.arange(1, vectors.shape[1] + 1, dtype=vectors.dtype, device=vectors.device)
    active = sorted_magnitudes - cumulative / ranks > 0
    # the last active rank (active entries form a prefix)
    count = active.sum(dim=1, keepdim=True).clamp(min=1)
    theta = torch.gather(cumulative, 1, count - 1) / count.to(vectors.dtype)
    projected = torch.sign(vectors) * torch.clamp(magnitudes - theta, min=0.0)
    return torch.where(inside, vectors, projected)


class _NeuronConstraint:
    """Shared walk of the norm constraints: every hidden ``Linear``, rows ``[bias | weight]``."""

    order: int = 1

    def _constrain(self, vectors: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def apply(self, linear: Any) -> None:
        """Constrain one ``torch.nn.Linear`` in place.

        Examples
        --------
        >>> import torch
        >>> linear = torch.nn.Linear(3, 2)
        >>> L1Constraint("l1").apply(linear)
        >>> norms = linear.weight.abs().sum(dim=1) + linear.bias.abs()
        >>> bool((norms <= 1).all())
        True
        """
        with torch.no_grad():
            weight = linear.weight
            bias = linear.bias if linear.bias is not None else torch.zeros_like(weight[:, 0])
            rows = torch.cat([bias[:, None], weight], dim=1)
            # the rule in float64 (on the CPU for devices without it), then a
            # rescaling that survives the rounding to the parameters' own dtype
            device = "cpu" if rows.device.type == "mps" else rows.device
            wide = self._constrain(rows.to(device=device, dtype=torch.float64))
            stored = wide if weight.dtype == torch.float64 else wide.to(weight.dtype).double()
            norms = torch.linalg.vector_norm(stored, ord=self.order, dim=1)
            summation, margin = ball_margins(torch.finfo(weight.dtype).eps, rows.shape[1])
            over = norms > 1.0 - summation
            if bool(over.any()):
                factors = torch.where(over, (1.0 - margin) / norms, torch.ones_like(norms))
                wide = wide * factors[:, None]
            if linear.bias is not None:
                linear.bias.copy_(wide[:, 0])
            weight.copy_(wide[:, 1:])
            if self.order == 1 and weight.dtype != torch.float64:
                self._within_in_own_dtype(linear)

    @staticmethod
    def _within_in_own_dtype(linear: Any) -> None:
        """Shrink rows whose l1 norm, summed in the parameters' own dtype, rounds above 1."""
        weight, bias = linear.weight, linear.bias
        unit = torch.finfo(weight.dtype).eps
        for _ in range(8):
            norms = weight.abs().sum(dim=1) + (0.0 if bias is None else bias.abs())
            over = norms > 1.0
            if not bool(over.any()):
                return
            factors = torch.where(
                over, 1.0 / norms.double() - 4 * unit, torch.ones_like(norms, dtype=torch.float64)
            )
            weight.copy_((weight.double() * factors[:, None]).to(weight.dtype))
            if bias is not None:
                bias.copy_((bias.double() * factors).to(bias.dtype))

    def __call__(self, model: Any) -> None:
        """Constrain every ``Linear`` of ``model`` except the last one, in place.

        Examples
        --------
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
        >>> _ = torch.nn.init.constant_(model[1].weight, 5.0)
        >>> L2Constraint()(model)
        >>> float(model[1].weight.sum().detach())   # the output layer is left free
        15.0
        """
        linears = [module for module in model.modules() if isinstance(module, torch.nn.Linear)]
        for linear in linears[:-1]:
            self.apply(linear)


class L1Constraint(_NeuronConstraint):
    """Hold every hidden neuron of a torch model in the l1 ball (the NN2Poly constraint).

    Call it after each ``optimizer.step()``.  Each hidden neuron's vector
    ``[bias; weights]`` (a row of ``[bias | weight]`` in torch's layout) is
    rescaled (``mode="l1"``) or projected (``mode="l1-project"``) into the
    l1 ball of radius 1; the last ``Linear`` (the output layer) is left free.
    On inputs in [-1, 1] every hidden potential then stays in [-1, 1].

    Parameters
    ----------
    mode : {"l1", "l1-project"}, default="l1"

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    >>> _ = torch.nn.init.constant_(model[0].weight, 2.0)
    >>> L1Constraint("l1-project")(model)
    >>> float((model[0].weight.abs().sum(1) + model[0].bias.abs()).max().detach()) <= 1.0
    True
    """

    order = 1

    def __init__(self, mode: str = "l1") -> None:
        self.mode = check_param(
            "mode",
            mode,
            [Options({"l1", "l1-project"})],
            caller="L1Constraint",
            fix="Use 'l1' (radial rescaling, as the R package) or 'l1-project' (projection); "
            "for the l2 ball use L2Constraint().",
        )

    def __repr__(self) -> str:
        return f"L1Constraint({self.mode!r})"

    def _constrain(self, vectors: torch.Tensor) -> torch.Tensor:
        return l1_rescale(vectors) if self.mode == "l1" else l1_project(vectors)


class L2Constraint(_NeuronConstraint):
    """Hold every hidden neuron of a torch model in the l2 ball (the R package's ``"l2_norm"``).

    Call it after each ``optimizer.step()``.  Each hidden neuron's vector
    ``[bias; weights]`` is rescaled by :func:`l2_rescale` into the l2 ball of
    radius 1; the last ``Linear`` (the output layer) is left free.

    The guarantee is weaker than :class:`L1Constraint`'s: on inputs in
    ``[-1, 1]^p`` a neuron's potential is bounded by ``sqrt(p + 1)`` (Cauchy-
    Schwarz, reached when bias and weights are equal), not by 1, so the
    Taylor expansion around 0 may be inaccurate for wide layers.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    >>> _ = torch.nn.init.constant_(model[0].weight, 2.0)
    >>> L2Constraint()(model)
    >>> rows = torch.cat([model[0].bias[:, None], model[0].weight], dim=1)
    >>> float(torch.linalg.vector_norm(rows, dim=1).max().detach()) <= 1.0
    True
    """

    order = 2

    def __repr__(self) -> str:
        return "L2Constraint()"

    def _constrain(self, vectors: torch.Tensor) -> torch.Tensor:
        return l2_rescale(vectors)


def make_constraint(name: str) -> L1Constraint | L2Constraint:
    """The torch constraint of a name in :data:`CONSTRAINTS`.

    Examples
    --------
    >>> make_constraint("l1-project"), make_constraint("l2")
    (L1Constraint('l1-project'), L2Constraint())
    """
    name = check_param(
        "constraint",
        name,
        [Options(set(CONSTRAINTS))],
        caller="make_constraint",
        fix="Use 'l1' (as the R package), 'l1-project' or 'l2'.",
    )
    return L2Constraint() if name == "l2" else L1Constraint(name)
