"""Compiled kernels (numba) of the conversion engine.

Everything here works on plain arrays.  Polynomials are stored as arrays of
shape ``(n_terms, n_polys)``: one row per monomial of the graded basis (see
:mod:`nn2poly._monomials`), one column per neuron, so the innermost loops run
over contiguous neurons.

numba is imported when a kernel first runs, not with the package: the
kernels here and in the other ``_kernels_*`` modules are plain Python until
their first call compiles them (from numba's on-disk cache after the first
time; :class:`_SerialKernel`, :class:`_ThreadedKernel`).  Before that,
:func:`_prepare` gives each kernel module numba's ``prange`` and compiles the
helpers its kernels call, in that module's namespace, where they find them.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._threads import numba_parallel_allowed, shared_matmul

Array = NDArray[Any]
#: ``numba.prange`` once numba is loaded (plain ``range`` until then)
prange = range
_loaded = False

__all__ = [
    "evaluate_monomials",
    "horner_step",
    "linear_map",
    "rank_monomials",
]


def _rank_row(row: Array, length: int, multichoose: Array, offsets: Array) -> Any:
    """Graded index of one sorted variable tuple ``row[:length]``.

    Within degree ``d`` the lexicographic rank is
    ``sum_k MC(p - i_{k-1}, d - k + 1) - MC(p - i_k, d - k + 1)``, ``i_0 = 0``,
    where ``MC(n, m) = C(n + m - 1, m)`` counts sorted tuples of length ``m``
    over ``n`` values (the hockey-stick identity summed over each position).
    """
    p = multichoose.shape[0] - 2
    rank = 0
    previous = 0
    for k in range(length):
        current = row[k]
        remaining = length - k
        rank += multichoose[p - previous, remaining] - multichoose[p - current, remaining]
        previous = current
    return offsets[length] + rank


def _rank_monomials(rows, multichoose, offsets, full_ranks):  # type: ignore[no-untyped-def]
    """Basis index of each -1-padded sorted row of ``rows`` (shape (m, k)).

    ``full_ranks``: the ascending full-basis ranks of an interaction-limited
    basis, where each rank is looked up (empty for a full basis).
    """
    m, width = rows.shape
    out = np.empty(m, dtype=np.int64)
    for i in prange(m):
        length = 0
        while length < width and rows[i, length] >= 0:
            length += 1
        rank = _rank_row(rows[i], length, multichoose, offsets)
        if full_ranks.shape[0] > 0:
            rank = np.searchsorted(full_ranks, rank)
        out[i] = rank
    return out


def _horner_step(v, h_old, h_new, constant, indptr, left, right, n_rows):  # type: ignore[no-untyped-def]
    """``h_new = constant + v * h_old`` on the rows ``o < n_rows``.

    ``v`` has no constant term; only rows of ``h_old`` of lower degree than
    the output row are read.  All arrays are (n_terms, n_polys), C order;
    ``constant`` is (n_polys,).
    """
    n_polys = v.shape[1]
    for j in range(n_polys):
        h_new[0, j] = constant[j]
    # Blocks of output rows, each summing into its own accumulator: an array
    # that aliases none of the others, so the loop over neurons vectorises.
    n_blocks = (n_rows - 1 + _ROW_BLOCK - 1) // _ROW_BLOCK
    for block in prange(n_blocks):
        acc = np.empty(n_polys, dtype=np.float64)
        start = 1 + block * _ROW_BLOCK
        for o in range(start, min(n_rows, start + _ROW_BLOCK)):
            for j in range(n_polys):
                acc[j] = 0.0
            for t in range(indptr[o], indptr[o + 1]):
                a = left[t]
                b = right[t]
                for j in range(n_polys):
                    acc[j] += v[a, j] * h_old[b, j]
            for j in range(n_polys):
                h_new[o, j] = acc[j]


#: Output rows per parallel task of :func:`_horner_step`.
_ROW_BLOCK = 64


#: Below this many multiply-adds (about 2 ms on one core) a kernel runs on one
#: thread: waking numba's thread pool, and the processors its waiting threads
#: take from the others, cost more than the work (on two cores, p = 10, L = 3,
#: max_order 6 took 24 ms on two threads with half this bound, 15 ms on one).
PARALLEL_THRESHOLD = 1 << 22


def _load() -> None:
    """Import numba and compile the helpers the kernels call (once per process)."""
    global _loaded, prange, _rank_row
    if _loaded:
        return
    import numba

    prange = numba.prange
    _rank_row = numba.njit(cache=True, nogil=True)(_rank_row)
    _loaded = True


_compile_lock = threading.Lock()


def _prepare(namespace: dict[str, Any]) -> None:
    """Ready a kernel module for numba, once: its ``prange`` becomes numba's, and
    the helpers named in its ``_HELPERS`` are compiled to be inlined into its
    kernels (which find both among their globals when they are compiled)."""
    if namespace.get("_prepared"):
        return
    import numba

    if "prange" in namespace:
        namespace["prange"] = numba.prange
    for name in namespace.get("_HELPERS", ()):
        namespace[name] = numba.njit(inline="always")(namespace[name])
    namespace["_prepared"] = True


class _SerialKernel:
    """A kernel with no parallel loop, compiled on one thread at its first call;
    with ``nogil``, it releases the GIL, so that threads can run it at once (see
    :func:`run_together`)."""

    def __init__(self, function: Callable[..., Any], *, nogil: bool = False) -> None:
        self.function = function
        self.options = {"nogil": True} if nogil else {}
        self.compiled: Callable[..., Any] | None = None

    def __call__(self, *args: Any) -> Any:
        if self.compiled is None:
            self.compiled = _compile(self.function, **self.options)
        return self.compiled(*args)


class _ThreadedKernel:
    """A kernel compiled, at its first call, twice: on one thread, and in
    parallel for large work."""

    def __init__(self, function: Callable[..., Any], **options: Any) -> None:
        self.function = function
        self.options = options  # numba's, e.g. fastmath
        self.parallel: Callable[..., Any] | None = None
        self.serial: Callable[..., Any] | None = None

    def __call__(self, work: int, *args: Any) -> Any:
        if work >= PARALLEL_THRESHOLD and numba_parallel_allowed():
            if self.parallel is None:
                self.parallel = _compile(self.function, parallel=True, **self.options)
            return self.parallel(*args)
        if self.serial is None:
            self.serial = _compile(self.function, parallel=False, **self.options)
        return self.serial(*args)


def _compile(function: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """``function`` compiled by numba (loaded from its cache when it is there).

    numba's on-disk cache finds an entry by the function's name, code and
    argument types, not by the options it was compiled with: the serial and
    the parallel variant of one function would load whichever was saved
    first.  So a variant asked for with ``parallel`` or ``nogil`` is compiled
    from a copy of the function named after it (``_horner_step_parallel``,
    ``_gram_top_nogil``), which has cache files of its own.
    """
    with _compile_lock:  # threads sharing work may meet a kernel's first call at once
        _load()
        _prepare(function.__globals__)
    import numba

    if "parallel" in options:
        function = _variant(function, "parallel" if options["parallel"] else "serial")
    if options.get("nogil"):
        function = _variant(function, "nogil")
    compiled: Callable[..., Any] = numba.njit(cache=True, **options)(function)
    return compiled


def _variant(function: Callable[..., Any], suffix: str) -> Callable[..., Any]:
    """A copy of ``function`` (same code, globals and file) whose name ends in ``suffix``."""
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        f"{function.__name__}_{suffix}",
        function.__defaults__,
        function.__closure__,
    )
    copy.__qualname__ = f"{function.__qualname__}_{suffix}"
    copy.__doc__ = function.__doc__
    copy.__module__ = function.__module__
    return copy


_horner_step_kernel = _ThreadedKernel(_horner_step)


def horner_step(
    v: Array,
    h_old: Array,
    h_new: Array,
    constant: Array,
    indptr: Array,
    left: Array,
    right: Array,
    n_rows: int,
) -> None:
    """``h_new = constant + v * h_old`` on the rows ``o < n_rows``.

    ``v`` has no constant term; only rows of ``h_old`` of lower degree than
    the output row are read.  All arrays are (n_terms, n_polys), C order;
    ``constant`` is (n_polys,).
    """
    work = int(indptr[n_rows]) * v.shape[1]
    _horner_step_kernel(work, v, h_old, h_new, constant, indptr, left, right, n_rows)


def _evaluate_monomials(X, variables, coef, out):  # type: ignore[no-untyped-def]
    """``out[i, k] = sum_t coef[t, k] * prod_j X[i, variables[t, j]]`` (padding -1 skipped)."""
    n_samples = X.shape[0]
    n_terms, width = variables.shape
    n_outputs = coef.shape[1]
    for i in prange(n_samples):
        for k in range(n_outputs):
            out[i, k] = 0.0
        for t in range(n_terms):
            value = 1.0
            for j in range(width):
                var = variables[t, j]
                if var < 0:
                    break
                value *= X[i, var]
            for k in range(n_outputs):
                out[i, k] += coef[t, k] * value


def _affine_power_terms(parent, last, multinomials, offsets, linear, d, out, top):  # type: ignore[no-untyped-def]
    """Multinomial expansion of ``sum_k d[k, j] v_j^k`` for linear ``v_j``.

    ``out[a, j] = d[|a|, j] * |a|!/a! * prod_i linear[i, j]^{a_i}`` for every
    monomial ``a`` of degree 1..top; the products are built along ``parent``
    (the monomial without its last variable ``last``), degree by degree.
    ``out`` rows of degree 0 and above ``top`` are left untouched.
    """
    n_polys = out.shape[1]
    for j in range(n_polys):
        out[0, j] = 1.0
    for degree in range(1, top + 1):
        for a in prange(offsets[degree], offsets[degree + 1]):
            b = parent[a]
            variable = last[a]
            for j in range(n_polys):
                out[a, j] = out[b, j] * linear[variable, j]
    for a in prange(offsets[1], offsets[top + 1]):
        scale = multinomials[a]
        degree = 0
        # find the degree of row a
        while offsets[degree + 1] <= a:
            degree += 1
        for j in range(n_polys):
            out[a, j] *= scale * d[degree, j]


_affine_power_terms_kernel = _ThreadedKernel(_affine_power_terms)


def affine_power_terms(
    parent: Array,
    last: Array,
    multinomials: Array,
    offsets: Array,
    linear: Array,
    d: Array,
    out: Array,
    top: int,
) -> None:
    """Multinomial expansion of ``sum_k d[k, j] v_j^k`` for linear ``v_j`` (see
    :func:`_affine_power_terms`), on one thread for small problems."""
    work = int(offsets[top + 1]) * out.shape[1]
    _affine_power_terms_kernel(work, parent, last, multinomials, offsets, linear, d, out, top)


_evaluate_monomials_kernel = _ThreadedKernel(_evaluate_monomials)


def evaluate_monomials(X: Array, variables: Array, coef: Array, out: Array) -> None:
    """``out[i, k] = sum_t coef[t, k] * prod_j X[i, variables[t, j]]`` (padding -1 skipped)."""
    work = X.shape[0] * variables.shape[0] * max(coef.shape[1], variables.shape[1])
    _evaluate_monomials_kernel(work, X, variables, coef, out)


_rank_monomials_kernel = _ThreadedKernel(_rank_monomials)


def rank_monomials(
    rows: Array, multichoose: Array, offsets: Array, full_ranks: Array | None = None
) -> Array:
    """Basis index of each -1-padded sorted row of ``rows`` (shape (m, k));
    ``full_ranks``: see :func:`_rank_monomials`."""
    work = rows.shape[0] * max(rows.shape[1], 1) * 16
    ranks_in = np.zeros(0, dtype=np.int64) if full_ranks is None else full_ranks
    ranks: Array = _rank_monomials_kernel(work, rows, multichoose, offsets, ranks_in)
    return ranks


def _small_matmul(z, weight, out):  # type: ignore[no-untyped-def]
    """``out = z @ weight`` on one thread, vectorised over the output columns."""
    n_rows, n_in = z.shape
    n_out = weight.shape[1]
    for t in range(n_rows):
        for j in range(n_out):
            out[t, j] = 0.0
        for i in range(n_in):
            a = z[t, i]
            if a != 0.0:
                for j in range(n_out):
                    out[t, j] += a * weight[i, j]


def _small_matvec(z, weight_t, out):  # type: ignore[no-untyped-def]
    """``out = z @ weight_t.T`` for few output columns: one dot product per entry."""
    n_rows, n_in = z.shape
    n_out = weight_t.shape[0]
    for t in range(n_rows):
        for j in range(n_out):
            total = 0.0
            for i in range(n_in):
                total += z[t, i] * weight_t[j, i]
            out[t, j] = total


#: Above this many multiply-adds a linear map goes to BLAS.
BLAS_THRESHOLD = 1 << 24


def linear_map(z: NDArray[np.float64], weight: NDArray[np.float64]) -> NDArray[np.float64]:
    """``z @ weight``; small products on one thread, where BLAS's thread pool
    costs more than the work (badly so on a busy machine)."""
    if z.shape[0] * z.shape[1] * weight.shape[1] >= BLAS_THRESHOLD:
        return shared_matmul(z, weight)
    global _small_matvec_kernel, _small_matmul_kernel
    out = np.empty((z.shape[0], weight.shape[1]), dtype=np.float64)
    if weight.shape[1] < 8:
        if _small_matvec_kernel is None:
            fastmath = {"reassoc", "nsz", "contract"}
            _small_matvec_kernel = _compile(_small_matvec, fastmath=fastmath)
        _small_matvec_kernel(np.ascontiguousarray(z), np.ascontiguousarray(weight.T), out)
    else:
        if _small_matmul_kernel is None:
            _small_matmul_kernel = _compile(_small_matmul)
        _small_matmul_kernel(np.ascontiguousarray(z), np.ascontiguousarray(weight), out)
    return out


_small_matvec_kernel: Callable[..., Any] | None = None
_small_matmul_kernel: Callable[..., Any] | None = None
