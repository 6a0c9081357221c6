"""How the frameworks name an activation: :class:`FrameworkName` entries of a spec.

The registry keeps these entries with each activation; the lookups by a
framework's name are in :mod:`nn2poly.activations._framework_lookup`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .._validation import Options, check_param

__all__ = ["FRAMEWORKS", "FrameworkName", "SettingReader"]

#: The frameworks whose names an activation can carry.
FRAMEWORKS = ("keras", "onnx", "sklearn", "torch")

#: ``read(attribute) -> value`` of a framework object, or None when it has no such setting:
#: a number for a numeric setting, a str (or bytes, as ONNX stores them) for a string one.
SettingReader = Callable[[str], float | str | bytes | None]


@dataclass(frozen=True)
class FrameworkName:
    """How a framework names an activation, and its parameters.

    Parameters
    ----------
    framework : {"keras", "onnx", "sklearn", "torch"}
    name : str
        The framework's name, case-sensitive: a ``torch.nn`` module class
        (``"Tanh"``), a Keras activation function (``"tanh"``) or layer class
        (``"ELU"``), an ONNX operator (``"Tanh"``) or a scikit-learn
        ``activation`` string (``"logistic"``).
    parameters : mapping of str to str
        nn2poly parameter -> the framework's attribute or argument name
        (``{"negative_slope": "alpha"}`` for ONNX ``LeakyRelu``).
    defaults : mapping of str to float
        The framework's defaults where they differ from nn2poly's (Keras's
        ``leaky_relu`` has ``negative_slope=0.2``).
    requires : mapping of str to str
        String settings the framework object must have for its name to mean
        this activation: torch's ``GELU`` is ``gelu`` and, with
        ``requires={"approximate": "tanh"}``, ``gelu_tanh``.  Several
        activations may carry the same framework name when their
        ``requires`` differ; the lookup takes the one whose settings all
        match, else the one without ``requires``.

    Examples
    --------
    >>> FrameworkName("onnx", "LeakyRelu", {"negative_slope": "alpha"}).name
    'LeakyRelu'
    >>> FrameworkName("torch", "GELU", requires={"approximate": "tanh"}).key
    ('torch', 'GELU', (('approximate', 'tanh'),))
    """

    framework: str
    name: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, float] = field(default_factory=dict)
    requires: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_param("framework", self.framework, [Options(set(FRAMEWORKS))], caller="FrameworkName")
        check_param("name", self.name, [str], caller="FrameworkName")
        for setting, value in self.requires.items():
            check_param(f"requires[{setting!r}]", value, [str], caller="FrameworkName")

    @property
    def key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """What makes two entries the same name: framework, name and required settings."""
        return self.framework, self.name, tuple(sorted(self.requires.items()))
