"""What a fresh process pays: ``import nn2poly`` and the first conversion against a warm one.

Each measurement runs in its own Python process, so nothing is loaded or
cached in memory beforehand (numba's on-disk cache of compiled kernels is
used, as a user's second session would):

- ``import``: seconds of ``import numpy`` and of ``import nn2poly`` (timed
  inside the process, interpreter start excluded); ``+ engine``: ``import
  nn2poly`` and its first use of ``Network`` and ``to_polynomial``, which load
  the engine's modules (the package imports its names on first use);
  ``numba ready``: numba's own start-up, which the first conversion pays
  whatever it converts (``import numba`` and the set-up of its CPU target,
  which imports ``scipy.linalg`` for numba's BLAS check);
- ``help``: seconds of the process ``python -m nn2poly.cli --help``, beside
  those of ``python -c "import numpy"`` (interpreter start included in both);
- per case (p inputs, L tanh layers of width h, max_order Q, the networks of
  ``bench_conversion.py``): ``first``, the first ``to_polynomial`` call after
  ``import nn2poly`` and ``nn2poly.to_polynomial`` (it loads numba, the
  compiled kernels and builds the monomial basis and product table);
  ``warm``, the median of three further calls on the same network (tables
  kept, as a user converting again gets);
  ``rebuilt``, the median of three calls with the basis and tables built
  afresh; ``first / warm``.

Processes of the different measurements alternate and each figure is the
median over ``--repeats`` processes, so a loaded machine disturbs them alike.
The children write and read Python's bytecode cache (``PYTHONDONTWRITEBYTECODE``
is dropped from their environment), as an installed package does.
With ``--baseline DIR`` every measurement is also run with the package in
``DIR/src`` (e.g. a worktree of an earlier commit), alternating with this one.

Usage::

    python benchmarks/bench_first_call.py
    python benchmarks/bench_first_call.py --repeats 7 --case 50,1,50,4
    python benchmarks/bench_first_call.py --baseline /tmp/old
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: (p, L, h, Q): cases of ``bench_conversion.py`` whose warm conversion takes about
#: 0.1 s or more on one thread of this machine.
CASES = [(50, 3, 50, 4), (200, 2, 64, 3), (20, 3, 50, 6), (100, 3, 50, 4)]

_IMPORT = r"""
import sys, time
start = time.perf_counter()
module = __import__(sys.argv[1])
for name in sys.argv[2:]:
    getattr(module, name)
print(time.perf_counter() - start)
"""

#: What each import measurement imports, and the names it then touches.
_IMPORTS = {
    "import numpy": ["numpy"],
    "import nn2poly": ["nn2poly"],
    "+ engine": ["nn2poly", "Network", "to_polynomial"],
}

#: Whole processes, interpreter start included.
_PROCESSES = {
    "numpy process": ["-c", "import numpy"],
    "help": ["-m", "nn2poly.cli", "--help"],
}

# numba's fixed start-up, paid by the first conversion whichever kernels it loads: the
# import, then its CPU target's registries (which import numba.np.arraymath and, for
# its BLAS check, scipy.linalg).
_NUMBA = r"""
import time
start = time.perf_counter()
import numba
from numba.core.registry import cpu_target
cpu_target.target_context.refresh()
cpu_target.typing_context.refresh()
print(time.perf_counter() - start)
"""

_CONVERT = r"""
import json, statistics, sys, time
import numpy as np
import nn2poly
from nn2poly._monomials import _cached_basis

p, L, h, Q = map(int, sys.argv[1:5])
rng = np.random.default_rng(0)
weights, n_in = [], p
for _ in range(L):
    w = rng.normal(size=(n_in + 1, h))
    weights.append(w / np.abs(w).sum(axis=0, keepdims=True))
    n_in = h
weights.append(rng.normal(size=(n_in + 1, 1)))
net = nn2poly.Network.from_weights(weights, ["tanh"] * L + ["linear"])

convert = nn2poly.to_polynomial  # as ``from nn2poly import to_polynomial``: imports it


def timed():
    start = time.perf_counter()
    convert(net, Q)
    return time.perf_counter() - start

first = timed()
warm = statistics.median(timed() for _ in range(3))
rebuilt = []
for _ in range(3):
    _cached_basis.cache_clear()
    rebuilt.append(timed())
print(json.dumps({"first": first, "warm": warm, "rebuilt": statistics.median(rebuilt)}))
"""


def _environment(package: Path | None) -> dict[str, str]:
    """The children's environment: ``package`` first on the path, and Python's
    bytecode cache written and read, as for an installed package."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if package is not None:
        env["PYTHONPATH"] = str(package / "src")
    return env


def _child(code: str, args: list[str], package: Path | None) -> str:
    env = _environment(package)
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=600,
    )
    return result.stdout.strip().splitlines()[-1]


def _process(arguments: list[str], package: Path | None) -> float:
    """Wall seconds of ``python *arguments`` (output discarded)."""
    env = _environment(package)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments], capture_output=True, check=True, env=env, timeout=600
    )
    return time.perf_counter() - start


def measure(
    cases: list[tuple[int, ...]], repeats: int, packages: dict[str, Path | None]
) -> dict[str, dict[str, list[float]]]:
    """Run every measurement ``repeats`` times, alternating packages and measurements."""
    found: dict[str, dict[str, list[float]]] = {label: {} for label in packages}
    for _ in range(repeats):
        for label, package in packages.items():
            record = found[label]
            for key, names in _IMPORTS.items():
                seconds = float(_child(_IMPORT, names, package))
                record.setdefault(key, []).append(seconds)
            for key, arguments in _PROCESSES.items():
                record.setdefault(key, []).append(_process(arguments, package))
            seconds = float(_child(_NUMBA, [], package))
            record.setdefault("numba ready", []).append(seconds)
            for case in cases:
                times = json.loads(_child(_CONVERT, [str(x) for x in case], package))
                for key, value in times.items():
                    record.setdefault(f"{case} {key}", []).append(value)
    return found


def report(found: dict[str, dict[str, list[float]]], cases: list[tuple[int, ...]]) -> None:
    """Print the medians: the imports, then one row per case and package."""

    def median(label: str, key: str) -> float:
        return statistics.median(found[label][key])

    titles = f"{'import numpy':>13} {'import nn2poly':>14} {'ratio':>6} {'+ engine':>9}"
    print(f"{'package':<10} {titles} {'ratio':>6} {'numba ready':>12}")
    for label in found:
        numpy_s, ours = median(label, "import numpy"), median(label, "import nn2poly")
        engine, numba_s = median(label, "+ engine"), median(label, "numba ready")
        row = f"{numpy_s:>12.3f}s {ours:>13.3f}s {ours / numpy_s:>6.1f} {engine:>8.3f}s"
        print(f"{label:<10} {row} {engine / numpy_s:>6.1f} {numba_s:>11.3f}s")
    print()
    print(f"{'package':<10} {'numpy process':>14} {'help process':>13} {'ratio':>6}")
    for label in found:
        numpy_s, help_s = median(label, "numpy process"), median(label, "help")
        print(f"{label:<10} {numpy_s:>13.3f}s {help_s:>12.3f}s {help_s / numpy_s:>6.1f}")
    print()
    header = f"{'case (p, L, h, Q)':<18} {'package':<10} {'first':>8} {'warm':>8} {'rebuilt':>8}"
    print(f"{header} {'first/warm':>11}")
    for case in cases:
        for label in found:
            first, warm = median(label, f"{case} first"), median(label, f"{case} warm")
            rebuilt = median(label, f"{case} rebuilt")
            row = f"{case!s:<18} {label:<10} {first:>7.3f}s {warm:>7.3f}s {rebuilt:>7.3f}s"
            print(f"{row} {first / warm:>11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="processes per measurement")
    parser.add_argument("--case", action="append", default=[], help="p,L,h,Q (repeatable)")
    parser.add_argument("--baseline", type=Path, help="a checkout whose src/ is compared")
    args = parser.parse_args()
    cases = [tuple(int(x) for x in text.split(",")) for text in args.case] or CASES
    packages: dict[str, Path | None] = {"this": None}
    if args.baseline is not None:
        packages["baseline"] = args.baseline
    report(measure(cases, args.repeats, packages), cases)


if __name__ == "__main__":
    main()
