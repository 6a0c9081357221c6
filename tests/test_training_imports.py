"""The Keras callback is reachable without torch or scikit-learn installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from oracles import WITHOUT_TORCH_AND_SKLEARN

BLOCK = WITHOUT_TORCH_AND_SKLEARN


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "getter",
    [
        "import nn2poly; callback = nn2poly.keras_l1_constraint",
        "from nn2poly import keras_l1_constraint as callback",
        "from nn2poly.training import keras_l1_constraint as callback",
        "import nn2poly.training; callback = nn2poly.training.keras_l1_constraint",
    ],
)
def test_keras_callback_imports_neither_torch_nor_sklearn(getter: str) -> None:
    result = _run(
        f"""
        {getter}
        assert callable(callback), callback
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in {{"torch", "sklearn"}})
        assert loaded == [], loaded
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_estimators_still_need_torch() -> None:
    result = _run(
        """
        import nn2poly.training
        try:
            nn2poly.training.MLPRegressor
        except ModuleNotFoundError as exc:
            print(exc)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "torch" in result.stdout


def test_training_names_resolve_lazily() -> None:
    import nn2poly.training as training

    assert set(training.__all__) <= set(dir(training))
    for name in training.__all__:
        assert getattr(training, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'absent'"):
        training.absent  # noqa: B018
