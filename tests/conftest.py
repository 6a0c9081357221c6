"""Test-wide settings: nothing is written to the home directory, frameworks
stay on one thread, and hypothesis runs a bounded, deterministic profile."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

_SCRATCH = tempfile.mkdtemp(prefix="nn2poly-tests-")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_SCRATCH, "matplotlib"))
os.environ.setdefault("KERAS_HOME", os.path.join(_SCRATCH, "keras"))
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "nn2poly",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("nn2poly")

REFERENCE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def reference_dir() -> Path:
    """Folder of the R reference data (``../shared/reference`` beside the checkout)."""
    override = os.environ.get("NN2POLY_REFERENCE_DIR")
    return Path(override) if override else REFERENCE_DIR


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_torch() -> None:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.set_num_threads(1)


def load_reference_cases() -> list[tuple[str, dict]]:
    folder = reference_dir() / "nn2poly_cases"
    return [(path.stem, json.loads(path.read_text())) for path in sorted(folder.glob("*.json"))]
