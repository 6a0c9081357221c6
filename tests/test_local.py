"""Local polynomials: the network's exact Taylor polynomial at any point.

Checked against the conversion at 0 (taylor_center="local"), against automatic
differentiation in float64 (torch.func) and against mpmath's high-precision
derivatives, at points drawn by hypothesis.
"""

from __future__ import annotations

import itertools
from math import factorial

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nn2poly
from nn2poly._local_engine import local_coefficients

RNG = np.random.default_rng(12)


def _net(widths: tuple[int, ...], activations: list[str], scale: float = 0.5, seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = [
        rng.normal(scale=scale, size=(n_in + 1, n_out))
        for n_in, n_out in itertools.pairwise(widths)
    ]
    return nn2poly.Network.from_weights(weights, activations)


NET = _net((3, 5, 4, 2), ["tanh", "softplus", "linear"])


# ------------------------------------------------------- against the engine
def test_at_zero_is_the_local_expansion_at_the_origin() -> None:
    at_zero = nn2poly.to_polynomial(NET, 3, taylor_center="local", at=np.zeros(3))
    with pytest.warns(nn2poly.TaylorAccuracyWarning):
        local = nn2poly.to_polynomial(NET, 3, taylor_center="local")
    np.testing.assert_array_equal(at_zero.coef, local.coef)
    assert at_zero.labels == local.labels
    np.testing.assert_array_equal(at_zero.origin, np.zeros(3))


@pytest.mark.parametrize("max_order", [1, 2, 3, 4])
def test_many_points_equal_one_conversion_per_point(max_order: int) -> None:
    X0 = RNG.normal(size=(7, 3))
    local = nn2poly.local_polynomials(NET, X0, max_order=max_order)
    assert local.coef.shape == (7, nn2poly.n_monomials(3, max_order), 2)
    for i in range(7):
        one = nn2poly.to_polynomial(
            NET, max_order, taylor_center="local", taylor_orders=max_order, at=X0[i]
        )
        np.testing.assert_allclose(local.coef[i], one.coef, rtol=1e-12, atol=1e-14)
        single = local.polynomial(i)
        assert single.labels == one.labels and single.feature_names == one.feature_names
        np.testing.assert_array_equal(one.origin, X0[i])
        np.testing.assert_array_equal(single.origin, X0[i])


def test_the_constant_is_the_network_and_predict_takes_original_coordinates() -> None:
    x0 = np.array([0.3, -1.2, 2.0])
    poly = nn2poly.to_polynomial(NET, 4, taylor_center="local", at=x0)
    np.testing.assert_allclose(poly.coef[0], NET.forward(x0[None])[0], rtol=1e-13)
    np.testing.assert_allclose(poly.predict(x0[None])[0], NET.forward(x0[None])[0], rtol=1e-13)
    # the remainder of a degree-4 Taylor polynomial shrinks like h^5
    direction = np.array([[0.3, -0.5, 0.2]])
    errors = [
        np.abs(poly.predict(x0 + h * direction) - NET.forward(x0 + h * direction)).max()
        for h in (0.1, 0.05)
    ]
    assert 2**5 * 0.7 < errors[0] / errors[1] < 2**5 * 1.4


def test_keep_layers_are_local_too() -> None:
    x0 = np.array([0.5, 0.1, -0.4])
    poly = nn2poly.to_polynomial(NET, 2, taylor_center="local", at=x0, keep_layers=True)
    assert poly.layers is not None
    first = poly.layers[0].input
    np.testing.assert_array_equal(first.origin, x0)
    np.testing.assert_allclose(
        first.predict(x0[None] + 0.3), NET.layers[0].pre_activation(x0[None] + 0.3), rtol=1e-12
    )


def test_provenance_records_the_point() -> None:
    x0 = np.array([0.5, 0.1, -0.4])
    poly = nn2poly.to_polynomial(NET, 2, taylor_center="local", at=x0)
    assert poly.provenance["at"] == tuple(x0)
    local = nn2poly.local_polynomials(NET, x0[None], max_order=2)
    assert local.provenance["taylor_center"] == "local"
    assert local.polynomial(0).provenance["at"] == tuple(x0)


def test_batches_give_the_same_coefficients(monkeypatch: pytest.MonkeyPatch) -> None:
    import nn2poly._local_engine as engine

    X0 = RNG.normal(size=(23, 3))
    whole = local_coefficients(NET, X0, 3)[1]
    monkeypatch.setattr(engine, "CHUNK_BYTES", 1)  # one point per batch
    np.testing.assert_array_equal(local_coefficients(NET, X0, 3)[1], whole)


@given(
    x0=arrays(np.float64, 3, elements=st.floats(-3, 3)),
    max_order=st.integers(1, 3),
)
def test_random_points_match_the_shifted_conversion(x0: np.ndarray, max_order: int) -> None:
    poly = nn2poly.to_polynomial(NET, max_order, taylor_center="local", at=x0)
    local = nn2poly.local_polynomials(NET, x0[None], max_order=max_order)
    np.testing.assert_allclose(local.coef[0], poly.coef, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(local.values[0], NET.forward(x0[None])[0], rtol=1e-12, atol=1e-15)
    step = x0[None] + 1e-3
    np.testing.assert_allclose(poly.predict(step), NET.forward(step), atol=1e-5)


@given(
    seed=st.integers(0, 2**16),
    activations=st.lists(
        st.sampled_from(["tanh", "sigmoid", "softplus", "silu"]), min_size=1, max_size=3
    ),
    n_points=st.integers(1, 5),
    max_order=st.integers(1, 4),
)
def test_random_networks_batched_equal_shifted(
    seed: int, activations: list[str], n_points: int, max_order: int
) -> None:
    rng = np.random.default_rng(seed)
    widths = (2, *rng.integers(1, 5, size=len(activations)).tolist(), 2)
    net = _net(widths, [*activations, "linear"], scale=0.8, seed=seed)
    X0 = rng.normal(scale=2.0, size=(n_points, 2))
    local = nn2poly.local_polynomials(net, X0, max_order=max_order)
    np.testing.assert_allclose(local.values, net.forward(X0), rtol=1e-12, atol=1e-14)
    for i in range(n_points):
        one = nn2poly.to_polynomial(
            net, max_order, taylor_center="local", taylor_orders=max_order, at=X0[i]
        )
        np.testing.assert_allclose(local.coef[i], one.coef, rtol=1e-11, atol=1e-13)


# ------------------------------------------------ against torch.func (AD)
def _torch_model():
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.Tanh(),
        torch.nn.Linear(6, 5),
        torch.nn.Sigmoid(),
        torch.nn.Linear(5, 2),
    ).double()
    return torch, model


def test_value_gradient_hessian_third_derivatives_match_torch_func() -> None:
    torch, model = _torch_model()
    from torch.func import hessian, jacfwd, jacrev

    X0 = np.random.default_rng(5).normal(size=(6, 4))
    local = nn2poly.local_polynomials(model, X0, max_order=3)
    for i, x in enumerate(torch.tensor(X0)):
        value = model(x).detach().numpy()
        jacobian = jacrev(model)(x).detach().numpy()  # (outputs, features)
        second = hessian(model)(x).detach().numpy()  # (outputs, features, features)
        third = jacfwd(hessian(model))(x).detach().numpy()
        np.testing.assert_allclose(local.values[i], value, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(local.gradients[i], jacobian.T, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(
            local.hessians[i], np.moveaxis(second, 0, -1), rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            local.derivatives(3)[i], np.moveaxis(third, 0, -1), rtol=1e-10, atol=1e-12
        )


def test_torch_tensors_are_points() -> None:
    torch, model = _torch_model()
    X0 = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    local = nn2poly.local_polynomials(model, X0, max_order=1)
    np.testing.assert_allclose(local.values, model(X0).detach().numpy(), rtol=1e-12)
    poly = nn2poly.to_polynomial(model, 1, taylor_center="local", at=X0[1])
    np.testing.assert_allclose(poly.coef, local.coef[1], rtol=1e-12)


# -------------------------------------------------- against mpmath (3rd order)
def _mp_network(net: nn2poly.Network, output: int):
    functions = {"tanh": mp.tanh, "sigmoid": lambda v: 1 / (1 + mp.exp(-v)), "linear": lambda v: v}

    def f(*x):  # type: ignore[no-untyped-def]
        z = [mp.mpf(v) for v in x]
        for layer in net.layers:
            g = functions[layer.activation]
            z = [
                g(
                    mp.mpf(float(layer.bias[j]))
                    + mp.fsum(mp.mpf(float(layer.weight[i, j])) * z[i] for i in range(len(z)))
                )
                for j in range(layer.n_out)
            ]
        return z[output]

    return f


def test_every_coefficient_up_to_third_order_matches_mpmath() -> None:
    net = _net((2, 3, 2, 1), ["tanh", "sigmoid", "linear"], scale=0.8, seed=4)
    x0 = np.array([0.7, -1.3])
    poly = nn2poly.to_polynomial(net, 3, taylor_center="local", at=x0)
    with mp.workdps(40):
        f = _mp_network(net, 0)
        for label, coefficient in zip(poly.labels, poly.coef[:, 0], strict=True):
            exponents = [label.count(1), label.count(2)] if label != (0,) else [0, 0]
            derivative = mp.diff(f, [mp.mpf(float(v)) for v in x0], exponents)
            expected = float(derivative / (factorial(exponents[0]) * factorial(exponents[1])))
            assert coefficient == pytest.approx(expected, rel=1e-11, abs=1e-13), label
        local = nn2poly.local_polynomials(net, x0[None], max_order=3)
        third = local.derivatives(3)[0, :, :, :, 0]
        for j in itertools.product(range(2), repeat=3):
            exponents = [j.count(0), j.count(1)]
            expected = float(mp.diff(f, [mp.mpf(float(v)) for v in x0], exponents))
            assert third[j] == pytest.approx(expected, rel=1e-11, abs=1e-13)


# ----------------------------------------------------------------- views
def test_views_and_frames() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(RNG.normal(size=(4, 3)), columns=["c", "a", "b"], index=list("pqrs"))
    local = nn2poly.local_polynomials(
        NET, frame, max_order=2, feature_names=["a", "b", "c"], output_names=["u", "v"]
    )
    np.testing.assert_allclose(
        local.values, NET.forward(frame[["a", "b", "c"]].to_numpy()), rtol=1e-12
    )
    gradients = local.gradients
    assert gradients.shape == (4, 3, 2) and not gradients.flags.writeable
    assert np.shares_memory(gradients, local.coef)
    hessians = local.hessians
    np.testing.assert_allclose(hessians, np.swapaxes(hessians, 1, 2))
    assert hessians[0, 0, 1, 0] == local.coef[0, local.labels.index((1, 2)), 0]
    assert hessians[0, 2, 2, 1] == 2 * local.coef[0, local.labels.index((3, 3)), 1]
    wide = local.to_frame()
    assert list(wide.index) == list("pqrs")
    assert wide.shape == (4, 2 * local.n_terms)
    assert wide[("v", "a*c")].tolist() == local.coef[:, local.term_names.index("a*c"), 1].tolist()
    assert list(local.to_frame("u").columns) == local.term_names
    assert len(local) == 4 and "n_points=4" in repr(local)
    step = frame[["a", "b", "c"]].to_numpy() + 1e-3
    np.testing.assert_allclose(local.predict(step), NET.forward(step), atol=1e-7)
    row = frame.iloc[2]  # a Series, read by feature name
    poly = nn2poly.to_polynomial(
        NET, 2, taylor_center="local", at=row, feature_names=["a", "b", "c"]
    )
    np.testing.assert_allclose(poly.coef, local.coef[2], rtol=1e-12)


def test_points_from_frames_rows_and_scalars() -> None:
    pd = pytest.importorskip("pandas")
    names = ["a", "b", "c"]
    x0 = np.array([0.3, -0.2, 0.9])
    expected = nn2poly.to_polynomial(NET, 2, taylor_center="local", at=x0, feature_names=names).coef
    one_row = pd.DataFrame([x0[[2, 0, 1]]], columns=["c", "a", "b"])
    for at in (one_row, one_row.iloc[0], list(x0)):
        poly = nn2poly.to_polynomial(NET, 2, taylor_center="local", at=at, feature_names=names)
        np.testing.assert_array_equal(poly.coef, expected)
    with pytest.raises(ValueError, match=r"'at' parameter .* labelled by the feature names"):
        nn2poly.to_polynomial(
            NET,
            2,
            taylor_center="local",
            at=pd.Series(x0, index=["a", "b", "z"]),
            feature_names=names,
        )
    with pytest.raises(ValueError, match=r"'at' parameter .* shape \(3,\)"):
        nn2poly.to_polynomial(
            NET, 2, taylor_center="local", at=pd.concat([one_row, one_row]), feature_names=names
        )
    single = nn2poly.Network.from_weights([[[0.0], [1.0]]], "tanh")
    poly = nn2poly.to_polynomial(single, 3, taylor_center="local", at=0.5)
    np.testing.assert_allclose(poly.coef[:2, 0], [np.tanh(0.5), 1 - np.tanh(0.5) ** 2])


def test_derivatives_of_a_lower_degree_network_are_zero() -> None:
    net = _net((2, 3), ["linear"])
    local = nn2poly.local_polynomials(net, np.zeros((2, 2)), max_order=3)
    assert local.derivatives(3).shape == (2, 2, 2, 2, 3)
    assert not local.derivatives(2).any()
    np.testing.assert_allclose(local.gradients[0], net.layers[0].weight)


def test_class_labels_and_provenance_follow_the_model() -> None:
    sklearn = pytest.importorskip("sklearn.neural_network")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    model = sklearn.MLPClassifier((4,), activation="tanh", max_iter=50, random_state=0)
    with pytest.warns(Warning):  # not converged in 50 iterations
        model.fit(X, y)
    local = nn2poly.local_polynomials(model, X[:3], max_order=2)
    record = local.provenance
    assert record["approximation"] == "taylor" and record["taylor_center"] == "local"
    assert record["max_order"] == 2 and record["classes"] == ("no", "yes")
    assert "nn2poly_version" in record
    poly = local.polynomial(1)
    assert list(poly.predict_class(X[1:2])) == list(model.predict(X[1:2]))
    one = nn2poly.to_polynomial(model, 2, taylor_center="local", at=X[1])
    assert one.provenance["classes"] == ("no", "yes")
    np.testing.assert_allclose(one.coef, poly.coef, rtol=1e-12)


def test_classifiers_keep_their_link() -> None:
    net = _net((2, 3, 1), ["tanh", "linear"])
    adapted = nn2poly.adapters.AdaptedModel(net, link="sigmoid")
    local = nn2poly.local_polynomials(adapted, np.zeros((1, 2)), max_order=2)
    assert local.polynomial(0).link == "sigmoid" and "link='sigmoid'" in repr(local)


# ---------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("at", "error", "match"),
    [
        (np.zeros(2), ValueError, r"'at' parameter of to_polynomial must be an array of shape"),
        (np.zeros((1, 3)), ValueError, r"for many points use nn2poly.local_polynomials"),
        (np.array([0.0, np.nan, 1.0]), ValueError, r"must be finite"),
        ("abc", TypeError, r"'at' parameter of to_polynomial must be an array"),
        (np.array([1j, 0, 0]), TypeError, r"'at' parameter"),
    ],
)
def test_bad_points_are_refused(at: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        nn2poly.to_polynomial(NET, 2, taylor_center="local", at=at)


def test_a_point_that_overflows_the_first_layer_is_refused() -> None:
    net = nn2poly.Network.from_weights([np.array([[0.0], [2.0], [2.0]])], "tanh")
    with pytest.raises(ValueError, match=r"'at' parameter .* potentials are finite"):
        nn2poly.to_polynomial(net, 2, taylor_center="local", at=[1e308, 1e308])


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"taylor_center": 0.5},
        {"approximation": "fit", "data": np.zeros((5, 3)) + np.arange(5)[:, None]},
        {"approximation": nn2poly.TaylorApproximation(8, 0.0)},
    ],
)
def test_at_needs_the_local_taylor_expansion(options: dict) -> None:
    with pytest.raises(ValueError, match=r"'at' parameter of to_polynomial must be None unless"):
        nn2poly.to_polynomial(NET, 2, at=np.zeros(3), **options)


def test_at_with_a_local_approximation_object() -> None:
    approximation = nn2poly.TaylorApproximation(3, "local")
    x0 = np.array([0.2, 0.4, -0.6])
    poly = nn2poly.to_polynomial(NET, 3, approximation=approximation, at=x0)
    np.testing.assert_allclose(
        poly.coef, nn2poly.local_polynomials(NET, x0[None], 3).coef[0], rtol=1e-12
    )


def test_bad_local_polynomials_arguments_are_refused() -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match=r"'X0' parameter of local_polynomials must be an array"):
        nn2poly.local_polynomials(NET, np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"'X0' parameter of local_polynomials must be an array"):
        nn2poly.local_polynomials(NET, np.zeros(3))
    with pytest.raises(ValueError, match=r"must be finite.*Rows \[1\]"):
        nn2poly.local_polynomials(NET, np.array([[0.0, 0, 0], [np.inf, 0, 0]]))
    with pytest.raises(TypeError, match=r"'X0' parameter of local_polynomials"):
        nn2poly.local_polynomials(NET, "points")
    with pytest.raises(ValueError, match=r"labelled by the feature names.*Missing: \['x3'\]"):
        nn2poly.local_polynomials(NET, pd.DataFrame(np.zeros((2, 3)), columns=["x1", "x2", "z"]))
    with pytest.raises(ValueError, match=r"'max_order' parameter of local_polynomials"):
        nn2poly.local_polynomials(NET, np.zeros((1, 3)), max_order=0)
    with pytest.raises(TypeError, match=r"'trust' parameter of local_polynomials"):
        nn2poly.local_polynomials(NET, np.zeros((1, 3)), trust="yes")
    with pytest.raises(nn2poly.MemoryLimitError, match=r"1,000 points.*Pass fewer points"):
        nn2poly.local_polynomials(NET, np.zeros((1000, 3)), max_order=3, memory_limit=100_000)
    relu = _net((2, 3, 1), ["relu", "linear"])
    with pytest.raises(nn2poly.NotAnalyticError):
        nn2poly.local_polynomials(relu, np.zeros((1, 2)))


def test_bad_view_arguments_are_refused() -> None:
    local = nn2poly.local_polynomials(NET, np.zeros((2, 3)), max_order=1)
    with pytest.raises(ValueError, match=r"hessians: the polynomials' max_order must be at least"):
        _ = local.hessians
    with pytest.raises(ValueError, match=r"'order' parameter of LocalPolynomials.derivatives"):
        local.derivatives(2)
    with pytest.raises(TypeError, match=r"'order' parameter of LocalPolynomials.derivatives"):
        local.derivatives(1.0)
    np.testing.assert_array_equal(local.derivatives(0), local.values)
    with pytest.raises(ValueError, match=r"'i' parameter of LocalPolynomials"):
        local.polynomial(2)
    with pytest.raises(ValueError, match=r"one row per point"):
        local.predict(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"'output' parameter of LocalPolynomials.to_frame"):
        local.to_frame("nope")
    with pytest.raises(AttributeError, match="read-only"):
        local.max_order = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        local.coef[0, 0, 0] = 1.0
