"""Text, LaTeX, pandas and sympy views of a Polynomial."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ._polynomial import Polynomial

__all__ = ["monomial_name", "to_frame", "to_latex", "to_sympy", "to_text"]

_TEXT_TERMS = 20


def _exponents(label: tuple[int, ...]) -> list[tuple[int, int]]:
    """(1-based variable, exponent) pairs of an R-style label."""
    if label == (0,):
        return []
    pairs: list[tuple[int, int]] = []
    for variable in label:
        if pairs and pairs[-1][0] == variable:
            pairs[-1] = (variable, pairs[-1][1] + 1)
        else:
            pairs.append((variable, 1))
    return pairs


def monomial_name(label: tuple[int, ...], feature_names: Sequence[str]) -> str:
    """``(1, 1, 3)`` -> ``'x1^2*x3'``; the intercept is ``'1'``."""
    parts = [
        feature_names[variable - 1] + (f"^{power}" if power > 1 else "")
        for variable, power in _exponents(label)
    ]
    return "*".join(parts) if parts else "1"


def _format_number(value: float, precision: int) -> str:
    return f"{value:.{precision}g}"


def _text_one(poly: Polynomial, column: int, max_terms: int, precision: int) -> str:
    pieces: list[str] = []
    coef = poly.coef[:, column]
    shown = 0
    nonzero = int(np.count_nonzero(coef))
    for value, name in zip(coef, poly.term_names):
        if value == 0:
            continue  # exact zeros say nothing; NaN is kept
        if shown >= max_terms:
            pieces.append(f" + ... ({nonzero - max_terms} more terms)")
            break
        shown += 1
        magnitude = abs(value)
        sign = "-" if value < 0 else "+"
        if name == "1":
            body = _format_number(magnitude, precision)
        elif magnitude == 1:
            body = name
        else:
            body = f"{_format_number(magnitude, precision)}*{name}"
        if not pieces:
            pieces.append(("-" if sign == "-" else "") + body)
        else:
            pieces.append(f" {sign} {body}")
    return "".join(pieces) if pieces else "0"


def to_text(poly: Polynomial, max_terms: int = _TEXT_TERMS, precision: int = 6) -> str:
    """One line per output: ``y1 = 0.5 + 2*x1 - x1*x2``."""
    lines = [
        f"{name} = {_text_one(poly, column, max_terms, precision)}"
        for column, name in enumerate(poly.output_names)
    ]
    if poly.link:
        lines.append(f"(logits; link: {poly.link})")
    return "\n".join(lines)


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\hat{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\sim{}",
}


def _latex_name(name: str) -> str:
    if not name.isalnum() or not name[:1].isalpha():
        escaped = "".join(_LATEX_SPECIAL.get(character, character) for character in name)
        return r"\mathrm{" + escaped + "}"
    head = name.rstrip("0123456789")
    digits = name[len(head) :]
    return f"{head}_{{{digits}}}" if digits and head else name


def to_latex(poly: Polynomial, *, max_terms: int | None = 30, precision: int = 4) -> str:
    """LaTeX source; several outputs are stacked in an ``aligned`` block."""
    rows = []
    for column, output in enumerate(poly.output_names):
        parts: list[str] = []
        for index, (value, label) in enumerate(zip(poly.coef[:, column], poly.labels)):
            if max_terms is not None and index >= max_terms:
                parts.append(r" + \dots")
                break
            monomial = " ".join(
                _latex_name(poly.feature_names[v - 1]) + (f"^{{{p}}}" if p > 1 else "")
                for v, p in _exponents(label)
            )
            number = _format_number(abs(value), precision)
            if "e" in number:
                mantissa, exponent = number.split("e")
                number = rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
            body = f"{number}\\,{monomial}" if monomial else number
            sign = "-" if value < 0 else "+"
            parts.append(("-" if sign == "-" else "") + body if not parts else f" {sign} {body}")
        rows.append(f"{_latex_name(output)} &= {''.join(parts) or '0'}")
    if len(rows) == 1:
        return rows[0].replace(" &= ", " = ")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def to_frame(poly: Polynomial) -> Any:
    """A pandas DataFrame with one row per term."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - exercised only without pandas
        raise ImportError(
            "Polynomial.to_frame needs pandas; install it with `pip install nn2poly[pandas]`."
        ) from None
    frame = pd.DataFrame(
        {
            "term": poly.term_names,
            "label": [str(label) for label in poly.labels],
            "degree": poly.degrees,
        }
    )
    for column, name in enumerate(poly.output_names):
        frame[name] = poly.coef[:, column]
    return frame


def to_sympy(poly: Polynomial) -> Any:
    """sympy expression(s) with Float coefficients carrying every bit of the float64."""
    try:
        import sympy
    except ImportError:  # pragma: no cover - exercised only without sympy
        raise ImportError(
            "Polynomial.to_sympy needs sympy; install it with `pip install nn2poly[symbolic]`."
        ) from None
    # one Symbol per name: sympy.symbols would split names on spaces and commas
    symbols = [sympy.Symbol(name, real=True) for name in poly.feature_names]
    monomials = [
        sympy.Mul(*[symbols[i] ** int(p) for i, p in enumerate(row) if p]) for row in poly.powers
    ]
    expressions = [
        sympy.Add(*[sympy.Float(float(c), 17) * m for c, m in zip(poly.coef[:, k], monomials)])
        for k in range(poly.n_outputs)
    ]
    return expressions[0] if len(expressions) == 1 else sympy.Matrix(expressions)
