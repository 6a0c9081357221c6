"""Finite or refused: a conversion returns finite coefficients or raises a ValueError."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn2poly
from nn2poly import NonFiniteCoefficientsError


def _single(weight: float, activation: str = "tanh", out: float = 1.0) -> nn2poly.Network:
    return nn2poly.Network.from_weights(
        [np.array([[0.0], [weight]]), np.array([[0.0], [out]])], [activation, "linear"]
    )


def _quiet(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        return function(*args, **kwargs)


def test_huge_weights_through_tanh_are_refused_naming_the_layer() -> None:
    with pytest.raises(NonFiniteCoefficientsError, match=r"layer 0.*too large.*1e\+150"):
        _quiet(nn2poly.to_polynomial, _single(1e150, out=1e150), 3)


def test_linear_network_with_huge_weights_is_refused() -> None:
    net = _single(1e300, "linear", 1e300)
    with pytest.raises(NonFiniteCoefficientsError, match="layer 1"):
        nn2poly.to_polynomial(net, 1)


def test_far_centre_is_refused_naming_the_centre() -> None:
    with pytest.raises(NonFiniteCoefficientsError, match=r"centre 1e\+308 too far"):
        _quiet(nn2poly.to_polynomial, _single(0.5), 3, taylor_center=1e308)


@pytest.mark.parametrize("interval", [(0.0, 1e-60), (1e10, 1e10 + 1e-3)])
def test_too_narrow_interval_is_refused(interval) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="too narrow"):
        nn2poly.to_polynomial(_single(0.5), 8, approximation="fit", interval=interval)


def test_the_error_is_a_value_error_and_exported() -> None:
    assert issubclass(NonFiniteCoefficientsError, ValueError)
    assert "NonFiniteCoefficientsError" in nn2poly.__all__


@settings(max_examples=40, deadline=None)
@given(
    exponent=st.integers(-5, 300),
    activation=st.sampled_from(["tanh", "sigmoid", "softplus", "linear", "square"]),
    max_order=st.integers(1, 6),
    center=st.sampled_from([0.0, "local", 2.0, 1e200]),
)
def test_finite_or_refused(exponent, activation, max_order, center) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(exponent + 10)
    weights = [rng.normal(size=(3, 3)) * 10.0**exponent, rng.normal(size=(4, 1))]
    net = nn2poly.Network.from_weights(weights, [activation, "linear"])
    try:
        poly = _quiet(nn2poly.to_polynomial, net, max_order, taylor_center=center)
    except NonFiniteCoefficientsError as error:
        assert "layer" in str(error)
    else:
        assert np.all(np.isfinite(poly.coef))


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(-3, 12), max_size=4),
    st.tuples(st.floats(-1e300, 1e300), st.floats(-1e300, 1e300)),
)


@settings(max_examples=150, deadline=None)
@given(
    max_order=st.one_of(st.integers(-2, 6), _ANY),
    taylor_orders=st.one_of(st.none(), st.integers(-2, 2000), _ANY),
    taylor_center=st.one_of(st.sampled_from([0.0, "local", 1.5, -1e10]), _ANY),
    approximation=st.one_of(st.sampled_from(["taylor", "fit"]), _ANY),
    interval=st.one_of(st.none(), _ANY),
    memory_limit=st.one_of(st.none(), st.integers(-5, 10**9), _ANY),
    keep_layers=st.one_of(st.booleans(), _ANY),
)
def test_options_give_a_finite_result_or_a_clear_error(**options) -> None:  # type: ignore[no-untyped-def]
    net = nn2poly.Network.from_weights(
        [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
        ["tanh", "linear"],
    )
    try:
        poly = _quiet(nn2poly.to_polynomial, net, **options)
    except (ValueError, TypeError) as error:
        assert str(error)
    else:
        assert np.all(np.isfinite(poly.coef))


@settings(max_examples=30, deadline=None)
@given(
    weight_exponent=st.integers(-3, 200),
    data_exponent=st.integers(-200, 200),
    activation=st.sampled_from(["tanh", "relu", "softplus", "elu"]),
    max_order=st.integers(1, 5),
)
def test_fit_is_finite_or_refused(weight_exponent, data_exponent, activation, max_order) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(weight_exponent + 3)
    weights = [rng.normal(size=(3, 4)) * 10.0**weight_exponent, rng.normal(size=(5, 1))]
    net = nn2poly.Network.from_weights(weights, [activation, "linear"])
    data = rng.uniform(-1, 1, (60, 2)) * 10.0**data_exponent
    try:
        poly = nn2poly.to_polynomial(net, max_order, approximation="fit", data=data)
    except ValueError as error:
        assert str(error)
    else:
        assert np.all(np.isfinite(poly.coef))
