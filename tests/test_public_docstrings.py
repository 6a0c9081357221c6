"""Every public callable documents itself with a numpydoc ``Examples`` section.

The public callables are the classes and functions in ``nn2poly.__all__`` and
the public methods of ``Polynomial``. Their examples are doctests: ``make test``
runs them with ``--doctest-modules``, so an example that stops working fails.
"""

from __future__ import annotations

import inspect

import pytest
from numpydoc.docscrape import NumpyDocString

import nn2poly
from nn2poly import Polynomial

# Classes and functions only: ``__version__`` is the one name that is neither.
PUBLIC_CALLABLES = sorted(
    name
    for name in nn2poly.__all__
    if not name.startswith("_") and callable(getattr(nn2poly, name))
)


def polynomial_methods() -> list[str]:
    """Public methods of Polynomial (properties are attributes, not callables)."""
    names = set()
    for klass in Polynomial.__mro__[:-1]:  # everything but object
        for name, member in vars(klass).items():
            if name.startswith("_") or isinstance(member, property):
                continue
            if isinstance(member, (staticmethod, classmethod)) or inspect.isfunction(member):
                names.add(name)
    return sorted(names)


def examples_of(obj: object) -> list[str]:
    """Lines of the ``Examples`` section of ``obj``'s docstring (empty if none)."""
    doc = inspect.getdoc(obj) or ""
    return list(NumpyDocString(doc)["Examples"])


def assert_has_runnable_examples(obj: object, qualified_name: str) -> None:
    examples = examples_of(obj)
    assert examples, (
        f"{qualified_name} has no numpydoc 'Examples' section. Add one whose code runs "
        "as a doctest (lines starting with '>>> ')."
    )
    assert any(line.lstrip().startswith(">>>") for line in examples), (
        f"The 'Examples' section of {qualified_name} has no doctest: write its code as "
        "'>>> ' lines with their output so that the doctests run it."
    )


def test_there_are_public_callables() -> None:
    assert {"to_polynomial", "Polynomial", "MLPRegressor"} <= set(PUBLIC_CALLABLES)
    assert {"predict", "top", "save"} <= set(polynomial_methods())


@pytest.mark.parametrize("name", PUBLIC_CALLABLES)
def test_public_callable_has_examples(name: str) -> None:
    assert_has_runnable_examples(getattr(nn2poly, name), f"nn2poly.{name}")


@pytest.mark.parametrize("name", polynomial_methods())
def test_polynomial_method_has_examples(name: str) -> None:
    assert_has_runnable_examples(getattr(Polynomial, name), f"nn2poly.Polynomial.{name}")


def test_examples_of_reads_the_section() -> None:
    def documented() -> None:
        """Do nothing.

        Examples
        --------
        >>> documented()
        """

    def undocumented() -> None:
        """Do nothing."""

    assert examples_of(documented) == [">>> documented()"]
    assert examples_of(undocumented) == []
    with pytest.raises(AssertionError, match="no numpydoc 'Examples' section"):
        assert_has_runnable_examples(undocumented, "undocumented")
