"""``local_polynomials``: the network's exact Taylor polynomial at each of many points."""

from __future__ import annotations

from typing import Any

from numpy.typing import ArrayLike

from ._conversion_record import conversion_record
from ._convert import check_max_order
from ._local import LocalPolynomials
from ._local_engine import local_coefficients, local_orders
from ._local_point import check_points
from ._memory import check_limit
from ._polynomial_classes import class_labels
from ._polynomial_input import check_names
from ._provenance import source_kind
from ._validation import check_param
from .adapters import adapt

__all__ = ["local_polynomials"]


def local_polynomials(
    model: Any,
    X0: ArrayLike,
    max_order: int = 2,
    *,
    memory_limit: int | None = None,
    feature_names: list[str] | tuple[str, ...] | None = None,
    output_names: list[str] | tuple[str, ...] | None = None,
    trust: bool = False,
) -> LocalPolynomials:
    """The network's exact Taylor polynomial at each point of ``X0``.

    Every neuron is expanded around its own pre-activation at the point, to
    order ``max_order``, so polynomial ``i`` is the truncated multivariate
    Taylor series of the network at ``X0[i]``, in the variables
    ``x - X0[i]``: value, gradient, Hessian and every interaction up to
    ``max_order``.  It is exact at the point and accurate near it; it is an
    explanation of one prediction, not of the network everywhere.  The
    points share the monomials, the product table and the walk over the
    layers, so many points cost far less than as many conversions.

    Parameters
    ----------
    model : Network or supported model
        As for :func:`nn2poly.to_polynomial`; every non-linear activation must
        be analytic (``tanh``, ``sigmoid``, ``softplus``, ...).
    X0 : array_like or pandas.DataFrame of shape (n_points, n_features)
        The points; a DataFrame is read by column name (and its index is kept
        by :meth:`LocalPolynomials.to_frame`); tensors are detached.
    max_order : int, default=2
        Largest total degree kept: 1 for gradients, 2 for Hessians, 3 and up
        for higher interactions.
    memory_limit : int or None, default=None
        Bytes the computation may use; None uses :func:`nn2poly.get_memory_limit`.
        The points are processed in batches within it; a result that does not
        fit is refused with a ``MemoryLimitError`` before any work.
    feature_names, output_names : sequence of str, optional
        Names of the inputs and outputs (default: from the model).
    trust : bool, default=False
        Allow loading ``model`` from a file whose loader can run code.

    Returns
    -------
    LocalPolynomials
        ``coef`` of shape (n_points, n_terms, n_outputs), with ``values``,
        ``gradients``, ``hessians``, ``derivatives(order)``,
        ``polynomial(i)`` and ``to_frame()``.

    See Also
    --------
    nn2poly.to_polynomial : with ``taylor_center="local", at=x0``, one point.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> X0 = np.random.default_rng(0).normal(size=(1000, 2))
    >>> local = nn2poly.local_polynomials(net, X0, max_order=2)
    >>> local.coef.shape
    (1000, 6, 1)
    >>> local.term_names
    ['1', 'x1', 'x2', 'x1^2', 'x1*x2', 'x2^2']
    >>> print(local.polynomial(0).top(3))  # the largest terms, in x - X0[0]
    y1 = -0.856763*x2 + 0.436869 + 0.192551*x1
    (each variable is x - origin; origin: x1=0.12573, x2=-0.132105)
    """
    caller = "local_polynomials"
    trust = check_param("trust", trust, [bool], caller=caller)
    adapted = adapt(model, trust=trust, data=X0)
    network = adapted.network
    max_order = check_max_order(max_order, caller=caller)
    memory_limit = check_limit("memory_limit", memory_limit, caller=caller)
    names = feature_names if feature_names is not None else adapted.feature_names
    features = check_names(names, network.n_inputs, "x", "feature_names", caller)
    outputs = output_names if output_names is not None else adapted.output_names
    outputs = check_names(outputs, network.n_outputs, "y", "output_names", caller)
    points = check_points(X0, features, name="X0", caller=caller)
    index = X0.index if hasattr(X0, "columns") and hasattr(X0, "index") else None
    basis, coef = local_coefficients(network, points, max_order, memory_limit=memory_limit)
    classes = adapted.classes if adapted.classes is not None else class_labels(model)
    extra = {"approximation_choice": "given", "source": source_kind(model), "classes": classes}
    provenance = conversion_record(local_orders(network, max_order), max_order, extra)
    return LocalPolynomials(
        basis,
        points.copy(),
        coef,
        feature_names=features,
        output_names=outputs,
        link=adapted.link,
        max_order=max_order,
        provenance=provenance,
        index=index,
    )
