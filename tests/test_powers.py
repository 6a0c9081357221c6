"""Array functions on (powers, coef) against slow dictionary and sympy oracles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nn2poly._powers import (
    MAX_DEGREE,
    check_powers,
    graded_order,
    label_variables,
    labels_to_powers,
    monomial_values,
    powers_to_labels,
    powers_to_variables,
    variables_to_powers,
)
from nn2poly._powers_arithmetic import add, align, derivative, multiply, substitute, subtract


# ------------------------------------------------------------------ oracles
def as_dict(powers, coef) -> dict[tuple[int, ...], float]:  # type: ignore[no-untyped-def]
    out: dict[tuple[int, ...], float] = {}
    for row, value in zip(np.asarray(powers).tolist(), np.asarray(coef).tolist(), strict=True):
        out[tuple(row)] = out.get(tuple(row), 0.0) + value
    return out


def graded_key(row: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """Degree, then the sorted variable tuple (the R label) ascending."""
    variables = tuple(i for i, e in enumerate(row) for _ in range(e))
    return (sum(row), variables)


def to_sympy(powers, coef, symbols):  # type: ignore[no-untyped-def]
    return sum(
        (
            sympy.Rational(float(c))
            * sympy.Mul(*[s ** int(e) for s, e in zip(symbols, row, strict=True)])
            for row, c in zip(np.asarray(powers).tolist(), np.asarray(coef).tolist(), strict=True)
        ),
        sympy.Integer(0),
    )


def from_sympy(expression, symbols) -> dict[tuple[int, ...], float]:  # type: ignore[no-untyped-def]
    poly = sympy.Poly(sympy.expand(expression), *symbols)
    return {tuple(monomial): float(c) for monomial, c in poly.terms() if c != 0}


def distinct_powers(n_features: int, max_exponent: int = 3, max_terms: int = 8):  # type: ignore[no-untyped-def]
    row = st.tuples(*[st.integers(0, max_exponent)] * n_features)
    return st.lists(row, min_size=0, max_size=max_terms, unique=True).map(
        lambda rows: np.array(rows, dtype=np.int64).reshape(len(rows), n_features)
    )


def polynomial(n_features: int):  # type: ignore[no-untyped-def]
    return distinct_powers(n_features).flatmap(
        lambda powers: st.tuples(
            st.just(powers),
            arrays(np.float64, powers.shape[0], elements=st.integers(-8, 8).map(float)),
        )
    )


n_features = st.integers(1, 3)


# -------------------------------------------------------------- order, labels
@given(n_features.flatmap(distinct_powers))
def test_graded_order_sorts_like_the_label_oracle(powers) -> None:  # type: ignore[no-untyped-def]
    ordered = powers[graded_order(powers)].tolist()
    assert ordered == sorted((list(r) for r in powers.tolist()), key=lambda r: graded_key(tuple(r)))


@pytest.mark.parametrize(("p", "q"), [(1, 4), (3, 3), (4, 2)])
def test_graded_order_is_the_order_of_polynomial_features(p: int, q: int) -> None:
    from sklearn.preprocessing import PolynomialFeatures

    expected = PolynomialFeatures(q).fit(np.zeros((1, p))).powers_
    shuffled = np.random.default_rng(0).permutation(expected)
    np.testing.assert_array_equal(shuffled[graded_order(shuffled)], expected)


@given(n_features.flatmap(distinct_powers))
def test_labels_and_variables_round_trip(powers) -> None:  # type: ignore[no-untyped-def]
    p = powers.shape[1]
    labels = powers_to_labels(powers)
    for row, label in zip(powers.tolist(), labels, strict=True):
        expected = tuple(i + 1 for i, e in enumerate(row) for _ in range(e)) or (0,)
        assert label == expected
    np.testing.assert_array_equal(labels_to_powers(labels, p), powers)
    np.testing.assert_array_equal(variables_to_powers(powers_to_variables(powers), p), powers)


def test_labels_are_read_strictly() -> None:
    assert label_variables((2, 1, 2), 2) == [0, 1, 1]
    assert label_variables((), 2) == [] and label_variables([0], 2) == []
    for bad in ([1.5], [1.0], ["1"], [True], "12", 12, [None]):
        with pytest.raises(TypeError, match="sequence of ints"):
            label_variables(bad, 3)
    for bad in ([0, 1], [4], [-1]):
        with pytest.raises(ValueError, match=r"outside 1\.\.3"):
            label_variables(bad, 3)


@pytest.mark.parametrize(
    "bad",
    [
        [[2**63 - 1, 2**63 - 1, 3]],
        [[MAX_DEGREE + 1]],
        [[600, 600]],
        [[-1]],
        [[0.5]],
        [[np.nan]],
        [[np.inf]],
        [["a"]],
        [[True]],
        [[10**30]],
    ],
)
def test_check_powers_refuses_before_any_arithmetic(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        check_powers(bad)


def test_check_powers_accepts_integral_floats_and_unsigned() -> None:
    np.testing.assert_array_equal(check_powers(np.array([[2.0, 0.0]])), [[2, 0]])
    np.testing.assert_array_equal(check_powers(np.array([[3]], dtype=np.uint64)), [[3]])
    assert check_powers(np.zeros((0, 4))).shape == (0, 4)


# ---------------------------------------------------------------- evaluation
@given(n_features.flatmap(polynomial), st.integers(0, 2**32 - 1))
def test_monomial_values_equal_the_power_products(poly, seed: int) -> None:  # type: ignore[no-untyped-def]
    powers, _ = poly
    X = np.random.default_rng(seed).uniform(-2, 2, (4, powers.shape[1]))
    expected = np.prod(X[:, None, :] ** powers[None, :, :], axis=2)
    np.testing.assert_allclose(monomial_values(powers, X), expected, rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- arithmetic
@given(n_features.flatmap(lambda p: st.tuples(polynomial(p), polynomial(p))))
def test_add_subtract_align_equal_the_dictionary_oracle(pair) -> None:  # type: ignore[no-untyped-def]
    (pa, ca), (pb, cb) = pair
    da, db = as_dict(pa, ca), as_dict(pb, cb)
    keys = sorted(set(da) | set(db), key=graded_key)
    union, (a, b) = align([pa, pb], [ca, cb])
    assert [tuple(r) for r in union.tolist()] == keys
    assert a.tolist() == [da.get(k, 0.0) for k in keys]
    assert b.tolist() == [db.get(k, 0.0) for k in keys]
    powers, total = add(pa, ca, pb, cb)
    assert as_dict(powers, total) == {k: da.get(k, 0.0) + db.get(k, 0.0) for k in keys}
    powers, difference = subtract(pa, ca, pb, cb)
    assert as_dict(powers, difference) == {k: da.get(k, 0.0) - db.get(k, 0.0) for k in keys}


def test_align_keeps_every_output_and_checks_widths() -> None:
    union, (a, b) = align([[[1, 0]], [[0, 1]]], [[[1.0, 2.0]], [3.0]])
    assert union.tolist() == [[1, 0], [0, 1]]
    assert a.tolist() == [[1.0, 2.0], [0.0, 0.0]] and b.tolist() == [0.0, 3.0]
    with pytest.raises(ValueError, match="shape"):
        align([[[1, 0]], [[1]]], [[1.0], [1.0]])


@given(n_features.flatmap(lambda p: st.tuples(polynomial(p), polynomial(p))), st.integers(0, 6))
def test_multiply_equals_sympy(pair, max_degree: int) -> None:  # type: ignore[no-untyped-def]
    (pa, ca), (pb, cb) = pair
    symbols = sympy.symbols(f"x0:{pa.shape[1]}")
    powers, coef = multiply(pa, ca, pb, cb, max_degree=max_degree)
    expected = from_sympy(to_sympy(pa, ca, symbols) * to_sympy(pb, cb, symbols), symbols)
    expected = {k: v for k, v in expected.items() if sum(k) <= max_degree}
    got = {k: v for k, v in as_dict(powers, coef).items() if v != 0}
    assert got == expected


@settings(deadline=None, max_examples=60)
@given(
    st.integers(1, 3).flatmap(
        lambda p: st.tuples(
            polynomial(p),
            st.integers(1, 3).flatmap(
                lambda m: arrays(np.float64, (p, m), elements=st.integers(-3, 3).map(float))
            ),
            arrays(np.float64, p, elements=st.integers(-2, 2).map(float)),
        )
    ),
    st.one_of(st.none(), st.integers(0, 5)),
)
def test_substitute_equals_sympy(case, max_degree) -> None:  # type: ignore[no-untyped-def]
    (powers, coef), matrix, shift = case
    p, m = matrix.shape
    x = sympy.symbols(f"x0:{p}")
    z = sympy.symbols(f"z0:{m}")
    replaced = to_sympy(powers, coef, x).subs(
        {
            x[i]: sum(
                (sympy.Rational(matrix[i, j]) * z[j] for j in range(m)), sympy.Rational(shift[i])
            )
            for i in range(p)
        },
        simultaneous=True,
    )
    expected = from_sympy(replaced, z)
    if max_degree is not None:
        expected = {k: v for k, v in expected.items() if sum(k) <= max_degree}
    new_powers, new_coef = substitute(powers, coef, matrix, shift, max_degree=max_degree)
    assert new_powers.shape[1] == m
    ordered = [tuple(r) for r in new_powers.tolist()]
    assert ordered == sorted(ordered, key=graded_key)
    got = {k: v for k, v in as_dict(new_powers, new_coef).items() if v != 0}
    assert got == expected


@given(n_features.flatmap(polynomial))
def test_substituting_the_identity_changes_nothing(poly) -> None:  # type: ignore[no-untyped-def]
    powers, coef = poly
    p = powers.shape[1]
    new_powers, new_coef = substitute(powers, np.stack([coef, -coef], axis=1), np.eye(p))
    order = graded_order(powers)
    np.testing.assert_array_equal(new_powers, powers[order])
    np.testing.assert_array_equal(new_coef, np.stack([coef, -coef], axis=1)[order])


@given(n_features.flatmap(polynomial), st.data())
def test_derivative_equals_sympy(poly, data) -> None:  # type: ignore[no-untyped-def]
    powers, coef = poly
    variable = data.draw(st.integers(0, powers.shape[1] - 1))
    symbols = sympy.symbols(f"x0:{powers.shape[1]}")
    expected = from_sympy(sympy.diff(to_sympy(powers, coef, symbols), symbols[variable]), symbols)
    d_powers, d_coef = derivative(powers, coef, variable)
    assert {k: v for k, v in as_dict(d_powers, d_coef).items() if v != 0} == expected


def test_substitute_with_no_features_and_no_terms() -> None:
    powers, coef = substitute(np.zeros((1, 0), np.int64), [2.5], np.zeros((0, 2)))
    assert powers.tolist() == [[0, 0]] and coef.tolist() == [2.5]
    powers, coef = substitute(np.zeros((0, 2), np.int64), np.zeros(0), np.eye(2))
    assert powers.shape == (0, 2) and coef.shape == (0,)


def test_every_exponent_combination_small_case() -> None:
    # all monomials of degree <= 3 in 2 variables, reversed: the order puts them back
    rows = [r for r in itertools.product(range(4), repeat=2) if sum(r) <= 3][::-1]
    powers = np.array(rows)
    assert powers_to_labels(powers[graded_order(powers)]) == [
        (0,),
        (1,),
        (2,),
        (1, 1),
        (1, 2),
        (2, 2),
        (1, 1, 1),
        (1, 1, 2),
        (1, 2, 2),
        (2, 2, 2),
    ]
