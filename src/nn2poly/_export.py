"""Every view of a polynomial other than its arrays: text, LaTeX, pandas, sympy, scikit-learn.

Each function takes a :class:`~nn2poly.Polynomial` (only its public attributes
are read: ``coef``, ``labels``, ``powers``, ``feature_names``, ...), so this
module does not import the class and there is no import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._export_sklearn import to_sklearn
from ._polynomial_protocol import PolynomialBase
from ._validation import Interval, validate_params

__all__ = [
    "PolynomialExports",
    "monomial_name",
    "to_frame",
    "to_latex",
    "to_sklearn",
    "to_sympy",
    "to_text",
]

_TEXT_TERMS = 20
_TEXT_PARAMETERS: dict[str, list[Any]] = {
    "max_terms": [Interval(int, 1, None)],
    "precision": [Interval(int, 1, 17)],
}


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
    """The readable name of a monomial given by its R-style label.

    Examples
    --------
    >>> monomial_name((1, 1, 3), ["x1", "x2", "x3"])
    'x1^2*x3'
    >>> monomial_name((0,), ["x1"])
    '1'
    """
    parts = [
        feature_names[variable - 1] + (f"^{power}" if power > 1 else "")
        for variable, power in _exponents(label)
    ]
    return "*".join(parts) if parts else "1"


def _number_format(spec: str | None, precision: int) -> str:
    if not spec:
        return f".{precision}g"
    try:
        format(1.5, spec)
    except (TypeError, ValueError):
        raise ValueError(
            f"format spec {spec!r} is not a float format; use one such as '.3f', '.4g' or '.2e'."
        ) from None
    return spec


def _text_one(poly: PolynomialBase, column: int, max_terms: int, number: str) -> str:
    pieces: list[str] = []
    coef = poly.coef[:, column]
    shown = 0
    nonzero = int(np.count_nonzero(coef))
    for value, name in zip(coef, poly.term_names, strict=True):
        if value == 0:
            continue  # exact zeros say nothing
        if shown >= max_terms:
            pieces.append(f" + ... ({nonzero - max_terms} more terms)")
            break
        shown += 1
        magnitude = abs(value)
        if name == "1":
            body = format(magnitude, number)
        elif magnitude == 1:
            body = name
        else:
            body = f"{format(magnitude, number)}*{name}"
        if not pieces:
            pieces.append(("-" if value < 0 else "") + body)
        else:
            pieces.append(f" {'-' if value < 0 else '+'} {body}")
    return "".join(pieces) if pieces else "0"


def to_text(
    poly: PolynomialBase, *, max_terms: int = _TEXT_TERMS, precision: int = 6, spec: str = ""
) -> str:
    """One line per output, e.g. ``y1 = 0.5 + 2*x1 - x1*x2`` (what ``str`` shows).

    Parameters
    ----------
    poly : Polynomial
    max_terms : int, default=20
        Terms shown per output; the rest are counted.
    precision : int, default=6
        Significant digits of the coefficients (``spec`` overrides it).
    spec : str, default=""
        A float format spec for the coefficients (``format(poly, ".2f")``).

    Examples
    --------
    >>> import nn2poly
    >>> poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1]], [0.5, 2.0, -1.25])
    >>> to_text(poly)
    'y1 = 0.5 + 2*x1 - 1.25*x1*x2'
    >>> to_text(poly, spec=".2f")
    'y1 = 0.50 + 2.00*x1 - 1.25*x1*x2'
    """
    checked = validate_params(
        {"max_terms": max_terms, "precision": precision}, _TEXT_PARAMETERS, caller="to_text"
    )
    number = _number_format(spec, checked["precision"])
    max_terms = checked["max_terms"]
    lines = [
        f"{name} = {_text_one(poly, column, max_terms, number)}"
        for column, name in enumerate(poly.output_names)
    ]
    if poly.link:
        lines.append(f"(logits; link: {poly.link})")
    if np.any(poly.origin != 0.0):
        at = ", ".join(
            f"{name}={value:g}"
            for name, value in zip(poly.feature_names, poly.origin, strict=True)
            if value != 0.0
        )
        lines.append(f"(each variable is x - origin; origin: {at})")
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


def to_latex(poly: PolynomialBase, *, max_terms: int | None = 30, precision: int = 4) -> str:
    """LaTeX source; several outputs are stacked in an ``aligned`` block.

    With ``max_terms``, each output keeps its ``max_terms`` terms of largest
    absolute coefficient, written in graded order and followed by ``\\dots``.

    Examples
    --------
    >>> import nn2poly
    >>> to_latex(nn2poly.Polynomial([[0], [2]], [0.5, -3.0]))
    'y_{1} = 0.5 - 3\\\\,x_{1}^{2}'
    >>> to_latex(nn2poly.Polynomial([[0], [1], [2]], [0.1, -3.0, 2.0]), max_terms=2)
    'y_{1} = -3\\\\,x_{1} + 2\\\\,x_{1}^{2} + \\\\dots'
    """
    checked = validate_params(
        {"max_terms": max_terms, "precision": precision},
        {**_TEXT_PARAMETERS, "max_terms": [Interval(int, 1, None), None]},
        caller="Polynomial.to_latex",
    )
    max_terms = checked["max_terms"]
    number_format = f".{checked['precision']}g"
    rows = []
    for column, output in enumerate(poly.output_names):
        values = poly.coef[:, column]
        shown = np.arange(values.size)
        if max_terms is not None and values.size > max_terms:
            largest = np.argsort(-np.abs(values), kind="stable")[:max_terms]
            shown = np.sort(largest)
        parts: list[str] = []
        for index in shown:
            value, label = values[index], poly.labels[index]
            monomial = " ".join(
                _latex_name(poly.feature_names[v - 1]) + (f"^{{{p}}}" if p > 1 else "")
                for v, p in _exponents(label)
            )
            number = format(abs(value), number_format)
            if "e" in number:
                mantissa, exponent = number.split("e")
                number = rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
            body = f"{number}\\,{monomial}" if monomial else number
            sign = "-" if value < 0 else "+"
            parts.append(("-" if sign == "-" else "") + body if not parts else f" {sign} {body}")
        if shown.size < values.size:
            parts.append(r" + \dots")
        rows.append(f"{_latex_name(output)} &= {''.join(parts) or '0'}")
    if len(rows) == 1:
        return rows[0].replace(" &= ", " = ")
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def to_frame(poly: PolynomialBase) -> Any:
    """A pandas DataFrame: one row per term; columns ``term``, ``label``, ``degree``
    and one per output.

    Examples
    --------
    >>> import nn2poly
    >>> to_frame(nn2poly.Polynomial([[0], [2]], [0.5, -3.0]))
       term   label  degree   y1
    0     1    (0,)       0  0.5
    1  x1^2  (1, 1)       2 -3.0
    """
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


def to_sympy(poly: PolynomialBase) -> Any:
    """sympy expression(s) with Float coefficients carrying every bit of the float64.

    Examples
    --------
    >>> import nn2poly
    >>> to_sympy(nn2poly.Polynomial([[0], [2]], [0.5, -3.0]))
    0.5 - 3.0*x1**2
    """
    try:
        import sympy
    except ImportError:  # pragma: no cover - exercised only without sympy
        raise ImportError(
            "Polynomial.to_sympy needs sympy; install it with `pip install nn2poly[symbolic]`."
        ) from None
    # one Symbol per name (sympy.symbols would split names on spaces and commas), made only
    # for the variables that occur: the work is linear in the terms, not in n_features
    symbols: dict[int, Any] = {}

    def symbol(variable: int) -> Any:
        if variable not in symbols:
            symbols[variable] = sympy.Symbol(poly.feature_names[variable - 1], real=True)
        return symbols[variable]

    monomials = [
        sympy.Mul(*[symbol(variable) ** power for variable, power in _exponents(label)])
        for label in poly.labels
    ]
    expressions = [
        sympy.Add(
            *[
                sympy.Float(float(c), 17) * m
                for c, m in zip(poly.coef[:, k], monomials, strict=True)
            ]
        )
        for k in range(poly.n_outputs)
    ]
    return expressions[0] if len(expressions) == 1 else sympy.Matrix(expressions)


class PolynomialExports(PolynomialBase):
    """The export methods of :class:`~nn2poly.Polynomial` (a mixin over this module)."""

    def __str__(self) -> str:
        return to_text(self)

    def __format__(self, spec: str) -> str:
        return to_text(self, spec=spec)

    def _repr_latex_(self) -> str:
        return "$" + to_latex(self) + "$"

    def to_latex(self, *, max_terms: int | None = 30, precision: int = 4) -> str:
        """LaTeX of the polynomial (``aligned`` for several outputs); with ``max_terms``, the
        largest terms of each output, in graded order.

        Examples
        --------
        >>> import nn2poly
        >>> nn2poly.Polynomial([[0], [1]], [1.0, -2.0]).to_latex()
        'y_{1} = 1 - 2\\\\,x_{1}'
        """
        return to_latex(self, max_terms=max_terms, precision=precision)

    def to_frame(self) -> Any:
        """A pandas DataFrame: one row per term; columns ``term``, ``label``,
        ``degree`` and one per output.

        Examples
        --------
        >>> import nn2poly
        >>> nn2poly.Polynomial([[0], [1]], [1.0, -2.0]).to_frame()["term"].tolist()
        ['1', 'x1']
        """
        return to_frame(self)

    def to_sympy(self) -> Any:
        """A sympy expression (a column Matrix for several outputs), exact in the floats.

        Examples
        --------
        >>> import nn2poly
        >>> nn2poly.Polynomial([[0], [1]], [1.0, -2.0]).to_sympy()
        1.0 - 2.0*x1
        """
        return to_sympy(self)

    def to_sklearn(self) -> Any:
        """A fitted scikit-learn ``Pipeline(PolynomialFeatures, LinearRegression)``
        whose ``predict`` equals :meth:`predict` (needs scikit-learn).

        Examples
        --------
        >>> import nn2poly
        >>> nn2poly.Polynomial([[0], [1]], [1.0, -2.0]).to_sklearn().predict([[2.0]])
        array([-3.])
        """
        return to_sklearn(self)
