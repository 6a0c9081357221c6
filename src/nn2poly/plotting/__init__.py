"""Figures of polynomials and of their fidelity to the network (needs matplotlib).

Examples
--------
>>> import numpy as np
>>> import nn2poly
>>> from nn2poly.plotting import plot_top_coefficients
>>> poly = nn2poly.Polynomial(np.array([[0, 0], [1, 0], [1, 1]]), np.array([[0.5], [-1.0], [2.0]]))
>>> figure = plot_top_coefficients(poly, n=3)
"""

from ._basic import plot_fidelity, plot_top_coefficients

__all__ = ["plot_fidelity", "plot_top_coefficients"]
