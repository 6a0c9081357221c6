"""Polynomial inputs that cannot be trusted: DataFrames, tensors, exponents, files, indices."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn2poly import Polynomial
from nn2poly._polynomial_io import MAX_DEFAULT_FEATURES

POLY = Polynomial([[0, 0], [1, 0], [0, 1]], [1.0, 2.0, 3.0], feature_names=["a", "b"])


# ------------------------------------------------------------ names, not positions
def test_dataframe_columns_are_used_by_name_in_any_order() -> None:
    import pandas

    frame = pandas.DataFrame({"b": [1.0, 0.0], "a": [0.0, 1.0]})
    np.testing.assert_array_equal(POLY.predict(frame), [4.0, 3.0])
    np.testing.assert_array_equal(POLY(frame), [4.0, 3.0])
    np.testing.assert_array_equal(POLY.predict(frame.to_numpy()), [3.0, 4.0])  # by position


@pytest.mark.parametrize(
    ("columns", "missing", "extra"),
    [
        (["a"], "['b']", "[]"),
        (["a", "b", "c"], "[]", "['c']"),
        (["a", "c"], "['b']", "['c']"),
        ([0, 1], "['a', 'b']", "[0, 1]"),
        (["a", "a"], "['b']", "[]"),
    ],
    ids=["missing", "extra", "partly", "positional-names", "duplicated"],
)
def test_dataframe_with_other_columns_is_refused_with_both_lists(columns, missing, extra) -> None:  # type: ignore[no-untyped-def]
    import pandas

    frame = pandas.DataFrame(np.zeros((2, len(columns))), columns=columns)
    with pytest.raises(ValueError, match="used by name") as error:
        POLY.predict(frame)
    message = str(error.value)
    assert f"missing: {missing}" in message and f"not features: {extra}" in message
    assert "features are ['a', 'b']" in message


def test_default_feature_names_also_need_matching_columns() -> None:
    import pandas

    poly = Polynomial([[1, 0], [0, 1]], [1.0, 2.0])
    np.testing.assert_array_equal(poly(pandas.DataFrame({"x2": [1.0], "x1": [0.0]})), [2.0])
    with pytest.raises(ValueError, match=r"X\.to_numpy\(\)"):
        poly(pandas.DataFrame(np.ones((1, 2))))


def test_torch_tensor_with_grad_is_detached() -> None:
    import torch

    X = torch.tensor([[1.0, 2.0]], requires_grad=True)
    np.testing.assert_array_equal(POLY.predict(X), [9.0])
    coef = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert Polynomial([[0, 0], [1, 0], [0, 1]], coef) == Polynomial(
        [[0, 0], [1, 0], [0, 1]], [1.0, 2.0, 3.0]
    )


# ---------------------------------------------------------- finite or refused
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_coefficients_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match=r"'coef' parameter of .* finite.*rows \[1\]"):
        Polynomial([[0], [1]], [1.0, value])


def test_load_refuses_non_finite_coefficients(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for text in ("NaN", "Infinity", "-Infinity", "1e999"):
        path = tmp_path / "p.json"
        path.write_text(
            '{"format": "nn2poly.polynomial", "version": 1, "n_features": 1, '
            f'"labels": [[0], [1]], "coef": [[1.0, {text}]]}}'
        )
        with pytest.raises(ValueError, match="finite"):
            Polynomial.load(path)


# ------------------------------------------------------ exponents before arithmetic
@pytest.mark.parametrize(
    "powers",
    [
        [[2**63 - 1, 2**63 - 1, 3]],
        np.array([[2**63 - 1, 2**63 - 1, 3]]),
        np.array([[2**62, 2**62, 2**62]], dtype=np.int64),
        np.array([[2**64 - 1]], dtype=np.uint64),
        [[1001]],
        [[500, 501]],
        [[1e300]],
    ],
)
def test_huge_exponents_are_a_clean_value_error(powers) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"exponents in 0\.\.1000"):
        Polynomial(powers, [1.0])


def test_largest_accepted_degree() -> None:
    poly = Polynomial([[0, 0], [400, 600]], [1.0, 1.0])
    assert poly.degree == 1000
    np.testing.assert_array_equal(poly.predict([[1.0, -1.0]]), [2.0])


# ----------------------------------------------------------------- load sizes
def polynomial_json(**changes: object) -> str:
    data = {
        "format": "nn2poly.polynomial",
        "version": 1,
        "n_features": 2,
        "labels": [[0], [1], [1, 2]],
        "coef": [[1.0, 2.0, 3.0]],
        **changes,
    }
    return json.dumps(data)


def test_small_file_with_huge_n_features_allocates_nothing_large(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.json"
    path.write_text(polynomial_json(n_features=10_000_000, labels=[[1]], coef=[[1.0]]))
    assert path.stat().st_size < 120
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="at most 100000 features"):
            Polynomial.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_many_named_features_load_sparsely(tmp_path) -> None:  # type: ignore[no-untyped-def]
    n = MAX_DEFAULT_FEATURES + 1
    labels = [[0]] + [[i] for i in range(1, 2001, 2)] + [[1, n]]
    data = json.loads(polynomial_json(n_features=n, labels=labels, coef=[[1.0] * len(labels)]))
    data["feature_names"] = [f"f{i}" for i in range(n)]
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(data))
    tracemalloc.start()
    try:
        poly = Polynomial.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert poly.n_features == n and poly.n_terms == len(labels)
    # dense powers would be n * n_terms * 8 bytes = 800 MB; the file is about 1 MB
    assert peak < 40 * path.stat().st_size
    assert poly.coefficient((1, n)) == 1.0 and poly.degree == 2


def test_old_files_still_load(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.json"
    path.write_text(polynomial_json(labels=[[0], [1], [2, 1]], feature_names=["a", "b"]))
    poly = Polynomial.load(path)
    assert poly.labels == [(0,), (1,), (1, 2)] and poly.feature_names == ("a", "b")
    path.write_text(polynomial_json())  # no names, no link, no output names
    assert Polynomial.load(path).feature_names == ("x1", "x2")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"labels": [[1.5], [1], [2]]}, "1.5 is a float"),
        ({"labels": [[1.0], [1], [2]]}, "1.0 is a float"),
        ({"labels": [["1"], [1], [2]]}, "'1' is a str"),
        ({"labels": [[True], [1], [2]]}, "True is a bool"),
        ({"labels": [[0], [1], [1]]}, "repeated"),
        ({"labels": [[0, 1], [1], [2]]}, "outside 1..2"),
        ({"labels": [[3], [1], [2]]}, "outside 1..2"),
        ({"labels": "abc"}, "list of labels"),
        ({"n_features": 3.9}, "exact integer; got 3.9"),
        ({"n_features": "2"}, "exact integer"),
        ({"n_features": True}, "exact integer"),
        ({"n_features": -1}, ">= 0"),
        ({"coef": [[1.0, 2.0]]}, "one value per label"),
        ({"coef": [[1.0, "2", 3.0]]}, "must be numbers"),
        ({"coef": [[1.0, True, 3.0]]}, "must be numbers"),
        ({"coef": [[1.0, 10**400, 3.0]]}, "too large"),
        ({"coef": []}, "at least one output"),
        ({"coef": {"a": 1}}, "coefficient lists"),
        ({"version": 2}, "version 2"),
        ({"feature_names": ["a"]}, "1 entries for 2 features"),
        ({"feature_names": {"a": 1, "b": 2}}, "list of strings"),
        ({"feature_names": ["a", 2]}, "list of strings"),
        ({"output_names": "y"}, "list of strings"),
        ({"link": "probit"}, "'link' parameter"),
    ],
)
def test_loose_dictionaries_are_refused(changes, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        Polynomial.from_dict(json.loads(polynomial_json(**changes)))


# ------------------------------------------------------------ exact integers
def test_output_and_label_arguments_must_be_exact() -> None:
    poly = Polynomial([[0, 0], [1, 1]], [[1.0, 2.0], [5.0, 6.0]])
    for bad in (1.7, 1.0, "12", True, [0]):
        with pytest.raises((TypeError, ValueError), match="'output' parameter"):
            poly.top(1, output=bad)  # type: ignore[arg-type]
    for bad in ("12", 12, [1.5], (1, 2.0)):
        with pytest.raises(TypeError, match="label"):
            poly.coefficient(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'output' parameter"):
        poly.coefficient((1, 2), output=2)
    assert poly.coefficient((1, 2), output=-1) == 6.0 and poly.coefficient([2, 1], "y1") == 5.0
    assert poly.coefficient(np.array([1, 2])) == 5.0
    assert repr(poly) == "Polynomial(n_features=2, n_outputs=2, n_terms=2, degree=2)"


# ------------------------------------------------------------------- fuzz
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=True)
    | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    n_features=json_values | st.integers(0, 4),
    labels=json_values | st.lists(st.lists(st.integers(-1, 4), max_size=3), max_size=4),
    coef=json_values | st.lists(st.lists(st.floats(), max_size=4), max_size=2),
    names=json_values,
)
def test_fuzzed_dictionaries_give_a_polynomial_or_a_value_or_type_error(
    n_features,
    labels,
    coef,
    names,  # type: ignore[no-untyped-def]
) -> None:
    data = {
        "format": "nn2poly.polynomial",
        "n_features": n_features,
        "labels": labels,
        "coef": coef,
        "feature_names": names,
    }
    try:
        poly = Polynomial.from_dict(data)
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    assert np.all(np.isfinite(poly.coef))
    assert Polynomial.from_dict(poly.to_dict()) == poly
