"""The public approximation objects and the one path every entry point takes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nn2poly
from nn2poly._approximation import MAX_TAYLOR_ORDER

# these networks are not l1-constrained; the warning is tested where it is the subject
pytestmark = pytest.mark.filterwarnings("ignore::nn2poly.TaylorAccuracyWarning")


def _network(seed: int = 0, scale: float = 0.3, activation: str = "tanh") -> nn2poly.Network:
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, scale, (4, 5)), rng.normal(0, scale, (6, 4)), rng.normal(size=(5, 2))]
    return nn2poly.Network.from_weights(weights, [activation, activation, "linear"])


def _l1_network() -> nn2poly.Network:
    rng = np.random.default_rng(1)
    first = rng.uniform(-1, 1, (4, 4))
    first /= np.abs(first).sum(axis=0) * 1.25  # every neuron's l1 norm is 0.8
    return nn2poly.Network.from_weights([first, rng.normal(size=(5, 1))], ["tanh", "linear"])


X = np.random.default_rng(5).uniform(-1, 1, (300, 3))


@pytest.mark.parametrize(
    ("shorthand", "obj"),
    [
        ({}, nn2poly.TaylorApproximation()),
        ({"taylor_orders": 5, "taylor_center": "local"}, nn2poly.TaylorApproximation(5, "local")),
        ({"approximation": "fit", "data": X}, nn2poly.FitApproximation(data=X)),
        (
            {"approximation": "fit", "interval": (-2, 2), "taylor_orders": [3, 2, 1]},
            nn2poly.FitApproximation(interval=(-2, 2), orders=[3, 2, 1]),
        ),
    ],
)
def test_objects_and_shorthand_agree(shorthand, obj) -> None:  # type: ignore[no-untyped-def]
    net = _network()
    expected = nn2poly.to_polynomial(net, 3, **shorthand)
    np.testing.assert_array_equal(
        nn2poly.to_polynomial(net, 3, approximation=obj).coef, expected.coef
    )


def test_diagnose_takes_the_same_path() -> None:
    net = _network()
    fit = nn2poly.FitApproximation(data=X)
    report = nn2poly.diagnose(net, X, max_order=3, approximation=fit)
    np.testing.assert_array_equal(
        report.polynomial.coef, nn2poly.to_polynomial(net, 3, approximation=fit).coef
    )
    assert report.approximation == "fit"
    taylor = nn2poly.diagnose(net, X, max_order=3, approximation=nn2poly.TaylorApproximation(4))
    assert taylor.approximation == "taylor"


def test_diagnose_honours_memory_limit() -> None:
    with pytest.raises(nn2poly.MemoryLimitError, match="memory limit"):
        nn2poly.diagnose(_network(), X, max_order=3, memory_limit=1000)
    with pytest.raises(ValueError, match="'memory_limit' parameter of diagnose"):
        nn2poly.diagnose(_network(), X, max_order=3, memory_limit=-1)


def test_shorthand_options_conflict_with_an_object() -> None:
    net = _network()
    with pytest.raises(ValueError, match=r"'taylor_orders' parameter of to_polynomial.*Pass"):
        nn2poly.to_polynomial(net, 2, approximation=nn2poly.TaylorApproximation(), taylor_orders=3)
    with pytest.raises(ValueError, match="'data' parameter"):
        nn2poly.to_polynomial(net, 2, approximation=nn2poly.FitApproximation(data=X), data=X)


@pytest.mark.parametrize(
    ("make", "error", "pattern"),
    [
        (lambda: nn2poly.TaylorApproximation(center="far"), ValueError, "'center' parameter"),
        (lambda: nn2poly.TaylorApproximation(center=np.nan), ValueError, "finite"),
        (lambda: nn2poly.TaylorApproximation(orders="8"), TypeError, "'orders' parameter"),
        (lambda: nn2poly.FitApproximation(), ValueError, "data=X_train"),
        (lambda: nn2poly.FitApproximation(data=X, interval=(0, 1)), ValueError, "not both"),
        (lambda: nn2poly.FitApproximation(interval=(0, 1), orders=2.5), TypeError, "orders"),
    ],
)
def test_objects_check_their_arguments(make, error, pattern) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=pattern):
        make()


def test_object_orders_are_checked_against_the_network() -> None:
    with pytest.raises(ValueError, match="'orders' parameter of TaylorApproximation"):
        nn2poly.to_polynomial(_network(), 2, approximation=nn2poly.TaylorApproximation([3, 1]))


def test_absurd_taylor_orders_are_refused_at_once() -> None:
    net = _network()
    with pytest.raises(
        nn2poly.MemoryLimitError, match=f"largest supported order {MAX_TAYLOR_ORDER}"
    ):
        nn2poly.to_polynomial(net, 2, taylor_orders=10**5)
    with pytest.raises(nn2poly.MemoryLimitError, match="taylor_orders\\[0\\]"):
        nn2poly.to_polynomial(net, 2, taylor_orders=[10**5, 3, 1])
    # the largest supported order converts
    single = nn2poly.Network.from_weights(
        [np.array([[0.0], [0.3]]), np.ones((2, 1))], ["tanh", "linear"]
    )
    assert nn2poly.to_polynomial(single, 2, taylor_orders=MAX_TAYLOR_ORDER).degree == 2


def test_far_centre_warns_on_an_l1_network() -> None:
    net = _l1_network()
    with pytest.warns(nn2poly.TaylorAccuracyWarning, match="centre 3 is far from the potentials"):
        nn2poly.to_polynomial(net, 3, taylor_center=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn2poly.to_polynomial(net, 3)  # centre 0: l1-constrained, no warning
        nn2poly.to_polynomial(net, 3, taylor_center=0.1)  # potentials within 1 of 0.1


def test_far_centre_warning_is_right_about_the_error() -> None:
    # the warning's claim: near centre 0 the polynomial is faithful, at 3 it is not
    net = _l1_network()
    truth = net.forward(X)[:, 0]
    near = nn2poly.to_polynomial(net, 3).predict(X)
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        far = nn2poly.to_polynomial(net, 3, taylor_center=3.0).predict(X)
    assert np.max(np.abs(near - truth)) < 0.1 < np.max(np.abs(far - truth))


def test_potential_ranges_bound_the_potentials() -> None:
    from nn2poly._taylor import potential_ranges

    net = _network(scale=1.0)
    grid = np.random.default_rng(2).uniform(-1, 1, (2000, 3))
    for bounds, u in zip(potential_ranges(net), net.pre_activations(grid), strict=True):
        assert np.all(u >= bounds[:, 0] - 1e-12) and np.all(u <= bounds[:, 1] + 1e-12)


def test_trust_is_accepted_by_every_entry_point(tmp_path) -> None:  # type: ignore[no-untyped-def]
    net = _network()
    path = tmp_path / "net.json"
    net.save(path)
    expected = nn2poly.to_polynomial(net, 2).coef
    np.testing.assert_array_equal(nn2poly.to_polynomial(str(path), 2, trust=True).coef, expected)
    assert nn2poly.diagnose(path, X, max_order=2, trust=True).r2 > 0.5
    assert nn2poly.distill(path, X, 2, trust=False).n_outputs == 2
    with pytest.raises(TypeError, match="'trust' parameter of to_polynomial"):
        nn2poly.to_polynomial(path, 2, trust="yes")


def test_torchscript_path_with_trust_is_a_keyword(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    path = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(module), str(path))
    with pytest.raises(ValueError, match="trust=True"):
        nn2poly.to_polynomial(path, 2)
    poly = nn2poly.to_polynomial(path, 2, trust=True)
    assert poly.n_features == 3
