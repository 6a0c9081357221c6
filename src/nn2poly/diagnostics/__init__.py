"""How faithful is a polynomial to its network?

:func:`diagnose` reports, layer by layer, where the potentials are and how
well each activation's polynomial follows the activation there, and the
overall fidelity of the polynomial; :func:`plot_activation_fit` draws one
layer's activation, its polynomials and the density of the observed
potentials (matplotlib is imported only then).  :func:`nn2poly.distill` (the
least-squares yardstick) is re-exported here.
"""

from .._distill import distill
from ._diagnose import Diagnosis, LayerDiagnosis, diagnose
from ._plot import plot_activation_fit

__all__ = ["Diagnosis", "LayerDiagnosis", "diagnose", "distill", "plot_activation_fit"]
