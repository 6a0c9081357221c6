"""Polynomial save/load and from_dict: exact round trips and malformed dictionaries."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nn2poly


def test_save_load_exact_with_unicode_names_and_odd_floats(tmp_path) -> None:  # type: ignore[no-untyped-def]
    coef = np.array([[-0.0, 5e-324], [1.7976931348623157e308, 0.1], [1 / 3, -2.5e-300]])
    poly = nn2poly.Polynomial(
        [[0, 0], [1, 0], [1, 1]], coef, feature_names=["âge", "距离 km"], output_names=["ŷ", "y_2"]
    )
    path = tmp_path / "ü.json"
    poly.save(path)
    back = nn2poly.Polynomial.load(path)
    assert back == poly
    assert back.feature_names == ("âge", "距离 km") and back.output_names == ("ŷ", "y_2")
    assert np.signbit(back.coef[0, 0]) and back.coef[0, 1] == 5e-324
    json.loads(path.read_text(encoding="utf-8"))  # standard JSON


@pytest.mark.parametrize(
    "data",
    [
        {"format": "nn2poly.polynomial", "labels": [[0], [1]], "coef": [[1.0, 2.0]]},
        {
            "format": "nn2poly.polynomial",
            "n_features": 1,
            "labels": [[0], [2]],
            "coef": [[1.0, 2.0]],
        },
        {"format": "nn2poly.polynomial", "n_features": 1, "coef": [[1.0, 2.0]]},
    ],
    ids=["no-n_features", "variable-out-of-range", "no-labels"],
)
def test_polynomial_from_dict_malformed_raises_value_error(data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((ValueError, TypeError)):
        nn2poly.Polynomial.from_dict(data)
