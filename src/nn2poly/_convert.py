"""Network -> Polynomial: the NN2Poly conversion.  Nothing framework-specific.

:func:`to_polynomial` reads the model and resolves the approximation;
:func:`nn2poly._engine.convert_network` (the engine) walks the layers.
"""

from __future__ import annotations

from typing import Any

from ._approximation import LayerApproximation
from ._conversion_record import conversion_record
from ._engine import UsedPolynomials, convert_network
from ._local_point import centred, expand_at
from ._memory import check_limit
from ._polynomial import LayerPolynomials, Polynomial
from ._polynomial_classes import class_labels
from ._provenance import source_kind
from ._resolve import choose_approximation, resolve_approximation
from ._validation import Interval, check_param
from .adapters import AdaptedModel, adapt

__all__ = ["build_polynomial", "check_max_order", "convert_network", "to_polynomial"]


def check_max_order(max_order: object, *, caller: str = "to_polynomial") -> int:
    """``max_order`` as an int >= 1, or an error in the validation template.

    Examples
    --------
    >>> check_max_order(3)
    3
    """
    return int(
        check_param(
            "max_order",
            max_order,
            [Interval(int, 1, None)],
            caller=caller,
            fix="max_order is the largest total degree kept, e.g. 3.",
        )
    )


def to_polynomial(
    model: Any,
    max_order: int = 2,
    *,
    taylor_orders: int | list[int] | tuple[int, ...] | None = None,
    taylor_center: float | str = 0.0,
    keep_layers: bool = False,
    memory_limit: int | None = None,
    max_interaction: int | None = None,
    feature_names: list[str] | tuple[str, ...] | None = None,
    output_names: list[str] | tuple[str, ...] | None = None,
    approximation: Any = "auto",
    data: Any = None,
    interval: Any = None,
    trust: bool = False,
    at: Any = None,
    link: str | None = None,
) -> Polynomial:
    """Convert a feed-forward network into its NN2Poly polynomial.

    Each activation is replaced by its Taylor polynomial, the polynomials are
    composed layer by layer, and every product is truncated at total degree
    ``max_order``.

    Parameters
    ----------
    model : Network or supported model
        An :class:`nn2poly.Network`, a ``(weights, activations)`` pair in the
        reference layout, a path to a saved model, or a PyTorch, Keras,
        scikit-learn or ONNX model.
    max_order : int, default=2
        Largest total degree kept (``Q``).  The result's degree is
        ``min(max_order, product of the non-linear layers' Taylor orders)``.
    taylor_orders : int, sequence of int or None, default=None
        Order of each activation's expansion.  None: 8 on non-linear layers
        and 1 on linear ones; an int: that order on every non-linear layer; a
        sequence: one order per layer, output layer included.  With
        ``approximation="fit"`` it is the degree of each fitted polynomial,
        capped at ``max_order`` (higher powers of a neuron's polynomial do
        not survive the truncation at ``max_order``).
    taylor_center : float or "local", default=0.0
        Point every activation is expanded around; ``"local"`` expands each
        neuron around its own pre-activation at ``x = at`` (default 0), giving
        the network's exact multivariate Taylor polynomial at that point when
        every non-linear order is at least ``max_order``.
    keep_layers : bool, default=False
        Keep each layer's input (pre-activation) and output polynomials in
        ``Polynomial.layers``.
    memory_limit : int or None, default=None
        Bytes the conversion may allocate; None uses
        :func:`nn2poly.get_memory_limit` (half the available memory unless
        set).  Requests over it fail at once with a ``MemoryLimitError``.
    max_interaction : int or None, default=None
        Keep only the monomials with at most this many distinct variables:
        ``2`` gives the main effects and the pairwise interactions (of any
        degree up to ``max_order``), the terms interaction methods such as
        SHAP-IQ or EBM work with.  The monomials left out form an ideal, so
        every kept coefficient is exactly the one of the full conversion;
        the basis, and the time and memory, shrink accordingly (with many
        inputs, e.g. 1000, max_order 3 needs it).  None keeps every monomial.
    feature_names, output_names : sequence of str, optional
        Names of the inputs and outputs (default: from the model, else
        ``x1..xp`` and ``y1..yk``).
    approximation : {"auto", "taylor", "fit"}, TaylorApproximation or FitApproximation
        ``"auto"`` (default): ``"taylor"`` when every expanded neuron is
        l1-constrained (and ``data``, if given, lie in [-1, 1]), when
        ``taylor_center`` is given, or when neither ``data`` nor ``interval``
        is given; ``"fit"`` on ``data``/``interval`` otherwise.  The choice
        and its reason are in ``poly.provenance``.  ``"taylor"``: NN2Poly's
        Taylor expansion, accurate where the
        potentials stay near the centre (l1-constrained networks); the same
        as ``TaylorApproximation(taylor_orders, taylor_center)``.  ``"fit"``:
        each neuron's activation is replaced by a polynomial fitted where its
        potentials really are, which also works for non-analytic activations
        (``relu``, ``elu``, ...); the same as ``FitApproximation(data,
        interval, taylor_orders)``.  With ``data``, layer by layer, each
        neuron's polynomial is the least-squares choice for which the
        truncated composition matches the network's true activations on
        ``data``; with ``interval``, it is the Chebyshev least-squares fit of
        the activation over that range.  The result depends on ``data`` and
        is faithful where the data are; check it with
        :func:`nn2poly.diagnose`.  ``taylor_center`` does not apply.  With
        an object, leave the shorthand options at their defaults.
    data : array_like of shape (n_samples, n_features), optional
        Inputs whose forward pass gives the potentials, for ``"fit"`` (and
        ``"auto"``, which fits on them unless the network is l1-constrained);
        usually the training inputs (at most 10,000 evenly spaced rows are
        used).  Tensors are detached and copied to the CPU.
    interval : (low, high) or sequence of (low, high), optional
        Range of potentials to fit over when there is no data, for
        ``"fit"``: one pair for every layer or one pair per layer.
    trust : bool, default=False
        Allow loading ``model`` from a file whose loader can run code (pickle,
        joblib, TorchScript, legacy HDF5); only for files you trust.
    at : array_like of shape (n_features,), optional
        With ``taylor_center="local"``: the point to expand at (a row of
        ``X``, a pandas Series by feature name, a tensor).  The polynomial is
        the network's Taylor polynomial at ``at``, in the variables
        ``x - at``; ``poly.origin`` holds ``at`` and ``predict`` takes ``X`` in
        the original coordinates.  Its constant is the network's output at
        ``at``, its degree-1 coefficients the gradient there.  For many points
        see :func:`nn2poly.local_polynomials`.  Refused with any other
        approximation.  Exact at ``at`` and meant near it, it gives no
        ``TaylorAccuracyWarning``.
    link : {None, "softmax", "sigmoid"}, default=None
        Declares the output link of a classifier that emits raw logits
        (trained with ``CrossEntropyLoss``: ``"softmax"``; with
        ``BCEWithLogitsLoss``: ``"sigmoid"``): the polynomial describes the
        logits and ``predict_proba``/``predict_class`` apply the link.  None
        keeps the model's own link (a final softmax or sigmoid, or the one a
        saved network declares).

    Returns
    -------
    Polynomial
        Coefficients of shape ``(n_terms, n_outputs)`` over every monomial of
        degree at most the result's degree, in graded-lexicographic order.

    Raises
    ------
    MemoryLimitError
        If the conversion would need more memory than the limit (checked
        before anything is allocated), or a Taylor order is above 1000.
    NonFiniteCoefficientsError
        If a layer's coefficients overflow (weights too large for this
        ``max_order``, a centre far from the potentials, ...).

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> poly = nn2poly.to_polynomial(net, max_order=2)
    >>> poly.labels[:4]
    [(0,), (1,), (2,), (1, 1)]
    >>> poly.coef.shape
    (6, 1)

    Fitted where the potentials are, from the training inputs:

    >>> X = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    >>> fitted = nn2poly.to_polynomial(net, max_order=3, approximation="fit", data=X)
    >>> taylor = nn2poly.to_polynomial(net, max_order=3)
    >>> def worst(p): return round(float(np.max(np.abs(p.predict(X) - net.forward(X)[:, 0]))), 3)
    >>> worst(fitted), worst(taylor)
    (0.011, 0.053)

    The network's exact Taylor polynomial at one observation, in ``x - at``:

    >>> x0 = np.array([0.5, -0.5])
    >>> local = nn2poly.to_polynomial(net, 2, taylor_center="local", at=x0)
    >>> bool(np.isclose(local.coef[0, 0], net.forward(x0[None])[0, 0]))
    True
    """
    trust = check_param("trust", trust, [bool], caller="to_polynomial")
    # The adapters check their reading on the user's data too (FitApproximation's included).
    seen = data if data is not None else getattr(approximation, "data", None)
    adapted = adapt(model, trust=trust, data=seen).with_link(link)
    network = adapted.network
    max_order = check_max_order(max_order)
    keep_layers = check_param("keep_layers", keep_layers, [bool], caller="to_polynomial")
    memory_limit = check_limit("memory_limit", memory_limit, caller="to_polynomial")
    max_interaction = check_param(
        "max_interaction",
        max_interaction,
        [Interval(int, 1, None), None],
        caller="to_polynomial",
        fix="max_interaction is the largest number of distinct variables in a monomial, "
        "e.g. 2 for main effects and pairwise interactions; None keeps every monomial.",
    )
    choice = "given"
    if isinstance(approximation, str) and approximation == "auto":
        approximation, choice = choose_approximation(
            network,
            taylor_orders=taylor_orders,
            taylor_center=taylor_center,
            data=data,
            interval=interval,
        )
        if approximation == "taylor" and choice.startswith("auto: every"):
            data = interval = None  # l1-constrained: the data are not needed
    bound = resolve_approximation(
        approximation,
        network=network,
        max_order=max_order,
        taylor_orders=taylor_orders,
        taylor_center=taylor_center,
        data=data,
        interval=interval,
    )
    classes = adapted.classes if adapted.classes is not None else class_labels(model)
    record = {"approximation_choice": choice, "source": source_kind(model), "classes": classes}
    point = None
    if at is not None:  # the network in t = x - at, expanded at t = 0
        adapted, point = expand_at(adapted, at, bound, feature_names, caller="to_polynomial")
        network = adapted.network
    check_accuracy = getattr(bound, "check_accuracy", None)
    if check_accuracy is not None and point is None:  # a local polynomial claims no range
        check_accuracy(network, stacklevel=2)
    polynomial = build_polynomial(
        adapted,
        max_order,
        bound,
        keep_layers=keep_layers,
        memory_limit=memory_limit,
        max_interaction=max_interaction,
        feature_names=feature_names,
        output_names=output_names,
        provenance=record,
    )[0]
    return polynomial if point is None else centred(polynomial, point)


def build_polynomial(
    adapted: AdaptedModel,
    max_order: int,
    approximation: LayerApproximation,
    *,
    keep_layers: bool = False,
    memory_limit: int | None = None,
    max_interaction: int | None = None,
    feature_names: Any = None,
    output_names: Any = None,
    provenance: Any = None,
) -> tuple[Polynomial, UsedPolynomials]:
    """Run the engine with a bound approximation; the polynomial and each layer's polynomials.

    The polynomial's ``provenance`` records the approximation, ``max_order``,
    the orders and the fit data (see
    :func:`nn2poly._conversion_record.conversion_record`), updated with the
    entries of ``provenance`` (a mapping of JSON values) given by the caller.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Network
    >>> from nn2poly._taylor import TaylorApproximation
    >>> net = Network.from_weights([np.array([[0.0], [0.5]]), np.array([[0.0], [1.0]])],
    ...                            ["tanh", "linear"])
    >>> poly, used = build_polynomial(adapt(net), 3, TaylorApproximation().bind(net, 3))
    >>> poly.degree, used[1] is None
    (3, True)
    """
    network = adapted.network
    basis, coef, kept, used = convert_network(
        network,
        max_order,
        approximation,
        keep_layers=keep_layers,
        memory_limit=memory_limit,
        max_interaction=max_interaction,
    )
    names = feature_names if feature_names is not None else adapted.feature_names
    outputs = output_names if output_names is not None else adapted.output_names
    layers = None
    if keep_layers:
        layers = tuple(
            LayerPolynomials(
                input=Polynomial._from_basis(layer_basis, u, feature_names=names),
                output=Polynomial._from_basis(layer_basis, z, feature_names=names),
            )
            for layer_basis, u, z in kept
        )
    polynomial = Polynomial._from_basis(
        basis,
        coef,
        feature_names=names,
        output_names=outputs,
        link=adapted.link,
        layers=layers,
        provenance=conversion_record(approximation, max_order, provenance),
    )
    return polynomial, used
