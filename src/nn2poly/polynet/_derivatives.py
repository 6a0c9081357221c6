"""Output, gradient and Hessian of a polynomial network with respect to its weights.

Forward-mode propagation of second-order jets: every neuron carries its value,
its gradient and its Hessian in the weights, for all samples at once. Its cost
does not depend on how many terms the expanded polynomial has, which grows
quickly with depth; it is what the numerical solvers use.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._network import PolynomialNetwork

__all__ = ["output_jets"]

FloatArray = NDArray[np.float64]


def _activation_derivatives(network: PolynomialNetwork, u: FloatArray) -> tuple[FloatArray, ...]:
    coefficients = [float(c) for c in network.polynomial_activation.coefficients]
    value = np.zeros_like(u)
    first = np.zeros_like(u)
    second = np.zeros_like(u)
    for k in range(len(coefficients) - 1, -1, -1):
        second = second * u + 2.0 * first
        first = first * u + value
        value = value * u + coefficients[k]
    return value, first, second


def output_jets(
    network: PolynomialNetwork, parameters: ArrayLike, X: ArrayLike, *, hessian: bool = True
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Output (n,), its gradient (n, P) and Hessian (n, P, P) in the canonical parameters.

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork
    >>> net = PolynomialNetwork(1, (1,), "square", use_bias=False)   # f = v (w x)^2
    >>> value, gradient, hessian = output_jets(net, [2.0, 3.0], [[1.0]])
    >>> value.tolist(), gradient.tolist(), hessian[0].tolist()
    ([12.0], [[12.0, 4.0]], [[6.0, 4.0], [4.0, 0.0]])
    """
    theta = np.asarray(parameters, dtype=float)
    X = np.asarray(X, dtype=float)
    n_samples, n_parameters = X.shape[0], network.n_parameters
    sizes = network.layer_sizes
    # values (n, m), gradients (n, m, P), Hessians (n, m, P, P) of the current layer's outputs
    values = X
    gradients = np.zeros((n_samples, sizes[0], n_parameters))
    hessians = np.zeros((n_samples, sizes[0], n_parameters, n_parameters)) if hessian else None
    position = 0
    for layer in range(1, network.n_layers + 1):
        n_out = sizes[layer]
        u = np.zeros((n_samples, n_out))
        du = np.zeros((n_samples, n_out, n_parameters))
        ddu = np.zeros((n_samples, n_out, n_parameters, n_parameters)) if hessian else None
        for j in range(n_out):
            if network.use_bias:
                u[:, j] += theta[position]
                du[:, j, position] += 1.0
                position += 1
            for i in range(sizes[layer - 1]):
                weight = theta[position]
                u[:, j] += weight * values[:, i]
                du[:, j] += weight * gradients[:, i]
                du[:, j, position] += values[:, i]
                if ddu is not None and hessians is not None:
                    ddu[:, j] += weight * hessians[:, i]
                    ddu[:, j, position, :] += gradients[:, i]
                    ddu[:, j, :, position] += gradients[:, i]
                position += 1
        if layer < network.n_layers:
            g, g1, g2 = _activation_derivatives(network, u)
            values = g
            gradients = g1[:, :, None] * du
            if ddu is not None:
                hessians = g1[:, :, None, None] * ddu + g2[:, :, None, None] * (
                    du[:, :, :, None] * du[:, :, None, :]
                )
        else:
            values, gradients, hessians = u, du, ddu
    return values[:, 0], gradients[:, 0], (hessians[:, 0] if hessians is not None else None)
