"""Speed and memory of ``nn2poly.to_polynomial`` beside the R reference.

Networks: p inputs, L hidden tanh layers of width h with every hidden column
(bias included) l1-normalised, one linear output, default Taylor orders.
Each case runs in its own process: one warm-up call (compiled kernels are
loaded from numba's cache), then the median of three timed calls, each
building the monomial basis and product table afresh (they are cached
between calls otherwise, but a user converting once pays for them); the peak
resident memory of that process is reported (it includes about 150 MB for
Python, numpy and numba, as the reference's includes about 71 MB for R).

Usage::

    python benchmarks/bench_conversion.py              # reference grid + issue grid
    python benchmarks/bench_conversion.py --quick      # small cases only
    python benchmarks/bench_conversion.py --case 50,3,50,4

The reference figures are read from ``../shared/reference/nn2poly_timings.csv``
(beside the checkout) and the extra single runs listed in its README.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
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

_CHILD = r"""
import json, resource, statistics, sys, time, warnings
import numpy as np
import nn2poly
p, L, h, Q = map(int, sys.argv[1:5])
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
    nn2poly.to_polynomial(net, Q)
    first = time.perf_counter() - start
except nn2poly.MemoryLimitError as error:
    print(json.dumps({"refused": str(error)}))
    raise SystemExit(0)
repeats = 3 if first < 20 else 1
times = []
from nn2poly._monomials import _cached_basis
for _ in range(repeats):
    _cached_basis.cache_clear()  # a user converting once builds the basis and tables
    start = time.perf_counter()
    poly = nn2poly.to_polynomial(net, Q)
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
summary = {"seconds": statistics.median(times), "first": first, "peak_mb": peak}
print(json.dumps({**summary, "n_terms": poly.n_terms}))
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


def run_case(case: tuple[int, int, int, int], timeout: float) -> dict:
    try:
        result = subprocess.run(
            [sys.executable, "-c", _CHILD, *map(str, case)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="only cases with at most 20 inputs and max_order 4"
    )
    parser.add_argument("--case", action="append", default=[], help="p,L,h,Q (repeatable)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per case")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()

    reference = load_reference()
    if args.case:
        cases = [tuple(int(v) for v in text.split(",")) for text in args.case]
    else:
        cases = sorted(set(reference) | set(ISSUE_GRID))
        if args.quick:
            cases = [c for c in cases if c[0] <= 20 and c[3] <= 4]

    header = (
        f"{'p':>4} {'L':>2} {'h':>3} {'Q':>2} {'n_terms':>10} {'ours s':>9} {'first s':>8} "
        f"{'ref s':>9} {'ratio':>8} {'ours MB':>8} {'ref MB':>7}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for case in cases:
        p, L, h, Q = case
        result = run_case(case, args.timeout)
        ref_seconds, ref_mb = reference.get(case, (None, None))
        n_terms = math.comb(p + Q, Q)
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
            print(
                f"{p:>4} {L:>2} {h:>3} {Q:>2} {n_terms:>10,} {ours:>9.4g} {result['first']:>8.3g} "
                f"{ref_text:>9} {ratio_text:>8} {result['peak_mb']:>8.0f} {ref_mb_text:>7}",
                flush=True,
            )
            rows.append({"case": case, **result, "ref_seconds": ref_seconds, "ref_mb": ref_mb})
        else:
            status = (
                "refused by the memory guard" if "refused" in result else next(iter(result.items()))
            )
            print(f"{p:>4} {L:>2} {h:>3} {Q:>2} {n_terms:>10,}  {status}", flush=True)
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
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
