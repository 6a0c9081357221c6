"""Parity with the R reference implementation (nn2poly 1.0.1.9000)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import load_reference_cases

import nn2poly

CASES = load_reference_cases()


def test_reference_cases_are_present() -> None:
    assert len(CASES) >= 10, "the reference cases in ../shared/reference are missing"


def _convert(case: dict) -> tuple[nn2poly.Network, nn2poly.Polynomial]:
    spec = case["input"]
    network = nn2poly.Network.from_weights(spec["weights"], spec["activations"])
    with warnings.catch_warnings():
        # the 'free' regime cases are deliberately unconstrained
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(
            network,
            spec["max_order"],
            taylor_orders=spec["taylor_orders"],
            taylor_center=spec.get("taylor_center", 0.0),
        )
    return network, poly


@pytest.mark.parametrize("name,case", CASES, ids=[name for name, _ in CASES])
def test_coefficients_match_reference(name: str, case: dict) -> None:
    _, poly = _convert(case)
    reference_labels = [tuple(label) for label in case["nn2poly"]["labels"]]
    reference = np.array(case["nn2poly"]["values"], dtype=float).T  # (n_terms, n_outputs)
    ours = dict(zip(poly.labels, poly.coef, strict=True))
    scale = np.abs(reference).max(axis=0)
    for row, label in enumerate(reference_labels):
        # terms above the result's degree are absent on our side: they count as 0
        value = ours.get(label, np.zeros(poly.n_outputs))
        np.testing.assert_allclose(value, reference[row], rtol=0, atol=1e-12 * scale.max())
        assert np.all(np.abs(value - reference[row]) <= 1e-12 * scale), label
    # every term we report beyond the reference's labels must be zero
    for label, value in ours.items():
        if label not in set(reference_labels):
            assert np.all(value == 0.0), label


@pytest.mark.parametrize("name,case", CASES, ids=[name for name, _ in CASES])
def test_predictions_match_reference_points(name: str, case: dict) -> None:
    network, poly = _convert(case)
    X = np.array(case["points"]["X"], dtype=float)
    y_network = np.array(case["points"]["y_network"], dtype=float).reshape(len(X), -1)
    y_poly = np.array(case["points"]["y_poly_nn2poly"], dtype=float).reshape(len(X), -1)
    np.testing.assert_allclose(network.forward(X), y_network, rtol=1e-12, atol=1e-12)
    scale = max(1.0, float(np.abs(y_poly).max()))
    np.testing.assert_allclose(poly.decision_function(X), y_poly, rtol=0, atol=1e-11 * scale)


@pytest.mark.parametrize("name,case", CASES, ids=[name for name, _ in CASES])
def test_result_degree_follows_orders(name: str, case: dict) -> None:
    _, poly = _convert(case)
    spec = case["input"]
    orders = spec["taylor_orders"]
    if orders is None:
        orders = [1 if a == "linear" else 8 for a in spec["activations"]]
    product = 1
    for activation, order in zip(spec["activations"], orders, strict=True):
        if activation != "linear":
            product *= order
    assert poly.degree == min(spec["max_order"], product)
