"""The l2 weight constraint beside l1 (torch, trainer, Keras), and norms that never exceed 1."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from oracles import WITHOUT_TORCH_AND_SKLEARN

import nn2poly
from nn2poly.training import (
    CONSTRAINTS,
    InputRangeWarning,
    L1Constraint,
    L2Constraint,
    MLPClassifier,
    MLPRegressor,
    l2_rescale,
)
from nn2poly.training._constraints import make_constraint
from nn2poly.training._norm_ball import ball_factors, dtype_eps, potential_bound, row_norms


def hidden_norms(network: nn2poly.Network, order: int) -> list[np.ndarray]:
    """Norm of each hidden neuron's [bias; weights], summed in float64 by numpy."""
    rows = [np.vstack([layer.bias[None, :], layer.weight]) for layer in network.layers[:-1]]
    if order == 1:
        return [np.abs(r).sum(axis=0) for r in rows]
    return [np.sqrt((r * r).sum(axis=0)) for r in rows]


def torch_rows(linear: torch.nn.Linear) -> np.ndarray:
    """[bias | weight] of a Linear as float64 rows, one per neuron."""
    rows = torch.cat([linear.bias[:, None], linear.weight], dim=1).detach()
    return rows.to(torch.float64).numpy()


def blown_up(dtype: torch.dtype, seed: int = 0) -> torch.nn.Sequential:
    """A network whose hidden neurons lie far outside both balls, at many scales."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(40, 64),
        torch.nn.Tanh(),
        torch.nn.Linear(64, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 2),
    ).to(dtype)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            scale = torch.rand(parameter.shape[0], generator=generator, dtype=torch.float64) * 9
            shape = (-1,) + (1,) * (parameter.dim() - 1)
            parameter.mul_((0.5 + scale).reshape(shape).to(dtype))
    return model


# ------------------------------------------------------------------ formulas
def test_l2_rescale_matches_the_reference_formula() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(12, 5)) * rng.uniform(0.05, 3, size=(12, 1))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = vectors * np.minimum(norms, 1.0) / (norms + 1e-7)
    np.testing.assert_allclose(
        l2_rescale(torch.tensor(vectors)).numpy(), expected, rtol=1e-15, atol=0
    )


def test_row_norms_do_not_overflow() -> None:
    vectors = np.array([[3e300, 4e300], [0.0, 0.0], [1.0, -1.0]])
    np.testing.assert_allclose(row_norms(vectors, 2), [5e300, 0.0, math.sqrt(2)], rtol=1e-15)
    np.testing.assert_allclose(row_norms(vectors[1:], 1), [0.0, 2.0])


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_ball_factors_land_inside_after_rounding(order: int, dtype: type) -> None:
    rng = np.random.default_rng(order)
    vectors = rng.normal(size=(500, 60)) * rng.uniform(0.01, 50, size=(500, 1))
    stored = (vectors * ball_factors(vectors, order, 1.0, dtype)[:, None]).astype(dtype)
    norms = row_norms(stored.astype(np.float64), order)
    assert norms.max() <= 1.0
    # rows already inside are left exactly as stored; the rest land just inside
    inside = row_norms(vectors.astype(dtype).astype(np.float64), order) < 1 - 1e-9
    assert np.array_equal(stored[inside], vectors[inside].astype(dtype))
    margin = 8 * np.finfo(dtype).eps + 62 * np.finfo(np.float64).eps  # rounding, 60 entries
    assert norms[~inside].min() > 1 - margin


def test_dtype_eps_knows_numpy_and_ml_dtypes_floats() -> None:
    import ml_dtypes

    for dtype in (np.float16, np.float32, np.float64, ml_dtypes.bfloat16):
        assert dtype_eps(dtype) == float(ml_dtypes.finfo(dtype).eps)


def test_the_l2_ball_bounds_potentials_by_sqrt_p_plus_one_and_no_better() -> None:
    p = 8
    assert potential_bound(1, p) == 1.0
    assert potential_bound(2, p) == 3.0
    # reached: bias and weights all equal to 1 / sqrt(p + 1), every input at 1
    v = np.full(p + 1, 1 / math.sqrt(p + 1))
    assert math.isclose(float(v @ np.ones(p + 1)), potential_bound(2, p), rel_tol=1e-15)
    # and never exceeded on random vectors of the sphere and random inputs of the box
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(2000, p + 1))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    inputs = np.hstack([np.ones((2000, 1)), rng.choice([-1.0, 1.0], size=(2000, p))])
    assert np.abs((rows * inputs).sum(axis=1)).max() <= potential_bound(2, p)


# ------------------------------------------------------------- torch classes
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float32, torch.float64])
@pytest.mark.parametrize(
    "constraint, order",
    [(L1Constraint("l1"), 1), (L1Constraint("l1-project"), 1), (L2Constraint(), 2)],
)
def test_torch_constraints_never_exceed_the_bound(constraint, order, dtype) -> None:  # type: ignore[no-untyped-def]
    model = blown_up(dtype)
    output_weight = model[4].weight.detach().clone()
    constraint(model)
    for linear in (model[0], model[2]):
        assert linear.weight.dtype == dtype
        assert row_norms(torch_rows(linear), order).max() <= 1.0
    assert torch.equal(model[4].weight, output_weight)  # the output layer is free


def test_l2_constraint_rescales_radially_as_the_r_package() -> None:
    linear = torch.nn.Linear(2, 2).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[3.0, 0.0], [0.1, 0.2]], dtype=torch.float64))
        linear.bias.copy_(torch.tensor([4.0, 0.2], dtype=torch.float64))
    L2Constraint().apply(linear)
    rows = torch_rows(linear)
    np.testing.assert_allclose(rows[0], np.array([4.0, 3.0, 0.0]) / (5 + 1e-7), rtol=1e-15)
    # inside the ball: the R rule shrinks it by n / (n + 1e-7) only
    norm = math.sqrt(0.09)
    np.testing.assert_allclose(rows[1], np.array([0.2, 0.1, 0.2]) * norm / (norm + 1e-7))


def test_l2_constraint_is_weaker_than_l1() -> None:
    model_l1, model_l2 = blown_up(torch.float64), blown_up(torch.float64)
    L1Constraint()(model_l1)
    L2Constraint()(model_l2)
    assert row_norms(torch_rows(model_l2[0]), 1).max() > 1.5  # l1 norms beyond 1
    assert row_norms(torch_rows(model_l1[0]), 2).max() <= 1.0  # the l1 ball is inside


def test_make_constraint_names_every_choice() -> None:
    assert CONSTRAINTS == ("l1", "l1-project", "l2")
    assert [repr(make_constraint(name)) for name in CONSTRAINTS] == [
        "L1Constraint('l1')",
        "L1Constraint('l1-project')",
        "L2Constraint()",
    ]
    with pytest.raises(ValueError, match=r"'constraint' parameter of make_constraint must be"):
        make_constraint("l2_norm")
    with pytest.raises(ValueError, match="L2Constraint"):
        L1Constraint("l2")


# ------------------------------------------------------------------- trainer
def data(n: int = 200, p: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, p))
    return X, 0.3 + X[:, 0] - X[:, 1] ** 2 + 0.5 * X[:, 0] * X[:, 2]


def test_trainer_l2_keeps_hidden_neurons_in_the_l2_ball() -> None:
    X, y = data()
    model = MLPRegressor(
        (8, 6), "tanh", constraint="l2", learning_rate=0.05, epochs=8, random_state=0
    ).fit(X, y)
    l2 = hidden_norms(model.network_, 2)
    assert max(n.max() for n in l2) <= 1.0
    assert max(n.max() for n in l2) > 0.99  # the constraint is active
    # potentials within the Cauchy-Schwarz bound sqrt(n_in + 1) of each layer
    for layer_potentials, layer in zip(
        model.network_.pre_activations(X), model.network_.layers[:-1], strict=False
    ):
        assert np.abs(layer_potentials).max() <= potential_bound(2, layer.n_in)
    # and, unlike l1, their l1 norms exceed 1: the Taylor check warns
    assert max(n.max() for n in hidden_norms(model.network_, 1)) > 1
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        model.to_polynomial(max_order=2, approximation="taylor")


def test_trainer_l1_norms_never_exceed_one() -> None:
    X, y = data()
    model = MLPRegressor(
        (8, 6), "tanh", constraint="l1", learning_rate=0.05, epochs=8, random_state=0
    ).fit(X, y)
    assert max(n.max() for n in hidden_norms(model.network_, 1)) <= 1.0


def test_classifier_trains_with_l2() -> None:
    X, _ = data(150)
    labels = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = MLPClassifier((6,), constraint="l2", epochs=20, learning_rate=0.05, random_state=0)
    clf.fit(X, labels)
    assert max(n.max() for n in hidden_norms(clf.network_, 2)) <= 1.0
    assert clf.score(X, labels) > 0.9


def test_input_range_warning_states_the_l2_bound() -> None:
    X, y = data(40, p=8)
    with pytest.warns(InputRangeWarning, match=r"by 3 only for inputs in \[-1, 1\]"):
        MLPRegressor((3,), constraint="l2", epochs=1, random_state=0).fit(2 * X, y)
    with pytest.warns(InputRangeWarning, match=r"by 1 only for inputs in \[-1, 1\]"):
        MLPRegressor((3,), constraint="l1", epochs=1, random_state=0).fit(2 * X, y)


def test_trainer_refuses_an_unknown_constraint_naming_the_choices() -> None:
    X, y = data(20)
    with pytest.raises(ValueError, match=r"'constraint' parameter of MLPRegressor must be one of"):
        MLPRegressor((3,), constraint="l2_norm", epochs=1).fit(X, y)


# --------------------------------------------------------------------- keras
def _keras_model(seed: int = 0):  # type: ignore[no-untyped-def]
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((40,)),
            keras.layers.Dense(200, activation="tanh"),
            keras.layers.Dense(30, activation="tanh"),
            keras.layers.Dense(1),
        ]
    )


def _blow_up(model, seed: int = 0) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        kernel, bias = layer.get_weights()
        scale = rng.uniform(0.01, 5.0, size=kernel.shape[1]).astype(np.float32)
        layer.set_weights([rng.normal(size=kernel.shape).astype(np.float32) * scale, bias + 1])


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("seed", range(3))
def test_keras_callbacks_never_exceed_the_bound_in_float32(order: int, seed: int) -> None:
    model = _keras_model(seed)
    _blow_up(model, seed)
    output = model.layers[-1].get_weights()[0].copy()
    callback = nn2poly.keras_l1_constraint() if order == 1 else nn2poly.keras_l2_constraint()
    callback.apply(model)
    network = nn2poly.as_network(model)
    norms = hidden_norms(network, order)
    assert all(n.max() <= 1.0 for n in norms)  # exactly: no float32 excess
    assert all(n.max() > 1 - 1e-6 for n in norms)
    assert model.layers[0].get_weights()[0].dtype == np.float32
    np.testing.assert_array_equal(model.layers[-1].get_weights()[0], output)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_keras_callbacks_handle_half_precision(dtype: str) -> None:
    import keras

    for order, callback in ((1, nn2poly.keras_l1_constraint()), (2, nn2poly.keras_l2_constraint())):
        model = keras.Sequential(
            [
                keras.Input((5,)),
                keras.layers.Dense(4, activation="tanh", dtype=dtype),
                keras.layers.Dense(1, dtype=dtype),
            ]
        )
        kernel, bias = model.layers[0].get_weights()
        model.layers[0].set_weights([kernel * 10, bias + 3])
        callback.apply(model)
        kernel, bias = model.layers[0].get_weights()
        rows = np.vstack([bias[None, :], kernel]).astype(np.float64).T
        assert str(kernel.dtype) == dtype
        assert row_norms(rows, order).max() <= 1.0


def test_keras_l2_constraint_bounds_neurons_during_training() -> None:
    import keras

    model = _keras_model(4)
    model.compile(keras.optimizers.Adam(0.05), "mse")
    X, y = data(64, p=40)
    model.fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=[nn2poly.keras_l2_constraint()])
    network = nn2poly.as_network(model)
    assert max(n.max() for n in hidden_norms(network, 2)) <= 1.0
    assert max(n.max() for n in hidden_norms(network, 1)) > 1.0


def test_keras_l2_constraint_rescales_only_neurons_outside_the_ball() -> None:
    import keras

    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(2, activation="tanh"), keras.layers.Dense(1)]
    )
    hidden = model.layers[0]
    hidden.set_weights([np.array([[0.3, 0.2], [0.0, -0.2]]), np.array([0.4, 0.1])])
    nn2poly.keras_l2_constraint(max_norm=0.5).apply(model)
    kernel, bias = hidden.get_weights()
    np.testing.assert_allclose(kernel, [[0.3, 0.2], [0.0, -0.2]], rtol=1e-6)  # 0.5 and 0.3
    np.testing.assert_allclose(bias, [0.4, 0.1], rtol=1e-6)
    hidden.set_weights([np.array([[3.0, 0.2], [0.0, -0.2]]), np.array([4.0, 0.1])])
    nn2poly.keras_l2_constraint(max_norm=0.5).apply(model)
    kernel, bias = hidden.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [0.3, 0.0], rtol=1e-6)
    np.testing.assert_allclose(bias[0], 0.4, rtol=1e-6)
    np.testing.assert_array_equal(kernel[:, 1], np.float32([0.2, -0.2]))


def test_keras_callbacks_describe_themselves() -> None:
    l1, l2 = nn2poly.keras_l1_constraint(0.5), nn2poly.keras_l2_constraint(2.0)
    assert l1.get_config() == {"max_norm": 0.5, "order": 1}
    assert l2.get_config() == {"max_norm": 2.0, "order": 2}
    assert type(l1) is type(l2)


@pytest.mark.parametrize(
    "value, error", [(0, ValueError), (-1.0, ValueError), ("1", TypeError), (np.inf, ValueError)]
)
def test_keras_l2_constraint_rejects_bad_max_norm(value: object, error: type) -> None:
    with pytest.raises(error, match="'max_norm' parameter of keras_l2_constraint must be"):
        nn2poly.keras_l2_constraint(max_norm=value)  # type: ignore[arg-type]


def test_keras_l2_constraint_needs_neither_torch_nor_sklearn() -> None:
    code = WITHOUT_TORCH_AND_SKLEARN + textwrap.dedent(
        """
        import nn2poly
        assert callable(nn2poly.keras_l2_constraint)
        from nn2poly.training import keras_l2_constraint
        assert keras_l2_constraint is nn2poly.keras_l2_constraint
        print(sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "sklearn"}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
