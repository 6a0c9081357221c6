"""The export module: text, format specs, LaTeX options; imports of the polynomial modules."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import nn2poly
from nn2poly import Polynomial
from nn2poly._export import monomial_name, to_latex, to_text

SOURCE = Path(nn2poly.__file__).parent
POLY = Polynomial([[0, 0], [1, 0], [1, 1]], [0.5, 2.0, -1.25], feature_names=["a", "b"])


def test_str_and_format_spec() -> None:
    assert str(POLY) == "y1 = 0.5 + 2*a - 1.25*a*b"
    assert f"{POLY}" == str(POLY)
    assert f"{POLY:.3f}" == "y1 = 0.500 + 2.000*a - 1.250*a*b"
    assert format(POLY, ".1e") == "y1 = 5.0e-01 + 2.0e+00*a - 1.2e+00*a*b"
    with pytest.raises(ValueError, match="not a float format"):
        format(POLY, "d")


def test_text_and_latex_options_are_validated() -> None:
    assert to_text(POLY, max_terms=1) == "y1 = 0.5 + ... (2 more terms)"
    assert (
        to_latex(POLY, max_terms=None).count("+") + to_latex(POLY, max_terms=None).count("-") == 2
    )
    for bad in ({"max_terms": 0}, {"precision": 0}, {"precision": 30}, {"max_terms": 2.5}):
        with pytest.raises((ValueError, TypeError), match="parameter of"):
            POLY.to_latex(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'max_terms' parameter of to_text"):
        to_text(POLY, max_terms=0)


def test_latex_max_terms_keeps_the_largest_in_graded_order() -> None:
    assert to_latex(POLY, max_terms=1) == r"y_{1} = 2\,a + \dots"
    assert to_latex(POLY, max_terms=2) == r"y_{1} = 2\,a - 1.25\,a b + \dots"
    assert to_latex(POLY, max_terms=3) == to_latex(POLY, max_terms=None)
    assert r"\dots" not in to_latex(POLY, max_terms=3)
    two = Polynomial(
        [[0, 0], [1, 0], [0, 1], [1, 1]],
        [[9.0, 0.1], [0.2, -5.0], [-3.0, 0.3], [0.4, 4.0]],
        feature_names=["a", "b"],
    )
    rows = to_latex(two, max_terms=2).removeprefix(r"\begin{aligned}").split(r" \\ ")
    assert rows[0] == r"y_{1} &= 9 - 3\,b + \dots"  # each output its own largest terms
    assert rows[1].removesuffix(r"\end{aligned}") == r"y_{2} &= -5\,a + 4\,a b + \dots"
    tie = Polynomial([[0], [1], [2]], [1.0, -1.0, 1.0])
    assert to_latex(tie, max_terms=2) == r"y_{1} = 1 - 1\,x_{1} + \dots"  # ties: graded order


def test_monomial_names() -> None:
    assert monomial_name((0,), ["a"]) == "1"
    assert monomial_name((2, 2, 2, 1), ["a", "b"]) == "b^3*a"
    assert POLY.term_names == ["1", "a", "a*b"]


def test_views_agree_with_predict() -> None:
    X = np.random.default_rng(0).uniform(-1, 1, (5, 2))
    frame = POLY.to_frame()
    assert list(frame.columns) == ["term", "label", "degree", "y1"]
    named = frame.__class__(X, columns=["a", "b"])
    np.testing.assert_allclose(POLY.to_sklearn().predict(named), POLY(X), rtol=1e-14)
    expression = POLY.to_sympy()
    a, b = sorted(expression.free_symbols, key=lambda s: s.name)
    assert float(expression.subs({a: X[0, 0], b: X[0, 1]})) == pytest.approx(POLY(X[:1])[0])


def runtime_imports(path: Path) -> set[str]:
    """Modules imported outside ``if TYPE_CHECKING:`` blocks, function bodies included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom) and child.level == 1:
                if child.module:
                    found.add(child.module.split(".")[0])
                else:
                    found.update(alias.name for alias in child.names)
            visit(child)

    visit(tree)
    return found


@pytest.mark.parametrize(
    "module",
    [
        "_export",
        "_polynomial_io",
        "_polynomial_algebra",
        "_polynomial_input",
        "_powers",
        "_powers_arithmetic",
        "_polynomial_protocol",
        "_jsonio",
    ],
)
def test_the_polynomial_modules_do_not_import_the_class(module: str) -> None:
    """One direction only: ``_polynomial`` imports them, never the reverse (no cycle)."""
    assert "_polynomial" not in runtime_imports(SOURCE / f"{module}.py")


def test_polynomial_methods_have_examples() -> None:
    public = [name for name in dir(Polynomial) if not name.startswith("_")]
    missing = [
        name
        for name in public
        if callable(getattr(Polynomial, name))
        and "Examples" not in (getattr(Polynomial, name).__doc__ or "")
    ]
    assert missing == []


def test_exact_zeros_of_either_sign_are_left_out_of_the_text() -> None:
    assert str(Polynomial([[0], [1], [2]], [1.0, -0.0, 0.0])) == "y1 = 1"
    assert str(Polynomial([[1]], [-0.0])) == "y1 = 0"


def test_latex_escapes_underscores_in_names() -> None:
    poly = nn2poly.Polynomial(
        [[0, 0], [1, 0], [0, 1]],
        [1.0, 2.0, -3.0],
        feature_names=["a_b", "c_1"],
        output_names=["y_hat"],
    )
    latex = poly.to_latex()
    assert r"\mathrm{a\_b}" in latex and r"\mathrm{c\_1}" in latex and r"\mathrm{y\_hat}" in latex
    assert "_" not in latex.replace(r"\_", "")


@pytest.mark.parametrize("names", [["age years", "b"], ["a,b", "c"], ["x:3", "c"]])
def test_to_sympy_with_names_that_are_not_identifiers(names) -> None:  # type: ignore[no-untyped-def]
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1]], [1.0, 2.0, 3.0], feature_names=names)
    expression = poly.to_sympy()
    symbols = sorted(expression.free_symbols, key=lambda s: names.index(s.name))
    assert [s.name for s in symbols] == names
    value = float(expression.subs({symbols[0]: 0.5, symbols[1]: -2.0}))
    assert value == 1.0 + 2.0 * 0.5 + 3.0 * 0.5 * -2.0


def test_to_latex_escapes_special_characters() -> None:
    poly = nn2poly.Polynomial(
        [[0, 0], [1, 0], [0, 1]], [1.0, 2.0, 3.0], feature_names=["rate%", "x^2"]
    )
    latex = poly.to_latex()
    # an unescaped % starts a comment: everything after it would be lost
    assert "%" not in latex.replace(r"\%", "")
    assert "^_" not in latex
