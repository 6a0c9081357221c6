"""What an adapter returns: a network and what the framework said about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._network import Network
from .._network_graph import LINKS
from .._validation import Options, check_param

__all__ = ["AdaptedModel"]


@dataclass(frozen=True)
class AdaptedModel:
    """A network and what the framework told us about it.

    Attributes
    ----------
    network : Network
        The layers to convert (a final sigmoid/softmax that acts as a link is
        *not* included).
    link : {None, "sigmoid", "softmax"}
        Output link of a classifier: the polynomial describes the logits.
    feature_names, output_names : tuple of str or None
    classes : tuple of str, int or float, or None
        The class labels of a classifier, in the order of its outputs
        (scikit-learn's ``classes_``).
    """

    network: Network
    link: str | None = None
    feature_names: tuple[str, ...] | None = None
    output_names: tuple[str, ...] | None = None
    classes: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        check_param("link", self.link, [Options(frozenset(LINKS[1:])), None], caller="AdaptedModel")
