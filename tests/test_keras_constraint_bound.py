"""The l1 constraints never leave a stored neuron above its bound, however the norm is summed.

A hidden neuron's ``[bias; weights]`` is stored in float32; its l1 norm is checked by the library
in float64 (:func:`nn2poly.hidden_l1_norms`) and by users in float32
(``abs(kernel).sum(axis=0) + abs(bias)``).  Both stay at most ``max_norm`` for random weights
whose norms lie just above the bound, far above it or inside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn2poly
from nn2poly.training._keras_callback import constrained_rows

#: relative distance of a rescaled neuron from the bound: inside, and not by more than this
CLOSE = 1e-5


@st.composite
def neurons(draw: Any, max_width: int = 120) -> tuple[np.ndarray, np.ndarray, float]:
    """(kernel (p, n), bias (n,)) in float32 and a max_norm; each neuron's norm is drawn just
    above the bound, far above it (up to 1e30 times) or inside it."""
    p = draw(st.integers(1, max_width))
    n = draw(st.integers(1, 5))
    max_norm = draw(st.sampled_from([1.0, 0.5, 0.1, 3.0, 1e-3]) | st.floats(1e-3, 10.0))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(n, p + 1)) * (rng.uniform(size=(n, p + 1)) < draw(st.floats(0.1, 1)))
    rows[:, 0] += 1e-3  # no all-zero neuron
    kinds = draw(st.lists(st.sampled_from(["just_above", "far", "inside"]), min_size=n, max_size=n))
    targets = []
    for kind in kinds:
        if kind == "just_above":
            targets.append(max_norm * (1.0 + draw(st.floats(0.0, 1e-5))))
        elif kind == "far":
            targets.append(max_norm * 10.0 ** draw(st.floats(0.0, 30.0)))
        else:
            targets.append(max_norm * draw(st.floats(0.0, 1.0)))
    rows *= (np.array(targets) / np.abs(rows).sum(axis=1))[:, None]
    rows = rows.astype(np.float32)
    return np.ascontiguousarray(rows[:, 1:].T), rows[:, 0].copy(), max_norm


def _norms(kernel: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The l1 norms as the library checks them (float64) and as a float32 user does."""
    wide = np.abs(bias.astype(np.float64)) + np.abs(kernel.astype(np.float64)).sum(axis=0)
    narrow = (np.abs(kernel).sum(axis=0) + np.abs(bias)).astype(np.float64)
    return wide, narrow


@settings(max_examples=300, deadline=None)
@given(neurons())
def test_rescaled_rows_never_exceed_the_bound(case: tuple[np.ndarray, np.ndarray, float]) -> None:
    kernel, bias, max_norm = case
    rows = np.concatenate([bias[None].astype(np.float64), kernel.astype(np.float64)]).T
    stored = constrained_rows(rows, 1, max_norm, np.float32)
    before = np.abs(rows).sum(axis=1)
    if stored is None:
        assert np.all(np.maximum(*_norms(kernel, bias)) <= max_norm)
        return
    assert stored.dtype == np.float32
    new_kernel, new_bias = np.ascontiguousarray(stored[:, 1:].T), stored[:, 0]
    wide, narrow = _norms(new_kernel, new_bias)
    assert np.all(wide <= max_norm), wide.max() / max_norm - 1
    assert np.all(narrow <= max_norm), narrow.max() / max_norm - 1
    over = before > max_norm
    assert np.all(wide[over] >= max_norm * (1 - CLOSE))  # on the sphere, not deep inside
    inside = before < max_norm * (1 - CLOSE)
    np.testing.assert_array_equal(stored[inside], rows[inside].astype(np.float32))


_KERAS_MODELS: dict[tuple[int, int], Any] = {}


def _keras_model(p: int, n: int) -> Any:
    import keras

    if (p, n) not in _KERAS_MODELS:
        _KERAS_MODELS[(p, n)] = keras.Sequential(
            [keras.Input((p,)), keras.layers.Dense(n, activation="tanh"), keras.layers.Dense(1)]
        )
    return _KERAS_MODELS[(p, n)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(neurons(max_width=8))
def test_keras_l1_constraint_never_exceeds_the_bound(
    case: tuple[np.ndarray, np.ndarray, float],
) -> None:
    kernel, bias, max_norm = case
    model = _keras_model(*kernel.shape)
    model.layers[0].set_weights([kernel, bias])
    nn2poly.keras_l1_constraint(max_norm=max_norm).apply(model)
    new_kernel, new_bias = model.layers[0].get_weights()
    assert new_kernel.dtype == np.float32
    wide, narrow = _norms(new_kernel, new_bias)
    assert np.all(wide <= max_norm) and np.all(narrow <= max_norm)
    (library,) = nn2poly.hidden_l1_norms(nn2poly.as_network(model))
    assert np.all(library <= max_norm)


def _torch_linear(kernel: np.ndarray, bias: np.ndarray) -> Any:
    import torch

    torch.set_num_threads(1)
    linear = torch.nn.Linear(*kernel.shape)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
        linear.bias.copy_(torch.from_numpy(bias))
    return linear


@settings(max_examples=200, deadline=None)
@given(neurons(), st.sampled_from(["l1", "l1-project"]))
def test_torch_l1_constraint_never_exceeds_the_bound_in_float64(
    case: tuple[np.ndarray, np.ndarray, float], mode: str
) -> None:
    kernel, bias, _ = case  # the torch constraint's radius is 1
    linear = _torch_linear(kernel, bias)
    nn2poly.L1Constraint(mode).apply(linear)
    weight = linear.weight.detach().numpy()
    assert weight.dtype == np.float32
    wide, _narrow = _norms(weight.T, linear.bias.detach().numpy())
    assert np.all(wide <= 1.0), wide.max() - 1


def test_torch_l1_constraint_in_float32_summation() -> None:
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(200):
        p, n = int(rng.integers(1, 300)), int(rng.integers(1, 5))
        kernel = (rng.normal(size=(p, n)) * rng.uniform(0.5, 3)).astype(np.float32)
        linear = _torch_linear(kernel, rng.normal(size=n).astype(np.float32))
        nn2poly.L1Constraint("l1").apply(linear)
        weight, bias = linear.weight.detach(), linear.bias.detach()
        worst = max(worst, float((weight.abs().sum(1) + bias.abs()).max()))
    assert worst <= 1.0, worst
