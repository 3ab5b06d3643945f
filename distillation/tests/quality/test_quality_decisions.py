"""Keep / fix / remove thresholds."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from distillation.quality import Decision, QualityThresholds, decide

DEFAULT = QualityThresholds(fix_below=7.0, remove_below=4.0, max_fix_attempts=1)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (10.0, Decision.KEEP),
        (7.0, Decision.KEEP),
        (6.99, Decision.FIX),
        (4.0, Decision.FIX),
        (3.99, Decision.REMOVE),
        (0.0, Decision.REMOVE),
    ],
)
def test_score_bands(score: float, expected: Decision) -> None:
    assert decide(score, DEFAULT).decision is expected


def test_fix_attempts_exhausted_keeps_a_middling_example_and_still_removes_a_bad_one() -> None:
    assert decide(5.0, DEFAULT, fix_attempts=1).decision is Decision.KEEP
    assert "1 fix attempts used" in decide(5.0, DEFAULT, fix_attempts=1).reason
    assert decide(2.0, DEFAULT, fix_attempts=1).decision is Decision.REMOVE


def test_switches_turn_auto_fix_and_auto_remove_off() -> None:
    no_fix = DEFAULT.model_copy(update={"auto_fix": False})
    assert decide(5.0, no_fix).decision is Decision.KEEP
    no_remove = DEFAULT.model_copy(update={"auto_remove": False})
    assert decide(1.0, no_remove).decision is Decision.FIX
    neither = DEFAULT.model_copy(update={"auto_fix": False, "auto_remove": False})
    assert decide(1.0, neither).decision is Decision.KEEP


def test_structure_failures_are_fixed_then_removed() -> None:
    assert decide(9.0, DEFAULT, structure_ok=False).decision is Decision.FIX
    assert decide(9.0, DEFAULT, structure_ok=False, fix_attempts=1).decision is Decision.REMOVE


def test_unparseable_judge_output_uses_the_configured_decision() -> None:
    assert decide(None, DEFAULT).decision is Decision.KEEP
    strict = DEFAULT.model_copy(update={"on_judge_failure": Decision.REMOVE})
    assert decide(None, strict).decision is Decision.REMOVE
    assert "could not be parsed" in decide(None, strict).reason


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValidationError, match="must not exceed"):
        QualityThresholds(fix_below=3.0, remove_below=5.0)
    with pytest.raises(ValidationError):
        QualityThresholds(fix_below=11.0)
