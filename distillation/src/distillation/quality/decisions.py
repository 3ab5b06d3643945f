"""Keep / fix / remove decisions from the aggregate judge score and the structure checks."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Decision(StrEnum):
    """What happens to an example after validation."""

    KEEP = "keep"
    FIX = "fix"
    REMOVE = "remove"


class QualityThresholds(BaseModel):
    """Thresholds and switches of the validation stage.

    Attributes:
        fix_below: Aggregate scores below this are rewritten (auto-fix).
        remove_below: Aggregate scores below this are removed (auto-remove); ≤ ``fix_below``.
        auto_fix: Rewrite low scorers; when off, they are kept as they are.
        auto_remove: Remove the lowest scorers; when off, they go to fix (or are kept).
        max_fix_attempts: Rewrites tried per example before giving up on it.
        on_judge_failure: Decision for a row whose judge output could not be parsed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fix_below: float = Field(default=7.0, ge=0, le=10)
    remove_below: float = Field(default=4.0, ge=0, le=10)
    auto_fix: bool = True
    auto_remove: bool = True
    max_fix_attempts: int = Field(default=1, ge=0)
    on_judge_failure: Decision = Decision.KEEP

    @model_validator(mode="after")
    def _ordered(self) -> QualityThresholds:
        if self.remove_below > self.fix_below:
            raise ValueError(
                f"remove_below ({self.remove_below}) must not exceed fix_below ({self.fix_below})"
            )
        return self


class DecisionResult(BaseModel):
    """A decision and the reason for it (stored with the example's fix history)."""

    model_config = ConfigDict(frozen=True)

    decision: Decision
    reason: str


def decide(
    score: float | None,
    thresholds: QualityThresholds | None = None,
    *,
    structure_ok: bool = True,
    fix_attempts: int = 0,
) -> DecisionResult:
    """Decide what to do with one example.

    Args:
        score: Aggregate judge score 0–10, or None when the judge output could not be parsed.
        thresholds: Thresholds and switches; defaults when None.
        structure_ok: Whether the example passed the structure checks.
        fix_attempts: Rewrites already tried on this example.

    Returns:
        The decision and a human-readable reason.

    Example:
        >>> decide(5.5).decision
        <Decision.FIX: 'fix'>
    """
    limits = thresholds or QualityThresholds()
    can_fix = limits.auto_fix and fix_attempts < limits.max_fix_attempts
    if not structure_ok:
        if can_fix:
            return DecisionResult(decision=Decision.FIX, reason="failed structure checks")
        return DecisionResult(decision=Decision.REMOVE, reason="failed structure checks and cannot be fixed")
    if score is None:
        return DecisionResult(decision=limits.on_judge_failure, reason="judge output could not be parsed")
    if score < limits.remove_below and limits.auto_remove:
        return DecisionResult(
            decision=Decision.REMOVE, reason=f"score {score:.2f} < remove_below {limits.remove_below}"
        )
    if score < limits.fix_below:
        if can_fix:
            return DecisionResult(
                decision=Decision.FIX, reason=f"score {score:.2f} < fix_below {limits.fix_below}"
            )
        return DecisionResult(decision=Decision.KEEP, reason=_kept_low(score, limits, fix_attempts))
    return DecisionResult(decision=Decision.KEEP, reason=f"score {score:.2f} >= fix_below {limits.fix_below}")


def _kept_low(score: float, limits: QualityThresholds, fix_attempts: int) -> str:
    why = "auto-fix is off" if not limits.auto_fix else f"{fix_attempts} fix attempts used"
    return f"score {score:.2f} < fix_below {limits.fix_below}, kept: {why}"
