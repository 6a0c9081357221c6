"""Simulated data: scaling, the true polynomial on scaled data, sparse polynomials, configs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn2poly import Polynomial
from nn2poly.study import (
    MinMaxScaling,
    StudyConfig,
    affine_substitute,
    load_config,
    plan_runs,
    preset,
    random_polynomial,
    simulate,
)


@given(
    st.integers(1, 4),
    st.integers(5, 40),
    st.floats(-50, 50),
    st.floats(0.01, 30),
    st.integers(0, 2**16),
)
def test_scaling_is_invertible_and_maps_onto_the_unit_box(p, n, centre, spread, seed):
    X = centre + spread * np.random.default_rng(seed).standard_normal((n, p))
    scaling = MinMaxScaling.fit(X)
    scaled = scaling.transform(X)
    assert np.allclose(scaled.min(axis=0), -1.0) and np.allclose(scaled.max(axis=0), 1.0)
    assert np.allclose(scaling.inverse_transform(scaled), X, rtol=1e-12, atol=1e-9)


def test_scaling_of_a_constant_column_stays_finite():
    scaling = MinMaxScaling.fit(np.array([[2.0, 1.0], [2.0, 3.0]]))
    assert np.array_equal(scaling.transform(np.array([[2.0, 3.0]])), np.array([[0.0, 1.0]]))


@pytest.mark.parametrize("distribution", ["uniform", "normal", "correlated_normal"])
@given(seed=st.integers(0, 2**16), p=st.integers(1, 4), degree=st.integers(1, 3))
def test_true_polynomial_on_scaled_data_gives_the_noiseless_response(distribution, seed, p, degree):
    truth = random_polynomial(p, degree, rng=seed)
    data = simulate(
        truth,
        50,
        distribution=distribution,
        mean_range=(-10, 10),
        correlation=0.3,
        noise_sd=0.5,
        rng=seed,
    )
    assert np.allclose(truth.predict(data.X), data.y_noiseless)
    expected = data.y_scaling.transform(data.y_noiseless)
    assert np.allclose(data.true_scaled.predict(data.X_scaled), expected, rtol=1e-8, atol=1e-8)
    assert np.allclose(data.x_scaling.inverse_transform(data.X_scaled), data.X)
    assert data.true_scaled.degree <= truth.degree


def test_noise_split_and_training_range():
    data = simulate(random_polynomial(2, 2, rng=3), 400, noise_sd=0.1, rng=3)
    assert sorted(np.concatenate([data.train, data.test]).tolist()) == list(range(400))
    assert data.test.size == 100
    assert np.std(data.y - data.y_noiseless) == pytest.approx(0.1, rel=0.15)
    assert np.allclose(np.abs(data.X_scaled[data.train]).max(axis=0), 1.0)


def test_correlated_inputs_have_the_requested_correlation():
    data = simulate(
        random_polynomial(3, 1, rng=0),
        4000,
        distribution="correlated_normal",
        correlation=0.7,
        rng=0,
    )
    correlation = np.corrcoef(data.X, rowvar=False)
    assert correlation[0, 1] == pytest.approx(0.7, abs=0.05)


def test_affine_substitute_matches_direct_evaluation():
    truth = random_polynomial(3, 3, rng=5)
    scale, shift = np.array([2.0, 0.5, 3.0]), np.array([1.0, -4.0, 0.2])
    z = np.random.default_rng(0).uniform(-1, 1, (30, 3))
    q = affine_substitute(truth, scale, shift, output_scale=0.1, output_shift=2.0)
    assert np.allclose(q.predict(z), 0.1 * truth.predict(scale * z + shift) + 2.0)


def test_random_polynomial_sparsity_and_range():
    poly = random_polynomial(
        5, 2, terms_per_degree=[None, 5], coef_range=(-3, 3), intercept=False, rng=1
    )
    assert (poly.degrees == 1).sum() == 5 and (poly.degrees == 2).sum() == 5
    assert poly.n_terms == 10 and np.all(np.abs(poly.coef) <= 3)
    assert (0,) not in poly.labels
    full = random_polynomial(3, 2, rng=0)
    assert full.n_terms == 10 and isinstance(full, Polynomial)


def test_generator_errors_name_the_fix():
    with pytest.raises(ValueError, match="lower it"):
        random_polynomial(2, 2, terms_per_degree=[1, 9])
    with pytest.raises(ValueError, match="distribution"):
        simulate(random_polynomial(2, 1, rng=0), 20, distribution="cauchy")
    with pytest.raises(ValueError, match="reshape"):
        MinMaxScaling.fit(np.empty((0, 2)))


def test_config_grid_seeds_and_toml(tmp_path):
    config = StudyConfig(
        "s", grid={"activation": ["tanh", "sigmoid"], "n": [50, 80]}, repetitions=3
    )
    runs = plan_runs(config)
    assert len(runs) == 12 and [r.repetition for r in runs[:4]] == [0, 0, 0, 0]
    # settings with the same data settings share the data of a repetition, not the network seed
    same_data = [r for r in runs if r.repetition == 1 and r.setting["data"]["n"] == 50]
    assert (
        len({r.data_seed for r in same_data}) == 1 and len({r.network_seed for r in same_data}) == 2
    )
    assert len({r.data_seed for r in runs if r.setting_id == 0}) == 3
    same = plan_runs(config.replace(same_data=True))
    assert len({r.data_seed for r in same if r.setting_id == 0}) == 1
    path = tmp_path / "study.toml"
    path.write_text(
        'name = "t"\nrepetitions = 2\n[data]\nterms_per_degree = ["none", 1]\n'
        '[grid]\nconstraint = ["none", "l1"]\n'
    )
    settings = load_config(path).settings()
    assert [s["network"]["constraint"] for s in settings] == [None, "l1"]
    assert settings[0]["data"]["terms_per_degree"] == [None, 1]
    path.write_text('name = "t"\n[grid]\nwidht = [3]\n')
    with pytest.raises(ValueError, match="widht"):
        load_config(path)


def test_presets_match_the_published_designs():
    morala = preset("morala2021")
    assert morala.repetitions == 500 and len(morala.settings()) == 12
    assert [c["taylor_order"] for c in morala.full_conversions()] == [3, 5, 7]
    assert morala.settings()[0]["data"]["mean_range"] == [-10.0, 10.0]
    tnnls = preset("tnnls2023")
    network = tnnls.settings()[0]["network"]
    assert (network["epochs"], network["batch_size"], network["constraint"]) == (700, 100, "l1")
    assert tnnls.repetitions == 20 and len(tnnls.settings()) == 24
    with pytest.raises(ValueError, match="presets"):
        preset("nope")
