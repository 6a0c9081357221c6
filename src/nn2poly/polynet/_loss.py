"""The squared-error loss of a polynomial network as a polynomial in its weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._polynomial import Polynomial
from .._powers import monomial_values
from .._powers_arithmetic import align, derivative
from .._validation import invalid_value
from ._derivatives import output_jets
from ._network import PolynomialNetwork

__all__ = ["GATES", "MAX_LOSS_PARAMETERS", "LossPolynomial", "gate_data"]

#: Most unknowns a loss polynomial is expanded for: the exact expansion grows
#: combinatorially with the network (a 2-16-16-1 square network with biases,
#: 337 unknowns, takes about half a minute and 74,513 terms per sample).
MAX_LOSS_PARAMETERS = 128

FloatArray = NDArray[np.float64]

GATES: dict[str, tuple[int, int, int, int]] = {
    "xor": (0, 1, 1, 0),
    "or": (0, 1, 1, 1),
    "and": (0, 0, 0, 1),
}


def check_gate(gate: Any, *, caller: str) -> str:
    """The gate's name in lower case; refuse any name that is not in :data:`GATES`.

    Examples
    --------
    >>> check_gate("XOR", caller="gate_data")
    'xor'
    """
    key = str(gate).lower()
    if key not in GATES:
        raise invalid_value(
            "gate",
            gate,
            "one of " + ", ".join(repr(name) for name in sorted(GATES)),
            caller=caller,
            fix="The logic gates are named in any case, e.g. 'xor' or 'XOR'.",
        )
    return key


def gate_data(gate: str) -> tuple[FloatArray, FloatArray]:
    """Inputs (4, 2) and targets (4,) of a logic gate: ``"xor"``, ``"or"`` or ``"and"``.

    Examples
    --------
    >>> X, y = gate_data("xor")
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    key = check_gate(gate, caller="gate_data")
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array(GATES[key], dtype=float)


def _to_rational(value: float) -> Any:
    import sympy

    return sympy.Rational(float(value))  # exact binary value of the float


@dataclass(frozen=True)
class LossPolynomial:
    """``L(theta) = sum_i (f(x_i; theta) - y_i)^2`` as an exact polynomial in the weights.

    Built with sympy's sparse polynomial rings over the rationals (every float in
    the data is taken at its exact binary value). The network's output on every
    sample is kept as one :class:`nn2poly.Polynomial` in the weights with one
    output per sample (``outputs``), and its partial derivatives as
    ``(powers, coef)`` arrays, so value, gradient and Hessian are exact and
    fast: ``grad L = 2 sum r_i grad f_i``,
    ``hess L = 2 sum (grad f_i grad f_i^T + r_i hess f_i)``.

    Parameters
    ----------
    network : PolynomialNetwork
    X : array of shape (n_samples, n_inputs)
    y : array of shape (n_samples,)
    variable_order : sequence of int, optional
        A permutation of the canonical parameters: variable ``k`` of this loss
        is canonical parameter ``variable_order[k]``. Changes only the order of
        the unknowns (it matters to Gröbner bases, it should not matter to a
        numerical solver).

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork, gate_data
    >>> network = PolynomialNetwork(2, (), "identity", use_bias=False)
    >>> loss = LossPolynomial.build(network, *gate_data("xor"))
    >>> print(loss.expression())
    2*w1_1_1**2 + 2*w1_1_1*w1_2_1 - 2*w1_1_1 + 2*w1_2_1**2 - 2*w1_2_1 + 2
    >>> round(loss.value([1 / 3, 1 / 3]), 12)
    1.333333333333
    """

    network: PolynomialNetwork
    X: FloatArray
    y: FloatArray
    variable_order: tuple[int, ...]
    residual_elements: tuple[Any, ...] = field(repr=False)
    outputs: Polynomial = field(repr=False)
    _output_derivatives: tuple[tuple[NDArray[np.int64], FloatArray], ...] = field(repr=False)

    @classmethod
    def build(
        cls,
        network: PolynomialNetwork,
        X: ArrayLike,
        y: ArrayLike,
        *,
        variable_order: Sequence[int] | None = None,
    ) -> LossPolynomial:
        """Expand the network on every sample (see the class docstring)."""
        from sympy import QQ
        from sympy.polys.rings import ring

        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).reshape(-1)
        if X.ndim != 2 or X.shape[1] != network.n_inputs or X.shape[0] != y.shape[0]:
            raise invalid_value(
                "X",
                X,
                f"an array of shape (n_samples, {network.n_inputs}) with one row per entry of y "
                f"({y.shape[0]})",
                caller="LossPolynomial.build",
                fix="Give one row of X and one target in y per sample.",
            )
        n = network.n_parameters
        if n > MAX_LOSS_PARAMETERS:
            raise invalid_value(
                "network",
                network,
                f"a network with at most {MAX_LOSS_PARAMETERS} weights and biases (this one has "
                f"{n})",
                caller="LossPolynomial.build",
                fix="The loss is expanded exactly, which grows combinatorially with the network: "
                "use fewer or narrower hidden layers.",
            )
        order = tuple(range(n)) if variable_order is None else tuple(int(k) for k in variable_order)
        if sorted(order) != list(range(n)):
            raise invalid_value(
                "variable_order",
                variable_order,
                f"a permutation of range({n})",
                caller="LossPolynomial.build",
                fix="Give each canonical parameter index exactly once, or leave it out.",
            )
        names = [network.parameter_names[k] for k in order]
        polynomial_ring, *symbols = ring(",".join(names), QQ)
        canonical = [None] * n
        for position, k in enumerate(order):
            canonical[k] = symbols[position]
        residuals, powers, coefs = [], [], []
        for sample, target in zip(X, y, strict=True):
            inputs = [polynomial_ring(_to_rational(v)) for v in sample]
            output = polynomial_ring(network.propagate(inputs, canonical))
            residuals.append(output - polynomial_ring(_to_rational(target)))
            terms = list(output.terms())
            powers.append(np.array([m for m, _ in terms], dtype=np.int64).reshape(len(terms), n))
            coefs.append(np.array([float(c) for _, c in terms], dtype=np.float64))
        union, columns = align(powers, coefs)
        coef = np.stack(columns, axis=1) if columns else np.zeros((0, 0))
        outputs = Polynomial(union, coef, feature_names=names)
        derivatives = tuple(derivative(union, coef, k) for k in range(n))
        return cls(network, X, y, order, tuple(residuals), outputs, derivatives)

    # --------------------------------------------------------------- symbolic
    @property
    def variable_names(self) -> tuple[str, ...]:
        """Names of the unknowns in this loss's variable order."""
        return tuple(self.network.parameter_names[k] for k in self.variable_order)

    @property
    def n_variables(self) -> int:
        """Number of unknowns."""
        return len(self.variable_order)

    def ring_element(self) -> Any:
        """The loss as a sympy ``PolyElement`` over QQ (exact, expanded).

        The expansion squares each sample's output polynomial: cheap for
        shallow networks, slow (minutes) for two hidden tanh3 layers with biases.
        """
        total = self.residual_elements[0] ** 2
        for residual in self.residual_elements[1:]:
            total = total + residual**2
        return total

    def expression(self) -> Any:
        """The expanded loss as a sympy expression in real weight symbols (this order)."""
        import sympy

        return self.ring_element().as_expr(*sympy.symbols(self.variable_names, real=True))

    def gradient_elements(self) -> list[Any]:
        """The critical-point equations ``dL/dtheta_k = 0`` as ring elements (this order)."""
        loss = self.ring_element()
        return [loss.diff(symbol) for symbol in loss.ring.gens]

    def to_canonical(self, theta: ArrayLike) -> FloatArray:
        """Map a point in this loss's variable order to the canonical order."""
        point = np.asarray(theta, dtype=float)
        canonical = np.empty_like(point)
        canonical[list(self.variable_order)] = point
        return canonical

    def from_canonical(self, theta: ArrayLike) -> FloatArray:
        """Map a canonical parameter vector to this loss's variable order."""
        return np.asarray(theta, dtype=float)[list(self.variable_order)]

    # ---------------------------------------------------------------- numeric
    def residuals(self, theta: ArrayLike) -> FloatArray:
        """``f(x_i; theta) - y_i`` for every sample (theta in this variable order)."""
        point = np.asarray(theta, dtype=float).reshape(1, -1)
        return self.outputs.decision_function(point)[0] - self.y

    def output_jacobian(self, theta: ArrayLike) -> FloatArray:
        """``d f(x_i) / d theta_k`` from the expanded polynomials, (n_samples, n_variables)."""
        point = np.asarray(theta, dtype=float).reshape(1, -1)
        return np.stack(
            [
                (monomial_values(powers, point) @ coef)[0]
                for powers, coef in self._output_derivatives
            ],
            axis=1,
        )

    def value(self, theta: ArrayLike) -> float:
        """Loss at ``theta``, evaluated from the expanded polynomial."""
        r = self.residuals(theta)
        return float(r @ r)

    def polynomial_gradient(self, theta: ArrayLike) -> FloatArray:
        """Gradient differentiated term by term from the expanded polynomial."""
        return 2.0 * self.residuals(theta) @ self.output_jacobian(theta)

    def polynomial_hessian(self, theta: ArrayLike) -> FloatArray:
        """Hessian differentiated term by term from the expanded polynomial."""
        r = self.residuals(theta)
        jacobian = self.output_jacobian(theta)
        point = np.asarray(theta, dtype=float).reshape(1, -1)
        n = self.n_variables
        second = np.empty((n, n, len(r)))  # d2 f_i / d theta_k d theta_l
        for k, (powers, coef) in enumerate(self._output_derivatives):
            for m in range(n):
                d_powers, d_coef = derivative(powers, coef, m)
                second[k, m] = (monomial_values(d_powers, point) @ d_coef)[0]
        curvature = second @ r
        return 2.0 * jacobian.T @ jacobian + (curvature + curvature.T)

    def _jets(self, theta: ArrayLike, hessian: bool) -> tuple[FloatArray, FloatArray, Any]:
        canonical = self.to_canonical(theta)
        value, gradient, second = output_jets(self.network, canonical, self.X, hessian=hessian)
        order = list(self.variable_order)
        gradient = gradient[:, order]
        if second is not None:
            second = second[:, order][:, :, order]
        return value - self.y, gradient, second

    def gradient(self, theta: ArrayLike) -> FloatArray:
        """Exact gradient of the loss, shape (n_variables,) (forward-mode jets)."""
        residual, jacobian, _ = self._jets(theta, hessian=False)
        return 2.0 * residual @ jacobian

    def hessian(self, theta: ArrayLike) -> FloatArray:
        """Exact Hessian of the loss, shape (n_variables, n_variables) (forward-mode jets).

        ``2 sum_i (grad f_i grad f_i^T + r_i hess f_i)``.
        """
        residual, jacobian, second = self._jets(theta, hessian=True)
        return 2.0 * (jacobian.T @ jacobian + np.einsum("i,ijk->jk", residual, second))
