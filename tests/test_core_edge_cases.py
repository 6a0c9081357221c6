"""Edge cases of the conversion engine and of the public API.

Degenerate shapes, awkward Taylor settings and unusual inputs, checked against
independent constructions (the slow oracles in ``oracles.py``, mpmath, numpy
forward passes and closed forms).  Known defects are pinned by tests marked
``xfail(strict=True)``: they start passing once the defect is fixed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import mpmath as mp
import numpy as np
import pytest
from typer.testing import CliRunner

import nn2poly
from oracles import (
    _add,
    _multiply,
    network_taylor_coefficients,
    taylor_coefficients,
    truncated_composition,
)

runner = CliRunner()


# --------------------------------------------------------------- helpers
def _weights(widths, seed, scale=None):  # type: ignore[no-untyped-def]
    """Weight list in the reference layout; l1-normalised columns unless ``scale``."""
    rng = np.random.default_rng(seed)
    out = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        matrix = rng.normal(size=(n_in + 1, n_out))
        if scale is None:
            matrix /= np.abs(matrix).sum(axis=0, keepdims=True)
        else:
            matrix *= scale
        out.append(matrix)
    return out


def _as_dict(poly: nn2poly.Polynomial) -> dict:
    return {tuple(row): coef for row, coef in zip(poly.powers.tolist(), poly.coef)}


def _assert_matches(poly: nn2poly.Polynomial, expected: dict, rtol: float = 1e-12) -> None:
    """Every coefficient within ``rtol`` of the largest expected one; absent terms are 0."""
    ours = _as_dict(poly)
    scale = max(1e-300, max(abs(v) for values in expected.values() for v in values))
    for exponents, values in expected.items():
        value = ours.get(exponents, np.zeros(poly.n_outputs))
        np.testing.assert_allclose(value, values, rtol=0, atol=rtol * scale, err_msg=str(exponents))
    for exponents, value in ours.items():
        if exponents not in expected:
            assert np.all(np.abs(value) <= rtol * scale), exponents


def _numpy_forward(weights, activations, X):  # type: ignore[no-untyped-def]
    functions = {
        "tanh": np.tanh,
        "sigmoid": lambda u: 1.0 / (1.0 + np.exp(-u)),
        "linear": lambda u: u,
        "softplus": lambda u: np.log1p(np.exp(u)),
    }
    z = np.asarray(X, dtype=np.float64)
    for matrix, name in zip(weights, activations):
        z = functions[name](z @ matrix[1:] + matrix[0])
    return z


def _numpy_evaluate(powers, coef, X):  # type: ignore[no-untyped-def]
    X = np.asarray(X, dtype=np.float64)
    design = np.prod(X[:, None, :] ** np.asarray(powers)[None, :, :], axis=2)
    return design @ np.asarray(coef, dtype=np.float64).reshape(len(powers), -1)


def _convert(weights, activations, max_order, **options):  # type: ignore[no-untyped-def]
    net = nn2poly.Network.from_weights(weights, activations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        return nn2poly.to_polynomial(net, max_order, **options)


# ------------------------------------------- engine against the slow oracle
AWKWARD = [
    # id, widths, activations, taylor orders, max_order, centre
    ("no-hidden-tanh", [2, 1], ["tanh"], [5], 3, 0.0),
    ("no-hidden-sigmoid-3-outputs", [3, 3], ["sigmoid"], [4], 3, 0.0),
    ("one-input-one-neuron", [1, 1, 1], ["tanh", "linear"], [6, 1], 5, 0.0),
    ("order-0-hidden", [2, 3, 1], ["tanh", "linear"], [0, 1], 3, 0.0),
    ("order-0-output", [2, 3, 1], ["tanh", "sigmoid"], [3, 0], 3, 0.0),
    ("order-1-first", [2, 3, 2, 1], ["tanh", "tanh", "linear"], [1, 3, 1], 3, 0.0),
    ("order-1-second", [2, 3, 2, 1], ["tanh", "tanh", "linear"], [3, 1, 1], 4, 0.0),
    ("linear-between", [2, 3, 3, 2, 1], ["tanh", "linear", "sigmoid", "linear"], [3, 1, 3, 1], 4, 0.0),
    ("linear-order-0", [2, 3, 3, 1], ["tanh", "linear", "linear"], [3, 0, 1], 3, 0.0),
    ("linear-order-0-centre", [2, 3, 3, 1], ["tanh", "linear", "linear"], [3, 0, 1], 3, 0.7),
    ("linear-order-3", [2, 3, 3, 1], ["tanh", "linear", "tanh"], [3, 3, 2], 3, 0.0),
    ("sigmoid-output", [3, 4, 2], ["tanh", "sigmoid"], [4, 4], 4, 0.0),
    ("centre-3", [2, 3, 2], ["tanh", "softplus"], [5, 4], 4, 3.0),
    ("centre-minus-3-deep", [2, 2, 2, 2, 1], ["sigmoid", "tanh", "arctan", "linear"], [3, 3, 2, 1], 5, -3.0),
    ("max-order-above-product", [2, 3, 1], ["tanh", "linear"], [2, 1], 9, 0.0),
    ("max-order-1-deep", [4, 3, 3, 2], ["tanh", "gelu", "silu"], [5, 5, 5], 1, 0.0),
    ("square-activations", [2, 3, 2, 1], ["square", "square", "linear"], [2, 2, 1], 4, 0.0),
    ("square-order-1-centre", [2, 3, 1], ["square", "linear"], [1, 1], 4, 0.5),
    ("all-linear", [3, 2, 2], ["linear", "linear"], [1, 1], 3, 0.0),
    ("isru-gelu-centre", [2, 2, 2, 1], ["isru", "gelu", "linear"], [4, 4, 1], 4, 0.2),
    ("many-outputs", [2, 3, 12], ["tanh", "sigmoid"], [3, 3], 3, 0.0),
]


@pytest.mark.parametrize(
    "widths,activations,orders,max_order,center",
    [case[1:] for case in AWKWARD],
    ids=[case[0] for case in AWKWARD],
)
def test_awkward_configurations_match_slow_oracle(widths, activations, orders, max_order, center) -> None:  # type: ignore[no-untyped-def]
    weights = _weights(widths, seed=len(widths) * 7 + max_order)
    poly = _convert(weights, activations, max_order, taylor_orders=orders, taylor_center=center)
    expected = truncated_composition(weights, activations, orders, max_order, center)
    _assert_matches(poly, expected)
    assert poly.n_outputs == widths[-1]


def test_result_degree_is_min_of_max_order_and_product_of_orders() -> None:
    weights = _weights([2, 3, 3, 1], seed=1)
    acts = ["tanh", "tanh", "linear"]
    assert _convert(weights, acts, 9, taylor_orders=[2, 2, 1]).degree == 4
    assert _convert(weights, acts, 3, taylor_orders=[2, 2, 1]).degree == 3
    constant = _convert(weights, acts, 3, taylor_orders=[2, 0, 1])
    assert constant.n_terms == 1 and constant.labels == [(0,)]
    # a constant polynomial still predicts, one value per sample
    np.testing.assert_array_equal(constant.predict(np.zeros((4, 2))), np.full(4, constant.coef[0, 0]))


@pytest.mark.parametrize("scale", [4.0, 30.0])
def test_large_unconstrained_weights_are_finite_and_match_oracle(scale) -> None:  # type: ignore[no-untyped-def]
    weights = _weights([2, 3, 3, 1], seed=11, scale=scale)
    net = nn2poly.Network.from_weights(weights, ["tanh", "tanh", "linear"])
    with pytest.warns(nn2poly.TaylorAccuracyWarning, match="not l1-constrained"):
        poly = nn2poly.to_polynomial(net, 4, taylor_orders=[6, 6, 1])
    assert np.all(np.isfinite(poly.coef))
    _assert_matches(poly, truncated_composition(weights, ["tanh", "tanh", "linear"], [6, 6, 1], 4), 1e-12)


def test_wide_input_first_order_matches_closed_form() -> None:
    """p = 1500, max_order 1: y = b2 + sum_j w2_j (P_j(c_j) + P_j'(c_j) w1_j . x)."""
    p, width, order = 1500, 4, 7
    weights = _weights([p, width, 1], seed=3)
    poly = _convert(weights, ["tanh", "linear"], 1, taylor_orders=[order, 1])
    assert poly.n_terms == p + 1
    c = weights[0][0]
    # Taylor polynomial of tanh at 0 of order 7 and its derivative, written out
    g = np.array([0.0, 1.0, 0.0, -1.0 / 3.0, 0.0, 2.0 / 15.0, 0.0, -17.0 / 315.0])
    value = sum(g[n] * c**n for n in range(order + 1))
    slope = sum(n * g[n] * c ** (n - 1) for n in range(1, order + 1))
    w2 = weights[1][1:, 0]
    intercept = weights[1][0, 0] + w2 @ value
    linear = weights[0][1:] @ (w2 * slope)
    np.testing.assert_allclose(poly.coef[0, 0], intercept, rtol=1e-13)
    np.testing.assert_allclose(poly.coef[1:, 0], linear, rtol=1e-12, atol=1e-16)


def _local_oracle(weights, activations, orders, max_degree):  # type: ignore[no-untyped-def]
    """Truncated composition with each neuron expanded around its own potential at x = 0."""
    p = weights[0].shape[0] - 1
    zero = (0,) * p
    inputs = [{tuple(int(i == k) for i in range(p)): mp.mpf(1)} for k in range(p)]
    for matrix, name, order in zip(weights, activations, orders):
        outputs = []
        for j in range(matrix.shape[1]):
            u = {zero: mp.mpf(float(matrix[0, j]))}
            for i, z in enumerate(inputs):
                u = _add(u, z, mp.mpf(float(matrix[i + 1, j])))
            if name == "linear" and order >= 1:
                outputs.append(u)
                continue
            center = u.get(zero, mp.mpf(0))
            g = taylor_coefficients(name, center, order)
            shifted = _add(u, {zero: mp.mpf(1)}, -center)
            result, power = {zero: g[0]}, {zero: mp.mpf(1)}
            for n in range(1, order + 1):
                power = _multiply(power, shifted, max_degree)
                result = _add(result, power, g[n])
            outputs.append(result)
        inputs = outputs
    terms = set().union(*[set(o) for o in inputs])
    return {e: [float(o.get(e, 0)) for o in inputs] for e in terms}


def test_local_centre_with_orders_below_max_order_matches_oracle() -> None:
    weights = _weights([2, 3, 2, 1], seed=8)
    weights[0][0] = [0.9, -1.2, 0.4]
    acts, orders = ["tanh", "sigmoid", "linear"], [2, 3, 1]
    poly = _convert(weights, acts, 4, taylor_orders=orders, taylor_center="local")
    _assert_matches(poly, _local_oracle(weights, acts, orders, 4))


def test_local_centre_deep_network_is_its_taylor_polynomial() -> None:
    weights = _weights([2, 3, 2, 2, 1], seed=5)
    weights[0][0] = [1.5, -2.0, 0.7]  # far-away centres in the first layer
    acts = ["tanh", "sigmoid", "softplus", "linear"]
    poly = _convert(weights, acts, 3, taylor_orders=[3, 3, 3, 1], taylor_center="local")
    _assert_matches(poly, network_taylor_coefficients(weights, acts, 3), 1e-10)


def test_keep_layers_match_oracle_of_each_sub_network() -> None:
    weights = _weights([2, 3, 2, 2], seed=9)
    acts, orders = ["tanh", "softplus", "sigmoid"], [3, 2, 2]
    poly = _convert(weights, acts, 3, taylor_orders=orders, keep_layers=True)
    assert poly.layers is not None and len(poly.layers) == 3
    for index, layer in enumerate(poly.layers):
        sub = truncated_composition(weights[: index + 1], acts[: index + 1], orders[: index + 1], 3)
        _assert_matches(layer.output, sub)
    np.testing.assert_array_equal(poly.layers[-1].output.coef, poly.coef)
    # the first layer's input polynomial is its exact affine pre-activation
    first = _as_dict(poly.layers[0].input)
    np.testing.assert_array_equal(first[(0, 0)], weights[0][0])
    np.testing.assert_array_equal(first[(1, 0)], weights[0][1])


def test_keep_layers_with_an_order_zero_layer_keeps_the_affine_pre_activation() -> None:
    weights = _weights([2, 2, 1], seed=2)
    poly = _convert(weights, ["tanh", "tanh"], 3, taylor_orders=[3, 0], keep_layers=True)
    first = _as_dict(poly.layers[0].input)
    np.testing.assert_array_equal(first.get((1, 0), np.zeros(2)), weights[0][1])
    _assert_matches(poly.layers[0].output, truncated_composition(weights[:1], ["tanh"], [3], 3))


def test_taylor_shift_with_huge_constant_and_zero_top_coefficient_stays_finite() -> None:
    # sigmoid's order-8 Taylor coefficient at 0 is exactly 0; (1e40)^8 overflows
    # but the true coefficients (about -2e276, -1.5e237, -4.4e197) are finite.
    weights = [np.array([[1e40], [1.0]])]
    net = nn2poly.Network.from_weights(weights, ["sigmoid"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the network is far from l1-constrained, which is warned about; no other warning
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(net, 2, taylor_orders=8)
    _assert_matches(poly, truncated_composition(weights, ["sigmoid"], [8], 2), 1e-12)


def test_warning_covers_a_non_linear_output_layer() -> None:
    weights = [np.array([[0.0], [50.0]])]
    net = nn2poly.Network.from_weights(weights, ["sigmoid"])
    X = np.array([[1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        poly = nn2poly.to_polynomial(net, 3)
    # the expansion is useless there: the polynomial is off by thousands
    assert abs(poly.predict(X)[0] - _numpy_forward(weights, ["sigmoid"], X)[0, 0]) > 100
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        nn2poly.to_polynomial(net, 3)


# ----------------------------------------------------- input array layouts
def test_weight_layouts_dtypes_and_flags_give_the_same_network() -> None:
    weights = _weights([3, 4, 2], seed=4)
    reference = _convert(weights, ["tanh", "linear"], 3)
    fortran = [np.asfortranarray(w) for w in weights]
    readonly = [w.copy() for w in weights]
    for w in readonly:
        w.setflags(write=False)
    strided = [np.repeat(w, 2, axis=1)[:, ::2] for w in weights]
    nested = [w.tolist() for w in weights]
    for variant in (fortran, readonly, strided, nested):
        poly = _convert(variant, ["tanh", "linear"], 3)
        np.testing.assert_array_equal(poly.coef, reference.coef)
    # float32 and integer weights are widened exactly to float64
    small = [w.astype(np.float32) for w in weights]
    _assert_matches(
        _convert(small, ["tanh", "linear"], 3),
        truncated_composition([w.astype(np.float64) for w in small], ["tanh", "linear"], [8, 1], 3),
    )
    integers = [np.array([[0, 1], [1, -1]]), np.array([[0], [1], [1]])]
    net = nn2poly.Network.from_weights(integers, ["tanh", "linear"])
    X = np.linspace(-1, 1, 7)[:, None]
    np.testing.assert_allclose(net.forward(X), _numpy_forward(integers, ["tanh", "linear"], X), rtol=1e-15)


def test_input_weights_are_copied_not_aliased() -> None:
    weights = _weights([2, 2, 1], seed=6)
    net = nn2poly.Network.from_weights(weights, ["tanh", "linear"])
    before = net.forward(np.ones((1, 2)))
    weights[0][:] = 0.0
    np.testing.assert_array_equal(net.forward(np.ones((1, 2))), before)
    with pytest.raises(ValueError):
        net.layers[0].weight[0, 0] = 1.0


def test_predict_accepts_any_array_layout() -> None:
    rng = np.random.default_rng(0)
    powers = np.array([[0, 0, 0], [1, 0, 0], [0, 2, 1], [1, 1, 1], [3, 0, 0]])
    coef = rng.normal(size=(5, 2))
    poly = nn2poly.Polynomial(powers, coef)
    X = rng.uniform(-1, 1, size=(9, 6))[:, ::2]  # not contiguous
    expected = _numpy_evaluate(powers, coef, X)
    readonly = X.copy()
    readonly.setflags(write=False)
    for variant in (X, np.asfortranarray(X), readonly, X.tolist()):
        np.testing.assert_allclose(poly.predict(variant), expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(
        poly.predict(X.astype(np.float32)), _numpy_evaluate(powers, coef, X.astype(np.float32)), rtol=1e-12
    )
    integers = np.array([[1, -2, 3], [0, 2, -1]])
    np.testing.assert_allclose(poly.predict(integers), _numpy_evaluate(powers, coef, integers), rtol=1e-14)
    assert poly.predict(np.zeros((0, 3))).shape == (0, 2)
    single = nn2poly.Polynomial([[0], [1]], [1.0, 2.0])
    assert single.predict(np.zeros((0, 1))).shape == (0,)
    np.testing.assert_array_equal(single.predict(np.array([0.5, -1.0])), [2.0, -1.0])


def test_predict_on_dataframe_in_feature_order() -> None:
    pandas = pytest.importorskip("pandas")
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [0, 1]], [1.0, 2.0, 3.0], feature_names=["a", "b"])
    frame = pandas.DataFrame({"a": [0.0, 1.0], "b": [1.0, -1.0]})
    np.testing.assert_array_equal(poly.predict(frame), [4.0, 0.0])


def test_predict_on_dataframe_with_reordered_named_columns() -> None:
    pandas = pytest.importorskip("pandas")
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [0, 1]], [1.0, 2.0, 3.0], feature_names=["a", "b"])
    frame = pandas.DataFrame({"b": [1.0], "a": [0.0]})  # a = 0, b = 1: y = 1 + 3 = 4
    try:
        value = poly.predict(frame)
    except ValueError:
        return  # refusing a mismatched column order is as good as honouring it
    np.testing.assert_array_equal(value, [4.0])


# ------------------------------------------------------- Polynomial object
def test_polynomial_constructor_odd_powers() -> None:
    empty = nn2poly.Polynomial(np.zeros((0, 2)), [])
    assert empty.n_terms == 0
    np.testing.assert_array_equal(empty.predict(np.ones((3, 2))), np.zeros(3))
    no_features = nn2poly.Polynomial(np.zeros((1, 0)), [2.5])
    np.testing.assert_array_equal(no_features.predict(np.ones((2, 0))), [2.5, 2.5])
    as_floats = nn2poly.Polynomial(np.array([[0.0], [2.0]]), [1.0, 3.0])
    assert as_floats.labels == [(0,), (1, 1)] and as_floats.powers.dtype.kind == "i"
    p1 = nn2poly.Polynomial([[0], [1], [3]], [1.0, 2.0, 3.0])
    assert p1.labels == [(0,), (1,), (1, 1, 1)] and p1.term_names == ["1", "x1", "x1^3"]
    for bad in ([[0.5]], [[-1]], [[np.nan]], [["a"]], [[0], [0]]):
        with pytest.raises(ValueError):
            nn2poly.Polynomial(bad, np.zeros(len(bad)))
    with pytest.raises(ValueError, match="shape"):
        nn2poly.Polynomial([0, 1], [1.0, 2.0])
    with pytest.raises(ValueError, match="n_terms=2"):
        nn2poly.Polynomial([[0], [1]], [1.0, 2.0, 3.0])


def test_truncate_top_and_equality() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1], [0, 3]], [1.0, -2.0, 3.0, 0.5])
    constant = poly.truncate(0)
    assert constant.labels == [(0,)] and constant.coef[0, 0] == 1.0
    assert poly.truncate(np.int64(10)) == poly
    ranked = poly.top(99)
    assert ranked.n_terms == 4 and ranked.coef[:, 0].tolist() == [3.0, -2.0, 1.0, 0.5]
    assert poly.top(2, include_intercept=False).labels == [(1, 2), (1,)]
    only_intercept = nn2poly.Polynomial([[0, 0]], [1.0]).top(3, include_intercept=False)
    assert only_intercept.n_terms == 0
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            poly.top(bad)
    with pytest.raises(ValueError):
        poly.truncate(-1)
    same = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1], [0, 3]], [1.0, -2.0, 3.0, 0.5])
    assert poly == same and not poly != same
    assert poly != nn2poly.Polynomial([[0, 0], [1, 0], [1, 1], [0, 3]], [1.0, -2.0, 3.0, 0.25])
    assert poly != nn2poly.Polynomial([[0, 0], [1, 0], [1, 1], [0, 3]], [1.0, -2.0, 3.0, 0.5], feature_names=["a", "b"])
    assert (poly == "poly") is False


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


def test_latex_escapes_underscores_in_names() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [0, 1]], [1.0, 2.0, -3.0], feature_names=["a_b", "c_1"], output_names=["y_hat"])
    latex = poly.to_latex()
    assert r"\mathrm{a\_b}" in latex and r"\mathrm{c\_1}" in latex and r"\mathrm{y\_hat}" in latex
    assert "_" not in latex.replace(r"\_", "")


def test_text_of_signed_zero_and_nan_coefficients() -> None:
    text = str(nn2poly.Polynomial([[0], [1], [2]], [1.0, np.nan, -0.0]))
    # exact zeros (signed or not) are left out of the text; NaN is shown
    assert text == "y1 = 1 + nan*x1"


@pytest.mark.parametrize("names", [["age years", "b"], ["a,b", "c"], ["x:3", "c"]])
def test_to_sympy_with_names_that_are_not_identifiers(names) -> None:  # type: ignore[no-untyped-def]
    sympy = pytest.importorskip("sympy")
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [1, 1]], [1.0, 2.0, 3.0], feature_names=names)
    expression = poly.to_sympy()
    symbols = sorted(expression.free_symbols, key=lambda s: names.index(s.name))
    assert [s.name for s in symbols] == names
    value = float(expression.subs({symbols[0]: 0.5, symbols[1]: -2.0}))
    assert value == 1.0 + 2.0 * 0.5 + 3.0 * 0.5 * -2.0


def test_to_latex_escapes_special_characters() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 0], [0, 1]], [1.0, 2.0, 3.0], feature_names=["rate%", "x^2"])
    latex = poly.to_latex()
    # an unescaped % starts a comment: everything after it would be lost
    assert "%" not in latex.replace(r"\%", "")
    assert "^_" not in latex


def test_coefficient_normalises_and_validates_labels() -> None:
    poly = nn2poly.Polynomial([[0, 0], [1, 1]], [1.0, 5.0])
    assert poly.coefficient((1, 2)) == 5.0
    assert poly.coefficient((2, 1)) == 5.0  # the same monomial x1*x2
    with pytest.raises(ValueError):
        poly.coefficient((7,))  # there is no x7


@pytest.mark.parametrize(
    "data",
    [
        {"format": "nn2poly.polynomial", "labels": [[0], [1]], "coef": [[1.0, 2.0]]},
        {"format": "nn2poly.polynomial", "n_features": 1, "labels": [[0], [2]], "coef": [[1.0, 2.0]]},
        {"format": "nn2poly.polynomial", "n_features": 1, "coef": [[1.0, 2.0]]},
    ],
    ids=["no-n_features", "variable-out-of-range", "no-labels"],
)
def test_polynomial_from_dict_malformed_raises_value_error(data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((ValueError, TypeError)):
        nn2poly.Polynomial.from_dict(data)


def test_polynomial_equality_does_not_densify_powers() -> None:
    from nn2poly._monomials import MonomialBasis

    basis = MonomialBasis(200, 2)
    a = nn2poly.Polynomial._from_basis(basis, np.zeros((basis.n_terms, 1)))
    b = nn2poly.Polynomial._from_basis(basis, np.zeros((basis.n_terms, 1)))
    stored = a._variables.nbytes + a.coef.nbytes
    tracemalloc.start()
    try:
        assert a == b
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * stored, f"equality allocated {peak} bytes for {stored} bytes of data"


def test_complex_weights_and_inputs_are_refused() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        with pytest.raises(TypeError):
            nn2poly.Network.from_weights([np.array([[0.1 + 1j], [0.3]])], ["tanh"])
        with pytest.raises(TypeError):
            nn2poly.Polynomial([[0], [1]], [1.0, 2.0]).predict(np.array([[1.0 + 2j]]))


# ---------------------------------------------------------- Network input
@pytest.mark.parametrize(
    "data,error,fragments",
    [
        ([1, 2], TypeError, ["mapping", "list"]),
        ({}, ValueError, ["layers", "weights"]),
        ({"layers": {"a": 1}}, ValueError, ["'layers' must be a list"]),
        ({"layers": []}, ValueError, ["at least one layer"]),
        ({"layers": "abc"}, ValueError, ["layer 0 must be a mapping"]),
        ({"layers": [{"weight": [[1.0]]}]}, ValueError, ["'bias'"]),
        ({"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": None}]}, TypeError, ["activation", "NoneType"]),
        ({"layers": [{"weight": [[1.0]], "bias": [0.0], "activation": "tahn"}]}, ValueError, ["tahn", "tanh"]),
        ({"layers": [{"weight": [[1.0], [1.0, 2.0]], "bias": [0.0]}]}, TypeError, ["layer 0 weight", "numeric"]),
        ({"layers": [{"weight": [[1.0, 2.0]], "bias": [0.0]}]}, ValueError, ["bias", "(1, 2)"]),
        ({"layers": [{"weight": [1.0], "bias": [0.0]}]}, ValueError, ["2-D", "(1,)"]),
        ({"layers": [{"weight": [[np.inf]], "bias": [0.0]}]}, ValueError, ["non-finite"]),
        ({"weights": [[[0.0], [1.0]]]}, ValueError, ["activations"]),
        ({"weights": "abc", "activations": "tanh"}, TypeError, ["weights must be a list", "str"]),
        ({"weights": [[[0.0, 1.0]]], "activations": "tanh"}, ValueError, ["bias in row 0"]),
        ({"weights": [[[0.0], [1.0]], [[0.0], [1.0]]], "activations": ["tanh"]}, ValueError, ["2 weight matrices but 1"]),
        ({"layers": [{"weight": [[1.0, 2.0]], "bias": [0.0, 0.0]}, {"weight": [[1.0]], "bias": [0.0]}]}, ValueError, ["chain"]),
    ],
)
def test_network_from_dict_malformed(data, error, fragments) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as info:
        nn2poly.Network.from_dict(data)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_network_load_of_non_network_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(TypeError, match="mapping"):
        nn2poly.Network.load(path)
    with pytest.raises(TypeError, match="mapping"):
        nn2poly.load_network(path)
    broken = tmp_path / "broken.json"
    broken.write_text('{"layers": [')
    with pytest.raises(ValueError, match="not valid JSON"):
        nn2poly.Network.load(broken)


def test_dense_degenerate_shapes() -> None:
    with pytest.raises(ValueError, match=r"2-D.*\(2,\)"):
        nn2poly.Dense(np.array([1.0, 2.0]), np.array([0.0]))
    with pytest.raises(ValueError, match="empty"):
        nn2poly.Dense(np.zeros((0, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="empty"):
        nn2poly.Dense(np.zeros((2, 0)), np.zeros(0))
    with pytest.raises(ValueError, match="1-D"):
        nn2poly.Dense(np.zeros((2, 1)), 0.5)
    with pytest.raises(TypeError, match="str"):
        nn2poly.Dense(np.zeros((2, 1)), np.zeros(1), None)
    with pytest.raises(TypeError, match="Dense"):
        nn2poly.Network([np.zeros((2, 1))])
    with pytest.raises(ValueError, match="at least one layer"):
        nn2poly.Network.from_weights([], "tanh")


@pytest.mark.parametrize("activations", [None, 3])
def test_from_weights_non_string_activations_message(activations) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match="activations"):
        nn2poly.Network.from_weights(_weights([2, 1], seed=0), activations)


def test_weights_pair_with_single_matrix() -> None:
    matrix = np.array([[0.1], [0.2]])
    expected = nn2poly.Network.from_weights(matrix, "tanh")
    poly = nn2poly.to_polynomial((matrix, "tanh"), 2)
    np.testing.assert_array_equal(poly.coef, nn2poly.to_polynomial(expected, 2).coef)


# ------------------------------------------------------- options and guard
def test_option_validation_messages() -> None:
    net = nn2poly.Network.from_weights(_weights([2, 2, 1], seed=0), ["tanh", "linear"])
    cases = [
        ({"max_order": 0}, ValueError, "max_order"),
        ({"max_order": 2.0}, TypeError, "max_order"),
        ({"max_order": True}, TypeError, "max_order"),
        ({"taylor_orders": -1}, ValueError, "taylor_orders"),
        ({"taylor_orders": [3]}, ValueError, "2 layers"),
        ({"taylor_orders": 3.0}, TypeError, "taylor_orders"),
        ({"taylor_orders": [3, True]}, ValueError, r"taylor_orders\[1\]"),
        ({"taylor_center": "LOCAL"}, ValueError, "local"),
        ({"taylor_center": float("nan")}, ValueError, "finite"),
        ({"taylor_center": None}, TypeError, "taylor_center"),
        ({"keep_layers": 1}, TypeError, "keep_layers"),
        ({"memory_limit": 0}, ValueError, "memory_limit"),
        ({"memory_limit": 1e9}, ValueError, "memory_limit"),
        ({"approximation": "exact"}, ValueError, "approximation"),
        ({"feature_names": ["a"]}, ValueError, "feature_names"),
        ({"feature_names": ["a", "a"]}, ValueError, "unique"),
    ]
    for options, error, pattern in cases:
        options = {"max_order": 2, **options}
        with pytest.raises(error, match=pattern):
            nn2poly.to_polynomial(net, **options)
    # numpy integers are ints
    assert nn2poly.to_polynomial(net, np.int64(2), taylor_orders=np.array([3, 1])).degree == 2


def test_feature_names_from_dataframe_columns() -> None:
    pandas = pytest.importorskip("pandas")
    net = nn2poly.Network.from_weights(_weights([2, 2, 1], seed=0), ["tanh", "linear"])
    poly = nn2poly.to_polynomial(net, 2, feature_names=pandas.Index(["a", "b"]))
    assert poly.feature_names == ("a", "b")


def test_memory_limit_accepts_numpy_integer() -> None:
    net = nn2poly.Network.from_weights(_weights([2, 2, 1], seed=0), ["tanh", "linear"])
    nn2poly.to_polynomial(net, 2, memory_limit=np.int64(10**9))


def _smallest_accepted_limit(net, max_order, **options):  # type: ignore[no-untyped-def]
    low, high = 1, 1 << 40
    while low < high:
        middle = (low + high) // 2
        try:
            nn2poly.to_polynomial(net, max_order, memory_limit=middle, **options)
            high = middle
        except nn2poly.MemoryLimitError:
            low = middle + 1
    return low


def test_memory_guard_refuses_before_allocating_and_counts_kept_layers() -> None:
    net = nn2poly.Network.from_weights(_weights([3, 5, 4, 1], seed=1), ["tanh", "tanh", "linear"])
    plain = _smallest_accepted_limit(net, 3)
    kept = _smallest_accepted_limit(net, 3, keep_layers=True)
    assert kept > plain
    with pytest.raises(nn2poly.MemoryLimitError) as info:
        nn2poly.to_polynomial(net, 3, memory_limit=plain - 1)
    message = str(info.value)
    for fragment in ("max_order=3", "memory_limit", "20 monomials", "[5, 4, 1]"):
        assert fragment in message
    # a huge request is refused at once, whatever the network
    wide = nn2poly.Network.from_weights([np.zeros((5001, 2)), np.zeros((3, 1))], ["tanh", "linear"])
    with pytest.raises(nn2poly.MemoryLimitError, match="Lower max_order"):
        nn2poly.to_polynomial(wide, 6)


def test_huge_taylor_order_is_refused_by_the_guard() -> None:
    net = nn2poly.Network.from_weights(_weights([1, 1, 1], seed=0), ["tanh", "linear"])
    with pytest.raises(nn2poly.MemoryLimitError):
        nn2poly.to_polynomial(net, 2, taylor_orders=[10**17, 1])


_INT32_SCRIPT = textwrap.dedent(
    """
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
    import numpy as np
    import nn2poly
    # 70,000 inputs at degree 2: 2.45e9 monomials, beyond int32 indices
    net = nn2poly.Network.from_weights(
        [np.zeros((70001, 1)), np.zeros((2, 1)), np.zeros((2, 1))], ["tanh", "tanh", "linear"]
    )
    try:
        nn2poly.to_polynomial(net, 2, memory_limit=2**62)
    except nn2poly.MemoryLimitError:
        print("REFUSED")
    except MemoryError:
        print("ALLOCATED")
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="needs RLIMIT_AS")
def test_guard_refuses_bases_beyond_int32_indices() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _INT32_SCRIPT], capture_output=True, text=True, timeout=120,
        env={**os.environ, "NUMBA_NUM_THREADS": "1"},
    )
    assert "REFUSED" in result.stdout, result.stdout + result.stderr


# ------------------------------------------------------------- threads
def test_concurrent_conversions_give_identical_results() -> None:
    small = nn2poly.Network.from_weights(_weights([3, 4, 2], seed=1), ["tanh", "linear"])
    # large enough for the parallel kernels (over 2**21 multiply-adds per Horner step)
    medium = nn2poly.Network.from_weights(_weights([20, 30, 30, 2], seed=2), ["tanh", "tanh", "linear"])
    jobs = [(small, 4), (medium, 4)] * 4
    expected = {id(net): nn2poly.to_polynomial(net, order).coef for net, order in jobs[:2]}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: nn2poly.to_polynomial(job[0], job[1]), jobs))
    for (net, _), poly in zip(jobs, results):
        np.testing.assert_array_equal(poly.coef, expected[id(net)])
    X = np.random.default_rng(0).uniform(-1, 1, (2000, 20))
    reference = results[1].predict(X)
    with ThreadPoolExecutor(max_workers=4) as pool:
        predictions = list(pool.map(lambda poly: poly.predict(X), [results[1]] * 4))
    for prediction in predictions:
        np.testing.assert_array_equal(prediction, reference)


# ----------------------------------------------------------------- CLI
def app_cli():  # type: ignore[no-untyped-def]
    from nn2poly.cli import app

    return app


@pytest.fixture()
def saved_network(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "net.json"
    nn2poly.Network.from_weights(_weights([2, 2, 1], seed=0), ["tanh", "linear"]).save(path)
    return path


@pytest.mark.parametrize(
    "arguments,message",
    [
        (["--taylor-orders", ""], "--taylor-orders must be"),
        (["--taylor-orders", "8,"], "--taylor-orders must be"),
        (["--taylor-orders", "-3"], "non-negative"),
        (["--taylor-orders", "3,3,3"], "3 entries"),
        (["--taylor-center", "nan"], "finite"),
        (["--taylor-center", "inf"], "finite"),
        (["-q", "0"], "max_order"),
    ],
)
def test_cli_convert_odd_option_values(saved_network, arguments, message) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app_cli(), ["convert", str(saved_network), *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output



@pytest.mark.parametrize(
    "content,message",
    [
        ("[1, 2]", "Expected a mapping"),
        ('{"a": 1}', "Unrecognised network dictionary"),
        ('{"layers": [{"weight": "abc", "bias": [0]}]}', "numeric array"),
        ('{"layers": [{"weight": [[1e400]], "bias": [0]}]}', "non-finite"),
        ('{"input": {"weights": [[[0.1], [0.2]], [[0.0], [1.0]], [[0.0], [1.0]]], "activations": ["tanh", "linear"]}}', "3 weight matrices but 2"),
        ("{", "not valid JSON"),
    ],
)
def test_cli_convert_json_that_is_not_a_network(tmp_path, content, message) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    path.write_text(content)
    result = runner.invoke(app_cli(), ["convert", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_cli_reference_layout_with_extra_layers_converts_like_the_library(tmp_path) -> None:  # type: ignore[no-untyped-def]
    weights = _weights([2, 3, 2, 1], seed=12)
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"input": {"weights": [w.tolist() for w in weights], "activations": ["tanh", "sigmoid", "linear"]}}))
    out = tmp_path / "poly.json"
    result = runner.invoke(app_cli(), ["convert", str(path), "-q", "3", "-f", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    poly = nn2poly.Polynomial.load(out)
    _assert_matches(poly, truncated_composition(weights, ["tanh", "sigmoid", "linear"], [8, 8, 1], 3))


@pytest.mark.parametrize("target", ["missing/poly.json", "."])
def test_cli_convert_unwritable_output_is_a_clean_error(saved_network, tmp_path, target) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app_cli(), ["convert", str(saved_network), "-f", "json", "-o", str(tmp_path / target)])
    assert result.exit_code == 2 and "Error:" in result.output
