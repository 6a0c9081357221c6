"""Speed and memory of ``nn2poly.to_polynomial`` beside the R reference.

Networks: p inputs, L hidden tanh layers of width h with every hidden column
(bias included) l1-normalised, one linear output, default Taylor orders.
Each case runs in its own process: one warm-up call (compiled kernels are
loaded from numba's cache), then the median of three timed calls, each
building the monomial basis and product table afresh (they are cached
between calls otherwise, but a user converting once pays for them); the peak
resident memory of that process is reported (it includes about 150 MB for
Python, numpy and numba, as the reference's includes about 71 MB for R).

Wide cases (p = 200 and 1000 inputs, width 64) and interaction-limited ones
(``max_interaction=k``, a fifth number in ``--case``) are run with ``--wide``.
Beside each row: ``floor``, the multiply-adds the engine's algorithm needs,
counted exactly from the basis and the product table (linear maps, the
multinomial terms of the first non-linear layer, every Horner step's pairs,
the top degree's pairs and terms weighted per output), and ``x floor``, the
time over that count at the multiply-add rate this machine reaches in a
gather-multiply-add loop like the kernels' (measured once per run); the
top degree's pairs of a full basis run as matrix products (BLAS), faster
than that loop, so ``x floor`` can be below 1.  With
``--baseline DIR`` each case is also run with the package in ``DIR/src``
(e.g. a worktree of an earlier commit) and the speed-up is printed.

Usage::

    python benchmarks/bench_conversion.py              # reference grid + larger cases
    python benchmarks/bench_conversion.py --quick      # small cases only
    python benchmarks/bench_conversion.py --wide       # wide and interaction-limited cases
    python benchmarks/bench_conversion.py --case 50,3,50,4 --case 1000,2,64,3,2
    python benchmarks/bench_conversion.py --wide --baseline /tmp/old
    python benchmarks/bench_conversion.py --overhead --baseline /tmp/old  # per-call times

The reference figures are read from ``../shared/reference/nn2poly_timings.csv``
(beside the checkout) and the extra single runs listed in its README.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent.parent / "shared" / "reference" / "nn2poly_timings.csv"

# Extra single runs of the reference on the same machine kind (its README).
REFERENCE_EXTRA = {
    (10, 3, 50, 5): (1.58, None),
    (10, 3, 50, 6): (11.9, None),
    (20, 3, 50, 5): (43.0, None),
    (20, 3, 50, 6): (float("inf"), None),  # "over 120 s"
    (50, 1, 50, 4): (5.85, None),
    (50, 3, 50, 3): (2.95, None),
    (50, 3, 50, 4): (109.0, 1536.0),
    (100, 1, 50, 3): (3.38, None),
}

ISSUE_GRID = [(p, L, 50, Q) for p in (10, 20, 50, 100) for L in (1, 3) for Q in (3, 4, 5, 6)]

#: Wide inputs (p, L, h, Q) and interaction-limited ones (p, L, h, Q, max_interaction).
WIDE_GRID = [
    (200, 2, 64, 3),
    (1000, 2, 64, 2),
    (100, 3, 50, 4),
    (50, 3, 50, 4),
    (20, 3, 50, 6),
    (200, 2, 64, 3, 2),
    (1000, 2, 64, 3, 2),
    (100, 3, 50, 5, 2),
]

_CHILD = r"""
import json, os, resource, statistics, sys, time, warnings
import numpy as np
import nn2poly

def floor(p, L, h, Q, k):
    # multiply-adds of the walk that contracts the top degree (nn2poly._top_slice)
    try:
        from nn2poly._monomials import monomial_basis
        basis = monomial_basis(p, Q, k)
    except (ImportError, TypeError):
        return None
    off = [int(x) for x in basis.degree_offsets]
    n, low, K = basis.n_terms, off[Q], min(8, Q)
    madds = (p + 1) * p * h + low * h  # first linear map, multinomial terms below Q
    madds += (n - low) * h * 2  # the top terms of the first layer, weighted per output
    if L > 1:
        indptr, left, _ = basis.product_table()
        top_pairs = int(np.count_nonzero(left[indptr[low]:] < low))
        for _ in range(L - 1):
            madds += low * h * h + low * h  # linear map, first Horner step
            for step in range(K - 2, -1, -1):
                rows = min(off[min(Q - step + 1, Q + 1)], low)
                madds += int(indptr[rows] - indptr[1]) * h
            madds += top_pairs * h
    return madds + low * h
p, L, h, Q = map(int, sys.argv[1:5])
k = int(sys.argv[5]) if len(sys.argv) > 5 else None
options = {} if k is None else {"max_interaction": k}
rng = np.random.default_rng(0)
weights, n_in = [], p
for _ in range(L):
    w = rng.normal(size=(n_in + 1, h))
    weights.append(w / np.abs(w).sum(axis=0, keepdims=True))
    n_in = h
weights.append(rng.normal(size=(n_in + 1, 1)))
net = nn2poly.Network.from_weights(weights, ["tanh"] * L + ["linear"])
try:
    start = time.perf_counter()
    nn2poly.to_polynomial(net, Q, **options)
    first = time.perf_counter() - start
except nn2poly.MemoryLimitError as error:
    print(json.dumps({"refused": str(error)}))
    raise SystemExit(0)
repeats = 3 if first < 20 else 1
many = int(os.environ.get("NN2POLY_BENCH_REPEATS", repeats))
if many > repeats:  # --overhead: calls of a few ms or less are timed many times
    start = time.perf_counter()
    nn2poly.to_polynomial(net, Q, **options)
    repeats = many if time.perf_counter() - start < 0.005 else repeats
times = []
from nn2poly._monomials import _cached_basis
for _ in range(repeats):
    _cached_basis.cache_clear()  # a user converting once builds the basis and tables
    start = time.perf_counter()
    poly = nn2poly.to_polynomial(net, Q, **options)
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
summary = {"seconds": statistics.median(times), "first": first, "peak_mb": peak}
print(json.dumps({**summary, "n_terms": poly.n_terms, "floor": floor(p, L, h, Q, k)}))
"""


def load_reference() -> dict[tuple[int, int, int, int], tuple[float, float | None]]:
    table: dict[tuple[int, int, int, int], tuple[float, float | None]] = {}
    if REFERENCE.exists():
        with REFERENCE.open() as handle:
            for row in csv.DictReader(handle):
                key = (int(row["p"]), int(row["L"]), int(row["h"]), int(row["Q"]))
                table[key] = (float(row["seconds"]), float(row["peak_mem_mb"]))
    for key, value in REFERENCE_EXTRA.items():
        table.setdefault(key, value)
    return table


#: The settings of the thread pools a conversion may use (numba's, BLAS's, OpenMP's).
THREAD_SETTINGS = (
    "NUMBA_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def run_case(
    case: tuple[int, ...],
    timeout: float,
    package: Path | None = None,
    repeats: int = 3,
    threads: int | None = None,
) -> dict:
    """Run one case in a fresh process (the package in ``package/src`` when given,
    every thread pool limited to ``threads`` when given) and return its summary."""
    env = dict(os.environ)
    env["NN2POLY_BENCH_REPEATS"] = str(repeats)
    if package is not None:
        env["PYTHONPATH"] = str(package / "src")
    if threads is not None:
        env.update(dict.fromkeys(THREAD_SETTINGS, str(threads)))
    try:
        result = subprocess.run(
            [sys.executable, "-c", _CHILD, *map(str, case)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


_RATE = r"""
import time
import numpy as np
from numba import njit

@njit
def gather(v, h, left, right, out):
    acc = np.empty(v.shape[1])
    for o in range(out.shape[0]):
        acc[:] = 0.0
        for t in range(4 * o, 4 * o + 4):
            a, b = left[t], right[t]
            for j in range(v.shape[1]):
                acc[j] += v[a, j] * h[b, j]
        out[o] = acc

rng = np.random.default_rng(0)
v, h = rng.normal(size=(2000, 64)), rng.normal(size=(2000, 64))
left, right = rng.integers(0, 2000, 40000), rng.integers(0, 2000, 40000)
out = np.zeros((10000, 64))
best = float("inf")
for _ in range(21):
    start = time.perf_counter()
    gather(v, h, left, right, out)
    best = min(best, time.perf_counter() - start)
print(40000 * 64 / best)
"""


def multiply_add_rate() -> float:
    """Multiply-adds per second of one core in a gather loop like the kernels'."""
    result = subprocess.run(
        [sys.executable, "-c", _RATE], capture_output=True, text=True, check=True, timeout=300
    )
    return float(result.stdout.strip().splitlines()[-1])


def _geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def overhead(
    reference: dict[tuple[int, int, int, int], tuple[float, float | None]],
    baseline: Path | None,
    timeout: float,
) -> None:
    """Per-call times of every case with a finite reference time, beside the reference.

    Small networks are dominated by the fixed cost of a call (argument checks,
    the approximation, the memory plan, the basis and product table, the
    polynomial and its provenance), so each fast call is repeated 51 times in
    its process and the median is shown, in milliseconds; with a baseline the
    two packages alternate case by case.
    """
    cases = [c for c in sorted(reference) if not math.isinf(reference[c][0])]
    header = f"{'p':>4} {'L':>2} {'h':>3} {'Q':>2} {'ours ms':>9} {'ref ms':>9} {'ratio':>7}"
    header += f" {'base ms':>9} {'speedup':>7}" if baseline else ""
    print(header)
    print("-" * len(header))
    ratios, base_ratios, speedups = [], [], []
    for case in cases:
        ref = reference[case][0]
        result = run_case(case, timeout, repeats=51)
        base = run_case(case, timeout, baseline, repeats=51) if baseline else {}
        if "seconds" not in result:
            print(f"{case}  {next(iter(result.items()))}", flush=True)
            continue
        ours = result["seconds"]
        ratios.append(ref / ours)
        line = f"{case[0]:>4} {case[1]:>2} {case[2]:>3} {case[3]:>2} {ours * 1e3:>9.3f} "
        line += f"{ref * 1e3:>9.3f} {ref / ours:>6.1f}x"
        if "seconds" in base:
            base_ratios.append(ref / base["seconds"])
            speedups.append(base["seconds"] / ours)
            line += f" {base['seconds'] * 1e3:>9.3f} {base['seconds'] / ours:>6.2f}x"
        print(line, flush=True)
    print(f"\nCases: {len(ratios)}; geometric mean of ref / ours {_geometric_mean(ratios):.1f}x")
    if base_ratios:
        print(
            f"baseline: geometric mean of ref / base {_geometric_mean(base_ratios):.1f}x; "
            f"speed-up over the baseline: geometric mean {_geometric_mean(speedups):.2f}x"
        )


def case_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark script takes: cases, a baseline, a timeout."""
    parser.add_argument(
        "--case", action="append", default=[], help="p,L,h,Q[,max_interaction] (repeatable)"
    )
    parser.add_argument("--baseline", type=Path, help="also run the package in DIR/src")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per case")


def parse_cases(texts: list[str]) -> list[tuple[int, ...]]:
    """``"p,L,h,Q[,k]"`` texts as tuples of ints."""
    return [tuple(int(v) for v in text.split(",")) for text in texts]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="only cases with at most 20 inputs and max_order 4"
    )
    parser.add_argument(
        "--wide", action="store_true", help="wide and interaction-limited cases only"
    )
    case_arguments(parser)
    parser.add_argument(
        "--overhead",
        action="store_true",
        help="the per-call time of the cases with a reference time (calls under 5 ms "
        "repeated 51 times, median)",
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()

    reference = load_reference()
    if args.overhead:
        overhead(reference, args.baseline, args.timeout)
        return
    if args.case:
        cases = parse_cases(args.case)
    elif args.wide:
        cases = list(WIDE_GRID)
    else:
        cases = sorted(set(reference) | set(ISSUE_GRID))
        if args.quick:
            cases = [c for c in cases if c[0] <= 20 and c[3] <= 4]

    start = time.perf_counter()
    rate = multiply_add_rate()
    print(
        f"multiply-add rate of one core: {rate / 1e9:.2f} G/s ({time.perf_counter() - start:.0f} s)"
    )
    header = (
        f"{'p':>4} {'L':>2} {'h':>3} {'Q':>2} {'k':>2} {'n_terms':>10} {'ours s':>9} "
        f"{'first s':>8} {'ref s':>9} {'ratio':>8} {'ours MB':>8} {'ref MB':>7} "
        f"{'floor':>9} {'x floor':>7}" + (f" {'base s':>8} {'speedup':>7}" if args.baseline else "")
    )
    print(header)
    print("-" * len(header))
    rows = []
    for case in cases:
        p, L, h, Q = case[:4]
        k = case[4] if len(case) > 4 else None
        result = run_case(case, args.timeout)
        ref_seconds, ref_mb = reference.get(case, (None, None)) if k is None else (None, None)
        n_terms = result.get("n_terms", math.comb(p + Q, Q))
        k_text = "-" if k is None else str(k)
        floor = result.get("floor")
        floor_text = "-" if not floor else f"{floor / 1e9:.3g}G"
        extra = ""
        if args.baseline:
            base = run_case(case, args.timeout, args.baseline) if k is None else {}
            if "seconds" in base and "seconds" in result:
                extra = f" {base['seconds']:>8.4g} {base['seconds'] / result['seconds']:>6.1f}x"
                result["baseline_seconds"] = base["seconds"]
            else:
                extra = f" {'-':>8} {'-':>7}"
        if "seconds" in result:
            ours = result["seconds"]
            ratio = ref_seconds / ours if ref_seconds else None
            ratio_text = (
                "-"
                if ratio is None
                else (">" + f"{120 / ours:.0f}" if math.isinf(ratio) else f"{ratio:.1f}x")
            )
            ref_text = (
                "-"
                if ref_seconds is None
                else (">120" if math.isinf(ref_seconds) else f"{ref_seconds:.4g}")
            )
            ref_mb_text = "-" if ref_mb is None else f"{ref_mb:.0f}"
            x_floor = "-" if not floor else f"{ours / (floor / rate):.1f}"
            print(
                f"{p:>4} {L:>2} {h:>3} {Q:>2} {k_text:>2} {n_terms:>10,} {ours:>9.4g} "
                f"{result['first']:>8.3g} {ref_text:>9} {ratio_text:>8} {result['peak_mb']:>8.0f} "
                f"{ref_mb_text:>7} {floor_text:>9} {x_floor:>7}{extra}",
                flush=True,
            )
            rows.append({"case": case, **result, "ref_seconds": ref_seconds, "ref_mb": ref_mb})
        else:
            status = (
                "refused by the memory guard" if "refused" in result else next(iter(result.items()))
            )
            print(f"{p:>4} {L:>2} {h:>3} {Q:>2} {k_text:>2} {n_terms:>10,}  {status}", flush=True)
            rows.append({"case": case, **result})

    timed = [
        r["ref_seconds"] / r["seconds"]
        for r in rows
        if "seconds" in r
        and r.get("ref_seconds")
        and not math.isinf(r["ref_seconds"])
        and r["ref_seconds"] >= 0.1
    ]
    if timed:
        geometric = math.exp(sum(math.log(x) for x in timed) / len(timed))
        print(
            f"\nCases where the reference takes >= 0.1 s: {len(timed)}; "
            f"slowest ratio {min(timed):.1f}x, geometric mean {geometric:.1f}x"
        )
    every = [
        r["ref_seconds"] / r["seconds"]
        for r in rows
        if "seconds" in r and r.get("ref_seconds") and not math.isinf(r["ref_seconds"])
    ]
    if every:
        geometric = math.exp(sum(math.log(x) for x in every) / len(every))
        print(f"All cases with a reference time: {len(every)}; geometric mean {geometric:.1f}x")
    speedups = [r["baseline_seconds"] / r["seconds"] for r in rows if "baseline_seconds" in r]
    if speedups:
        print(
            f"Cases the baseline converts: {len(speedups)}; speed-up over it: "
            f"geometric mean {_geometric_mean(speedups):.1f}x, slowest {min(speedups):.1f}x"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
