"""Polynomial networks: loss polynomials, critical-point solvers, the gate study."""

from __future__ import annotations

import signal
import sys
from fractions import Fraction

import numpy as np
import pytest

from nn2poly import polynet
from nn2poly.polynet import (
    LossPolynomial,
    PolynomialNetwork,
    gate_data,
    seed_network,
)

# ---------------------------------------------------------------- oracles


def _activation(name: str):
    """Independent definitions of the activations, written out by hand."""
    return {
        "identity": lambda t: t,
        "square": lambda t: t * t,
        "tanh3": lambda t: t - t * t * t / 3,
        "tanh5": lambda t: t - t**3 / 3 + 2 * t**5 / 15,
    }[name]


def _reference_loss(network: PolynomialNetwork, theta, X, y):
    """Squared-error loss by an explicit loop over samples, layers and neurons.

    Works for floats and for ``Fraction`` (exact arithmetic).
    """
    g = _activation(network.activation)
    sizes = network.layer_sizes
    total = 0
    for sample, target in zip(X, y, strict=True):
        values = list(sample)
        position = 0
        for layer in range(1, len(sizes)):
            outputs = []
            for _ in range(sizes[layer]):
                acc = 0
                if network.use_bias:
                    acc += theta[position]
                    position += 1
                for value in values:
                    acc += theta[position] * value
                    position += 1
                outputs.append(acc)
            values = [g(v) for v in outputs] if layer < len(sizes) - 1 else outputs
        total += (values[0] - target) ** 2
    return total


CASES = [
    (activation, bias, hidden)
    for activation in ("identity", "square", "tanh3")
    for bias in (False, True)
    for hidden in ((2,), (2, 2))
]

# ----------------------------------------------------------- loss polynomial


@pytest.mark.parametrize(("activation", "bias", "hidden"), CASES)
def test_loss_polynomial_equals_numeric_loss_at_random_weights(activation, bias, hidden):
    network = PolynomialNetwork(2, hidden, activation, bias)
    rng = np.random.default_rng(len(hidden) * 7 + bias)
    X = rng.uniform(-1, 1, size=(5, 2))
    y = rng.normal(size=5)
    loss = LossPolynomial.build(network, X, y)
    for theta in rng.normal(scale=0.8, size=(3, network.n_parameters)):
        expected = _reference_loss(network, theta, X, y)
        assert loss.value(theta) == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize(
    "network",
    [PolynomialNetwork(2, (2,), "tanh3", True), seed_network(activation="square")],
    ids=["tanh3-2", "square-2-2"],
)
def test_loss_polynomial_is_exact_in_rational_arithmetic(network):
    from sympy import QQ

    X, y = gate_data("xor")
    loss = LossPolynomial.build(network, X, y)
    theta = [Fraction(k % 5 - 2, k % 3 + 2) for k in range(network.n_parameters)]
    exact = _reference_loss(
        network, theta, [[Fraction(int(v)) for v in row] for row in X], y.astype(int)
    )
    element = loss.ring_element()
    assert element(*[QQ(t.numerator, t.denominator) for t in theta]) == QQ(
        exact.numerator, exact.denominator
    )


def test_loss_expression_substitutes_to_the_exact_loss():
    import sympy

    network = PolynomialNetwork(2, (1,), "tanh3", use_bias=True)
    X, y = gate_data("or")
    loss = LossPolynomial.build(network, X, y)
    theta = [Fraction(3, 4), Fraction(-1, 2), Fraction(2, 3), Fraction(1, 5), Fraction(-7, 5)]
    exact = _reference_loss(
        network, theta, [[Fraction(int(v)) for v in row] for row in X], y.astype(int)
    )
    symbols = sympy.symbols(loss.variable_names, real=True)
    value = loss.expression().subs(
        {s: sympy.Rational(t.numerator, t.denominator) for s, t in zip(symbols, theta, strict=True)}
    )
    assert value == sympy.Rational(exact.numerator, exact.denominator)


def test_seed_network_loss_has_the_expected_degree_and_variables():
    loss = LossPolynomial.build(seed_network(), *gate_data("xor"))
    element = loss.ring_element()
    assert loss.n_variables == 10
    assert max(sum(m) for m in element.monoms()) == 6  # (cubic output)^2
    assert len(loss.gradient_elements()) == 10


@pytest.mark.parametrize("activation", ["identity", "square", "tanh3"])
def test_gradient_and_hessian_agree_three_ways(activation):
    network = seed_network(activation=activation, use_bias=True)
    loss = LossPolynomial.build(network, *gate_data("and"))
    theta = np.random.default_rng(3).normal(scale=0.7, size=network.n_parameters)
    gradient, hessian = loss.gradient(theta), loss.hessian(theta)
    np.testing.assert_allclose(gradient, loss.polynomial_gradient(theta), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(hessian, loss.polynomial_hessian(theta), rtol=1e-9, atol=1e-9)
    step = 1e-6
    for k in (0, 5, network.n_parameters - 1):
        shift = np.zeros_like(theta)
        shift[k] = step
        central = (loss.value(theta + shift) - loss.value(theta - shift)) / (2 * step)
        assert central == pytest.approx(gradient[k], rel=1e-5, abs=1e-6)
        column = (loss.gradient(theta + shift) - loss.gradient(theta - shift)) / (2 * step)
        np.testing.assert_allclose(column, hessian[:, k], rtol=1e-5, atol=1e-5)


def test_variable_order_permutes_the_loss_consistently():
    network = seed_network(activation="square")
    X, y = gate_data("xor")
    order = list(reversed(range(network.n_parameters)))
    canonical = LossPolynomial.build(network, X, y)
    reversed_loss = LossPolynomial.build(network, X, y, variable_order=order)
    theta = np.random.default_rng(0).normal(size=network.n_parameters)
    permuted = reversed_loss.from_canonical(theta)
    assert reversed_loss.value(permuted) == pytest.approx(canonical.value(theta), rel=1e-12)
    np.testing.assert_allclose(
        reversed_loss.to_canonical(reversed_loss.gradient(permuted)), canonical.gradient(theta)
    )


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match="tanh"):
        PolynomialNetwork(2, (2,), "tanh4")
    with pytest.raises(ValueError, match="It is not a polynomial activation"):
        PolynomialNetwork(2, (2,), "relu")
    with pytest.raises(ValueError, match="hidden_sizes"):
        PolynomialNetwork(2, (0,), "square")
    with pytest.raises(ValueError, match="permutation"):
        LossPolynomial.build(seed_network(), *gate_data("xor"), variable_order=[0] * 10)
    with pytest.raises(ValueError, match="gate"):
        gate_data("nand")
    with pytest.raises(ValueError, match="time_limit"):
        polynet.solve_groebner(LossPolynomial.build(seed_network(), *gate_data("or")), time_limit=0)


# ------------------------------------------------------------ known solutions

OR_LINEAR = np.array([0.25, 0.5, 0.5])  # least squares of OR on [1, x1, x2] (seed 004)


@pytest.fixture(scope="module")
def or_linear_loss() -> LossPolynomial:
    return LossPolynomial.build(
        PolynomialNetwork(2, (), "identity", use_bias=True), *gate_data("or")
    )


def test_or_linear_reference_is_the_least_squares_solution():
    X, y = gate_data("or")
    design = np.hstack([np.ones((4, 1)), X])
    np.testing.assert_allclose(np.linalg.lstsq(design, y, rcond=None)[0], OR_LINEAR, atol=1e-12)


@pytest.mark.parametrize("solver", ["groebner", "newton", "layerwise", "gd"])
def test_every_solver_finds_the_linear_least_squares_solution(or_linear_loss, solver):
    result = polynet.run_solver(or_linear_loss, solver, n_seeds=3, time_limit=60)
    assert result.status == "solved"
    assert len(result.critical_points) == 1
    point = result.critical_points[0]
    np.testing.assert_allclose(point.parameters, OR_LINEAR, atol=1e-5)
    assert point.kind == "minimum"
    assert point.loss == pytest.approx(0.25, abs=1e-9)


def _is_xor_square_solution(theta: np.ndarray) -> bool:
    """f = v (a x1 + b x2)^2 equals XOR on {0,1}^2 iff v a^2 = v b^2 = 1 and 2 v a b = -2."""
    a, b, v = theta
    return bool(np.allclose([v * a * a, v * b * b, 2 * v * a * b], [1.0, 1.0, -2.0], atol=1e-5))


@pytest.mark.parametrize("solver", ["newton", "layerwise", "gd"])
def test_iterative_solvers_fit_xor_with_a_square_neuron(solver):
    network = PolynomialNetwork(2, (1,), "square", use_bias=False)
    loss = LossPolynomial.build(network, *gate_data("xor"))
    if solver == "newton":  # Newton also converges to saddles: wider, more starts
        result = polynet.solve_newton(loss, n_starts=12, seed=1, scale=1.5)
    else:
        result = polynet.run_solver(loss, solver, n_seeds=4, seed=1)
    best = result.critical_points[0]
    assert best.loss == pytest.approx(0.0, abs=1e-8)
    assert _is_xor_square_solution(best.parameters)
    assert best.is_minimum


@pytest.fixture(scope="module")
def tanh3_small() -> tuple[PolynomialNetwork, np.ndarray, np.ndarray]:
    """f = v (w x - (w x)^3 / 3): no rescaling symmetry, finitely many critical points."""
    network = PolynomialNetwork(1, (1,), "tanh3", use_bias=False)
    return network, np.array([[0.5], [1.0], [-1.5]]), np.array([0.25, 0.5, -0.5])


@pytest.fixture(scope="module")
def tanh3_exact(tanh3_small):
    network, X, y = tanh3_small
    return polynet.solve_groebner(LossPolynomial.build(network, X, y), time_limit=120)


def test_groebner_finds_the_finite_critical_set_exactly(tanh3_small, tanh3_exact):
    network, X, y = tanh3_small
    assert tanh3_exact.status == "solved" and tanh3_exact.dimension == 0
    points = tanh3_exact.critical_points
    # v = 0 with w = 0 or w^2 = 3 * sum(y x^3 ... ) : check independently that each is critical
    loss = LossPolynomial.build(network, X, y)
    for point in points:
        assert np.linalg.norm(loss.polynomial_gradient(point.parameters)) < 1e-8
    # the sign symmetry (w, v) -> (-w, -v) maps the set to itself
    for point in points:
        assert any(np.allclose(-point.parameters, other.parameters, atol=1e-8) for other in points)
    # the global minimum: for fixed w the loss is quadratic in v, minimised in closed form
    w_grid = np.linspace(-2, 2, 40001)
    h = w_grid[:, None] * X[:, 0] - (w_grid[:, None] * X[:, 0]) ** 3 / 3
    v_best = (h @ y) / np.maximum((h * h).sum(axis=1), 1e-300)
    profile = ((v_best[:, None] * h - y) ** 2).sum(axis=1)
    assert points[0].loss == pytest.approx(profile.min(), rel=1e-6)
    assert points[0].kind == "minimum"


def test_numerical_solutions_do_not_depend_on_variable_order(tanh3_small, tanh3_exact):
    network, X, y = tanh3_small
    exact = np.array(sorted(tuple(p.parameters.round(6)) for p in tanh3_exact.critical_points))
    for order in ([0, 1], [1, 0]):
        loss = LossPolynomial.build(network, X, y, variable_order=order)
        found = polynet.solve_newton(loss, n_starts=20, seed=3, scale=1.5)
        canonical = np.array(sorted(tuple(p.parameters.round(6)) for p in found.critical_points))
        assert canonical.shape == exact.shape
        np.testing.assert_allclose(canonical, exact, atol=1e-5)


def test_groebner_respects_its_time_limit(monkeypatch):
    from nn2poly.polynet import _groebner

    started = []
    popen = _groebner.subprocess.Popen

    def recording_popen(*args, **kwargs):
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(_groebner.subprocess, "Popen", recording_popen)
    loss = LossPolynomial.build(seed_network(activation="tanh3", use_bias=True), *gate_data("xor"))
    result = polynet.solve_groebner(loss, time_limit=1.5)
    assert result.status == "gave up"
    assert result.critical_points == []
    assert result.elapsed >= 1.5
    # expanding this loss alone takes minutes; the process is killed, not waited for
    assert len(started) == 1 and started[0].returncode is not None
    if sys.platform != "win32":
        assert started[0].returncode == -signal.SIGKILL


def test_groebner_reports_a_continuum_of_critical_points_for_the_seed_network():
    result = polynet.solve_groebner(
        LossPolynomial.build(seed_network(), *gate_data("xor")), time_limit=30, n_slices=0
    )
    assert result.status == "solved"
    # rescaling hidden neurons keeps the output: the critical set is not finite
    assert result.dimension is not None and result.dimension >= 2


# ------------------------------------------------------------ classification


def test_origin_of_the_seed_network_is_a_degenerate_saddle():
    loss = LossPolynomial.build(seed_network(), *gate_data("xor"))
    origin = np.zeros(loss.n_variables)
    point = polynet.classify_point(loss, origin)
    assert point.gradient_norm == 0.0
    assert np.allclose(point.eigenvalues, 0.0)  # the second-order test says nothing here
    assert point.kind == "saddle"  # ... but the cubic term descends


def test_seed_network_minima_are_the_best_linear_fit():
    loss = LossPolynomial.build(seed_network(), *gate_data("xor"))
    result = polynet.solve_newton(loss, n_starts=8, seed=0)
    X, y = gate_data("xor")
    best_linear = np.linalg.lstsq(X, y, rcond=None)[0]  # no bias: f = c1 x1 + c2 x2
    expected = float(((X @ best_linear - y) ** 2).sum())
    assert result.minimum_levels() == pytest.approx([expected], rel=1e-8)
    for point in result.minima:
        network = loss.network
        weights = [w for w, _ in network.unpack(point.parameters)]
        product = weights[0] @ weights[1] @ weights[2]
        np.testing.assert_allclose(product[:, 0], best_linear, atol=1e-6)


# -------------------------------------------------------------- explanation


@pytest.mark.parametrize("gate", ["xor", "or", "and"])
def test_gate_interpolant_reproduces_the_truth_table(gate):
    c = polynet.gate_interpolant(gate)
    X, y = gate_data(gate)
    values = c[()] + c[(1,)] * X[:, 0] + c[(2,)] * X[:, 1] + c[(1, 2)] * X[:, 0] * X[:, 1]
    np.testing.assert_array_equal(values, y)
    assert c[(1, 2)] != 0  # every gate needs the interaction


def test_nn2poly_shows_identity_cannot_and_square_can_fit_xor():
    identity = seed_network(use_bias=True)
    loss = LossPolynomial.build(identity, *gate_data("xor"))
    best = polynet.solve_newton(loss, n_starts=5).critical_points[0]
    linear = polynet.explain_fit(identity, best.parameters, "xor")
    assert linear.degree <= 1  # with biases the best fit is the constant 1/2
    assert linear.interaction == pytest.approx(0.0, abs=1e-9)
    assert linear.loss == pytest.approx(1.0, rel=1e-8)  # the constant 1/2 is the best
    square = PolynomialNetwork(2, (1,), "square", use_bias=False)
    fitted = polynet.explain_fit(square, [0.7, -0.7, 1 / 0.49], "xor")
    assert fitted.loss == pytest.approx(0.0, abs=1e-12)
    assert fitted.interaction == pytest.approx(-2.0)
    assert fitted.polynomial.coefficient((1, 2)) == pytest.approx(-2.0)
    np.testing.assert_allclose(
        fitted.polynomial.predict(gate_data("xor")[0]), [0, 1, 1, 0], atol=1e-12
    )


# ------------------------------------------------------------ study and CLI


def test_solve_gates_compares_solvers_on_one_configuration():
    rows = polynet.solve_gates(
        gates=["and"],
        activations=["square"],
        use_bias=[False],
        hidden_sizes=(1,),
        solvers=["newton", "layerwise"],
        n_seeds=3,
    )
    assert [row.solver for row in rows] == ["newton", "layerwise"]
    for row in rows:
        assert row.gate == "and" and row.n_runs == 3
        assert row.global_minimum == pytest.approx(min(r.best_loss for r in rows))
        assert 0.0 <= row.share_global <= 1.0
    with pytest.raises(ValueError, match="solvers"):
        polynet.solve_gates(solvers=["sgd"])


def test_cli_solve_gates_prints_the_table():
    from typer.testing import CliRunner

    from nn2poly.cli import app

    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "solve-gates",
            "--gate",
            "xor",
            "--activation",
            "square",
            "--solver",
            "layerwise,newton",
            "--seeds",
            "3",
            "--hidden",
            "1",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "layerwise" in result.output and "newton" in result.output and "xor" in result.output
    assert "x1·x2 coefficient is -2" in result.output
    bad = runner.invoke(app, ["solve-gates", "--gate", "nand"])
    assert bad.exit_code == 2
    assert "--gate" in bad.output


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--hidden", "100000", "--solver", "gd", "--seeds", "1"], "at most 40 weights"),
        (["--hidden", "4,4,4", "--bias"], "these give 57"),
        (["--seeds", "1000"], "--seeds must be an int in the range [1, 200]"),
    ],
)
def test_cli_solve_gates_refuses_networks_and_starts_it_cannot_finish(arguments, expected):
    from typer.testing import CliRunner

    from nn2poly.cli import app

    result = CliRunner().invoke(app, ["solve-gates", *arguments])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert expected in result.output


def test_loss_polynomial_refuses_networks_too_large_to_expand():
    network = polynet.PolynomialNetwork(2, (16, 16), "square", use_bias=True)
    with pytest.raises(ValueError, match=r"at most 128 weights and biases \(this one has 337\)"):
        polynet.LossPolynomial.build(network, *polynet.gate_data("xor"))
