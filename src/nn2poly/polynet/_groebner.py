"""Exact critical points through Gröbner bases (sympy), under a hard time limit.

The work runs in a separate Python process (``python -m
nn2poly.polynet._groebner_worker``) that is killed when the limit is reached,
so the limit holds even inside a long sympy computation. The process
reports as it goes: first the basis's size and the dimension of the complex
critical set, then the real points. When that set is positive-dimensional
(a continuum, as for any network with a rescaling symmetry) there is no finite
list to return; the solver then cuts it with random affine slices, one
equation per dimension, and returns the real points of each slice.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import sys
import time
from typing import Any

import numpy as np

from .._validation import Interval, check_param
from ._critical import classify_point, deduplicate
from ._loss import LossPolynomial
from ._results import SolverResult

__all__ = ["ideal_dimension", "solve_groebner"]

Terms = list[tuple[tuple[int, ...], int, int]]


def ideal_dimension(leading_monomials: list[tuple[int, ...]], n_variables: int) -> int:
    """Krull dimension of an ideal from the leading monomials of a Gröbner basis.

    The largest set of variables none of whose monomials is a leading monomial
    (a maximal independent set). Returns -1 for the unit ideal (no solutions).

    Examples
    --------
    >>> ideal_dimension([(1, 0), (0, 1)], 2)   # <x, y>: a point
    0
    >>> ideal_dimension([(1, 1)], 2)           # <xy>: two lines
    1
    >>> ideal_dimension([(0, 0)], 2)           # <1>: empty
    -1
    """
    if any(sum(m) == 0 for m in leading_monomials):
        return -1
    supports = [frozenset(i for i, e in enumerate(m) if e) for m in leading_monomials]
    for size in range(n_variables, -1, -1):
        for subset in itertools.combinations(range(n_variables), size):
            chosen = set(subset)
            if not any(support <= chosen for support in supports):
                return size
    return 0  # pragma: no cover - the empty set is always independent


def _to_terms(element: Any) -> Terms:
    return [(tuple(m), int(c.numerator), int(c.denominator)) for m, c in element.terms()]


def _real_points(equations: list[Any], symbols: list[Any]) -> list[list[float]]:
    import sympy

    solutions = sympy.solve_poly_system(equations, *symbols) or []
    points = []
    for solution in solutions:
        values = [complex(sympy.N(v, 30)) for v in solution]
        if all(abs(v.imag) <= 1e-9 * max(1.0, abs(v.real)) for v in values):
            points.append([v.real for v in values])
    return points


def _worker(names: list[str], residuals: list[Terms], n_slices: int, seed: int, out: Any) -> None:
    """Child process: expand the loss, then basis, dimension and real points (exact slices).

    ``out.put(message)`` receives each result as soon as it is known.
    """
    import sympy
    from sympy import QQ
    from sympy.polys.groebnertools import groebner
    from sympy.polys.orderings import grevlex
    from sympy.polys.rings import ring

    polynomial_ring, *generators = ring(",".join(names), QQ, grevlex)
    loss = polynomial_ring.zero
    for terms in residuals:
        residual = polynomial_ring.from_dict({m: QQ(p, q) for m, p, q in terms})
        loss += residual**2
    polys = [p for p in (loss.diff(g) for g in generators) if p]
    basis = groebner(polys, polynomial_ring)
    dimension = ideal_dimension([tuple(g.LM) for g in basis], len(names))
    out.put(("basis", len(basis), dimension))
    if dimension < 0:
        out.put(("done",))
        return
    symbols = list(sympy.symbols(names, real=True))
    expressions = [p.as_expr(*symbols) for p in polys]
    if dimension == 0:
        out.put(("points", _real_points(expressions, symbols)))
        out.put(("done",))
        return
    rng = np.random.default_rng(seed)
    for _ in range(n_slices):
        cuts = []
        for _ in range(dimension):
            weights = rng.integers(-3, 4, size=len(symbols))
            offset = int(rng.integers(-3, 4))
            cuts.append(sum(int(w) * s for w, s in zip(weights, symbols, strict=True)) - offset)
        out.put(("points", _real_points(expressions + cuts, symbols)))
    out.put(("done",))


def solve_groebner(
    loss: LossPolynomial,
    *,
    time_limit: float = 20.0,
    n_slices: int = 3,
    seed: int = 0,
) -> SolverResult:
    """All real critical points of ``loss`` by Gröbner bases, within ``time_limit`` seconds.

    Parameters
    ----------
    loss : LossPolynomial
    time_limit : float, default=20
        Wall-clock seconds for the whole computation, process start included.
        When reached, the computation is stopped and the result's status is
        ``"gave up"``, keeping what was found before.
    n_slices : int, default=3
        Random affine slices used when the critical set is a continuum.
    seed : int, default=0
        Seed of the slices.

    Returns
    -------
    SolverResult
        ``dimension`` is the dimension of the complex critical set (-1: empty,
        0: finitely many points, all of which are returned).

    Examples
    --------
    >>> from nn2poly.polynet import PolynomialNetwork, LossPolynomial, gate_data
    >>> loss = LossPolynomial.build(PolynomialNetwork(2, (), "identity"), *gate_data("and"))
    >>> result = solve_groebner(loss, time_limit=60)
    >>> result.status, result.dimension, result.critical_points[0].parameters.round(6).tolist()
    ('solved', 0, [-0.25, 0.5, 0.5])
    """
    time_limit = check_param(
        "time_limit",
        time_limit,
        [Interval(float, 0, None, closed="neither")],
        caller="solve_groebner",
        fix="It is the wall-clock budget in seconds, e.g. 20.",
    )
    start = time.perf_counter()
    # only the per-sample residuals are sent: expanding the loss, which can
    # take minutes for deep networks, happens inside the time limit
    request = {
        "names": list(loss.variable_names),
        "residuals": [_to_terms(r) for r in loss.residual_elements],
        "n_slices": int(n_slices),
        "seed": int(seed),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "nn2poly.polynet._groebner_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    timed_out = False
    try:
        output, errors = process.communicate(json.dumps(request), timeout=time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        process.kill()
        output, errors = process.communicate()  # what was written before the kill
    finally:
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):  # a pipe broken by the kill
                    stream.close()
    basis_size, dimension, raw_points, finished = None, None, [], False
    for line in output.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by the kill
            continue
        if message[0] == "basis":
            basis_size, dimension = message[1], message[2]
        elif message[0] == "points":
            raw_points.extend(message[1])
        elif message[0] == "done":
            finished = True
    elapsed = time.perf_counter() - start
    points = [classify_point(loss, p) for p in raw_points]
    points = deduplicate([p for p in points if p.gradient_norm <= 1e-6 * max(1.0, p.loss)])
    if finished:
        status = "solved"
    elif timed_out:
        status = "gave up"
    else:
        status = "failed"
    if status == "failed":
        last_line = errors.strip().splitlines()[-1:] or ["no output"]
        note = f"the Gröbner process failed: {last_line[0]}"
    elif dimension is None:
        note = f"no Gröbner basis within {time_limit:g} s"
    elif dimension < 0:
        note = "no critical points (unit ideal)"
    elif dimension == 0:
        note = f"finite critical set; basis of {basis_size} polynomials"
    else:
        note = f"critical set of dimension {dimension}; {n_slices} random slices"
    n_runs = 1
    return SolverResult(
        "groebner",
        status,
        points,
        np.full(n_runs, min((p.loss for p in points), default=np.nan)),
        np.array([finished]),
        elapsed,
        note,
        dimension,
    )
