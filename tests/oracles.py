"""Independent slow constructions used as oracles in the tests.

They share no code with the engine: polynomials are dictionaries
``{exponent tuple: mpf}`` in 50-digit arithmetic, powers are formed by
repeated truncated multiplication, and activation Taylor coefficients and
network derivatives come from mpmath.
"""

from __future__ import annotations

import itertools
import textwrap
import warnings
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import mpmath as mp
import numpy as np

import nn2poly
import nn2poly.activations

mp.mp.dps = 50


def _positive_part(function: Callable[[mp.mpf], mp.mpf]) -> Callable[[mp.mpf], mp.mpf]:
    return lambda x: x if x > 0 else function(x)


#: name -> (parameters -> the activation in mpmath); one entry per built-in activation.
ACTIVATION_ORACLES: dict[str, Callable[[dict[str, mp.mpf]], Callable[[mp.mpf], mp.mpf]]] = {
    "tanh": lambda p: mp.tanh,
    "sigmoid": lambda p: lambda x: 1 / (1 + mp.exp(-x)),
    "softplus": lambda p: lambda x: mp.log(1 + mp.exp(p["beta"] * x)) / p["beta"],
    "linear": lambda p: lambda x: x,
    "arctan": lambda p: mp.atan,
    "silu": lambda p: lambda x: x / (1 + mp.exp(-x)),
    "gelu": lambda p: lambda x: x * (1 + mp.erf(x / mp.sqrt(2))) / 2,
    "isru": lambda p: lambda x: x / mp.sqrt(1 + p["alpha"] * x * x),
    "square": lambda p: lambda x: x * x,
    "relu": lambda p: _positive_part(lambda x: mp.mpf(0)),
    "leaky_relu": lambda p: _positive_part(lambda x: p["negative_slope"] * x),
    "elu": lambda p: _positive_part(lambda x: p["alpha"] * mp.expm1(x)),
    "softsign": lambda p: lambda x: x / (1 + abs(x)),
    "step": lambda p: lambda x: mp.mpf(1) if x > 0 else mp.mpf(0),
}

EXACT_ACTIVATIONS = {
    name: ACTIVATION_ORACLES[name]({"beta": mp.mpf(1), "alpha": mp.mpf(1)})
    for name in (
        "tanh",
        "sigmoid",
        "softplus",
        "linear",
        "arctan",
        "silu",
        "gelu",
        "isru",
        "square",
    )
}


def activation_oracle(activation: nn2poly.activations.Activation) -> Callable[[mp.mpf], mp.mpf]:
    """The mpmath function of a registered activation, with its parameters."""
    params = {key: mp.mpf(value) for key, value in activation.params.items()}
    return ACTIVATION_ORACLES[activation.spec.name](params)


Poly = dict[tuple[int, ...], mp.mpf]


def _multiply(a: Poly, b: Poly, max_degree: int) -> Poly:
    out: Poly = {}
    for ea, ca in a.items():
        for eb, cb in b.items():
            e = tuple(i + j for i, j in zip(ea, eb, strict=True))
            if sum(e) <= max_degree:
                out[e] = out.get(e, mp.mpf(0)) + ca * cb
    return out


_ONE = mp.mpf(1)


def _add(a: Poly, b: Poly, scale: mp.mpf = _ONE) -> Poly:
    out = dict(a)
    for e, c in b.items():
        out[e] = out.get(e, mp.mpf(0)) + scale * c
    return out


def taylor_coefficients(name: str, center: float | mp.mpf, order: int) -> list[mp.mpf]:
    """g^(n)(center)/n! for n = 0..order, by mpmath (high-precision numerics)."""
    function = EXACT_ACTIVATIONS[name]
    return [mp.mpf(c) for c in mp.taylor(function, mp.mpf(center), order)]


def truncated_composition(
    weights: Sequence[np.ndarray],
    activations: Sequence[str],
    orders: Sequence[int],
    max_degree: int,
    center: float | str = 0.0,
) -> dict[tuple[int, ...], list[float]]:
    """NN2Poly's semantics done the slow way: P(u) = sum_n g_n (u - a)^n with every
    product truncated at ``max_degree``; returns {exponents: [coef per output]}.
    ``center="local"`` expands each neuron around its own potential at x = 0."""
    p = weights[0].shape[0] - 1
    zero = (0,) * p
    inputs: list[Poly] = [{tuple(int(i == k) for i in range(p)): mp.mpf(1)} for k in range(p)]
    for matrix, name, order in zip(weights, activations, orders, strict=True):
        outputs: list[Poly] = []
        for j in range(matrix.shape[1]):
            u: Poly = {zero: mp.mpf(float(matrix[0, j]))}
            for i, z in enumerate(inputs):
                u = _add(u, z, mp.mpf(float(matrix[i + 1, j])))
            if name == "linear" and order >= 1:
                outputs.append(u)
                continue
            at = u.get(zero, mp.mpf(0)) if center == "local" else mp.mpf(center)
            g = taylor_coefficients(name, at, order)
            shifted = _add(u, {zero: mp.mpf(1)}, -at)
            result: Poly = {zero: g[0]}
            power: Poly = {zero: mp.mpf(1)}
            for n in range(1, order + 1):
                power = _multiply(power, shifted, max_degree)
                result = _add(result, power, g[n])
            outputs.append(result)
        inputs = outputs
    terms = set().union(*[set(o) for o in inputs])
    return {e: [float(o.get(e, 0)) for o in inputs] for e in terms}


def network_taylor_coefficients(
    weights: Sequence[np.ndarray], activations: Sequence[str], max_degree: int
) -> dict[tuple[int, ...], list[float]]:
    """Exact multivariate Taylor coefficients at 0 of the network itself,
    d^a f(0) / a!, by mpmath's high-precision numerical differentiation."""
    p = weights[0].shape[0] - 1
    n_outputs = weights[-1].shape[1]

    def output(k: int):  # type: ignore[no-untyped-def]
        def f(*x):  # type: ignore[no-untyped-def]
            z = list(x)
            for matrix, name in zip(weights, activations, strict=True):
                g = EXACT_ACTIVATIONS[name]
                z = [
                    g(
                        mp.mpf(float(matrix[0, j]))
                        + mp.fsum(mp.mpf(float(matrix[i + 1, j])) * z[i] for i in range(len(z)))
                    )
                    for j in range(matrix.shape[1])
                ]
            return z[k]

        return f

    result: dict[tuple[int, ...], list[float]] = {}
    for degree in range(max_degree + 1):
        for combo in itertools.combinations_with_replacement(range(p), degree):
            exponents = tuple(combo.count(i) for i in range(p))
            factorial = mp.mpf(1)
            for e in exponents:
                factorial *= mp.factorial(e)
            values = []
            for k in range(n_outputs):
                derivative = mp.diff(output(k), [mp.mpf(0)] * p, exponents)
                values.append(float(derivative / factorial))
            result[exponents] = values
    return result


def local_truncated_composition(
    weights: Sequence[np.ndarray],
    activations: Sequence[str],
    orders: Sequence[int],
    max_degree: int,
) -> dict[tuple[int, ...], list[float]]:
    """Truncated composition with each neuron expanded around its own potential at x = 0."""
    return truncated_composition(weights, activations, orders, max_degree, center="local")


# ------------------------------------------------ shared test helpers
def random_weights(
    widths: Sequence[int], seed: int, scale: float | None = None
) -> list[np.ndarray]:
    """Weight list in the reference layout; l1-normalised columns unless ``scale``."""
    rng = np.random.default_rng(seed)
    out = []
    for n_in, n_out in pairwise(widths):
        matrix = rng.normal(size=(n_in + 1, n_out))
        if scale is None:
            matrix /= np.abs(matrix).sum(axis=0, keepdims=True)
        else:
            matrix *= scale
        out.append(matrix)
    return out


def as_dict(poly: nn2poly.Polynomial) -> dict[tuple[int, ...], np.ndarray]:
    """``{exponent tuple: coefficients per output}`` of a polynomial."""
    return {tuple(row): coef for row, coef in zip(poly.powers.tolist(), poly.coef, strict=True)}


def assert_matches(
    poly: nn2poly.Polynomial, expected: dict[tuple[int, ...], list[float]], rtol: float = 1e-12
) -> None:
    """Every coefficient within ``rtol`` of the largest expected one; absent terms are 0."""
    ours = as_dict(poly)
    scale = max(1e-300, max(abs(v) for values in expected.values() for v in values))
    for exponents, values in expected.items():
        value = ours.get(exponents, np.zeros(poly.n_outputs))
        np.testing.assert_allclose(value, values, rtol=0, atol=rtol * scale, err_msg=str(exponents))
    for exponents, value in ours.items():
        if exponents not in expected:
            assert np.all(np.abs(value) <= rtol * scale), exponents


def numpy_forward(
    weights: Sequence[np.ndarray], activations: Sequence[str], X: np.ndarray
) -> np.ndarray:
    """Forward pass of a weight list in plain numpy."""
    functions = {
        "tanh": np.tanh,
        "sigmoid": lambda u: 1.0 / (1.0 + np.exp(-u)),
        "linear": lambda u: u,
        "softplus": lambda u: np.log1p(np.exp(u)),
    }
    z = np.asarray(X, dtype=np.float64)
    for matrix, name in zip(weights, activations, strict=True):
        z = functions[name](z @ matrix[1:] + matrix[0])
    return z


def numpy_evaluate(powers: object, coef: object, X: object) -> np.ndarray:
    """A polynomial's values from its exponent matrix, by plain numpy powers."""
    X = np.asarray(X, dtype=np.float64)
    powers = np.asarray(powers)
    design = np.prod(X[:, None, :] ** powers[None, :, :], axis=2)
    return design @ np.asarray(coef, dtype=np.float64).reshape(len(powers), -1)


def convert_quietly(
    weights: Sequence[np.ndarray], activations: Sequence[str], max_order: int, **options: object
) -> nn2poly.Polynomial:
    """``to_polynomial`` of a weight list, ignoring the Taylor accuracy warning."""
    net = nn2poly.Network.from_weights(weights, activations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nn2poly.TaylorAccuracyWarning)
        return nn2poly.to_polynomial(net, max_order, **options)  # type: ignore[arg-type]


def smallest_accepted_limit(net: Any, max_order: int, **options: Any) -> int:
    """The smallest ``memory_limit`` (bytes) ``to_polynomial`` accepts, by bisection."""
    low, high = 1, 1 << 40
    while low < high:
        middle = (low + high) // 2
        try:
            nn2poly.to_polynomial(net, max_order, memory_limit=middle, **options)
            high = middle
        except nn2poly.MemoryLimitError:
            low = middle + 1
    return low


#: Python source that makes ``torch`` and ``sklearn`` unimportable in a subprocess.
WITHOUT_TORCH_AND_SKLEARN = textwrap.dedent(
    """
    import importlib.abc
    import sys

    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"torch", "sklearn"}:
                raise ModuleNotFoundError(f"No module named {name!r}")
            return None

    sys.meta_path.insert(0, Missing())
    """
)


# ------------------------------------------------ graphs
def graph_taylor_coefficients(
    network: nn2poly.Network, point: Sequence[float], max_degree: int
) -> dict[tuple[int, ...], list[float]]:
    """The exact multivariate Taylor polynomial of a graph network at ``point``, in
    ``t = x - point``: node by node (its own walk over ``network.nodes``), each neuron's
    activation expanded by mpmath around its potential at ``point`` to ``max_degree``,
    sums and concatenations done on the polynomials, every product truncated."""
    p = network.n_inputs
    zero = (0,) * p
    inputs: list[Poly] = [
        {zero: mp.mpf(float(point[k])), tuple(int(i == k) for i in range(p)): mp.mpf(1)}
        for k in range(p)
    ]
    values: dict[str, list[Poly]] = {"input": inputs}
    result: list[Poly] = inputs
    for node in network.nodes:
        operation = node.operation
        if isinstance(operation, nn2poly.Dense):
            (source,) = (values[name] for name in node.inputs)
            outputs: list[Poly] = []
            g = activation_oracle(nn2poly.get_activation(operation.activation))
            for j in range(operation.n_out):
                u: Poly = {zero: mp.mpf(float(operation.bias[j]))}
                for i, z in enumerate(source):
                    u = _add(u, z, mp.mpf(float(operation.weight[i, j])))
                at = u.get(zero, mp.mpf(0))
                series = [mp.mpf(c) for c in mp.taylor(g, at, max_degree)]
                shifted = _add(u, {zero: mp.mpf(1)}, -at)
                out: Poly = {zero: series[0]}
                power: Poly = {zero: mp.mpf(1)}
                for n in range(1, max_degree + 1):
                    power = _multiply(power, shifted, max_degree)
                    out = _add(out, power, series[n])
                outputs.append(out)
            result = outputs
        elif isinstance(operation, nn2poly.Add):
            parts = [values[name] for name in node.inputs]
            result = [dict(poly) for poly in parts[0]]
            for part in parts[1:]:
                result = [_add(a, b) for a, b in zip(result, part, strict=True)]
        else:
            result = [poly for name in node.inputs for poly in values[name]]
        values[node.name] = result
    terms = set().union(*[set(o) for o in result])
    return {e: [float(o.get(e, 0)) for o in result] for e in terms}


def assert_jacobian_matches_differences(
    J: np.ndarray,
    fits: list[Any],
    compose: Callable[[list[Any]], np.ndarray],
    base: np.ndarray,
    M: np.ndarray,
    step: float = 1e-6,
) -> None:
    """Each column of ``J`` against a forward difference: the output's values
    ``M @ compose(fits)`` with one coefficient of one layer's fit moved by
    ``step``, less ``M @ base``, over ``step`` (layers without a fit skipped)."""
    column = 0
    for index, fit in enumerate(fits):
        if fit is None:
            continue
        for j in range(fit[1].shape[0]):
            for k in range(fit[1].shape[1]):
                moved = [None if f is None else (f[0], f[1].copy()) for f in fits]
                moved[index][1][j, k] += step
                numeric = (M @ compose(moved) - M @ base) / step
                scale = max(1.0, float(np.max(np.abs(numeric))))
                assert np.max(np.abs(J[:, column] - numeric)) < 1e-4 * scale
                column += 1
    assert column == J.shape[1]
