"""LocalPolynomials: the network's exact Taylor polynomials at many points, one result.

Built by :func:`nn2poly.local_polynomials`.  One prediction explained exactly:
at a point ``x0`` the polynomial in ``x - x0`` holds the network's value (the
constant), its gradient (the degree-1 coefficients), its Hessian (degree 2)
and every higher mixed partial derivative up to ``max_order``
(``d^a f(x0) = a! * coef[a]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _export, _powers
from ._local_point import check_points
from ._memory import MemoryLimitError, format_bytes, get_memory_limit
from ._monomials import MonomialBasis
from ._polynomial import Polynomial
from ._provenance import check_provenance
from ._validation import Interval, Options, check_param, invalid_value

__all__ = ["LocalPolynomials"]

FloatArray = NDArray[np.float64]


class LocalPolynomials:
    """The network's Taylor polynomials at many points, sharing one set of monomials.

    Built by :func:`local_polynomials`.  Polynomial ``i`` is in the variables
    ``x - points[i]``; its constant is the network's output at
    ``points[i]``, its degree-1 coefficients the gradient there, and in
    general the coefficient of ``(x - x0)^a`` is ``d^a f(x0) / a!``.

    Attributes
    ----------
    points : ndarray of shape (n_points, n_features)
        The expansion points (read-only).
    coef : ndarray of shape (n_points, n_terms, n_outputs)
        Coefficients of every point's polynomial (read-only); the monomials,
        shared by all points, are :attr:`labels` / :attr:`term_names`.
    feature_names, output_names : tuple of str
    link : {None, "sigmoid", "softmax"}
        For classifiers the polynomials describe the logits.
    max_order : int
        Largest total degree kept.
    provenance : mapping
        How the polynomials were built (read-only); each :meth:`polynomial`
        adds its point as ``"at"``.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights(
    ...     [np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.5]]), np.array([[0.0], [1.0], [-1.0]])],
    ...     ["tanh", "linear"],
    ... )
    >>> X0 = np.array([[0.0, 0.0], [1.0, -1.0], [0.5, 2.0]])
    >>> local = nn2poly.local_polynomials(net, X0, max_order=2)
    >>> local
    LocalPolynomials(n_points=3, n_features=2, n_outputs=1, n_terms=6, max_order=2)
    >>> np.allclose(local.values[:, 0], net.forward(X0)[:, 0])
    True
    >>> local.gradients.shape, local.hessians.shape
    ((3, 2, 1), (3, 2, 2, 1))
    """

    points: FloatArray
    coef: FloatArray
    feature_names: tuple[str, ...]
    output_names: tuple[str, ...]
    link: str | None
    max_order: int
    provenance: Mapping[str, Any]

    def __init__(
        self,
        basis: MonomialBasis,
        points: FloatArray,
        coef: FloatArray,
        *,
        feature_names: tuple[str, ...],
        output_names: tuple[str, ...],
        link: str | None,
        max_order: int,
        provenance: Mapping[str, Any],
        index: Any = None,
    ) -> None:
        self._basis = basis
        self.points = points
        self.coef = coef
        self.feature_names = feature_names
        self.output_names = output_names
        self.link = link
        self.max_order = max_order
        self.provenance = check_provenance(provenance)
        self._index = index
        points.setflags(write=False)
        coef.setflags(write=False)

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_index"):  # set last in __init__
            raise AttributeError(f"LocalPolynomials is read-only; cannot set {name!r}.")
        object.__setattr__(self, name, value)

    # --------------------------------------------------------------- shape
    @property
    def n_points(self) -> int:
        """Number of points."""
        return int(self.coef.shape[0])

    @property
    def n_terms(self) -> int:
        """Number of monomials of each point's polynomial."""
        return int(self.coef.shape[1])

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return int(self.points.shape[1])

    @property
    def n_outputs(self) -> int:
        """Number of outputs."""
        return int(self.coef.shape[2])

    def __len__(self) -> int:
        return self.n_points

    @cached_property
    def degrees(self) -> NDArray[np.int64]:
        """Total degree of each monomial, shape (n_terms,)."""
        return np.asarray(self._basis.degrees, dtype=np.int64)

    @cached_property
    def labels(self) -> list[tuple[int, ...]]:
        """R-style labels of the shared monomials: ``(0,)`` intercept, ``(1, 2)`` for ``x1*x2``."""
        return _powers.variables_to_labels(self._basis.variables)

    @cached_property
    def term_names(self) -> list[str]:
        """Readable names of the shared monomials (``'1'`` for the intercept)."""
        return [_export.monomial_name(label, self.feature_names) for label in self.labels]

    # ------------------------------------------------------- derivatives
    @property
    def values(self) -> FloatArray:
        """The network's outputs at the points (the constants), shape (n_points, n_outputs).

        Examples
        --------
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([[[0.0], [1.0]], [[0.0], [2.0]]], "tanh")
        >>> nn2poly.local_polynomials(net, [[0.0], [1.0]], max_order=1).values.round(4)
        array([[0.    ],
               [0.9093]])
        """
        return self.coef[:, 0, :]

    @property
    def gradients(self) -> FloatArray:
        """Gradient of each output at each point, shape (n_points, n_features, n_outputs).

        A read-only view of the degree-1 coefficients.

        Examples
        --------
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([[[0.0], [1.0], [2.0]]], "tanh")
        >>> nn2poly.local_polynomials(net, [[0.0, 0.0]], max_order=1).gradients[0, :, 0]
        array([1., 2.])
        """
        p = self.n_features
        return self.coef[:, 1 : p + 1, :]

    @property
    def hessians(self) -> FloatArray:
        """Hessian of each output at each point, shape (n_points, n_features, n_features,
        n_outputs); needs ``max_order >= 2``.

        Examples
        --------
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([[[1.0], [1.0], [1.0]]], "tanh")
        >>> hessian = nn2poly.local_polynomials(net, [[0.0, 0.0]], max_order=2).hessians
        >>> hessian[0, :, :, 0].round(4)  # tanh''(1) in every entry
        array([[-0.6397, -0.6397],
               [-0.6397, -0.6397]])
        """
        if self.max_order < 2:
            raise invalid_value(
                "max_order",
                self.max_order,
                "at least 2 for Hessians",
                subject="LocalPolynomials.hessians: the polynomials' max_order",
                fix="Build them with nn2poly.local_polynomials(model, X0, max_order=2).",
            )
        return self.derivatives(2)

    def derivatives(self, order: int) -> FloatArray:
        """Every partial derivative of one order at each point, as a symmetric tensor.

        Parameters
        ----------
        order : int
            From 0 (the values) to ``max_order``.

        Returns
        -------
        ndarray of shape (n_points, n_features, ..., n_features, n_outputs)
            ``order`` feature axes: entry ``[i, j1, .., jn, k]`` is
            ``d^n y_k / dx_j1 .. dx_jn`` at ``points[i]``.

        Examples
        --------
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([[[0.0], [1.0]]], "tanh")
        >>> local = nn2poly.local_polynomials(net, [[0.0]], max_order=3)
        >>> float(local.derivatives(3)[0, 0, 0, 0, 0])  # tanh'''(0)
        -2.0
        """
        order = check_param(
            "order",
            order,
            [Interval(int, 0, self.max_order)],
            caller="LocalPolynomials.derivatives",
            fix=f"These polynomials keep degrees up to max_order={self.max_order}; for higher "
            "derivatives build them with a larger max_order.",
        )
        p, n_points, k = self.n_features, self.n_points, self.n_outputs
        size = n_points * p**order * k * 8
        limit = get_memory_limit()
        if size > limit:
            raise MemoryLimitError(
                f"The derivatives of order {order} of {n_points:,} points in {p} features would "
                f"need {format_bytes(size)}, over the memory limit of {format_bytes(limit)}. "
                "Read the coefficients (.coef) instead, or take fewer points."
            )
        if order > self._basis.max_degree:  # the network is of lower degree: exact zeros
            return np.zeros((n_points, *([p] * order), k), dtype=np.float64)
        if order == 0:
            values: FloatArray = self.coef[:, 0, :].copy()
            return values
        # every index tuple (j1, .., jn), sorted: the monomial it differentiates
        tuples = np.sort(np.indices((p,) * order).reshape(order, -1).T, axis=1)
        rows = self._basis.index_of(tuples.astype(np.int32))
        # a! = product of the factorials of the multiplicities: a run of r equal
        # indices contributes 1 * 2 * .. * r
        run = np.ones(tuples.shape[0], dtype=np.float64)
        factors = np.ones(tuples.shape[0], dtype=np.float64)
        for column in range(1, order):
            run = np.where(tuples[:, column] == tuples[:, column - 1], run + 1.0, 1.0)
            factors *= run
        tensor = self.coef[:, rows, :] * factors[None, :, None]
        return tensor.reshape(n_points, *([p] * order), k)

    # ----------------------------------------------------------- per point
    def polynomial(self, i: int) -> Polynomial:
        """The polynomial at ``points[i]``: in ``x - points[i]``, evaluated on ``X`` as given.

        Examples
        --------
        >>> import numpy as np
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([[[0.0], [1.0]]], "tanh")
        >>> poly = nn2poly.local_polynomials(net, [[0.0], [0.5]], max_order=3).polynomial(1)
        >>> poly.origin
        array([0.5])
        >>> round(float(poly.predict([[0.6]])[0]), 4), round(float(np.tanh(0.6)), 4)
        (0.537, 0.537)
        """
        n = self.n_points
        i = int(check_param("i", i, [Interval(int, -n, n - 1)], caller="LocalPolynomials"))
        point = self.points[i]
        return Polynomial._from_basis(
            self._basis,
            self.coef[i],
            feature_names=self.feature_names,
            output_names=self.output_names,
            link=self.link,
            provenance={**self.provenance, "at": point},
            origin=point,
        )

    def predict(self, X: ArrayLike) -> FloatArray:
        """Each point's polynomial on its own row of ``X``: row ``i`` by polynomial ``i``.

        Parameters
        ----------
        X : array_like of shape (n_points, n_features)
            In the original coordinates, e.g. ``points + small steps`` to see
            how far each explanation holds.

        Returns
        -------
        ndarray of shape (n_points,) for one output, else (n_points, n_outputs)

        Examples
        --------
        >>> import numpy as np
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([[[0.0], [1.0]]], "tanh")
        >>> local = nn2poly.local_polynomials(net, [[0.0], [1.0]], max_order=3)
        >>> local.predict([[0.1], [1.1]]).round(4), np.tanh([0.1, 1.1]).round(4)
        (array([0.0997, 0.8005]), array([0.0997, 0.8005]))
        """
        array = check_points(X, self.feature_names, name="X", caller="LocalPolynomials.predict")
        if array.shape[0] != self.n_points:
            raise invalid_value(
                "X",
                array,
                f"an array of shape ({self.n_points}, {self.n_features}), one row per point",
                caller="LocalPolynomials.predict",
                fix="Row i is evaluated by the polynomial at points[i]; to evaluate one "
                "polynomial on many rows use .polynomial(i).predict(X).",
            )
        monomials = _powers.variable_monomials(self._basis.variables, array - self.points)
        values: FloatArray = np.einsum("it,itk->ik", monomials, self.coef)
        return values[:, 0] if self.n_outputs == 1 else values

    def to_frame(self, output: int | str | None = None) -> Any:
        """A pandas DataFrame: one row per point, one column per term.

        Parameters
        ----------
        output : int or str, optional
            The output to show; default: every output, the columns then a
            MultiIndex ``(output, term)`` (one output: just the terms).

        Returns
        -------
        pandas.DataFrame of shape (n_points, n_terms) or (n_points, n_outputs * n_terms)
            The index is that of the points when they were a DataFrame.

        Examples
        --------
        >>> import nn2poly
        >>> net = nn2poly.Network.from_weights([[[0.0], [1.0], [2.0]]], "linear")
        >>> nn2poly.local_polynomials(net, [[0.0, 0.0], [1.0, 1.0]], max_order=1).to_frame()
             1   x1   x2
        0  0.0  1.0  2.0
        1  3.0  1.0  2.0
        """
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - exercised only without pandas
            raise ImportError(
                "LocalPolynomials.to_frame needs pandas; install it with "
                "`pip install nn2poly[pandas]`."
            ) from None
        index = self._index if self._index is not None else pd.RangeIndex(self.n_points)
        if output is not None or self.n_outputs == 1:
            column = 0 if output is None else self._output_index(output)
            return pd.DataFrame(self.coef[:, :, column], index=index, columns=self.term_names)
        columns = pd.MultiIndex.from_product(
            [self.output_names, self.term_names], names=["output", "term"]
        )
        wide = self.coef.transpose(0, 2, 1).reshape(self.n_points, -1)
        return pd.DataFrame(wide, index=index, columns=columns)

    def _output_index(self, output: int | str) -> int:
        k = self.n_outputs
        value = check_param(
            "output",
            output,
            [Interval(int, -k, k - 1), Options(frozenset(self.output_names))],
            caller="LocalPolynomials.to_frame",
            fix=f"The outputs are {list(self.output_names)!r}.",
        )
        return self.output_names.index(value) if isinstance(value, str) else int(value) % k

    def __repr__(self) -> str:
        return (
            f"LocalPolynomials(n_points={self.n_points}, n_features={self.n_features}, "
            f"n_outputs={self.n_outputs}, n_terms={self.n_terms}, max_order={self.max_order}"
            + (f", link={self.link!r}" if self.link else "")
            + ")"
        )
