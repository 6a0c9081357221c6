"""Plain functions on polynomials held as ``(powers, coef)`` arrays.

A polynomial in ``n_features`` variables with ``n_outputs`` outputs is a pair

- ``powers``: int array of shape (n_terms, n_features), the exponents of each
  monomial (rows distinct);
- ``coef``: float array of shape (n_terms,) or (n_terms, n_outputs).

Term order is graded lexicographic: by total degree, then lexicographically
on the sorted variable indices of each monomial (``x1^2`` before ``x1*x2``
before ``x2^2``), the order of scikit-learn's ``PolynomialFeatures`` and of the
R package's labels.  A *label* is the R package's name of a monomial: ``(0,)``
for the intercept, else the 1-based variable indices with repeats
(``(1, 1, 3)`` is ``x1^2*x3``).  The compiled evaluation kernel reads a third,
sparse form: *variable rows*, the 0-based sorted variable indices of each
monomial padded with ``-1`` (int32, shape (n_terms, max(degree, 1))).

Everything returned is a new array; nothing is modified in place.  This
module holds the representation (checks, order, labels, values); arithmetic
on such arrays is in :mod:`nn2poly._powers_arithmetic`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import invalid_value

__all__ = [
    "MAX_DEGREE",
    "check_distinct",
    "check_powers",
    "graded_order",
    "label_variables",
    "labels_to_powers",
    "labels_to_variables",
    "monomial_values",
    "powers_to_labels",
    "powers_to_variables",
    "variable_monomials",
    "variables_to_labels",
    "variables_to_powers",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

#: Largest exponent and largest total degree of a monomial.
MAX_DEGREE = 1000


def check_powers(
    powers: ArrayLike, *, name: str = "powers", caller: str | None = "Polynomial"
) -> IntArray:
    """Validate exponents: a 2-D array of non-negative exact integers of small degree.

    Every exponent is bounded before any sum is taken, so huge integers
    (``2**63 - 1``) are refused instead of overflowing.

    Parameters
    ----------
    powers : array_like of shape (n_terms, n_features)
    name : str, default="powers"
        The parameter's name in error messages.
    caller : str or None, default="Polynomial"
        The public callable named in error messages.

    Returns
    -------
    ndarray of int64, shape (n_terms, n_features)

    Examples
    --------
    >>> check_powers([[0, 0], [2.0, 1]]).tolist()
    [[0, 0], [2, 1]]
    >>> check_powers([[2**63 - 1]])  # doctest: +NORMALIZE_WHITESPACE +ELLIPSIS
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: The 'powers' parameter of Polynomial must be
    an array of exponents in 0..1000 with a total degree of at most 1000 per row. Got an array
    of shape (1, 1) and dtype ...int64 instead. It holds an exponent of 9223372036854775807.
    """
    shape = "an integer array of shape (n_terms, n_features)"
    integers = "an array of non-negative integers"
    bounded = (
        f"an array of exponents in 0..{MAX_DEGREE} with a total degree of at most "
        f"{MAX_DEGREE} per row"
    )
    try:
        array = np.asarray(powers)
    except (TypeError, ValueError, OverflowError):
        raise invalid_value(name, powers, shape, caller=caller, type_error=True) from None
    if array.ndim != 2:
        raise invalid_value(name, array, shape, caller=caller)
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.int64)
    if array.dtype == object:
        try:
            array = np.asarray(array.tolist(), dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise invalid_value(name, array, integers, caller=caller) from None
    if array.dtype.kind not in "iuf":
        raise invalid_value(name, array, integers, caller=caller)
    if array.dtype.kind == "f" and not (
        np.all(np.isfinite(array)) and np.all(np.equal(np.mod(array, 1), 0))
    ):
        fix = f"It holds {_first_bad(array)}."
        raise invalid_value(name, array, integers, caller=caller, fix=fix)
    smallest, largest = array.min(), array.max()
    if smallest < 0:
        raise invalid_value(name, array, integers, caller=caller, fix=f"It holds {smallest}.")
    if largest > MAX_DEGREE:
        fix = f"It holds an exponent of {largest}."
        raise invalid_value(name, array, bounded, caller=caller, fix=fix)
    exponents = array.astype(np.int64)
    degree = int(exponents.sum(axis=1).max())  # at most n_features * MAX_DEGREE: no overflow
    if degree > MAX_DEGREE:
        fix = f"It holds a monomial of total degree {degree}."
        raise invalid_value(name, array, bounded, caller=caller, fix=fix)
    return exponents


def _first_bad(array: NDArray[Any]) -> str:
    flat = array.ravel()
    bad = ~(np.isfinite(flat) & np.equal(np.mod(np.nan_to_num(flat), 1), 0))
    return repr(float(flat[np.argmax(bad)]))


def _as_2d(coef: ArrayLike, n_terms: int, caller: str | None = None) -> FloatArray:
    values = np.asarray(coef, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] != n_terms:
        raise invalid_value(
            "coef",
            np.asarray(coef, dtype=np.float64),
            f"an array of shape (n_terms,) or (n_terms, n_outputs) with n_terms={n_terms}",
            caller=caller,
        )
    return values


def _like(values: FloatArray, coef: ArrayLike) -> FloatArray:
    """``values`` (2-D) with the dimensionality of the ``coef`` it came from."""
    return values[:, 0] if np.ndim(coef) == 1 else values


# ------------------------------------------------------------------ order
def graded_order(powers: ArrayLike) -> IntArray:
    """The permutation that sorts monomials in graded lexicographic order.

    Parameters
    ----------
    powers : array_like of int, shape (n_terms, n_features)

    Returns
    -------
    ndarray of int64, shape (n_terms,)
        ``powers[graded_order(powers)]`` is sorted.

    Examples
    --------
    >>> graded_order([[0, 2], [1, 0], [1, 1], [0, 0], [2, 0]]).tolist()
    [3, 1, 4, 2, 0]
    """
    array = np.asarray(powers, dtype=np.int64)
    degrees = array.sum(axis=1)
    keys = np.vstack([-array[:, ::-1].T, degrees[None, :]]) if array.shape[1] else degrees[None]
    return np.lexsort(keys).astype(np.int64)


def _unique_rows(rows: IntArray) -> tuple[IntArray, IntArray]:
    """Distinct rows (in graded order when ``rows`` are powers) and the inverse map."""
    if rows.shape[0] == 0:
        return rows.copy(), np.zeros(0, dtype=np.int64)
    if rows.shape[1] == 0:
        return rows[:1].copy(), np.zeros(rows.shape[0], dtype=np.int64)
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1).astype(np.int64)


def check_distinct(rows: NDArray[np.integer], name: str, caller: str | None) -> None:
    """Refuse repeated rows (a monomial given twice), naming the rows that repeat.

    Examples
    --------
    >>> check_distinct(np.array([[1], [0], [1]]), "powers", "Polynomial")
    ... # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterError: The 'powers' parameter of Polynomial must be
    an array of distinct rows (each monomial once). Got an array of shape (3, 1) and dtype
    int64 instead. Rows [0, 2] are repeated rows of one monomial; add their coefficients in
    one row.
    """
    unique, inverse = _unique_rows(np.asarray(rows, dtype=np.int64))
    if unique.shape[0] == rows.shape[0]:
        return
    repeated = np.flatnonzero(np.bincount(inverse)[inverse] > 1)
    shown = f"{repeated[:6].tolist()}"[:-1] + (", ...]" if repeated.size > 6 else "]")
    raise invalid_value(
        name,
        rows,
        "an array of distinct rows (each monomial once)",
        caller=caller,
        fix=f"Rows {shown} are repeated rows of one monomial; add their coefficients in one row.",
    )


# ----------------------------------------------------------------- labels
def powers_to_variables(powers: ArrayLike) -> NDArray[np.int32]:
    """Sorted 0-based variable indices of each monomial, -1 padded (the kernel's form).

    Examples
    --------
    >>> powers_to_variables([[0, 0], [2, 1]]).tolist()
    [[-1, -1, -1], [0, 0, 1]]
    """
    array = np.asarray(powers, dtype=np.int64)
    degrees = array.sum(axis=1)
    width = max(int(degrees.max(initial=0)), 1)
    out = np.full((array.shape[0], width), -1, dtype=np.int32)
    if array.size:
        rows, columns = np.nonzero(array)
        counts = array[rows, columns]
        row_of = np.repeat(rows, counts)
        variable = np.repeat(columns, counts).astype(np.int32)
        starts = np.concatenate([[0], np.cumsum(degrees)[:-1]])
        position = np.arange(row_of.shape[0]) - starts[row_of]
        out[row_of, position] = variable
    return out


def variables_to_powers(variables: NDArray[np.integer], n_features: int) -> IntArray:
    """Inverse of :func:`powers_to_variables`.

    Examples
    --------
    >>> variables_to_powers(np.array([[-1, -1], [0, 1], [1, 1]]), 2).tolist()
    [[0, 0], [1, 1], [0, 2]]
    """
    out = np.zeros((variables.shape[0], n_features), dtype=np.int64)
    rows = np.repeat(np.arange(variables.shape[0]), variables.shape[1])
    columns = variables.ravel().astype(np.int64)
    keep = columns >= 0
    np.add.at(out, (rows[keep], columns[keep]), 1)
    return out


def variables_to_labels(variables: NDArray[np.integer]) -> list[tuple[int, ...]]:
    """R-style labels of -1-padded variable rows.

    Examples
    --------
    >>> variables_to_labels(np.array([[-1, -1], [0, 0], [0, 2]]))
    [(0,), (1, 1), (1, 3)]
    """
    return [tuple(v + 1 for v in row if v >= 0) or (0,) for row in np.asarray(variables).tolist()]


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def label_variables(
    label: Any, n_features: int, caller: str | None = "Polynomial.coefficient"
) -> list[int]:
    """The sorted 0-based variables of one R-style label, checked strictly.

    ``(0,)`` and ``()`` are the intercept; otherwise every entry must be an
    exact integer (not a float, str or bool) in ``1..n_features``.

    Examples
    --------
    >>> label_variables((3, 1, 1), 3)
    [0, 0, 2]
    >>> label_variables([1.5], 3)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    nn2poly._validation.InvalidParameterTypeError: The 'label' parameter of
    Polynomial.coefficient must be a sequence of ints such as (1, 2) (1-based variables, (0,)
    for the intercept). Got [1.5] instead. 1.5 is a float.
    """
    expected = "a sequence of ints such as (1, 2) (1-based variables, (0,) for the intercept)"
    if isinstance(label, (str, bytes)) or not isinstance(label, Iterable):
        raise invalid_value("label", label, expected, caller=caller, type_error=True)
    entries = list(label)
    for entry in entries:
        if not _is_int(entry):
            fix = f"{entry!r} is a {type(entry).__name__}."
            raise invalid_value("label", label, expected, caller=caller, fix=fix, type_error=True)
    if entries in ([], [0]):
        return []
    if len(entries) > MAX_DEGREE:
        raise invalid_value(
            "label",
            label,
            f"a label of at most {MAX_DEGREE} entries",
            caller=caller,
            fix=f"It has {len(entries)} entries.",
        )
    if any(not 1 <= entry <= n_features for entry in entries):
        raise invalid_value(
            "label",
            tuple(entries),
            f"a label of variables in 1..{n_features}",
            caller=caller,
            fix=f"It names a variable outside 1..{n_features}; labels use 1-based variable "
            "indices, with (0,) for the intercept.",
        )
    return sorted(int(entry) - 1 for entry in entries)


def labels_to_variables(
    labels: Sequence[Any], n_features: int, caller: str | None = None
) -> NDArray[np.int32]:
    """-1-padded variable rows of R-style labels (no dense powers are built).

    Examples
    --------
    >>> labels_to_variables([(0,), (2, 1)], 2).tolist()
    [[-1, -1], [0, 1]]
    """
    rows = [label_variables(label, n_features, caller) for label in labels]
    width = max([len(row) for row in rows] + [1])
    out = np.full((len(rows), width), -1, dtype=np.int32)
    for index, row in enumerate(rows):
        out[index, : len(row)] = row
    return out


def labels_to_powers(labels: Sequence[Any], n_features: int) -> IntArray:
    """Exponent rows of R-style labels.

    Parameters
    ----------
    labels : sequence of sequences of int
        ``(0,)`` for the intercept, else 1-based variable indices with repeats.
    n_features : int

    Returns
    -------
    ndarray of int64, shape (len(labels), n_features)

    Examples
    --------
    >>> labels_to_powers([(0,), (1,), (1, 1, 3)], 3).tolist()
    [[0, 0, 0], [1, 0, 0], [2, 0, 1]]
    """
    return variables_to_powers(labels_to_variables(labels, n_features), n_features)


def powers_to_labels(powers: ArrayLike) -> list[tuple[int, ...]]:
    """R-style labels of exponent rows; inverse of :func:`labels_to_powers`.

    Examples
    --------
    >>> powers_to_labels([[0, 0, 0], [1, 0, 0], [2, 0, 1]])
    [(0,), (1,), (1, 1, 3)]
    """
    return variables_to_labels(powers_to_variables(powers))


# ------------------------------------------------------------- evaluation
#: Rows of the monomial matrix computed at a time (the gathered temporaries stay small).
MONOMIAL_CHUNK_ROWS = 256


def variable_monomials(variables: NDArray[np.integer], X: FloatArray) -> FloatArray:
    """Each monomial (as variable rows) at each sample, shape (n_samples, n_terms).

    Rows are computed :data:`MONOMIAL_CHUNK_ROWS` at a time: the temporaries
    stay in cache, which is several times faster than whole columns.

    Examples
    --------
    >>> variable_monomials(np.array([[-1, -1], [0, -1], [0, 1]]), np.array([[2.0, 3.0]]))
    array([[1., 2., 6.]])
    """
    out = np.ones((X.shape[0], variables.shape[0]), dtype=np.float64)
    for start in range(0, X.shape[0], MONOMIAL_CHUNK_ROWS):
        rows = slice(start, start + MONOMIAL_CHUNK_ROWS)
        block = out[rows]
        for column in range(variables.shape[1]):
            present = variables[:, column] >= 0
            block[:, present] *= X[rows, variables[present, column]]
    return out


def monomial_values(powers: ArrayLike, X: ArrayLike) -> FloatArray:
    """Each monomial evaluated at each sample.

    Parameters
    ----------
    powers : array_like of int, shape (n_terms, n_features)
    X : array_like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_terms)

    Examples
    --------
    >>> monomial_values([[0, 0], [1, 0], [1, 2]], [[2.0, 3.0]]).tolist()
    [[1.0, 2.0, 18.0]]
    """
    return variable_monomials(powers_to_variables(powers), np.asarray(X, dtype=np.float64))
