"""Joint refinement of approximation='fit' (``FitApproximation(refine=...)``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from oracles import assert_jacobian_matches_differences

import nn2poly
from nn2poly import FitApproximation, Network
from nn2poly._convert import build_polynomial
from nn2poly._refine import _jacobian, _recentre, _split, compose_layers, fixed_walker
from nn2poly._validation import InvalidParameterError, InvalidParameterTypeError
from nn2poly.adapters import adapt


def _net(activation: str, seed: int, widths: tuple[int, ...] = (8, 8), p: int = 3) -> Network:
    rng = np.random.default_rng(seed)
    sizes = [p, *widths, 1]
    weights = [rng.normal(0, 1.2, (sizes[i] + 1, sizes[i + 1])) for i in range(len(sizes) - 1)]
    return Network.from_weights(weights, [activation] * len(widths) + ["linear"])


def _convert(net: Network, X: np.ndarray, q: int, refine: bool | str):  # type: ignore[no-untyped-def]
    bound = FitApproximation(data=X, refine=refine).bind(net, q)
    return build_polynomial(adapt(net), q, bound)[0], bound


def _mse(poly, net, X) -> float:  # type: ignore[no-untyped-def]
    return float(np.mean((poly.predict(X) - net.forward(X)[:, 0]) ** 2))


@pytest.mark.parametrize(("activation", "seed"), [("tanh", 0), ("softplus", 1), ("relu", 2)])
def test_refined_never_worse_on_the_held_out_rows(activation: str, seed: int) -> None:
    net = _net(activation, seed)
    X = np.random.default_rng(seed + 10).uniform(-1, 1, (400, 3))
    _, holdout = _split(X.shape[0])
    for q in (3, 4):
        plain, _ = _convert(net, X, q, False)
        refined, bound = _convert(net, X, q, True)
        assert bound.refinement is not None
        before, after = _mse(plain, net, X[holdout]), _mse(refined, net, X[holdout])
        assert after <= before * (1 + 1e-9)
        assert bound.refinement.holdout_mse_after == pytest.approx(after, rel=1e-6)
        assert bound.refinement.holdout_mse_before == pytest.approx(before, rel=1e-6)


def test_refinement_closes_the_gap_to_distill_on_a_deep_network() -> None:
    net = _net("tanh", 3, widths=(10, 10, 10))
    rng = np.random.default_rng(4)
    X, X_test = rng.uniform(-1, 1, (1500, 3)), rng.uniform(-1, 1, (1000, 3))
    plain, _ = _convert(net, X, 5, False)
    refined, _ = _convert(net, X, 5, True)
    best = _mse(nn2poly.distill(net, X, 5), net, X_test)
    assert _mse(refined, net, X_test) < _mse(plain, net, X_test)
    assert _mse(refined, net, X_test) < 1.5 * best


def test_jacobian_matches_finite_differences() -> None:
    net = _net("tanh", 5, widths=(4, 3), p=2)
    X = np.random.default_rng(6).uniform(-1, 1, (30, 2))
    bound = FitApproximation(data=X, refine=False).bind(net, 3)
    build_polynomial(adapt(net), 3, bound)
    from nn2poly._monomials import monomial_basis
    from nn2poly._powers import variable_monomials

    basis = monomial_basis(2, 3)
    table = basis.product_table()
    composed = compose_layers(net, basis, table, fixed_walker(bound.fits))
    assert composed is not None
    kept, fits = composed
    fits = _recentre(kept, fits)
    M = variable_monomials(basis.variables, X)
    J = _jacobian(net, kept, fits, M, table)

    def compose(moved: list[Any]) -> np.ndarray:
        shifted = compose_layers(net, basis, table, fixed_walker(moved))
        assert shifted is not None
        return shifted[0][-1][2][:, 0]

    assert_jacobian_matches_differences(J, fits, compose, kept[-1][2][:, 0], M)


def test_auto_refines_deep_networks_only() -> None:
    X = np.random.default_rng(7).uniform(-1, 1, (300, 3))
    _, deep = _convert(_net("tanh", 8), X, 3, "auto")
    assert deep.refinement is not None
    _, shallow = _convert(_net("tanh", 8, widths=(8,)), X, 3, "auto")
    assert shallow.refinement is None
    _, few = _convert(_net("tanh", 8), X[:60], 3, "auto")
    assert few.refinement is None


def test_default_shallow_fit_is_the_layer_by_layer_fit() -> None:
    net = _net("tanh", 9, widths=(6,))
    X = np.random.default_rng(9).uniform(-1, 1, (300, 3))
    default = nn2poly.to_polynomial(net, 3, approximation="fit", data=X)
    plain, _ = _convert(net, X, 3, False)
    np.testing.assert_array_equal(default.coef, plain.coef)


def test_exact_fits_stay_exact() -> None:
    # a network of squares is a polynomial of degree 4: the fit is exact and stays so
    rng = np.random.default_rng(10)
    net = Network.from_weights(
        [rng.normal(0, 0.5, (3, 3)), rng.normal(0, 0.5, (4, 2)), rng.normal(0, 1, (3, 1))],
        ["square", "square", "linear"],
    )
    X = rng.uniform(-1, 1, (200, 2))
    refined, bound = _convert(net, X, 4, True)
    assert bound.refinement is not None
    np.testing.assert_allclose(refined.predict(X), net.forward(X)[:, 0], atol=1e-9)


def test_interval_fits_are_not_refined() -> None:
    net = _net("tanh", 11)
    plain = nn2poly.to_polynomial(
        net, 3, approximation=FitApproximation(interval=(-3, 3), refine=False)
    )
    auto = nn2poly.to_polynomial(net, 3, approximation=FitApproximation(interval=(-3, 3)))
    np.testing.assert_array_equal(plain.coef, auto.coef)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"refine": "yes"}, InvalidParameterError, "'refine' parameter of FitApproximation"),
        ({"refine": 1}, InvalidParameterTypeError, "'refine' parameter"),
        ({"refine_iterations": 0}, InvalidParameterError, "'refine_iterations' parameter"),
        ({"refine_iterations": 2.5}, InvalidParameterTypeError, "'refine_iterations' parameter"),
        ({"refine_iterations": True}, InvalidParameterTypeError, "'refine_iterations'"),
    ],
)
def test_bad_refine_options_are_refused(options: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        FitApproximation(data=np.zeros((10, 2)), **options)


def test_refine_needs_data() -> None:
    with pytest.raises(InvalidParameterError, match="pass data=X_train"):
        FitApproximation(interval=(-1, 1), refine=True)


def test_the_refinement_memory_is_planned() -> None:
    from nn2poly._memory import plan_conversion

    net = _net("tanh", 12, widths=(10, 10))
    X = np.random.default_rng(12).uniform(-1, 1, (2000, 3))
    plain = plan_conversion(net, FitApproximation(data=X, refine=False).bind(net, 4), 4, False)
    refined = plan_conversion(net, FitApproximation(data=X, refine=True).bind(net, 4), 4, False)
    n_parameters = 2 * 10 * 5
    assert refined.n_bytes - plain.n_bytes >= 8 * 1600 * n_parameters  # the Jacobian at least
    with pytest.raises(nn2poly.MemoryLimitError):
        nn2poly.to_polynomial(
            net,
            4,
            approximation=FitApproximation(data=X, refine=True),
            memory_limit=(plain.n_bytes + refined.n_bytes) // 2,
        )
