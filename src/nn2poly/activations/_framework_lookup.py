"""Activations by the names the frameworks give them.

The adapters never hold their own name tables: they ask
:func:`activation_for` with the framework's name of a module, layer,
operator or activation string, and a reader for the framework's settings.
An activation registered with :class:`~nn2poly.activations.FrameworkName`
entries is then found like a built-in one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import Options, check_param
from ._frameworks import FRAMEWORKS, FrameworkName, SettingReader
from ._registry import _REGISTRY, Activation, get_activation

__all__ = ["activation_for", "framework_names"]


def _text(value: object) -> str | None:
    """A string setting as text (ONNX keeps them as bytes); None for anything else."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _requirements_met(alias: FrameworkName, read: SettingReader | None) -> bool:
    if read is None:
        return False
    for setting, wanted in alias.requires.items():
        try:
            value = read(setting)
        except ValueError:  # a reader that only gives numbers cannot say: no match
            return False
        if _text(value) != wanted:
            return False
    return True


def _entry(
    framework: str, name: str, read: SettingReader | None
) -> tuple[str, FrameworkName] | None:
    """The activation of a framework name: the entry whose required settings hold, else the
    entry that requires none."""
    fallback: tuple[str, FrameworkName] | None = None
    for key, spec in _REGISTRY.items():
        for alias in spec.frameworks:
            if alias.framework != framework or alias.name != name:
                continue
            if not alias.requires:
                fallback = fallback or (key, alias)
            elif _requirements_met(alias, read):
                return key, alias
    return fallback


def _parameter(value: object, default: float) -> object:
    """A framework's setting as nn2poly's parameter; nn2poly's default where the two are the
    same float32 number (ONNX keeps float32 attributes: SELU's 1.6732632 is torch's alpha)."""
    if isinstance(value, (bool, str, bytes)) or not isinstance(value, (int, float, np.number)):
        return value  # left to the registry's range check, which names it
    number = float(value)
    if np.isfinite(number) and np.float32(number) == np.float32(default):
        return default
    return number


def _check_framework(framework: str, caller: str) -> str:
    return str(check_param("framework", framework, [Options(set(FRAMEWORKS))], caller=caller))


def framework_names(framework: str) -> tuple[str, ...]:
    """The names ``framework`` gives the registered activations, in registration order.

    Parameters
    ----------
    framework : {"keras", "onnx", "sklearn", "torch"}

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> framework_names("sklearn")
    ('tanh', 'identity', 'logistic', 'relu')
    """
    framework = _check_framework(framework, "framework_names")
    names = (
        alias.name
        for spec in _REGISTRY.values()
        for alias in spec.frameworks
        if alias.framework == framework
    )
    return tuple(dict.fromkeys(names))


def activation_for(
    framework: str, name: str, read: SettingReader | None = None
) -> Activation | None:
    """The activation ``framework`` calls ``name``, with its parameters read.

    Parameters
    ----------
    framework : {"keras", "onnx", "sklearn", "torch"}
    name : str
        The framework's name (case-sensitive): ``"Tanh"`` for ``torch.nn.Tanh``
        or the ONNX operator, ``"tanh"`` for Keras or scikit-learn.
    read : callable, optional
        ``read(attribute)`` returns the framework object's setting (a module's
        ``beta``, an ONNX node's ``alpha``; a str or bytes for a string
        setting such as GELU's ``approximate``), or None when it is not set;
        the framework's default then applies.  A numeric setting equal in
        float32 to nn2poly's default reads as that default.  Where several
        activations share the name (:attr:`FrameworkName.requires`), the
        string settings choose; without ``read``, or when ``read`` raises
        ValueError for a string setting, the one that requires none is taken.

    Returns
    -------
    Activation or None
        None when no registered activation carries that name.

    Examples
    --------
    >>> activation_for("sklearn", "logistic").name
    'sigmoid'
    >>> activation_for("onnx", "LeakyRelu", {"alpha": 0.1}.get).name
    'leaky_relu(negative_slope=0.1)'
    >>> activation_for("keras", "leaky_relu").name
    'leaky_relu(negative_slope=0.2)'
    >>> activation_for("torch", "Softmax") is None
    True
    >>> activation_for("torch", "GELU", {"approximate": "tanh"}.get).name
    'gelu_tanh'
    """
    framework = _check_framework(framework, "activation_for")
    check_param("name", name, [str], caller="activation_for")
    found = _entry(framework, name, read)
    if found is None:
        return None
    key, alias = found
    spec = _REGISTRY[key]
    params: dict[str, Any] = dict(alias.defaults)
    for ours, theirs in alias.parameters.items():
        value = read(theirs) if read is not None else None
        if value is not None:
            params[ours] = _parameter(value, spec.parameters[ours])
    return get_activation(spec.name, **params)
