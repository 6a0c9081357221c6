"""The study's polynomial bookkeeping goes through Polynomial.align/substitute/arithmetic."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn2poly import Polynomial
from nn2poly.study import affine_substitute, coefficient_spread
from nn2poly.study._single import coefficient_table


def dictionary_substitute(poly, scale, shift, output_scale, output_shift):  # type: ignore[no-untyped-def]
    """The former dictionary implementation, kept here as an oracle."""
    p = poly.n_features
    result: dict[tuple[int, ...], float] = {}
    for exponents, coefficient in zip(poly.powers, poly.coef[:, 0], strict=True):
        partial: dict[tuple[int, ...], float] = {(): float(coefficient)}
        for variable in range(p):
            power = int(exponents[variable])
            factors = [
                comb(power, j) * scale[variable] ** j * shift[variable] ** (power - j)
                for j in range(power + 1)
            ]
            partial = {
                (*key, j): value * factor
                for key, value in partial.items()
                for j, factor in enumerate(factors)
                if factor != 0.0
            }
        for key, value in partial.items():
            result[key] = result.get(key, 0.0) + value
    result = {key: output_scale * value for key, value in result.items()}
    zero = (0,) * p
    result[zero] = result.get(zero, 0.0) + output_shift
    return result


@given(st.integers(0, 10_000))
def test_affine_substitute_equals_the_dictionary_oracle(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = [(a, b) for a in range(4) for b in range(4) if a + b <= 3]
    chosen = rng.choice(len(rows), size=rng.integers(1, len(rows)), replace=False)
    poly = Polynomial(np.array([rows[i] for i in chosen]), rng.integers(-5, 5, len(chosen)) * 1.0)
    scale, shift = rng.integers(1, 4, 2) * 0.5, rng.integers(-2, 3, 2) * 0.5
    got = affine_substitute(poly, scale, shift, output_scale=0.5, output_shift=1.5)
    expected = dictionary_substitute(poly, scale, shift, 0.5, 1.5)
    assert got.labels[0] == (0,)
    values = {tuple(r): c for r, c in zip(got.powers.tolist(), got.coef[:, 0], strict=True)}
    for key in set(values) | set(expected):
        assert values.get(key, 0.0) == pytest.approx(expected.get(key, 0.0), abs=1e-12)


def test_coefficient_spread_aligns_whatever_the_feature_names() -> None:
    a = Polynomial([[0, 0], [1, 0]], [1.0, 2.0], feature_names=["u", "v"])
    b = Polynomial([[0, 1]], [3.0])
    spread = coefficient_spread([a, b])
    assert spread.terms == ["1", "x1", "x2"] and spread.labels == [(0,), (1,), (2,)]
    assert spread.values.tolist() == [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]]
    with pytest.raises(ValueError, match="share their inputs"):
        coefficient_spread([a, Polynomial([[1]], [1.0])])
    with pytest.raises(TypeError, match="Polynomial"):
        coefficient_spread([a, "b"])  # type: ignore[list-item]
    for bad in (0, 1.0, float("nan")):
        with pytest.raises(ValueError, match="'level' parameter of coefficient_spread"):
            coefficient_spread([a, b], level=bad)


def test_coefficient_table_matches_terms_by_exponents() -> None:
    recovered = Polynomial(
        [[0, 0], [1, 0], [1, 1], [3, 0]], [0.5, 1.0, 2.0, 9.0], feature_names=["a", "b"]
    )
    truth = Polynomial([[0, 1], [1, 1]], [4.0, 5.0])
    names, true, found = coefficient_table(recovered, truth, max_degree=2)
    assert names == ["0", "1", "2", "1,2"]
    assert true.tolist() == [0.0, 0.0, 4.0, 5.0] and found.tolist() == [0.5, 1.0, 0.0, 2.0]


def test_study_truth_is_a_polynomial_in_the_scaled_inputs() -> None:
    from nn2poly.study import random_polynomial, simulate

    data = simulate(random_polynomial(2, 2, rng=3), 50, rng=3)
    assert data.x_scaling is not None and data.y_scaling is not None
    X = data.X_scaled[:5]
    expected = data.y_scaling.transform(data.polynomial(data.x_scaling.inverse_transform(X)))
    np.testing.assert_allclose(data.true_scaled(X), expected, rtol=1e-10, atol=1e-10)
