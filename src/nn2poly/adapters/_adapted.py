"""What an adapter returns: a network and what the framework said about it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .._network import Network
from .._network_graph import LINK_CONSTRAINTS
from .._validation import check_param, invalid_value

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
        None takes the network's own ``link``; the network then carries it
        too, so that saving it keeps it.
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
        check_param("link", self.link, LINK_CONSTRAINTS, caller="AdaptedModel")
        own = self.network.link
        if self.link is None:
            object.__setattr__(self, "link", own)
        elif own is None:
            object.__setattr__(self, "network", self.network.with_link(self.link))
        elif own != self.link:
            raise invalid_value(
                "link",
                self.link,
                f"the network's own link {own!r} or None",
                caller="AdaptedModel",
                fix="The network already declares its link; give the same one or None.",
            )

    def with_link(self, link: str | None) -> AdaptedModel:
        """The same reading with the output link declared as ``link``.

        A link the model already has is kept when ``link`` agrees with it (or
        is None); a different one is refused: a model that applies a sigmoid
        or a softmax itself cannot also emit raw logits.

        Examples
        --------
        >>> import numpy as np
        >>> from nn2poly import Network
        >>> logits = Network.from_weights([np.ones((3, 2))], "linear")
        >>> AdaptedModel(logits).with_link("softmax").link
        'softmax'
        """
        check_param(
            "link",
            link,
            LINK_CONSTRAINTS,
            caller="to_polynomial",
            fix="Declare the link of a classifier that emits raw logits: 'softmax' for "
            "several classes (CrossEntropyLoss), 'sigmoid' for one logit (BCEWithLogitsLoss).",
        )
        if link is None or link == self.link:
            return self
        if self.link is not None:
            raise invalid_value(
                "link",
                link,
                f"None or the model's own link {self.link!r}",
                caller="to_polynomial",
                fix=f"The model already ends with a {self.link}, which becomes the polynomial's "
                "link; leave link=None.",
            )
        if link == "softmax" and self.network.n_outputs < 2:
            raise invalid_value(
                "link",
                link,
                "'sigmoid' for a model with one output",
                caller="to_polynomial",
                fix="A softmax over one logit is constant; a binary classifier with one logit "
                "uses link='sigmoid'.",
            )
        return replace(self, network=self.network.with_link(link), link=link)
