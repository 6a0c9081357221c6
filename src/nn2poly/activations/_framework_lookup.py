"""Activations by the names the frameworks give them.

The adapters never hold their own name tables: they ask
:func:`activation_for` with the framework's name of a module, layer,
operator or activation string, and a reader for the framework's settings.
An activation registered with :class:`~nn2poly.activations.FrameworkName`
entries is then found like a built-in one.
"""

from __future__ import annotations

from .._validation import Options, check_param
from ._frameworks import FRAMEWORKS, FrameworkName, SettingReader
from ._registry import _REGISTRY, Activation, get_activation

__all__ = ["activation_for", "framework_names"]


def _entry(framework: str, name: str) -> tuple[str, FrameworkName] | None:
    for key, spec in _REGISTRY.items():
        for alias in spec.frameworks:
            if alias.framework == framework and alias.name == name:
                return key, alias
    return None


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
    return tuple(
        alias.name
        for spec in _REGISTRY.values()
        for alias in spec.frameworks
        if alias.framework == framework
    )


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
        ``beta``, an ONNX node's ``alpha``), or None when it is not set; the
        framework's default then applies.

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
    """
    framework = _check_framework(framework, "activation_for")
    check_param("name", name, [str], caller="activation_for")
    found = _entry(framework, name)
    if found is None:
        return None
    key, alias = found
    spec = _REGISTRY[key]
    params: dict[str, float] = dict(alias.defaults)
    for ours, theirs in alias.parameters.items():
        value = read(theirs) if read is not None else None
        if value is not None:
            params[ours] = value
    return get_activation(spec.name, **params)
