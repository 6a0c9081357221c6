"""How faithful is a polynomial to its network?

:func:`distill` fits the best polynomial of a degree to the network's outputs
(the yardstick); :func:`diagnose` reports, layer by layer, where the
potentials are and how well each activation's polynomial follows the
activation there, and the overall fidelity of the polynomial;
:func:`plot_activation_fit` draws one layer's activation, its polynomials and
the density of the observed potentials.
"""

from ._distill import distill

__all__ = ["distill"]
