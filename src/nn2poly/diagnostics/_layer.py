"""One layer of a diagnosis: where its potentials are and how well its polynomials follow."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..activations import get_activation

__all__ = ["QUANTILES", "LayerDiagnosis"]

FloatArray = NDArray[np.float64]

#: Quantile levels reported for each layer's potentials.
QUANTILES = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)


@dataclass(frozen=True, repr=False)
class LayerDiagnosis:
    """One layer's potentials and how well its polynomials follow the activation.

    Attributes
    ----------
    index : int
        Layer index (0 is the first hidden layer).
    activation : str
    exact : bool
        True when the layer is kept exact (linear activation).
    quantiles : ndarray of shape (len(QUANTILES),)
        Quantiles of all the layer's potentials on ``data`` (levels in
        ``QUANTILES``: 0, 1, 5, 25, 50, 75, 95, 99, 100 %).
    neuron_ranges : ndarray of shape (n_neurons, 2)
        Smallest and largest potential of each neuron.
    share_off : float
        Share of all (sample, neuron) potentials where the polynomial used
        for the activation differs from it by more than the tolerance.
    neuron_share_off : ndarray of shape (n_neurons,)
    neuron_max_error : ndarray of shape (n_neurons,)
        Largest ``|P_j(u) - g(u)|`` over the neuron's potentials.
    worst : tuple of int
        Neurons with the largest ``neuron_share_off`` (then error), worst first.
    centers, coefficients : ndarray
        The polynomials the conversion effectively uses:
        ``P_j(t) = sum_k coefficients[j, k] (t - centers[j])^k``, re-expanded
        around ``u_j(0)`` and cut at the conversion's degree; shapes
        (n_neurons,) and (n_neurons, degree + 1).  None for exact layers.
    potentials : ndarray of shape (n_samples, n_neurons)
        The potentials observed on ``data`` (for plots).
    """

    index: int
    activation: str
    exact: bool
    quantiles: FloatArray
    neuron_ranges: FloatArray
    share_off: float
    neuron_share_off: FloatArray
    neuron_max_error: FloatArray
    worst: tuple[int, ...]
    centers: FloatArray | None
    coefficients: FloatArray | None
    potentials: FloatArray = field(repr=False)

    def polynomial_values(self, t: FloatArray, neuron: int) -> FloatArray:
        """Neuron ``neuron``'s polynomial at the points ``t`` (the activation if exact).

        Examples
        --------
        >>> import numpy as np
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([np.array([[0.0], [0.5]]), np.ones((2, 1))],
        ...                                    ["tanh", "linear"])
        >>> report = nn2poly.diagnose(net, np.linspace(-1, 1, 20)[:, None], max_order=3)
        >>> report.layers[0].polynomial_values(np.array([0.5]), 0).round(4)
        array([0.4583])
        """
        t = np.asarray(t, dtype=np.float64)
        if self.coefficients is None or self.centers is None:
            return get_activation(self.activation).evaluate(t)
        return np.polynomial.polynomial.polyval(t - self.centers[neuron], self.coefficients[neuron])

    def __repr__(self) -> str:
        return (
            f"LayerDiagnosis(index={self.index}, activation={self.activation!r}, "
            f"share_off={self.share_off:.3g}, worst={list(self.worst)})"
        )
