"""Polynomial.predict: every array layout and dtype, DataFrames read by column name."""

from __future__ import annotations

import numpy as np
import pandas
from oracles import numpy_evaluate

import nn2poly


def test_predict_accepts_any_array_layout() -> None:
    rng = np.random.default_rng(0)
    powers = np.array([[0, 0, 0], [1, 0, 0], [0, 2, 1], [1, 1, 1], [3, 0, 0]])
    coef = rng.normal(size=(5, 2))
    poly = nn2poly.Polynomial(powers, coef)
    X = rng.uniform(-1, 1, size=(9, 6))[:, ::2]  # not contiguous
    expected = numpy_evaluate(powers, coef, X)
    readonly = X.copy()
    readonly.setflags(write=False)
    for variant in (X, np.asfortranarray(X), readonly, X.tolist()):
        np.testing.assert_allclose(poly.predict(variant), expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(
        poly.predict(X.astype(np.float32)),
        numpy_evaluate(powers, coef, X.astype(np.float32)),
        rtol=1e-12,
    )
    integers = np.array([[1, -2, 3], [0, 2, -1]])
    np.testing.assert_allclose(
        poly.predict(integers), numpy_evaluate(powers, coef, integers), rtol=1e-14
    )
    assert poly.predict(np.zeros((0, 3))).shape == (0, 2)
    single = nn2poly.Polynomial([[0], [1]], [1.0, 2.0])
    assert single.predict(np.zeros((0, 1))).shape == (0,)
    np.testing.assert_array_equal(single.predict(np.array([0.5, -1.0])), [2.0, -1.0])


def test_predict_on_dataframe_in_feature_order() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [0, 1]], [1.0, 2.0, 3.0], feature_names=["a", "b"])
    frame = pandas.DataFrame({"a": [0.0, 1.0], "b": [1.0, -1.0]})
    np.testing.assert_array_equal(poly.predict(frame), [4.0, 0.0])


def test_predict_on_dataframe_with_reordered_named_columns() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [0, 1]], [1.0, 2.0, 3.0], feature_names=["a", "b"])
    frame = pandas.DataFrame({"b": [1.0], "a": [0.0]})  # a = 0, b = 1: y = 1 + 3 = 4
    # matching names in any order are used by name
    np.testing.assert_array_equal(poly.predict(frame), [4.0])
