"""How a conversion scales with threads: the wide cases on 1, 2, ... threads.

Each case runs in fresh processes (as in ``bench_conversion.py``: one warm-up
call, then the median of three calls building the basis and tables afresh),
with every thread pool a conversion may use (numba's, BLAS's, OpenMP's) set to
the same number of threads.  The thread counts alternate case by case and the
whole sweep is repeated ``--rounds`` times; each figure is the median over the
rounds, so a load that comes and goes disturbs every count alike.  Printed:
the seconds on each count, the speed-up over one thread and the parallel
efficiency (speed-up / threads).  With ``--baseline DIR`` the package in
``DIR/src`` (e.g. a worktree of an earlier commit) is run alongside, on the
same counts.

Usage::

    python benchmarks/bench_threads.py                     # 1 and 2 threads
    python benchmarks/bench_threads.py --threads 1,2,4,8,16 --rounds 5
    python benchmarks/bench_threads.py --case 100,3,50,4 --baseline /tmp/old
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from bench_conversion import WIDE_GRID, _geometric_mean, case_arguments, parse_cases, run_case


def sweep(
    cases: list[tuple[int, ...]],
    counts: list[int],
    packages: dict[str, Path | None],
    rounds: int,
    timeout: float,
) -> dict[tuple[str, tuple[int, ...], int], list[float]]:
    """Seconds of every (package, case, thread count), ``rounds`` times, alternating."""
    found: dict[tuple[str, tuple[int, ...], int], list[float]] = {}
    for _ in range(rounds):
        for case in cases:
            for threads in counts:
                for label, package in packages.items():
                    result = run_case(case, timeout, package, threads=threads)
                    if "seconds" in result:
                        found.setdefault((label, case, threads), []).append(result["seconds"])
    return found


def report(
    found: dict[tuple[str, tuple[int, ...], int], list[float]],
    cases: list[tuple[int, ...]],
    counts: list[int],
    packages: list[str],
) -> None:
    """One row per case and package: seconds per count, speed-ups and efficiencies."""
    times = " ".join(f"{f'{n} thr s':>9}" for n in counts)
    gains = " ".join(f"{f'x{n}':>6} {'eff':>4}" for n in counts[1:])
    header = f"{'case (p, L, h, Q, k)':<22} {'package':<9} {times} {gains}"
    print(header)
    print("-" * len(header))
    speedups: dict[tuple[str, int], list[float]] = {}
    for case in cases:
        for label in packages:
            medians = {
                n: statistics.median(found[(label, case, n)])
                for n in counts
                if (label, case, n) in found
            }
            if counts[0] not in medians:
                print(f"{case!s:<22} {label:<9} refused or failed")
                continue
            cells = " ".join(f"{medians[n]:>9.4g}" if n in medians else f"{'-':>9}" for n in counts)
            ratios = []
            for n in counts[1:]:
                if n in medians:
                    gain = medians[counts[0]] / medians[n]
                    speedups.setdefault((label, n), []).append(gain)
                    ratios.append(f"{gain:>5.2f}x {gain / (n / counts[0]):>4.2f}")
                else:
                    ratios.append(f"{'-':>6} {'-':>4}")
            print(f"{case!s:<22} {label:<9} {cells} {' '.join(ratios)}", flush=True)
    print()
    for (label, n), values in sorted(speedups.items()):
        print(
            f"{label}: {n} threads against {counts[0]}: geometric mean speed-up "
            f"{_geometric_mean(values):.2f}x over {len(values)} cases"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2,4")
    parser.add_argument("--rounds", type=int, default=3, help="sweeps; medians over them")
    case_arguments(parser)
    args = parser.parse_args()
    counts = sorted({int(text) for text in args.threads.split(",")})
    cases = parse_cases(args.case) or list(WIDE_GRID)
    packages: dict[str, Path | None] = {"this": None}
    if args.baseline:
        packages["baseline"] = args.baseline
    found = sweep(cases, counts, packages, args.rounds, args.timeout)
    report(found, cases, counts, list(packages))


if __name__ == "__main__":
    main()
