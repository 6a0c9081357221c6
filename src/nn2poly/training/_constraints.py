"""The NN2Poly weight constraint: each hidden neuron's ``[bias; weights]`` in the l1 ball.

With inputs scaled to [-1, 1] and ``||[b; w]||_1 <= 1`` a neuron's potential
``u = b + w . x`` satisfies ``|u| <= 1``, where the Taylor expansion of the
activation around 0 is accurate.  The constraint runs after every optimiser
step on every ``Linear`` layer except the output layer.

Two modes:

``"l1"``
    Radial rescaling, as the reference R package does:
    ``v * min(||v||_1, 1) / (||v||_1 + eps)`` with ``eps = 1e-7``.
``"l1-project"``
    The Euclidean projection onto the l1 ball (Duchi et al., 2008), which
    sets small entries exactly to zero (sparsifying).
"""

from __future__ import annotations

from typing import Any

import torch

from .._validation import Options, check_param

__all__ = ["CONSTRAINTS", "L1Constraint", "l1_project", "l1_rescale"]

CONSTRAINTS = ("l1", "l1-project")

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


class L1Constraint:
    """Apply the NN2Poly constraint to every hidden ``Linear`` layer of a torch model.

    Call it after each ``optimizer.step()``.  Each hidden neuron's vector
    ``[bias; weights]`` (a row of ``[bias | weight]`` in torch's layout) is
    rescaled (``mode="l1"``) or projected (``mode="l1-project"``) into the
    l1 ball of radius 1; the last ``Linear`` (the output layer) is left free.

    Parameters
    ----------
    mode : {"l1", "l1-project"}, default="l1"

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    >>> _ = torch.nn.init.constant_(model[0].weight, 2.0)
    >>> L1Constraint("l1-project")(model)
    >>> float((model[0].weight.abs().sum(1) + model[0].bias.abs()).max().detach()) <= 1.0 + 1e-6
    True
    """

    def __init__(self, mode: str = "l1") -> None:
        self.mode = check_param(
            "mode",
            mode,
            [Options(set(CONSTRAINTS))],
            caller="L1Constraint",
            fix="Use 'l1' (radial rescaling, as the R package) or 'l1-project' (projection).",
        )

    def __repr__(self) -> str:
        return f"L1Constraint({self.mode!r})"

    def apply(self, linear: Any) -> None:
        """Constrain one ``torch.nn.Linear`` in place.

        Examples
        --------
        >>> import torch
        >>> linear = torch.nn.Linear(3, 2)
        >>> L1Constraint("l1").apply(linear)
        >>> norms = linear.weight.abs().sum(dim=1) + linear.bias.abs()
        >>> bool((norms <= 1 + 1e-6).all())
        True
        """
        with torch.no_grad():
            weight = linear.weight
            bias = linear.bias if linear.bias is not None else torch.zeros_like(weight[:, 0])
            vectors = torch.cat([bias[:, None], weight], dim=1)
            vectors = l1_rescale(vectors) if self.mode == "l1" else l1_project(vectors)
            if linear.bias is not None:
                linear.bias.copy_(vectors[:, 0])
            weight.copy_(vectors[:, 1:])

    def __call__(self, model: Any) -> None:
        """Constrain every ``Linear`` of ``model`` except the last one, in place."""
        linears = [module for module in model.modules() if isinstance(module, torch.nn.Linear)]
        for linear in linears[:-1]:
            self.apply(linear)
