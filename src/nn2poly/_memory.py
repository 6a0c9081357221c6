"""Memory guard: count bytes before allocating, refuse with a clear message.

:func:`plan_conversion` works out, before anything is allocated, the degree of
the result, the size of the monomial basis and the bytes a conversion needs
(the approximation adds its own working arrays, e.g. the data matrices of a
fit); :func:`check_memory` refuses a plan over the limit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import TYPE_CHECKING, Protocol

from ._graph import run_graph
from ._kernels_gram import scatter_bytes
from ._memory_graph import graph_walk_bytes
from ._monomials import n_monomials, n_product_pairs
from ._validation import Predicate, check_param

if TYPE_CHECKING:  # pragma: no cover
    from ._network import Dense, Network

__all__ = [
    "MAX_TERMS",
    "MemoryLimitError",
    "Plan",
    "available_memory",
    "check_memory",
    "get_memory_limit",
    "plan_conversion",
    "set_memory_limit",
    "walk_bytes",
]

_FRACTION_OF_AVAILABLE = 0.5
_FALLBACK_AVAILABLE = 4 * 2**30
#: Seconds a reading of the available memory is reused (conversions of small
#: networks take well under a millisecond; reading /proc/meminfo takes 30 µs).
AVAILABLE_MAX_AGE = 1.0
#: (when, bytes, the function that read them) of the last reading
_available_read: tuple[float, int, object] | None = None
_user_limit: int | None = None


class MemoryLimitError(ValueError):
    """Raised when a conversion would need more memory than the set limit.

    Examples
    --------
    >>> import numpy as np
    >>> import nn2poly
    >>> net = nn2poly.Network.from_weights([np.zeros((7, 8)), np.ones((9, 1))], ["tanh", "linear"])
    >>> try:
    ...     nn2poly.to_polynomial(net, 6, memory_limit=10_000)
    ... except MemoryLimitError as error:
    ...     print(str(error)[:54])
    Converting this network at max_order=6 would need abou
    """


def available_memory() -> int:
    """Bytes of memory currently available (``MemAvailable``), or 4 GiB if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return _FALLBACK_AVAILABLE


def get_memory_limit() -> int:
    """The limit in bytes: the one set by :func:`set_memory_limit`, else half
    of the currently available memory.

    Examples
    --------
    >>> set_memory_limit(2**30)
    >>> get_memory_limit()
    1073741824
    >>> set_memory_limit(None)
    >>> get_memory_limit() > 0
    True
    """
    global _available_read
    if _user_limit is not None:
        return _user_limit
    now, read = time.monotonic(), _available_read
    # a reading at most a second old, by the same function (tests replace it)
    if read is None or now - read[0] > AVAILABLE_MAX_AGE or read[2] is not available_memory:
        read = _available_read = (now, available_memory(), available_memory)
    return int(_FRACTION_OF_AVAILABLE * read[1])


def set_memory_limit(limit_bytes: int | None) -> None:
    """Set the largest number of bytes a conversion may allocate.

    Parameters
    ----------
    limit_bytes : int or None
        A positive number of bytes, or None to go back to the default (half
        of the available memory).

    Examples
    --------
    >>> set_memory_limit(2 * 2**30)
    >>> get_memory_limit()
    2147483648
    >>> set_memory_limit(None)
    """
    global _user_limit
    _user_limit = check_limit("limit_bytes", limit_bytes, caller="set_memory_limit")


def _is_positive_integer(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and int(value) > 0


#: a memory limit: a positive int of bytes (a float such as 1e9 is refused as a value)
LIMIT_CONSTRAINTS = [
    Predicate(
        _is_positive_integer,
        "a positive int (bytes)",
        type_test=lambda value: isinstance(value, Real) and not isinstance(value, bool),
    ),
    None,
]


def check_limit(name: str, value: object, *, caller: str) -> int | None:
    """A memory limit argument as an int, or None (the default limit).

    Examples
    --------
    >>> check_limit("memory_limit", 2**20, caller="to_polynomial")
    1048576
    """
    limit = check_param(
        name, value, LIMIT_CONSTRAINTS, caller=caller, fix="For example 2 * 2**30 for 2 GiB."
    )
    return None if limit is None else int(limit)


def format_bytes(n_bytes: float) -> str:
    """Human-readable size, e.g. ``'1.5 GiB'``."""
    if abs(n_bytes) < 1024:
        return f"{int(n_bytes)} B"
    units = ("KiB", "MiB", "GiB", "TiB")
    power = 0
    while power < len(units) - 1 and abs(n_bytes) >= 1024 ** (power + 2):
        power += 1
    return f"{n_bytes / 1024 ** (power + 1):.3g} {units[power]}"


class PlannedApproximation(Protocol):
    """What the plan asks of an approximation (see :mod:`nn2poly._approximation`)."""

    def is_identity(self, index: int, layer: Dense) -> bool: ...

    def degree(self, index: int, layer: Dense) -> int: ...

    def work_bytes(self, network: Network, basis_degree: int, n_terms: int) -> int: ...


@dataclass(frozen=True)
class Plan:
    """What a conversion will compute and allocate, worked out before it starts."""

    degree: int  # degree of the result
    basis_degree: int  # degree of the basis the layers are computed on
    n_terms: int
    needs_products: bool
    n_bytes: int
    #: the top-degree slice is contracted with the outputs (see :mod:`nn2poly._top_slice`)
    contracted: bool = False


#: Monomial indices are stored as int32.
MAX_TERMS = 2**31 - 1


def plan_conversion(
    network: Network,
    approximation: PlannedApproximation,
    max_order: int,
    keep_layers: bool,
    *,
    max_interaction: int | None = None,
    contract_top: bool = False,
) -> Plan:
    """Result degree, basis size, and bytes needed, before anything is allocated.

    With ``contract_top`` (an approximation reading only each layer's constant,
    no kept layers) the walk of :mod:`nn2poly._top_slice` is planned where it
    applies: the result's degree is the basis degree, at least 2.

    The bytes are those the engine's walk (:func:`nn2poly._engine.convert_network`)
    really holds at its peak: the basis and product tables, and per layer the
    arrays alive together (see :func:`walk_bytes`).

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Network
    >>> from nn2poly._taylor import TaylorApproximation
    >>> net = Network.from_weights([np.ones((3, 4)), np.ones((5, 1))], ["tanh", "linear"])
    >>> plan = plan_conversion(net, TaylorApproximation(8).bind(net, 3), 3, False)
    >>> plan.degree, plan.n_terms
    (3, 10)
    """
    degrees: list[int | None] = []
    series_bytes = 0
    needs_products = False
    highest = 1  # the first pre-activations have degree 1

    # Values of the walk: (degree, affine); a node's degree is the largest over its paths.
    def dense(index: int, layer: Dense, value: tuple[int, bool]) -> tuple[int, bool]:
        nonlocal series_bytes, needs_products, highest
        degree, affine = value
        if approximation.is_identity(index, layer):
            degrees.append(None)
            return value
        layer_degree = approximation.degree(index, layer)
        degrees.append(layer_degree)
        # the activation's coefficients, a working copy and the shifted ones
        series_bytes = max(series_bytes, 3 * layer.n_out * (layer_degree + 1) * 8)
        if not affine and layer_degree >= 2:
            needs_products = True
        degree = min(max_order, degree * layer_degree)
        highest = max(highest, degree)
        return degree, affine and layer_degree <= 1

    def join(values: Sequence[tuple[int, bool]]) -> tuple[int, bool]:
        return max(degree for degree, _ in values), all(affine for _, affine in values)

    degree, _ = run_graph(network.steps, (1, True), dense, add=join, concatenate=join)
    # With keep_layers every layer's own polynomials are kept, so the basis must
    # reach the highest degree of any layer (a later order-0 layer can lower
    # the result's degree below it).
    basis_degree = highest if keep_layers else degree
    p = network.n_inputs
    n_terms = n_monomials(p, basis_degree, max_interaction)
    limited = n_terms < n_monomials(p, basis_degree)
    # basis tables: variables (int32), degrees, parents, multinomials, index work
    n_bytes = series_bytes + n_terms * (4 * max(basis_degree, 1) + 40 + (8 if limited else 0))
    contracted = (
        contract_top and network.is_chain and not keep_layers and basis_degree == degree >= 2
    )
    # a contracted walk over a full basis multiplies the rows of degree < Q only
    table_degree = basis_degree - 1 if contracted and not limited else basis_degree
    if needs_products:
        pairs = n_product_pairs(p, table_degree, max_interaction)
        table_rows = n_monomials(p, table_degree, max_interaction)
        n_bytes += pairs * 8 + (table_rows + 1) * 16  # left, right (int32), indptr, row counts
    if contracted:
        # every layer on the rows of degree < Q; each product layer's v and h_1
        # kept there for the backward pass, which adds v weighted per output,
        # the raw powers of the first non-linear layer and the result
        low = n_monomials(p, basis_degree - 1, max_interaction)
        nonlinear = [i for i, d in enumerate(degrees) if d is not None and d >= 2]
        products = [network.layers[i].n_out for i in nonlinear[1:] if degrees[i] is not None]
        retained = 2 * low * sum(products)
        # at the widest product layer, its own v and h_1 are among the walk's buffers
        widest_product = max(products, default=0)
        earlier = retained - 2 * low * widest_product
        forward = walk_bytes(network, degrees, low, False) + 8 * (earlier + low * widest_product)
        widest = max(network.widths)
        backward = retained + n_terms * network.n_outputs + low * widest * (network.n_outputs + 1)
        if products and not limited:  # the blocks of the matrix products (gram_top)
            block = min(1 << 22, low * (p + 2 * widest))
            backward += block + scatter_bytes(n_terms - low, block) // 8  # and other threads'
        n_bytes += max(forward, 8 * backward)
    else:
        n_bytes += walk_bytes(network, degrees, n_terms, keep_layers)
    if keep_layers:  # the result and each kept polynomial hold the basis' variable rows
        n_bytes += (2 * len(network.layers) + 1) * n_terms * 4 * max(basis_degree, 1)
    n_bytes += approximation.work_bytes(network, basis_degree, n_terms)
    return Plan(degree, basis_degree, n_terms, needs_products, n_bytes, contracted)


def walk_bytes(network: Network, degrees: list[int | None], n_terms: int, keep_layers: bool) -> int:
    """Peak bytes of the coefficient arrays alive together during the walk.

    ``degrees``: each layer's polynomial degree, None for a layer kept exact.
    While the polynomials are affine only their constant and linear rows
    (``p + 1``) are held.  Per layer: the previous output and the new
    pre-activations during the linear map; then, for a composition by
    products, the pre-activations (overwritten by their non-constant part) and
    two Horner buffers, or, for the first non-linear layer, the
    pre-activations and the composed output.  A finiteness check holds one
    byte per value.  With ``keep_layers`` every layer's two arrays are kept.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Network
    >>> net = Network.from_weights([np.ones((3, 4)), np.ones((5, 1))], ["tanh", "linear"])
    >>> walk_bytes(net, [3, None], 10, False)  # peak: u (3 x 4), z (10 x 4), checks
    456
    """
    if not network.is_chain:
        return graph_walk_bytes(network, degrees, n_terms, keep_layers)
    rows = min(network.n_inputs + 1, n_terms)
    held = rows * network.n_inputs  # values of the current output polynomials
    peak = held
    affine = True
    kept = 0
    for layer, layer_degree in zip(network.layers, degrees, strict=True):
        width = layer.n_out
        u = rows * width
        peak = max(peak, held + u + u // 8)
        if layer_degree is None:
            held = u
        elif layer_degree <= 1:
            peak = max(peak, 2 * u + u // 8)
            held = u
        elif affine:
            rows = n_terms
            held = n_terms * width
            peak = max(peak, u + held + held // 8)
        else:
            buffers = 4 if keep_layers else 3  # kept layers need u intact: v is a copy
            peak = max(peak, buffers * u + u // 8)
            held = u
        affine = affine and (layer_degree is None or layer_degree <= 1)
        if keep_layers:
            kept += 2 * n_terms * width
    # the result padded to every row of the basis
    peak = max(peak, held + n_terms * network.n_outputs)
    return 8 * (peak + kept)


def check_memory(plan: Plan, network: Network, max_order: int, limit: int) -> None:
    """Refuse a plan whose basis cannot be indexed or whose bytes exceed ``limit``.

    Examples
    --------
    >>> import numpy as np
    >>> from nn2poly import Network
    >>> net = Network.from_weights([np.ones((3, 4)), np.ones((5, 1))], ["tanh", "linear"])
    >>> try:
    ...     check_memory(Plan(3, 3, 10, True, 2**40), net, 3, 2**30)
    ... except MemoryLimitError as error:
    ...     print(str(error)[:71])
    Converting this network at max_order=3 would need about 1 TiB (10 monom
    """
    if plan.n_terms > MAX_TERMS:
        raise MemoryLimitError(
            f"Converting this network at max_order={max_order} needs {plan.n_terms:,} monomials "
            f"in {network.n_inputs} inputs (layer widths {list(network.widths)}), more than the "
            f"{MAX_TERMS:,} a polynomial can index. Lower max_order, limit the interactions "
            "with max_interaction=2 (main effects and pairs), or use fewer inputs."
        )
    if plan.n_bytes <= limit:
        return
    raise MemoryLimitError(
        f"Converting this network at max_order={max_order} would need about "
        f"{format_bytes(plan.n_bytes)} ({plan.n_terms:,} monomials in {network.n_inputs} "
        f"inputs, layer widths {list(network.widths)}), over the memory limit of "
        f"{format_bytes(limit)}. Lower max_order or the Taylor orders, keep only low-order "
        "interactions with max_interaction=2 (main effects and pairs), use fewer inputs or "
        "narrower layers, or raise the limit with memory_limit=... (bytes) or "
        "nn2poly.set_memory_limit()."
    )
