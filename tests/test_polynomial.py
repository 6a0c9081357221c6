"""The Polynomial result type."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from sklearn.preprocessing import PolynomialFeatures

import nn2poly
from nn2poly import Polynomial, to_polynomial


def converted(outputs: int = 2, seed: int = 0) -> Polynomial:
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=(4, 6))
    hidden /= np.abs(hidden).sum(axis=0, keepdims=True)
    net = nn2poly.Network.from_weights([hidden, rng.normal(size=(7, outputs))], ["tanh", "linear"])
    return to_polynomial(net, 3)


def test_predict_matches_polynomial_features_design() -> None:
    poly = converted()
    X = np.random.default_rng(1).uniform(-1, 1, (40, 3))
    design = PolynomialFeatures(3).fit_transform(X)
    np.testing.assert_allclose(poly.predict(X), design @ poly.coef, rtol=1e-13, atol=1e-14)


def test_predict_shapes() -> None:
    X = np.zeros((5, 3))
    assert converted(outputs=1).predict(X).shape == (5,)
    assert converted(outputs=2).predict(X).shape == (5, 2)
    assert converted(outputs=1).decision_function(X).shape == (5, 1)


def test_monomial_contributions_sum_to_prediction() -> None:
    poly = converted()
    X = np.random.default_rng(2).uniform(-1, 1, (10, 3))
    contributions = poly.monomial_contributions(X)
    assert contributions.shape == (10, poly.n_terms, 2)
    np.testing.assert_allclose(contributions.sum(axis=1), poly.predict(X), rtol=1e-12, atol=1e-14)


def test_predict_checks_input() -> None:
    poly = converted()
    with pytest.raises(ValueError, match="X has 2 columns but the polynomial has 3 features"):
        poly.predict(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="Reshape a single sample"):
        poly.predict(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        poly.predict(np.full((2, 3), np.nan))


def test_save_load_exact_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    poly = converted()
    path = tmp_path / "poly.json"
    poly.save(path)
    back = Polynomial.load(path)
    assert back == poly
    np.testing.assert_array_equal(back.coef, poly.coef)
    path.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="Not an nn2poly polynomial"):
        Polynomial.load(path)


def test_labels_and_powers_agree() -> None:
    poly = converted()
    for label, row in zip(poly.labels, poly.powers, strict=True):
        expected = (
            (0,) if row.sum() == 0 else tuple(i + 1 for i, e in enumerate(row) for _ in range(e))
        )
        assert label == expected
    assert poly.degree == 3 and poly.n_terms == 20
    assert poly.coefficient((1, 2)) == poly.coef[poly.labels.index((1, 2)), 0]
    assert poly.coefficient((1, 2), output="y2") == poly.coef[poly.labels.index((1, 2)), 1]
    assert poly.coefficient((3, 3, 3, 3)) == 0.0


def test_truncate_and_top() -> None:
    poly = converted()
    low = poly.truncate(1)
    assert low.labels == [(0,), (1,), (2,), (3,)]
    np.testing.assert_array_equal(low.coef, poly.coef[:4])
    top = poly.top(5, output=1)
    sizes = np.abs(top.coef[:, 1])
    assert top.n_terms == 5 and np.all(np.diff(sizes) <= 0)
    assert sizes.min() >= np.sort(np.abs(poly.coef[:, 1]))[-5]
    assert (0,) not in poly.top(5, include_intercept=False).labels
    with pytest.raises(ValueError, match="positive int"):
        poly.top(0)
    with pytest.raises(ValueError, match=r"'output' parameter of Polynomial\.top .* Got 'z'"):
        poly.top(3, output="z")


def test_text_and_latex() -> None:
    poly = Polynomial(
        [[0, 0], [1, 0], [1, 1], [0, 2]],
        [[0.5, 1.0], [2.0, 0.0], [-1.0, 3.0], [0.25, -0.5]],
        feature_names=["age", "dose"],
    )
    text = str(poly)
    assert "y1 = 0.5 + 2*age - age*dose + 0.25*dose^2" in text
    assert "y2 = 1 + 3*age*dose - 0.5*dose^2" in text
    latex = poly.to_latex()
    assert latex.startswith(r"\begin{aligned}") and r"\mathrm{age}" not in latex and "age" in latex
    assert poly._repr_latex_().startswith("$")


def test_to_sympy_evaluates_like_predict() -> None:
    poly = converted(outputs=1)
    expression = poly.to_sympy()
    x1, x2, x3 = sympy.symbols("x1 x2 x3", real=True)
    point = {x1: 0.3, x2: -0.7, x3: 0.1}
    assert float(expression.subs(point)) == pytest.approx(
        float(poly.predict(np.array([[0.3, -0.7, 0.1]]))[0]), rel=1e-13
    )
    assert isinstance(converted(outputs=2).to_sympy(), sympy.Matrix)


def test_to_frame() -> None:
    frame = converted().to_frame()
    assert list(frame.columns) == ["term", "label", "degree", "y1", "y2"]
    assert frame.shape[0] == 20 and frame["term"].iloc[4] == "x1^2"


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="repeated rows"):
        Polynomial([[1, 0], [1, 0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="non-negative integers"):
        Polynomial([[1.5, 0]], [1.0])
    with pytest.raises(ValueError, match="'coef' parameter of Polynomial must be an array"):
        Polynomial([[1, 0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="an exponent of 1000000000"):
        Polynomial([[10**9]], [1.0])
    with pytest.raises(ValueError, match="'link' parameter of Polynomial must be one of"):
        Polynomial([[1, 0]], [1.0], link="probit")


def test_links() -> None:
    poly = Polynomial([[0], [1]], [[0.0, 1.0], [1.0, -1.0]], link="softmax")
    X = np.array([[0.0], [2.0]])
    logits = np.array([[0.0, 1.0], [2.0, -1.0]])
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(poly.predict_proba(X), expected)
    np.testing.assert_array_equal(poly.predict_class(X), [1, 0])
    binary = Polynomial([[0], [1]], [0.0, 1.0], link="sigmoid")
    p = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(binary.predict_proba(np.array([[2.0]])), [[1 - p, p]])
    with pytest.raises(ValueError, match="link=None"):
        converted().predict_proba(np.zeros((1, 3)))


@given(
    powers=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2)),
        min_size=1,
        max_size=12,
        unique=True,
    ),
    seed=st.integers(0, 1000),
)
def test_general_term_sets_evaluate_correctly(powers, seed) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    exponents = np.array(powers)
    coef = rng.normal(size=(len(powers), 2))
    poly = Polynomial(exponents, coef)
    X = rng.uniform(-1.5, 1.5, (6, 3))
    expected = np.prod(X[:, None, :] ** exponents[None, :, :], axis=2) @ coef
    np.testing.assert_allclose(poly.predict(X), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(poly.powers, exponents)
