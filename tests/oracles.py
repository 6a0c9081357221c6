"""Independent slow constructions used as oracles in the tests.

They share no code with the engine: polynomials are dictionaries
``{exponent tuple: mpf}`` in 50-digit arithmetic, powers are formed by
repeated truncated multiplication, and activation Taylor coefficients and
network derivatives come from mpmath.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import mpmath as mp
import numpy as np

mp.mp.dps = 50

EXACT_ACTIVATIONS = {
    "tanh": mp.tanh,
    "sigmoid": lambda x: 1 / (1 + mp.exp(-x)),
    "softplus": lambda x: mp.log(1 + mp.exp(x)),
    "linear": lambda x: x,
    "arctan": mp.atan,
    "silu": lambda x: x / (1 + mp.exp(-x)),
    "gelu": lambda x: x * (1 + mp.erf(x / mp.sqrt(2))) / 2,
    "isru": lambda x: x / mp.sqrt(1 + x * x),
    "square": lambda x: x * x,
}

Poly = dict[tuple[int, ...], mp.mpf]


def _multiply(a: Poly, b: Poly, max_degree: int) -> Poly:
    out: Poly = {}
    for ea, ca in a.items():
        for eb, cb in b.items():
            e = tuple(i + j for i, j in zip(ea, eb))
            if sum(e) <= max_degree:
                out[e] = out.get(e, mp.mpf(0)) + ca * cb
    return out


def _add(a: Poly, b: Poly, scale: mp.mpf = mp.mpf(1)) -> Poly:
    out = dict(a)
    for e, c in b.items():
        out[e] = out.get(e, mp.mpf(0)) + scale * c
    return out


def taylor_coefficients(name: str, center: float, order: int) -> list[mp.mpf]:
    """g^(n)(center)/n! for n = 0..order, by mpmath (high-precision numerics)."""
    function = EXACT_ACTIVATIONS[name]
    return [mp.mpf(c) for c in mp.taylor(function, mp.mpf(center), order)]


def truncated_composition(
    weights: Sequence[np.ndarray],
    activations: Sequence[str],
    orders: Sequence[int],
    max_degree: int,
    center: float = 0.0,
) -> dict[tuple[int, ...], list[float]]:
    """NN2Poly's semantics done the slow way: P(u) = sum_n g_n (u - a)^n with every
    product truncated at ``max_degree``; returns {exponents: [coef per output]}."""
    p = weights[0].shape[0] - 1
    zero = (0,) * p
    inputs: list[Poly] = [{tuple(int(i == k) for i in range(p)): mp.mpf(1)} for k in range(p)]
    for matrix, name, order in zip(weights, activations, orders):
        outputs: list[Poly] = []
        for j in range(matrix.shape[1]):
            u: Poly = {zero: mp.mpf(float(matrix[0, j]))}
            for i, z in enumerate(inputs):
                u = _add(u, z, mp.mpf(float(matrix[i + 1, j])))
            if name == "linear" and order >= 1:
                outputs.append(u)
                continue
            g = taylor_coefficients(name, center, order)
            shifted = _add(u, {zero: mp.mpf(1)}, -mp.mpf(center))
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
            for matrix, name in zip(weights, activations):
                g = EXACT_ACTIVATIONS[name]
                z = [
                    g(mp.mpf(float(matrix[0, j])) + mp.fsum(mp.mpf(float(matrix[i + 1, j])) * z[i] for i in range(len(z))))
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
