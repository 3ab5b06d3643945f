"""What jobs report to Prometheus: every settled attempt, every item outcome, scores and duplicates."""

from __future__ import annotations

from decimal import Decimal

from app.jobs.ledger import AttemptObserver, ItemScope
from app.observability import metrics
from distillation.cost import PriceTable, TokenUsage
from distillation.pipeline import Row
from distillation.providers import Attempt


def attempt_observer(prices: PriceTable, teacher: str) -> AttemptObserver:
    """An observer that counts each settled attempt with what the teacher would have charged for it."""

    def observe(stage: str, scope: ItemScope, attempt: Attempt, cost: Decimal | None) -> None:
        provider, _, model = attempt.model_id.partition(":")
        usage = attempt.usage
        teacher_cost = None
        if usage is not None:
            teacher_cost = prices.cost_of(teacher, TokenUsage(usage.input_tokens, usage.output_tokens))
        metrics.record_provider_attempt(
            provider=provider,
            model=model,
            stage=stage,
            outcome=attempt.outcome.value,
            latency_s=attempt.latency_s,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cost_usd=cost if usage is not None else None,
            dataset=str(scope.dataset_id),
            attempt=attempt.number,
            teacher_equivalent_usd=teacher_cost,
        )

    return observe


def accepted(stage: str, row: Row) -> None:
    """An item committed its row."""
    metrics.record_item(stage=stage, outcome="accepted")
    if row.provenance.fixes:
        metrics.record_item(stage=stage, outcome="fixed")
    if row.score is not None:
        metrics.observe_judge_score(stage=stage, score=row.score)


def rejected_variant(stage: str, reason: str) -> None:
    """One written row of an item was not kept (the item may try another variant)."""
    kind = rejection_kind(reason)
    metrics.record_rejection(stage=stage, reason=kind)
    if kind in ("duplicate", "near_duplicate"):
        metrics.record_duplicate(kind="exact" if kind == "duplicate" else "near")


def finished(stage: str, outcome: str) -> None:
    """An item ended without a row (``rejected`` after every variant, or ``failed``)."""
    metrics.record_item(stage=stage, outcome=outcome)


def rejection_kind(reason: str) -> str:
    """The bounded label of a rejection reason written by the engine or the duplicate checks."""
    text = reason.lower()
    for prefix, kind in (
        ("exact duplicate", "duplicate"),
        ("near-duplicate", "near_duplicate"),
        ("unusable model output", "output_error"),
        ("fix failed", "fix_failed"),
        ("judge output could not be parsed", "judge_error"),
    ):
        if text.startswith(prefix):
            return kind
    if "score" in text or "judge" in text:
        return "judge"
    return "structure"


def reviewed(verdict: str, score: float | None) -> None:
    """A quality job decided about one row: kept, fixed or removed."""
    outcome = {"keep": "accepted", "fix": "fixed", "remove": "removed"}.get(verdict, "accepted")
    metrics.record_item(stage="quality", outcome=outcome)
    if score is not None:
        metrics.observe_judge_score(stage="quality", score=score)
