"""Polynomial.provenance and Polynomial.origin: read-only, checked, kept by save/load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nn2poly import Polynomial


def _poly(**fields: object) -> Polynomial:
    return Polynomial([[0, 0], [1, 0], [1, 1]], [0.5, 2.0, -1.0], **fields)  # type: ignore[arg-type]


def test_defaults_are_empty_and_zero() -> None:
    poly = _poly()
    assert dict(poly.provenance) == {}
    assert poly.origin.tolist() == [0.0, 0.0]
    assert "origin" not in repr(poly) and "provenance" not in poly.to_dict()


def test_provenance_is_read_only_and_json() -> None:
    poly = _poly(provenance={"approximation": "fit", "range": [[0.0, 1.0], [2, 3]]})
    with pytest.raises(TypeError):
        poly.provenance["approximation"] = "taylor"  # type: ignore[index]
    assert poly.provenance["range"] == ((0.0, 1.0), (2, 3))
    json.dumps(poly.to_dict())
    assert "approximation='fit'" in repr(poly)


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ([1, 2], TypeError, "mapping"),
        ({1: "a"}, TypeError, "keys are str"),
        ({"a": object()}, TypeError, "JSON value"),
        ({"a": float("inf")}, ValueError, "finite"),
        ({"a": [[[[1]]]]}, ValueError, "nested"),
    ],
)
def test_bad_provenance_is_refused(bad: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        _poly(provenance=bad)


def test_origin_shifts_the_variables() -> None:
    origin = np.array([1.0, -2.0])
    shifted = _poly(origin=origin)
    X = np.array([[3.0, 1.0], [0.0, 0.0]])
    assert np.allclose(shifted.predict(X), _poly().predict(X - origin))
    assert np.allclose(shifted(X), shifted.decision_function(X)[:, 0])
    assert np.allclose(shifted.monomial_values(X), _poly().monomial_values(X - origin))
    assert "origin=[ 1., -2.]" in repr(shifted)
    assert shifted != _poly() and shifted == _poly(origin=[1, -2])
    with pytest.raises(ValueError):
        shifted.origin[0] = 5.0


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ([1.0], ValueError),
        ([[1.0, 2.0], [3.0, 4.0]], ValueError),
        ([np.nan, 0], ValueError),
        ("ab", TypeError),
    ],
)
def test_bad_origin_is_refused(bad: object, error: type) -> None:
    with pytest.raises(error, match="origin"):
        _poly(origin=bad)


def test_save_load_keeps_both(tmp_path: Path) -> None:
    poly = _poly(provenance={"approximation": "fit", "classes": ["a", "b"]}, origin=[0.5, 0.25])
    path = tmp_path / "poly.json"
    poly.save(path)
    loaded = Polynomial.load(path)
    assert loaded == poly
    assert dict(loaded.provenance) == dict(poly.provenance)
    assert loaded.origin.tolist() == [0.5, 0.25]


def test_old_files_still_load_and_bad_entries_are_malformed() -> None:
    data = _poly().to_dict()
    assert "origin" not in data and "provenance" not in data
    assert Polynomial.from_dict(data) == _poly()
    for key, bad in [
        ("origin", [1.0]),
        ("origin", "x"),
        ("provenance", [1]),
        ("provenance", {"a": {"b": object()}}),
    ]:
        with pytest.raises((TypeError, ValueError), match="Malformed"):
            Polynomial.from_dict({**data, key: bad})


def test_arithmetic_and_subsets_keep_the_origin() -> None:
    poly = _poly(origin=[1.0, 2.0], provenance={"approximation": "taylor"})
    assert (poly + poly).origin.tolist() == [1.0, 2.0]
    assert poly.top(1).origin.tolist() == [1.0, 2.0]
    assert poly.truncate(1).provenance["approximation"] == "taylor"
    assert (poly + 1).provenance["approximation"] == "taylor"
    plain = _poly(provenance={"approximation": "taylor"})
    assert dict(plain.substitute(np.eye(2), feature_names=["a", "b"]).provenance) == {}
    with pytest.raises(ValueError, match="origin"):
        poly.substitute(np.eye(2))


def test_coefficient_by_feature_names() -> None:
    poly = Polynomial([[0, 0], [2, 0], [1, 1]], [1.0, 3.0, 5.0], feature_names=["bmi", "s5"])
    assert poly.coefficient(("bmi", "s5")) == 5.0 == poly.coefficient(["s5", "bmi"])
    assert poly.coefficient(("bmi", "bmi")) == 3.0 == poly.coefficient((1, 1))
    assert poly.coefficient("s5") == 0.0
    with pytest.raises(TypeError, match="not a feature"):
        poly.coefficient(("bmi", "age"))
    with pytest.raises(TypeError, match="mixes"):
        poly.coefficient(("bmi", 2))


def test_predict_class_uses_the_class_labels() -> None:
    binary = Polynomial([[0], [1]], [0.0, 1.0], link="sigmoid", provenance={"classes": [3, 7]})
    assert binary.predict_class([[-1.0], [1.0]]).tolist() == [3, 7]
    multi = Polynomial(
        [[0], [1]],
        [[0.0, 0.0, 0.0], [1.0, 0.0, -1.0]],
        link="softmax",
        provenance={"classes": ["setosa", "versicolor", "virginica"]},
    )
    assert multi.predict_class([[2.0], [-2.0]]).tolist() == ["setosa", "virginica"]
    unknown = Polynomial([[0], [1]], [0.0, 1.0], link="sigmoid")
    assert unknown.classes is None and unknown.predict_class([[1.0]]).tolist() == [1]
