"""A task that records one of each engine metric in a real worker process.

Loaded only by the tests (``distillery worker --include tests.observability.recording_tasks``): it calls
the recording functions the job engine calls, with values the tests then find on the worker's
endpoint.
"""

from __future__ import annotations

import time
from decimal import Decimal

from app.observability.metrics import (
    observe_judge_score,
    record_duplicate,
    record_item,
    record_provider_attempt,
    record_rejection,
)
from app.worker.app import celery_app

RECORD_TASK = "tests.record_sample_metrics"


@celery_app.task(name=RECORD_TASK)
def record_sample_metrics(dataset: str, hold_s: float = 0.0) -> None:
    """Record one settled attempt of each kind, one item per outcome, a score and a duplicate."""
    time.sleep(hold_s)  # keeps this process busy, so a second message goes to another process
    for outcome, latency, tokens, cost, attempt in (
        ("ok", 0.8, (120, 80), Decimal("0.25"), 1),
        ("timeout", 30.0, (0, 0), None, 1),
        ("rate_limited", 0.1, (0, 0), Decimal(0), 2),
    ):
        record_provider_attempt(
            provider="openai",
            model="gpt-4o-mini",
            stage="bulk",
            outcome=outcome,
            latency_s=latency,
            input_tokens=tokens[0],
            output_tokens=tokens[1],
            cost_usd=cost,
            dataset=dataset,
            attempt=attempt,
            teacher_equivalent_usd=Decimal("1.25") if outcome == "ok" else None,
        )
    for outcome in ("accepted", "rejected", "fixed"):
        record_item(stage="bulk", outcome=outcome)
    record_rejection(stage="judge", reason="near_duplicate")
    observe_judge_score(stage="judge", score=7.5)
    record_duplicate(kind="near")
