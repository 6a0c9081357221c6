"""Polynomial arithmetic, alignment and changes of variables, checked against predict."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn2poly
from nn2poly import Polynomial

RNG = np.random.default_rng(3)
X = RNG.uniform(-1, 1, (25, 2))


def random_poly(seed: int, n_outputs: int = 1, **names: object) -> Polynomial:
    rng = np.random.default_rng(seed)
    rows = [(a, b) for a in range(4) for b in range(4) if a + b <= 3]
    chosen = rng.choice(len(rows), size=rng.integers(1, len(rows)), replace=False)
    powers = np.array([rows[i] for i in chosen])
    return Polynomial(powers, rng.normal(size=(len(chosen), n_outputs)), **names)  # type: ignore[arg-type]


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.floats(-3, 3))
def test_operators_agree_with_predict(seed_a: int, seed_b: int, factor: float) -> None:
    a, b = random_poly(seed_a), random_poly(seed_b)
    pa, pb = a.predict(X), b.predict(X)
    np.testing.assert_allclose((a + b)(X), pa + pb, atol=1e-12)
    np.testing.assert_allclose((a - b)(X), pa - pb, atol=1e-12)
    np.testing.assert_allclose((-a)(X), -pa, atol=0)
    np.testing.assert_allclose((factor * a)(X), factor * pa, atol=1e-12)
    np.testing.assert_allclose((a * factor)(X), factor * pa, atol=1e-12)
    np.testing.assert_allclose((a + 2.5)(X), pa + 2.5, atol=1e-12)
    np.testing.assert_allclose((2.5 - a)(X), 2.5 - pa, atol=1e-12)
    total = a + b
    if a.labels == b.labels:  # the same terms keep their order
        assert total.labels == a.labels
    else:
        graded = sorted(total.labels, key=lambda lab: (0 if lab == (0,) else len(lab), lab))
        assert total.labels == graded


def test_results_are_polynomials_with_the_names_and_link() -> None:
    a = Polynomial(
        [[0, 0], [1, 0]],
        [[1.0, 0.0], [2.0, 1.0]],
        feature_names=["u", "v"],
        output_names=["p", "q"],
        link="softmax",
    )
    for result in (a + a, a - a, -a, +a, 2 * a, a * np.float64(2.0), np.float64(2.0) * a, a + 1):
        assert isinstance(result, Polynomial)
        assert result.feature_names == ("u", "v") and result.output_names == ("p", "q")
        assert result.link == "softmax" and result.layers is None
    assert (a - a).coef.tolist() == [[0.0, 0.0], [0.0, 0.0]]  # exact zeros are kept
    assert +a == a and a + 0 == a


def test_mismatched_operands_are_refused_like_numpy_domains() -> None:
    a = Polynomial([[1, 0]], [1.0], feature_names=["u", "v"])
    with pytest.raises(ValueError, match=r"features \['u', 'v'\].*Its features are \['v', 'u'\]"):
        a + Polynomial([[1, 0]], [1.0], feature_names=["v", "u"])
    with pytest.raises(ValueError, match="features"):
        a - Polynomial([[1, 0, 0]], [1.0])
    with pytest.raises(ValueError, match="1 output"):
        a + Polynomial([[1, 0]], [[1.0, 2.0]], feature_names=["u", "v"])
    with pytest.raises(ValueError, match="link"):
        a + Polynomial([[1, 0]], [1.0], feature_names=["u", "v"], link="sigmoid")
    with pytest.raises(ValueError, match="finite"):
        a + float("nan")
    with pytest.raises(ValueError, match="finite"):
        a * float("inf")
    with pytest.raises(ValueError, match="overflows"):
        Polynomial([[1]], [1e300]) * 1e300
    for bad in ("2", [1.0], True, np.array([1.0, 2.0]), None):
        with pytest.raises(TypeError):
            a + bad  # type: ignore[operator]
        with pytest.raises(TypeError):
            a * bad  # type: ignore[operator]
    with pytest.raises(TypeError):
        a * a  # type: ignore[operator]


def test_align_puts_several_polynomials_on_one_term_set() -> None:
    a = Polynomial([[2, 0], [0, 0]], [3.0, 1.0])
    b = Polynomial([[0, 1]], [[5.0, 6.0]])
    c = Polynomial(np.zeros((0, 2)), np.zeros(0))
    a2, b2, c2 = a.align(b, c)
    assert a2.labels == b2.labels == c2.labels == [(0,), (2,), (1, 1)]
    assert a2.coef[:, 0].tolist() == [1.0, 0.0, 3.0]
    assert b2.coef.tolist() == [[0.0, 0.0], [5.0, 6.0], [0.0, 0.0]]
    assert c2.coef[:, 0].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(a2(X), a(X))
    np.testing.assert_allclose(b2(X), b(X))
    assert a.align() == (a.align()[0],)
    with pytest.raises(ValueError, match="features"):
        a.align(Polynomial([[1]], [1.0]))
    with pytest.raises(TypeError, match="Polynomial"):
        a.align("b")  # type: ignore[arg-type]


@given(st.integers(0, 10_000))
def test_substitute_is_the_change_of_variables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    poly = random_poly(seed, n_outputs=2)
    matrix = rng.normal(size=(2, 3))
    shift = rng.normal(size=2)
    new = poly.substitute(matrix, shift, feature_names=["a", "b", "c"])
    Z = rng.uniform(-1, 1, (10, 3))
    np.testing.assert_allclose(new(Z), poly(Z @ matrix.T + shift), rtol=1e-10, atol=1e-10)
    assert new.feature_names == ("a", "b", "c") and new.output_names == poly.output_names
    truncated = poly.substitute(matrix, shift, max_degree=1)
    assert truncated.degree <= 1
    np.testing.assert_allclose(
        truncated(Z), poly.substitute(matrix, shift).truncate(1)(Z), rtol=1e-10, atol=1e-10
    )


def test_substitute_rescaling_matches_the_documented_example() -> None:
    poly = Polynomial([[0], [2]], [1.0, 3.0])
    new = poly.substitute([[2.0]], [1.0])
    assert new.labels == [(0,), (1,), (1, 1)] and new.coef[:, 0].tolist() == [4.0, 12.0, 12.0]
    assert poly.substitute(np.eye(1)) == poly


def test_substitute_checks_its_arguments() -> None:
    poly = Polynomial([[1, 0]], [1.0])
    with pytest.raises(ValueError, match=r"shape \(2, n_new_features\)"):
        poly.substitute(np.eye(3))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        poly.substitute(np.eye(2), [1.0])
    with pytest.raises(ValueError, match="finite"):
        poly.substitute([[np.nan, 0], [0, 1]])
    with pytest.raises(TypeError):
        poly.substitute(np.eye(2), max_degree=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_degree"):
        poly.substitute(np.eye(2), max_degree=-1)


def test_call_equals_predict_and_conversion_results_combine() -> None:
    weights = [RNG.normal(size=(3, 4)) * 0.2, RNG.normal(size=(5, 1))]
    poly = nn2poly.to_polynomial((weights, ["tanh", "linear"]), max_order=3)
    np.testing.assert_array_equal(poly(X), poly.predict(X))
    doubled = poly + poly
    np.testing.assert_allclose(doubled(X), 2 * poly(X), rtol=1e-13)
    assert doubled.labels == poly.labels


def test_same_terms_keep_their_order_and_overflow_is_refused() -> None:
    a = Polynomial([[2], [0], [1]], [1.0, 2.0, 3.0])  # not in graded order
    assert (a + a).labels == a.labels and (a + a).coef[:, 0].tolist() == [2.0, 4.0, 6.0]
    b = Polynomial([[1]], [1.0])
    assert (a + b).labels == [(0,), (1,), (1, 1)]  # other terms: union in graded order
    big = Polynomial([[1]], [1e308])
    with pytest.raises(ValueError, match="overflows"):
        big + big
    with pytest.raises(ValueError, match="finite"):
        Polynomial([[0], [1]], [0.0, 1e308]) + big
    with pytest.raises(ValueError, match="finite"):
        Polynomial([[0]], [1e308]) + 1e308
