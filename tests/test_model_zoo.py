"""Acceptance: ordinary models, built and saved the ways users do, convert faithfully or are
refused by name.

Each case of :mod:`zoo_models` is converted with ``approximation="fit"`` on its training
inputs; a regressor's polynomial must reach R² >= 0.9 against the network's own output on
held-out data, a classifier's must agree with the network's predicted class on >= 97 % of
the held-out rows.  A model with an unsupported operation must raise a ValueError/TypeError
of nn2poly's own whose message names that operation by its framework name.

``PENDING`` lists the kinds that do not pass yet, with what they need; remove a kind when
its support lands (the marks are strict: a pending kind that passes fails).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import zoo_models
from zoo_models import ZOO, run_case

pytestmark = pytest.mark.slow

#: kind -> what it is waiting for
PENDING: dict[str, str] = {}


def _params() -> list[object]:
    return [
        pytest.param(
            kind,
            id=kind,
            marks=[pytest.mark.xfail(reason=f"not yet supported: {PENDING[kind]}", strict=True)]
            if kind in PENDING
            else [],
        )
        for kind in ZOO
    ]


def test_the_zoo_is_large_and_pending_names_exist() -> None:
    assert len(ZOO) >= 34
    assert set(PENDING) <= set(ZOO)


@pytest.mark.parametrize("kind", _params())
def test_model_zoo(kind: str, tmp_path: Path) -> None:
    case = ZOO[kind]
    outcome = run_case(kind, tmp_path)
    if case.task == "refuse":
        assert outcome.outcome == "refused", f"{kind} converted silently"
        assert type(outcome.error).__module__.startswith("nn2poly"), (
            f"{kind}: {type(outcome.error).__name__} raised from outside nn2poly: {outcome.message}"
        )
        assert any(name in outcome.message for name in case.refuse_names), (
            f"{kind}: the message does not name {' or '.join(case.refuse_names)}: {outcome.message}"
        )
        return
    assert outcome.outcome == "converted", f"{kind} refused: {outcome.message}"
    minimum = zoo_models.R2_MIN if case.task == "regression" else zoo_models.AGREEMENT_MIN
    assert outcome.figure is not None
    assert outcome.figure >= minimum, f"{kind}: {outcome.figure:.4f} < {minimum}"
