"""Ordinary models through nn2poly: which convert, how faithfully, and which are refused.

Builds every case of ``tests/zoo_models.py`` (small networks trained on data
scikit-learn ships, written and saved the ways users do: PyTorch modules,
``torch.export``, TorchScript, ONNX from both exporters, scikit-learn pipelines
saved with joblib, Keras ``.keras`` files), converts each with
``to_polynomial(..., approximation="fit", data=X_train)`` and prints one row per
case: kind | framework | how saved | outcome | figure | seconds | ok | message.

The figure is the R² of the polynomial against the network's own output on the
held-out 30 % (regressors) or the share of held-out rows where both predict the
same class (classifiers); ``ok`` says whether the case meets the acceptance
(R² >= 0.9, agreement >= 97 %, or a refusal naming the unsupported operation).
Saved models go to a temporary folder that is removed at the end.

Run ``python benchmarks/model_zoo.py [KIND ...]``; about a minute on one core.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

SCRATCH = tempfile.TemporaryDirectory(prefix="nn2poly-zoo-")
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("KERAS_HOME", os.path.join(SCRATCH.name, "keras"))
os.environ.setdefault("MPLCONFIGDIR", os.path.join(SCRATCH.name, "matplotlib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import zoo_models  # noqa: E402


def row(kind: str) -> list[str]:
    """One table row for ``kind``; a crash (not a ValueError/TypeError) is shown as such."""
    case = zoo_models.ZOO[kind]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=SCRATCH.name) as folder:
        try:
            outcome = zoo_models.run_case(kind, Path(folder))
        except Exception as err:
            seconds = time.perf_counter() - start
            message = f"{type(err).__name__}: {err}".splitlines()[0][:90]
            return [
                kind,
                case.framework,
                case.saved,
                "crashed",
                "",
                f"{seconds:.2f}",
                "no",
                message,
            ]
    figure = ""
    if outcome.figure is not None:
        figure = (
            f"R2 {outcome.figure:.4f}"
            if case.task == "regression"
            else f"agree {outcome.figure:.1%}"
        )
    message = outcome.message.splitlines()[0][:90] if outcome.message else ""
    expected = "refused" if case.task == "refuse" else "converted"
    return [
        kind,
        case.framework,
        case.saved,
        f"{outcome.outcome}" + ("" if outcome.outcome == expected else f" (expected {expected})"),
        figure,
        f"{outcome.seconds:.2f}",
        "yes" if outcome.accepted else "no",
        message,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", help="cases to run (default: all)")
    kinds = parser.parse_args().kinds or list(zoo_models.ZOO)
    unknown = sorted(set(kinds) - set(zoo_models.ZOO))
    if unknown:
        parser.error(f"unknown kinds {unknown}; known: {', '.join(zoo_models.ZOO)}")
    header = ["kind", "framework", "how saved", "outcome", "figure", "seconds", "ok", "message"]
    rows = [row(kind) for kind in kinds]
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for cells in rows:
        print(" | ".join(cells))
    n_ok = sum(cells[6] == "yes" for cells in rows)
    print(f"\n{n_ok} of {len(rows)} cases meet the acceptance.")


if __name__ == "__main__":
    try:
        main()
    finally:
        SCRATCH.cleanup()
