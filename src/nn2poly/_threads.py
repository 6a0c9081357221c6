"""How the engine shares work between threads.

numba's parallel kernels use its own thread pool.  Work made of BLAS matrix
products and compiled kernels that release the GIL (the top-degree products
of :mod:`nn2poly._kernels_gram`, large linear maps) is shared here instead, on
a pool of Python threads.  Inside such work each matrix product runs on one
BLAS thread: BLAS's own threads, waiting for work between products, would
take the processors the other threads need (:func:`blas_on_one_thread`).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "blas_on_one_thread",
    "numba_parallel_allowed",
    "run_together",
    "share_rows",
    "shared_matmul",
    "thread_count",
]


def thread_count() -> int:
    """Threads the engine's parallel work uses: numba's setting once numba is
    imported (``numba.set_num_threads``), else its default (``NUMBA_NUM_THREADS``,
    or the processors this process may run on).

    Examples
    --------
    >>> thread_count() >= 1
    True
    """
    numba = sys.modules.get("numba")
    if numba is not None and hasattr(numba, "get_num_threads"):
        return int(numba.get_num_threads())
    setting = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - platforms without affinity


_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def run_together(calls: Sequence[Callable[[], None]]) -> None:
    """Run ``calls`` at once: the first on this thread, the others on a pool's
    threads (kernels compiled with ``nogil`` run truly in parallel).

    Returns when all have ended; an error raised by one of them is raised here.
    The calls must not share work themselves (a pool thread waiting for work
    queued behind it would wait for ever).

    Examples
    --------
    >>> found = []
    >>> run_together([lambda: found.append(1), lambda: found.append(2)])
    >>> sorted(found)
    [1, 2]
    """
    global _pool, _pool_size
    with _pool_lock:
        if len(calls) - 1 > _pool_size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(len(calls) - 1, thread_name_prefix="nn2poly")
            _pool_size = len(calls) - 1
        pool = _pool
    others = [pool.submit(call) for call in calls[1:]] if pool is not None else []
    error: BaseException | None = None
    try:
        calls[0]()
    except BaseException as here:  # the others still run to their end first
        error = here
    for future in others:
        theirs = future.exception()  # waits for the call to end
        error = error or theirs
    if error is not None:
        raise error


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limit: Any = None


@contextmanager
def blas_on_one_thread(enabled: bool = True) -> Iterator[None]:
    """Within the block, BLAS (numpy's) runs each product on one thread.

    Nested and concurrent blocks (conversions run by several threads) share
    one limit: the first to enter sets it, the last to leave restores what
    was there.  Without ``threadpoolctl`` installed, or with ``enabled``
    false, nothing changes.

    Examples
    --------
    >>> import numpy as np
    >>> with blas_on_one_thread():
    ...     float((np.ones((2, 3)) @ np.ones((3, 2)))[0, 0])
    3.0
    """
    global _blas_users, _blas_limit
    if not enabled:
        yield
        return
    with _blas_lock:
        if _blas_users == 0:
            _blas_limit = _limit_blas()
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0 and _blas_limit is not None:
                _blas_limit.restore_original_limits()
                _blas_limit = None


#: False in a child of ``fork`` whose parent had started numba's OpenMP threads:
#: GNU OpenMP cannot run there (numba stops the process), so numba's parallel
#: kernels run on one thread (see :func:`numba_parallel_allowed`).
_numba_parallel = True


def numba_parallel_allowed() -> bool:
    """Whether numba's parallel kernels may run in this process.

    Not in a child of ``fork`` whose parent had run them on numba's OpenMP
    threading layer; the work shared by this module's threads still is.

    Examples
    --------
    >>> numba_parallel_allowed()
    True
    """
    return _numba_parallel


def _numba_uses_openmp() -> bool:
    """Whether numba has started its threads, on its OpenMP layer."""
    numba = sys.modules.get("numba")
    if numba is None:
        return False
    try:
        return bool(numba.threading_layer() == "omp")
    except ValueError:  # numba's threads were never started
        return False


def _after_fork_in_child() -> None:
    """A child of ``fork`` has none of its parent's pool threads and no holder of
    its locks: start afresh (a new pool on first use), and keep numba's
    parallel kernels off GNU OpenMP threads the parent started."""
    global _pool, _pool_size, _pool_lock, _blas_lock, _blas_users, _blas_limit
    global _numba_parallel
    _pool, _pool_size, _pool_lock = None, 0, threading.Lock()
    _blas_lock, _blas_users, _blas_limit = threading.Lock(), 0, None
    _numba_parallel = _numba_parallel and not _numba_uses_openmp()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


_controller: Any = None


def _limit_blas() -> Any:
    """threadpoolctl's limit of the BLAS libraries to one thread (None without it)."""
    global _controller
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - a dependency; the engine then just runs
        return None
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


def share_rows(n_rows: int, work: Callable[[int, int], None], minimum: int = 1) -> None:
    """Run ``work(start, stop)`` on parts of the rows ``0..n_rows``, one part per
    thread, each of at least ``minimum`` rows (one part for fewer rows).

    numpy's element-wise operations, reductions and BLAS products release the
    GIL, so parts made of them run in parallel.

    Examples
    --------
    >>> out = np.zeros(10)
    >>> def fill(start: int, stop: int) -> None:
    ...     out[start:stop] = np.arange(start, stop)
    >>> share_rows(10, fill)
    >>> out.tolist() == list(range(10))
    True
    """
    most = n_rows // max(minimum, 1)
    parts = 1 if most <= 1 else min(thread_count(), most)
    if parts == 1:
        work(0, n_rows)
        return
    bounds = [n_rows * k // parts for k in range(parts + 1)]
    run_together([partial(work, bounds[k], bounds[k + 1]) for k in range(parts)])


def shared_matmul(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """``a @ b`` with the rows of ``a`` shared by the threads, each product on
    one BLAS thread.

    Examples
    --------
    >>> a = np.arange(12.0).reshape(4, 3)
    >>> bool(np.array_equal(shared_matmul(a, np.eye(3)), a))
    True
    """
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))

    def part(start: int, stop: int) -> None:
        np.matmul(a[start:stop], b, out=out[start:stop])

    with blas_on_one_thread(thread_count() > 1):
        share_rows(a.shape[0], part)
    return out
