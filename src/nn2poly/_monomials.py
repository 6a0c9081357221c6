"""The monomial basis: enumeration in graded-lexicographic order and index maps.

A monomial of degree ``d`` in ``p`` variables is stored as the sorted tuple of
its (0-based) variable indices, e.g. ``x0^2 x2 -> (0, 0, 2)``.  The basis of
all monomials of degree at most ``max_degree`` is ordered by degree, and
within a degree lexicographically on these tuples: the order of
``itertools.combinations_with_replacement`` and of scikit-learn's
``PolynomialFeatures``.  It is held as an ``int32`` matrix ``variables`` of
shape ``(n_terms, max_degree)``, each row padded with ``-1`` after its
variables.

An *interaction-limited* basis keeps only the monomials with at most ``k``
distinct variables (``max_interaction=k``), in the same order.  That set is
closed under taking divisors, so what it drops is an ideal: truncated products
computed on the smaller basis equal the full products restricted to it.

The symbols in this module: ``p`` the number of variables, ``Q`` the largest
degree, ``N(d) = C(p + d - 1, d)`` the number of monomials of degree ``d``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate, product
from math import comb, prod

import numpy as np
from numpy.typing import NDArray

__all__ = ["MonomialBasis", "n_monomials"]

IntArray = NDArray[np.int64]


def _interaction(max_degree: int, max_interaction: int | None) -> int:
    """The effective limit on distinct variables: at most ``max_degree`` ever."""
    return max_degree if max_interaction is None else min(max_interaction, max_degree)


def n_monomials(n_variables: int, max_degree: int, max_interaction: int | None = None) -> int:
    """Number of monomials of degree at most ``max_degree`` (C(p + Q, Q)), with at
    most ``max_interaction`` distinct variables if given.

    Examples
    --------
    >>> n_monomials(3, 2)
    10
    >>> n_monomials(3, 2, max_interaction=1)  # no x1*x2, x1*x3, x2*x3
    7
    """
    if _interaction(max_degree, max_interaction) >= max_degree:
        return comb(n_variables + max_degree, max_degree)
    return sum(
        n_monomials_of_degree(n_variables, d, max_interaction) for d in range(max_degree + 1)
    )


def n_monomials_of_degree(n_variables: int, degree: int, max_interaction: int | None = None) -> int:
    """Monomials of exactly degree ``d``: N(d) = C(p + d - 1, d), or with at most
    ``k`` distinct variables ``sum_{m <= k} C(p, m) C(d - 1, m - 1)``."""
    if degree == 0:
        return 1
    k = _interaction(degree, max_interaction)
    if k >= degree:
        return comb(n_variables + degree - 1, degree)
    return sum(comb(n_variables, m) * comb(degree - 1, m - 1) for m in range(1, k + 1))


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    """Ordered ways of writing ``total`` as ``parts`` positive integers."""
    return [c for c in product(range(1, total + 1), repeat=parts) if sum(c) == total]


def n_product_pairs(n_variables: int, max_degree: int, max_interaction: int | None = None) -> int:
    """Pairs ``(a, b)`` with ``deg a >= 1`` and ``a * b`` in the basis.

    This is the size of the product table used to multiply a polynomial
    without constant term by another one, truncated at ``max_degree``: every
    monomial counts its divisors but the constant.
    """
    k = _interaction(max_degree, max_interaction)
    if k >= max_degree:
        sizes = [n_monomials_of_degree(n_variables, d) for d in range(max_degree + 1)]
        return sum(
            sizes[d] * sizes[s - d] for s in range(1, max_degree + 1) for d in range(1, s + 1)
        )
    # a monomial with m distinct variables of multiplicities c has prod(c + 1) divisors
    return sum(
        comb(n_variables, m) * sum(prod(c + 1 for c in parts) - 1 for parts in _compositions(d, m))
        for d in range(1, max_degree + 1)
        for m in range(1, min(k, d) + 1)
    )


@dataclass(frozen=True, eq=False)
class MonomialBasis:
    """All monomials in ``n_variables`` variables of degree at most ``max_degree``.

    Parameters
    ----------
    n_variables : int
    max_degree : int
    max_interaction : int or None
        Keep only the monomials with at most this many distinct variables.

    Examples
    --------
    >>> basis = MonomialBasis(2, 2)
    >>> basis.variables.tolist()
    [[-1, -1], [0, -1], [1, -1], [0, 0], [0, 1], [1, 1]]
    >>> basis.degree_offsets.tolist()
    [0, 1, 3, 6]
    >>> MonomialBasis(2, 2, max_interaction=1).variables.tolist()
    [[-1, -1], [0, -1], [1, -1], [0, 0], [1, 1]]
    """

    n_variables: int
    max_degree: int
    max_interaction: int | None = None

    @property
    def limited(self) -> bool:
        """Whether some monomials of degree <= max_degree are left out."""
        return _interaction(self.max_degree, self.max_interaction) < self.max_degree

    @property
    def n_terms(self) -> int:
        """Number of monomials in the basis."""
        return n_monomials(self.n_variables, self.max_degree, self.max_interaction)

    @cached_property
    def degree_offsets(self) -> IntArray:
        """``offsets[d]`` is the index of the first monomial of degree ``d``;
        ``offsets[Q + 1] == n_terms``.  Shape (Q + 2,)."""
        sizes = [
            n_monomials_of_degree(self.n_variables, d, self.max_interaction)
            for d in range(self.max_degree + 1)
        ]
        return np.array([0, *accumulate(sizes)], dtype=np.int64)

    @cached_property
    def degrees(self) -> IntArray:
        """Total degree of each monomial, shape (n_terms,)."""
        sizes = np.diff(self.degree_offsets)
        return np.repeat(np.arange(self.max_degree + 1), sizes)

    @cached_property
    def _tables(self) -> tuple[NDArray[np.int32], IntArray, IntArray, NDArray[np.float64]]:
        """``variables``, ``parent``, ``last`` and ``multinomials``, enumerated together."""
        from ._kernels_small import basis_tables

        k = _interaction(self.max_degree, self.max_interaction)
        return basis_tables(self.n_variables, k, self.degree_offsets)

    @cached_property
    def variables(self) -> NDArray[np.int32]:
        """Sorted variable indices of each monomial, -1 padded; shape (n_terms, Q).

        Each row of degree ``d`` is a row of degree ``d - 1`` with one variable
        appended, from that row's last variable upwards (only that one again
        once the row has ``max_interaction`` distinct variables): the rows come
        in lexicographic order within each degree.
        """
        return self._tables[0]

    @cached_property
    def parents(self) -> tuple[IntArray, IntArray]:
        """For each monomial of degree >= 1: the index of the monomial with its
        last variable removed, and that variable.  Both of shape (n_terms,);
        entry 0 (the constant) is -1."""
        _, parent, last, _ = self._tables
        return parent, last

    @cached_property
    def multinomials(self) -> NDArray[np.float64]:
        """Multinomial coefficient ``|a|! / prod(a_i!)`` of each monomial, float64:
        ``m(a) = m(parent) * |a| / (multiplicity of the last variable in a)``."""
        return self._tables[3]

    def index_of(self, variables: NDArray[np.integer]) -> IntArray:
        """Basis index of monomials given as -1-padded sorted variable rows.

        Parameters
        ----------
        variables : int array of shape (m, k)
            Each row sorted ascending, padded with -1 at the end; ``k`` may be
            smaller than or equal to ``max_degree``.
        """
        from ._kernels import rank_monomials

        rows = np.ascontiguousarray(variables, dtype=np.int32)
        if rows.ndim != 2:
            raise ValueError("variables must be a 2-D array of sorted variable indices.")
        ranks: IntArray = rank_monomials(
            rows, self._multichoose, self._full_offsets, self._full_ranks
        )
        return ranks

    @cached_property
    def _full_offsets(self) -> IntArray:
        """Degree offsets of the full basis (the ranks the kernels compute)."""
        if not self.limited:
            return self.degree_offsets
        return MonomialBasis(self.n_variables, self.max_degree).degree_offsets

    @cached_property
    def _full_ranks(self) -> IntArray:
        """Rank of each monomial in the full basis, ascending (empty: the basis is full)."""
        if not self.limited:
            return np.zeros(0, dtype=np.int64)
        from ._kernels import rank_monomials

        empty = np.zeros(0, dtype=np.int64)
        ranks: IntArray = rank_monomials(
            self.variables, self._multichoose, self._full_offsets, empty
        )
        return ranks

    @cached_property
    def _multichoose(self) -> IntArray:
        """``table[n, m] = C(n + m - 1, m)`` for n <= p + 1, m <= Q + 1 (as int64)."""
        p, q = self.n_variables, self.max_degree
        table = np.zeros((p + 2, q + 2), dtype=np.int64)
        for n in range(p + 2):
            for m in range(q + 2):
                table[n, m] = comb(n + m - 1, m) if n > 0 else (1 if m == 0 else 0)
        return table

    def product_table(self) -> tuple[IntArray, NDArray[np.int32], NDArray[np.int32]]:
        """Product table of a polynomial without constant term times another.

        Returns ``(indptr, left, right)`` in compressed rows by output
        monomial: the pairs ``(left[t], right[t])`` for
        ``t in range(indptr[o], indptr[o + 1])`` are every way of writing the
        monomial ``o`` as ``left * right`` with ``deg left >= 1``.  Rows of the
        monomials of degree at most ``D`` form the prefix ``o < offsets[D + 1]``.
        """
        pairs = n_product_pairs(self.n_variables, self.max_degree, self.max_interaction)
        if pairs <= _CACHED_PAIRS:
            return self._product_table
        return self._build_product_table()

    @cached_property
    def _product_table(self) -> tuple[IntArray, NDArray[np.int32], NDArray[np.int32]]:
        return self._build_product_table()

    def _build_product_table(self) -> tuple[IntArray, NDArray[np.int32], NDArray[np.int32]]:
        from ._kernels_small import product_table

        parent, last = self.parents
        return product_table(self.variables, self.degrees, parent, last)


#: Bases up to this many monomials are kept for reuse between conversions,
#: with their product tables up to this many pairs.
_CACHED_TERMS = 200_000
_CACHED_PAIRS = 2_000_000


@lru_cache(maxsize=16)
def _cached_basis(
    n_variables: int, max_degree: int, max_interaction: int | None = None
) -> MonomialBasis:
    return MonomialBasis(n_variables, max_degree, max_interaction)


def monomial_basis(
    n_variables: int, max_degree: int, max_interaction: int | None = None
) -> MonomialBasis:
    """A :class:`MonomialBasis`; small ones are shared between calls (they are
    immutable), so repeated conversions of small networks skip rebuilding them."""
    if max_interaction is not None and max_interaction >= max_degree:
        max_interaction = None
    if n_monomials(n_variables, max_degree, max_interaction) <= _CACHED_TERMS:
        return _cached_basis(n_variables, max_degree, max_interaction)
    return MonomialBasis(n_variables, max_degree, max_interaction)
