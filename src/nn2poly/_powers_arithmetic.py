"""Arithmetic on polynomials held as ``(powers, coef)`` arrays.

See :mod:`nn2poly._powers` for the representation: ``powers`` int of shape
(n_terms, n_features), ``coef`` float of shape (n_terms,) or (n_terms,
n_outputs).  Results come in graded lexicographic order, except
:func:`derivative` which keeps the order of its input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._powers import FloatArray, IntArray, _as_2d, _like, _unique_rows, graded_order
from ._validation import invalid_value

__all__ = ["add", "align", "derivative", "multiply", "substitute", "subtract"]


def _combine(rows: IntArray, values: FloatArray) -> tuple[IntArray, FloatArray]:
    """Sum the values of equal rows; rows come back in graded order."""
    unique, inverse = _unique_rows(rows)
    order = graded_order(unique)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    out = np.zeros((unique.shape[0], values.shape[1]), dtype=np.float64)
    np.add.at(out, rank[inverse], values)
    return unique[order], out


# ------------------------------------------------------------- arithmetic
def align(
    powers: Sequence[ArrayLike], coefs: Sequence[ArrayLike]
) -> tuple[IntArray, list[FloatArray]]:
    """Put several polynomials on the union of their terms, in graded order.

    Parameters
    ----------
    powers : sequence of array_like of int, each of shape (n_terms_i, n_features)
    coefs : sequence of array_like, each of shape (n_terms_i,) or (n_terms_i, n_outputs_i)

    Returns
    -------
    union : ndarray of int64, shape (n_union, n_features)
    aligned : list of ndarray
        Each polynomial's coefficients on ``union`` (0 for terms it lacks), of
        shape (n_union,) or (n_union, n_outputs_i) like its ``coef``.

    Examples
    --------
    >>> union, (a, b) = align([[[1], [0]], [[2], [1]]], [[3.0, 1.0], [5.0, 2.0]])
    >>> union.tolist(), a.tolist(), b.tolist()
    ([[0], [1], [2]], [1.0, 3.0, 0.0], [0.0, 2.0, 5.0])
    """
    arrays = [np.asarray(p, dtype=np.int64) for p in powers]
    widths = {array.shape[1] for array in arrays if array.ndim == 2}
    if len(widths) > 1 or any(array.ndim != 2 for array in arrays):
        raise invalid_value(
            "powers",
            [array.shape for array in arrays],
            "arrays of shape (n_terms_i, n_features) with one n_features",
            caller="align",
            fix=f"Their numbers of features are {sorted(widths)}; give them all the same.",
        )
    values = [_as_2d(c, array.shape[0]) for c, array in zip(coefs, arrays, strict=True)]
    union, inverse = _unique_rows(np.concatenate(arrays) if arrays else np.zeros((0, 0), np.int64))
    order = graded_order(union)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    aligned: list[FloatArray] = []
    start = 0
    for value, coef in zip(values, coefs, strict=True):
        out = np.zeros((union.shape[0], value.shape[1]), dtype=np.float64)
        np.add.at(out, rank[inverse[start : start + value.shape[0]]], value)
        start += value.shape[0]
        aligned.append(_like(out, coef))
    return union[order], aligned


def add(
    powers_a: ArrayLike, coef_a: ArrayLike, powers_b: ArrayLike, coef_b: ArrayLike
) -> tuple[IntArray, FloatArray]:
    """The sum of two polynomials, on the union of their terms (graded order).

    Examples
    --------
    >>> powers, coef = add([[0], [1]], [1.0, 2.0], [[1], [2]], [3.0, 4.0])
    >>> powers.tolist(), coef.tolist()
    ([[0], [1], [2]], [1.0, 5.0, 4.0])
    """
    union, (a, b) = align([powers_a, powers_b], [coef_a, coef_b])
    return union, a + b


def subtract(
    powers_a: ArrayLike, coef_a: ArrayLike, powers_b: ArrayLike, coef_b: ArrayLike
) -> tuple[IntArray, FloatArray]:
    """The difference ``a - b`` of two polynomials, on the union of their terms.

    Examples
    --------
    >>> powers, coef = subtract([[0], [1]], [1.0, 2.0], [[1], [2]], [3.0, 4.0])
    >>> powers.tolist(), coef.tolist()
    ([[0], [1], [2]], [1.0, -1.0, -4.0])
    """
    union, (a, b) = align([powers_a, powers_b], [coef_a, coef_b])
    return union, a - b


def multiply(
    powers_a: ArrayLike,
    coef_a: ArrayLike,
    powers_b: ArrayLike,
    coef_b: ArrayLike,
    *,
    max_degree: int | None = None,
) -> tuple[IntArray, FloatArray]:
    """The product of a polynomial with several outputs and one with a single output.

    Parameters
    ----------
    powers_a, coef_a : the first polynomial; ``coef_a`` of shape (n_a,) or (n_a, n_outputs)
    powers_b, coef_b : the second polynomial; ``coef_b`` of shape (n_b,)
    max_degree : int, optional
        Drop the terms above this total degree.

    Returns
    -------
    powers : ndarray of shape (n_terms, n_features), graded order
    coef : ndarray shaped like ``coef_a``

    Examples
    --------
    >>> powers, coef = multiply([[0], [1]], [1.0, 1.0], [[0], [1]], [1.0, -1.0])  # 1 - x^2
    >>> powers.tolist(), coef.tolist()
    ([[0], [1], [2]], [1.0, 0.0, -1.0])
    """
    a = np.asarray(powers_a, dtype=np.int64)
    b = np.asarray(powers_b, dtype=np.int64)
    values_a = _as_2d(coef_a, a.shape[0])
    values_b = np.asarray(coef_b, dtype=np.float64).reshape(-1)
    rows = (a[:, None, :] + b[None, :, :]).reshape(-1, a.shape[1])
    values = (values_a[:, None, :] * values_b[None, :, None]).reshape(-1, values_a.shape[1])
    if max_degree is not None:
        keep = rows.sum(axis=1) <= max_degree
        rows, values = rows[keep], values[keep]
    combined, out = _combine(rows, values)
    return combined, _like(out, coef_a)


def substitute(
    powers: ArrayLike,
    coef: ArrayLike,
    matrix: ArrayLike,
    shift: ArrayLike | None = None,
    *,
    max_degree: int | None = None,
) -> tuple[IntArray, FloatArray]:
    """Change of variables ``x = matrix @ z + shift``, expanded exactly.

    Returns ``Q(z) = P(matrix @ z + shift)``: each variable becomes a linear
    form in the new variables and the products are multiplied out, variable
    by variable, summing equal terms as soon as they meet.

    Parameters
    ----------
    powers : array_like of int, shape (n_terms, n_features)
    coef : array_like, shape (n_terms,) or (n_terms, n_outputs)
    matrix : array_like of shape (n_features, n_new_features)
    shift : array_like of shape (n_features,), optional
        Default zeros.
    max_degree : int, optional
        Keep only the terms of total degree at most this (exact truncation).

    Returns
    -------
    powers : ndarray of int64, shape (n_new_terms, n_new_features), graded order
    coef : ndarray shaped like ``coef``

    Examples
    --------
    >>> powers, coef = substitute([[0], [2]], [1.0, 3.0], [[2.0]], [1.0])  # x = 2 z + 1
    >>> powers.tolist(), coef.tolist()
    ([[0], [1], [2]], [4.0, 12.0, 12.0])
    """
    exponents = np.asarray(powers, dtype=np.int64)
    values = _as_2d(coef, exponents.shape[0])
    linear = np.asarray(matrix, dtype=np.float64)
    n_features, n_new = linear.shape
    offset = np.zeros(n_features) if shift is None else np.asarray(shift, dtype=np.float64)
    forms = [_linear_form(linear[i], offset[i]) for i in range(n_features)]
    new = np.zeros((exponents.shape[0], n_new), dtype=np.int64)
    rest = exponents.copy()
    for variable in range(n_features):
        exponent = rest[:, variable]
        pieces_new, pieces_rest, pieces_values = [], [], []
        for power in np.unique(exponent):
            chosen = exponent == power
            if power == 0:
                pieces_new.append(new[chosen])
                pieces_rest.append(rest[chosen])
                pieces_values.append(values[chosen])
                continue
            table_powers, table_coef = forms[variable](int(power), max_degree)
            count = table_powers.shape[0]
            block_rest = np.repeat(rest[chosen], count, axis=0)
            block_rest[:, variable] = 0
            pieces_new.append((new[chosen][:, None, :] + table_powers[None]).reshape(-1, n_new))
            pieces_rest.append(block_rest)
            pieces_values.append(
                (values[chosen][:, None, :] * table_coef[None, :, None]).reshape(
                    -1, values.shape[1]
                )
            )
        new = np.concatenate(pieces_new) if pieces_new else new
        rest = np.concatenate(pieces_rest) if pieces_rest else rest
        values = np.concatenate(pieces_values) if pieces_values else values
        if max_degree is not None:
            keep = new.sum(axis=1) <= max_degree
            new, rest, values = new[keep], rest[keep], values[keep]
        keys, inverse = _unique_rows(np.hstack([new, rest[:, variable + 1 :]]))
        summed = np.zeros((keys.shape[0], values.shape[1]), dtype=np.float64)
        np.add.at(summed, inverse, values)
        new, values = keys[:, :n_new], summed
        rest = np.hstack([np.zeros((keys.shape[0], variable + 1), np.int64), keys[:, n_new:]])
    result_powers, result = _combine(new, values)
    return result_powers, _like(result, coef)


def _linear_form(row: FloatArray, constant: float) -> Any:
    """Powers of ``row @ z + constant``, computed on demand and remembered."""
    n_new = row.shape[0]
    present = np.flatnonzero(row != 0)
    base_powers = np.zeros((present.shape[0] + 1, n_new), dtype=np.int64)
    base_powers[np.arange(1, present.shape[0] + 1), present] = 1
    base_coef = np.concatenate([[constant], row[present]])
    keep = base_coef != 0
    base_powers, base_coef = base_powers[keep], base_coef[keep]
    table: dict[tuple[int, int | None], tuple[IntArray, FloatArray]] = {}

    def power_of(power: int, max_degree: int | None) -> tuple[IntArray, FloatArray]:
        key = (power, max_degree)
        if key not in table:
            if power == 1:
                result = multiply(
                    np.zeros((1, n_new), np.int64),
                    [1.0],
                    base_powers,
                    base_coef,
                    max_degree=max_degree,
                )
            else:
                half = power_of(power // 2, max_degree)
                result = multiply(*half, *half, max_degree=max_degree)
                if power % 2:
                    result = multiply(*result, base_powers, base_coef, max_degree=max_degree)
            table[key] = result
        return table[key]

    return power_of


def derivative(powers: ArrayLike, coef: ArrayLike, variable: int) -> tuple[IntArray, FloatArray]:
    """Exact partial derivative with respect to the 0-based ``variable``.

    The terms keep their relative order (a graded order stays graded).

    Examples
    --------
    >>> powers, coef = derivative([[2, 0], [1, 1], [0, 1]], [1.0, 3.0, 5.0], 0)  # d/da
    >>> powers.tolist(), coef.tolist()
    ([[1, 0], [0, 1]], [2.0, 3.0])
    """
    exponents = np.asarray(powers, dtype=np.int64)
    values = _as_2d(coef, exponents.shape[0])
    column = exponents[:, variable]
    keep = column > 0
    out = exponents[keep].copy()
    out[:, variable] -= 1
    return out, _like(values[keep] * column[keep, None], coef)
