"""Weight constraints and the scikit-learn style trainer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone

import nn2poly
from nn2poly.training import (
    InputRangeWarning,
    L1Constraint,
    MLPRegressor,
    l1_project,
    l1_rescale,
)


# ----------------------------------------------------------------- constraints
def projection_by_bisection(v: np.ndarray, radius: float = 1.0) -> np.ndarray:
    """Projection onto the l1 ball via the threshold theta found by bisection."""
    if np.abs(v).sum() <= radius:
        return v.copy()
    low, high = 0.0, float(np.abs(v).max())
    for _ in range(200):
        theta = 0.5 * (low + high)
        if np.clip(np.abs(v) - theta, 0, None).sum() > radius:
            low = theta
        else:
            high = theta
    return np.sign(v) * np.clip(np.abs(v) - 0.5 * (low + high), 0, None)


@pytest.mark.parametrize("seed", range(6))
def test_l1_project_is_the_euclidean_projection(seed) -> None:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(scale=rng.uniform(0.1, 2.0), size=(7, 1 + seed))
    projected = l1_project(torch.tensor(vectors)).numpy()
    expected = np.array([projection_by_bisection(v) for v in vectors])
    np.testing.assert_allclose(projected, expected, atol=1e-12)
    assert np.all(np.abs(projected).sum(axis=1) <= 1 + 1e-12)
    # no point of the ball is closer: compare with random points on the sphere near it
    for v, p in zip(vectors, projected, strict=True):
        candidates = rng.normal(size=(200, v.size))
        candidates /= np.abs(candidates).sum(axis=1, keepdims=True)
        assert np.linalg.norm(v - p) <= np.linalg.norm(v - candidates, axis=1).min() + 1e-12


def test_l1_rescale_matches_the_reference_formula() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(10, 4)) * rng.uniform(0.05, 3, size=(10, 1))
    norms = np.abs(vectors).sum(axis=1, keepdims=True)
    expected = vectors * np.minimum(norms, 1.0) / (norms + 1e-7)
    np.testing.assert_allclose(
        l1_rescale(torch.tensor(vectors)).numpy(), expected, rtol=1e-15, atol=0
    )


@pytest.mark.parametrize("mode", ["l1", "l1-project"])
def test_constraint_skips_the_output_layer(mode) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2),
    ).double()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(5.0)
    output_weight = model[4].weight.detach().clone()
    L1Constraint(mode)(model)
    network = nn2poly.as_network(model)
    assert max(norms.max() for norms in nn2poly.hidden_l1_norms(network)) <= 1 + 1e-12
    assert torch.equal(model[4].weight, output_weight)


def test_constraint_mode_is_validated() -> None:
    with pytest.raises(ValueError, match="'l1-project'"):
        L1Constraint("l2")


# -------------------------------------------------------------------- trainer
def quadratic_data(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, 0.3 + X[:, 0] - X[:, 1] ** 2 + 0.5 * X[:, 0] * X[:, 1]


@pytest.mark.parametrize("constraint", ["l1", "l1-project"])
def test_trained_hidden_norms_stay_in_the_ball(constraint) -> None:
    X, y = quadratic_data()
    model = MLPRegressor(
        (8, 6), "tanh", constraint=constraint, learning_rate=0.05, epochs=8, random_state=0
    ).fit(X, y)
    norms = nn2poly.hidden_l1_norms(model.network_)
    assert len(norms) == 2
    assert max(n.max() for n in norms) <= 1 + 1e-6
    # the output layer is free, and learning pushed it past the ball
    assert np.abs(model.network_.layers[-1].weight).sum() > 1


@pytest.mark.slow
def test_the_trainer_fits_a_quadratic_and_its_polynomial_recovers_it() -> None:
    X, y = quadratic_data(400)
    model = MLPRegressor(
        (16,), "softplus(beta=2)", learning_rate=0.02, epochs=60, batch_size=16, random_state=0
    )
    model.fit(X, y)
    X_test, y_test = quadratic_data(200, seed=1)
    assert model.score(X_test, y_test) > 0.97
    poly = model.to_polynomial(max_order=2)
    for label, value in {(0,): 0.3, (1,): 1.0, (2, 2): -1.0, (1, 2): 0.5}.items():
        assert poly.coefficient(label) == pytest.approx(value, abs=0.2)
    assert poly.coefficient((2,)) == pytest.approx(0.0, abs=0.1)


@pytest.mark.slow
def test_the_trainer_fits_xor() -> None:
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    xor = np.array([0.0, 1.0, 1.0, 0.0])
    X, y = np.tile(corners, (32, 1)), np.tile(xor, 32)
    model = MLPRegressor(
        (16,), "softplus(beta=2)", learning_rate=0.02, epochs=100, random_state=0
    ).fit(X, y)
    np.testing.assert_allclose(model.predict(corners), xor, atol=0.1)
    poly = model.to_polynomial(max_order=2)
    # XOR = 0.5 - 0.5 * x1 * x2 on the corners of [-1, 1]^2
    assert poly.coefficient((1, 2)) == pytest.approx(-0.5, abs=0.15)
    assert abs(poly.coefficient((1,))) < 0.05 and abs(poly.coefficient((2,))) < 0.05


def test_network_is_the_trained_torch_module() -> None:
    X, y = quadratic_data(100)
    model = MLPRegressor((5, 4), "silu", epochs=3, random_state=1).fit(X, y)
    with torch.no_grad():
        expected = model.model_(torch.tensor(X, dtype=torch.float64)).numpy()[:, 0]
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-12)
    assert model.network_.activations == ("silu", "silu", "linear")
    assert model.network_.widths == (5, 4, 1)
    assert nn2poly.as_network(model.model_) == model.network_
    assert nn2poly.as_network(model) == model.network_


def test_fixed_seed_is_bit_for_bit_deterministic() -> None:
    X, y = quadratic_data(120)
    params = dict(epochs=4, dropout=0.2, validation_fraction=0.25, random_state=7, batch_size=10)
    first = MLPRegressor((6,), **params).fit(X, y).network_
    second = MLPRegressor((6,), **params).fit(X, y).network_
    other = MLPRegressor((6,), **{**params, "random_state": 8}).fit(X, y).network_
    assert first == second
    assert first != other


def test_early_stopping_restores_the_best_weights() -> None:
    X, y = quadratic_data(200)
    params = dict(
        learning_rate=0.1, optimizer="adam", batch_size=20, validation_fraction=0.3, random_state=3
    )
    model = MLPRegressor((8,), epochs=200, n_iter_no_change=3, **params).fit(X, y)
    assert model.stopped_early_
    assert model.best_epoch_ == int(np.argmin(model.validation_loss_curve_))
    assert model.best_epoch_ < model.n_epochs_ - 1
    # the same run cut at the best epoch ends on the restored weights
    cut = MLPRegressor((8,), epochs=model.best_epoch_ + 1, n_iter_no_change=1000, **params).fit(
        X, y
    )
    assert cut.network_ == model.network_


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_every_optimizer_reduces_the_loss(optimizer) -> None:
    X, y = quadratic_data(200)
    learning_rate = {"sgd": 0.1, "momentum": 0.05, "adam": 0.01, "rmsprop": 0.01}[optimizer]
    model = MLPRegressor(
        (8,),
        optimizer=optimizer,
        learning_rate=learning_rate,
        epochs=10,
        weight_decay=1e-4,
        gradient_clip=1.0,
        random_state=0,
    ).fit(X, y)
    assert model.loss_curve_[-1] < 0.7 * model.loss_curve_[0]


def test_multi_output_regression() -> None:
    X, y = quadratic_data(200)
    Y = np.column_stack([y, -X[:, 0]])
    model = MLPRegressor((8,), learning_rate=0.02, epochs=15, random_state=0).fit(X, Y)
    assert model.predict(X).shape == (200, 2)
    assert model.to_polynomial(max_order=2).n_outputs == 2


def test_unconstrained_network_gets_the_accuracy_warning() -> None:
    X, y = quadratic_data(200)
    model = MLPRegressor((8,), constraint=None, learning_rate=0.1, epochs=20, random_state=0).fit(
        X, y
    )
    assert max(n.max() for n in nn2poly.hidden_l1_norms(model.network_)) > 1
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        model.to_polynomial(max_order=2)


def test_to_polynomial_equals_converting_the_network_and_keeps_feature_names() -> None:
    import pandas

    X, y = quadratic_data(100)
    frame = pandas.DataFrame(X, columns=["dose", "age"])
    model = MLPRegressor((4,), epochs=3, random_state=0).fit(frame, y)
    poly = model.to_polynomial(max_order=3, taylor_orders=5)
    direct = nn2poly.to_polynomial(model.network_, max_order=3, taylor_orders=5)
    assert np.array_equal(poly.coef, direct.coef)
    assert poly.feature_names == ("dose", "age")
    assert np.array_equal(nn2poly.to_polynomial(model, 3, taylor_orders=5).coef, direct.coef)


# ----------------------------------------------------------------- validation
def test_inputs_outside_the_unit_box_warn_only_with_a_constraint() -> None:
    X, y = quadratic_data(50)
    with pytest.warns(InputRangeWarning, match="MinMaxScaler"):
        MLPRegressor((3,), epochs=1, random_state=0).fit(3 * X, y)
    MLPRegressor((3,), epochs=1, constraint=None, random_state=0).fit(3 * X, y)  # no warning


@pytest.mark.parametrize(
    "params, pattern",
    [
        ({"constraint": "l3"}, "constraint"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes"),
        ({"epochs": 0}, "epochs"),
        ({"validation_fraction": 1.5}, "validation_fraction"),
        ({"dropout": 1.0}, "dropout"),
        ({"gradient_clip": 0.0}, "gradient_clip"),
        ({"activation": "step"}, "step"),
    ],
)
def test_bad_parameters_are_named(params, pattern) -> None:
    X, y = quadratic_data(20)
    with pytest.raises(ValueError, match=pattern):
        MLPRegressor(**{"hidden_layer_sizes": (3,), "epochs": 1, **params}).fit(X, y)


def test_bad_inputs_are_refused() -> None:
    X, y = quadratic_data(20)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPRegressor((3,), epochs=1).fit(bad, y)
    with pytest.raises(ValueError, match="samples"):
        MLPRegressor((3,), epochs=1).fit(X, y[:10])
    model = MLPRegressor((3,), epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :1])


def test_estimator_api() -> None:
    model = MLPRegressor((4,), "sigmoid", epochs=5, learning_rate=0.01)
    assert model.get_params()["activation"] == "sigmoid"
    model.set_params(epochs=2, constraint="l1-project")
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "network_")
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        copy.predict(np.zeros((1, 2)))
    assert nn2poly.MLPRegressor is MLPRegressor


def test_fitted_estimator_pickles() -> None:
    import pickle

    X, y = quadratic_data(60)
    model = MLPRegressor((4,), "softplus(beta=2)", dropout=0.1, epochs=2, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.network_ == model.network_
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    with torch.no_grad():
        np.testing.assert_array_equal(
            restored.model_(torch.tensor(X)).numpy(), model.model_(torch.tensor(X)).numpy()
        )
