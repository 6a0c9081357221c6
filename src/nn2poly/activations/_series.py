"""Exact Taylor coefficients of the analytic activations, by power-series recurrences.

Every function takes an array ``a`` of expansion points, shape ``(m,)``, and an
``order`` and returns ``c`` of shape ``(m, order + 1)`` with
``c[:, n] = g^(n)(a) / n!``.  The recurrences come from the differential
equation each activation satisfies (``tanh' = 1 - tanh^2``, ...), written on
truncated power series in ``t`` for ``g(a + t)``; no finite differences.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from .._kernels_small import series_recurrence

FloatArray = NDArray[np.float64]


def expit(x: FloatArray) -> FloatArray:
    """The logistic function ``1 / (1 + exp(-x))`` (scipy's, imported at first use)."""
    from scipy.special import expit as logistic

    result: FloatArray = logistic(x)
    return result


def erfc(x: FloatArray) -> FloatArray:
    """The complementary error function (scipy's, imported at first use)."""
    from scipy.special import erfc as complementary

    result: FloatArray = complementary(x)
    return result


def _empty(a: FloatArray, order: int) -> FloatArray:
    return np.zeros((a.shape[0], order + 1), dtype=np.float64)


def tanh_series(a: FloatArray, order: int) -> FloatArray:
    """tanh(a + t): from y' = 1 - y^2, with y_1 = sech^2(a) computed directly."""
    c = _empty(a, order)
    c[:, 0] = np.tanh(a)
    if order >= 1:  # clipped (as np.clip, without its overhead) where cosh^2 overflows
        c[:, 1] = 1.0 / np.cosh(np.minimum(np.maximum(a, -350.0), 350.0)) ** 2
    # (n + 1) y_{n+1} = -sum_{k=0}^{n} y_k y_{n-k}, compiled
    series_recurrence(c, order)
    return c


def tanh_series_exact(order: int) -> tuple[Fraction, ...]:
    """tanh(t) at 0 in exact fractions: the recurrence of :func:`tanh_series` with y_0 = 0."""
    c = [Fraction(0)] * (order + 1)
    if order >= 1:
        c[1] = Fraction(1)
    for n in range(1, order):
        c[n + 1] = -sum((c[k] * c[n - k] for k in range(n + 1)), Fraction(0)) / (n + 1)
    return tuple(c)


def polynomial_series_exact(coefficients: tuple[int, ...]):  # type: ignore[no-untyped-def]
    """Exact series at 0 of the fixed polynomial sum_k coefficients[k] x^k."""

    def series(order: int) -> tuple[Fraction, ...]:
        padded = list(coefficients[: order + 1]) + [0] * max(0, order + 1 - len(coefficients))
        return tuple(Fraction(value) for value in padded)

    return series


def sigmoid_series(a: FloatArray, order: int) -> FloatArray:
    """sigmoid(a + t) = (1 + tanh((a + t) / 2)) / 2."""
    c = tanh_series(a / 2.0, order)
    c *= 0.5 ** (np.arange(order + 1) + 1.0)
    c[:, 0] = expit(a)
    return c


def softplus_series(a: FloatArray, order: int, beta: float = 1.0) -> FloatArray:
    """log(1 + exp(beta (a + t))) / beta; its derivative is sigmoid(beta (a + t))."""
    c = _empty(a, order)
    c[:, 0] = np.logaddexp(0.0, beta * a) / beta
    if order >= 1:
        s = sigmoid_series(beta * a, order - 1) * beta ** np.arange(order)
        c[:, 1:] = s / np.arange(1, order + 1)
    return c


def arctan_series(a: FloatArray, order: int) -> FloatArray:
    """arctan(a + t); its derivative is 1 / (1 + (a + t)^2)."""
    c = _empty(a, order)
    c[:, 0] = np.arctan(a)
    if order >= 1:
        q0, q1 = 1.0 + a * a, 2.0 * a
        r = np.zeros((a.shape[0], order))
        r[:, 0] = 1.0 / q0
        for n in range(1, order):
            previous = r[:, n - 2] if n >= 2 else 0.0
            r[:, n] = -(q1 * r[:, n - 1] + previous) / q0
        c[:, 1:] = r / np.arange(1, order + 1)
    return c


def _times_identity(a: FloatArray, inner: FloatArray) -> FloatArray:
    """Series of (a + t) * f(a + t) from the series of f."""
    c = a[:, None] * inner
    c[:, 1:] += inner[:, :-1]
    return c


def silu_series(a: FloatArray, order: int) -> FloatArray:
    """x * sigmoid(x) expanded at a."""
    return _times_identity(a, sigmoid_series(a, order))


def _normal_cdf_series(a: FloatArray, order: int) -> FloatArray:
    """Phi(a + t), the standard normal CDF; Phi' = phi and phi' = -x phi."""
    c = _empty(a, order)
    c[:, 0] = 0.5 * erfc(-a / np.sqrt(2.0))
    if order >= 1:
        phi = np.zeros((a.shape[0], order))
        phi[:, 0] = np.exp(-0.5 * a * a) / np.sqrt(2.0 * np.pi)
        for n in range(order - 1):
            # (n + 1) phi_{n+1} = -(a phi_n + phi_{n-1})
            previous = phi[:, n - 1] if n >= 1 else 0.0
            phi[:, n + 1] = -(a * phi[:, n] + previous) / (n + 1)
        c[:, 1:] = phi / np.arange(1, order + 1)
    return c


def gelu_series(a: FloatArray, order: int) -> FloatArray:
    """x * Phi(x) (the exact, erf form of GELU) expanded at a."""
    return _times_identity(a, _normal_cdf_series(a, order))


def isru_series(a: FloatArray, order: int, alpha: float = 1.0) -> FloatArray:
    """x / sqrt(1 + alpha x^2) expanded at a.

    r = q^m with q = 1 + alpha (a + t)^2 and m = -1/2 satisfies q r' = m q' r,
    which gives ``n q0 r_n = sum_{k=1,2} ((m + 1) k - n) q_k r_{n-k}``.
    """
    m = -0.5
    q0, q1, q2 = 1.0 + alpha * a * a, 2.0 * alpha * a, alpha
    r = _empty(a, order)
    r[:, 0] = q0**m
    for n in range(1, order + 1):
        total = ((m + 1.0) - n) * q1 * r[:, n - 1]
        if n >= 2:
            total = total + (2.0 * (m + 1.0) - n) * q2 * r[:, n - 2]
        r[:, n] = total / (n * q0)
    return _times_identity(a, r)


def polynomial_series(coefficients: tuple[float, ...]):  # type: ignore[no-untyped-def]
    """Series of the fixed polynomial sum_k coefficients[k] x^k, shifted to a."""
    from math import comb

    def series(a: FloatArray, order: int) -> FloatArray:
        c = _empty(a, order)
        for power, value in enumerate(coefficients):
            for k in range(min(power, order) + 1):
                c[:, k] += value * comb(power, k) * a ** (power - k)
        return c

    return series


def linear_series(a: FloatArray, order: int) -> FloatArray:
    """The identity expanded at a: a + t."""
    c = _empty(a, order)
    c[:, 0] = a
    if order >= 1:
        c[:, 1] = 1.0
    return c


def _tanh_of(s: FloatArray) -> FloatArray:
    """tanh(s(t)) for a power series s: y' = w s' with w = 1 - y^2, w_0 = sech^2(s_0)."""
    order = s.shape[1] - 1
    y, w = np.zeros_like(s), np.zeros_like(s)
    y[:, 0] = np.tanh(s[:, 0])
    w[:, 0] = 1.0 / np.cosh(np.clip(s[:, 0], -350.0, 350.0)) ** 2
    ks = np.arange(1, order + 1, dtype=np.float64)
    for n in range(order):
        # (n + 1) y_{n+1} = sum_{k=0}^{n} (k + 1) s_{k+1} w_{n-k}
        y[:, n + 1] = np.einsum("mk,mk->m", ks[: n + 1] * s[:, 1 : n + 2], w[:, n::-1]) / (n + 1)
        w[:, n + 1] = -np.einsum("mk,mk->m", y[:, : n + 2], y[:, n + 1 :: -1])
    return y


def _sigmoid_of(q: FloatArray) -> FloatArray:
    """sigmoid(q(t)) for a power series q: y' = v q' with v = y (1 - y), accurate in both tails."""
    order = q.shape[1] - 1
    y, v = np.zeros_like(q), np.zeros_like(q)
    y[:, 0] = expit(q[:, 0])
    v[:, 0] = y[:, 0] * expit(-q[:, 0])
    ks = np.arange(1, order + 1, dtype=np.float64)
    for n in range(order):
        y[:, n + 1] = np.einsum("mk,mk->m", ks[: n + 1] * q[:, 1 : n + 2], v[:, n::-1]) / (n + 1)
        v[:, n + 1] = y[:, n + 1] - np.einsum("mk,mk->m", y[:, : n + 2], y[:, n + 1 :: -1])
    return y


def mish_series(a: FloatArray, order: int) -> FloatArray:
    """x * tanh(softplus(x)) expanded at a: tanh composed with the softplus series."""
    return _times_identity(a, _tanh_of(softplus_series(a, order)))


def mish_series_exact(order: int) -> tuple[Fraction, ...]:
    """mish at 0 in exact fractions: tanh(softplus(x)) = N / (N + 2) with N = e^{2x} + 2 e^x."""
    from math import factorial

    n = [Fraction(2**k + 2, factorial(k)) for k in range(order + 1)]
    d = [value + (2 if k == 0 else 0) for k, value in enumerate(n)]
    r: list[Fraction] = []
    for k in range(order + 1):  # r = n / d, term by term
        r.append((n[k] - sum((d[j] * r[k - j] for j in range(1, k + 1)), Fraction(0))) / d[0])
    return (Fraction(0), *r[:order])


#: GELU's tanh form: 0.5 x (1 + tanh(k (x + c x^3))) = x sigmoid(2 k (x + c x^3)).
GELU_TANH_K = float(np.sqrt(2.0 / np.pi))
GELU_TANH_C = 0.044715


def gelu_tanh_series(a: FloatArray, order: int) -> FloatArray:
    """GELU's tanh form expanded at a, as x * sigmoid(q(x)) with the cubic q = 2 k (x + c x^3)."""
    two_k = 2.0 * GELU_TANH_K
    q = _empty(a, order)
    b = np.clip(a, -1e4, 1e4)  # beyond, the sigmoid's series is (0 or 1, 0, 0, ...) in float64
    cubic = (two_k * (b + GELU_TANH_C * b**3), two_k * (1.0 + 3.0 * GELU_TANH_C * b * b))
    for power, value in enumerate((*cubic, two_k * 3.0 * GELU_TANH_C * b)):
        if power <= order:
            q[:, power] = value
    if order >= 3:
        q[:, 3] = two_k * GELU_TANH_C
    return _times_identity(a, _sigmoid_of(q))
