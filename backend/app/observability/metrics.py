"""The metrics the job engine records, and the functions it records them with.

Worker processes call these functions as provider attempts settle and items finish. In a worker
started with ``WORKER_METRICS_PORT`` the values go through prometheus_client's multiprocess files and
are served by the worker's own endpoint (see :mod:`app.observability.worker`); in any other process
they land in the process's default registry.

Names follow the Prometheus conventions: a ``distillery_`` prefix, base units in the name (seconds,
US dollars as ``_usd``), counters ending in ``_total``. Every label is bounded (see
:mod:`app.observability.labels`); the widest is ``dataset`` on the cost counters, one value per
dataset that has been worked on, which operators can drop at scrape time if they keep thousands.

Derived figures are left to PromQL: the near-duplicate rate is
``rate(distillery_duplicates_total{kind="near"}[1h]) / rate(distillery_items_total[1h])`` and the savings
are ``distillery_teacher_equivalent_cost_usd_total - distillery_provider_cost_usd_total``.
"""

from __future__ import annotations

import logging
import math
from decimal import Decimal

from prometheus_client import Counter, Histogram

from app.observability.http import HTTP_LATENCY, HTTP_REQUESTS
from app.observability.labels import (
    DUPLICATE_KINDS,
    ITEM_OUTCOMES,
    PROVIDER_OUTCOMES,
    REJECTION_REASONS,
    STAGES,
    dataset_label,
    model_label,
    one_of,
    provider_label,
)

logger = logging.getLogger(__name__)

# OpenTelemetry's GenAI advice (powers of two from 10 ms), extended for long generations.
LATENCY_BUCKETS = (
    *(0.01 * 2**i for i in range(14)),
    160.0,
    320.0,
    640.0,
)
SCORE_BUCKETS = tuple(i / 2 for i in range(1, 21))  # 0.5, 1.0, ... 10.0

PROVIDER_REQUESTS = Counter(
    "distillery_provider_requests_total",
    "Attempts to call an LLM provider, by how they ended.",
    ["provider", "model", "outcome"],
)
PROVIDER_RETRIES = Counter(
    "distillery_provider_retries_total",
    "Attempts that repeated an earlier failed attempt of the same request.",
    ["provider", "model"],
)
PROVIDER_LATENCY = Histogram(
    "distillery_provider_request_duration_seconds",
    "Time from sending an attempt to its answer or failure.",
    ["provider", "model"],
    buckets=LATENCY_BUCKETS,
)
PROVIDER_TOKENS = Counter(
    "distillery_provider_tokens_total",
    "Tokens the providers reported, by direction (input or output).",
    ["provider", "model", "stage", "direction"],
)
PROVIDER_COST = Counter(
    "distillery_provider_cost_usd_total",
    "Cost of provider attempts whose usage was reported, in US dollars.",
    ["provider", "model", "stage", "dataset"],
)
PROVIDER_UNKNOWN_COST = Counter(
    "distillery_provider_unknown_cost_requests_total",
    "Attempts whose cost is unknown (no usage came back: timeouts, dropped connections).",
    ["provider", "model", "stage"],
)
TEACHER_EQUIVALENT_COST = Counter(
    "distillery_teacher_equivalent_cost_usd_total",
    "What the same tokens would have cost at the teacher's prices, in US dollars.",
    ["stage", "dataset"],
)
ITEMS = Counter(
    "distillery_items_total",
    "Items (examples to write or rows to judge) finished, by stage and outcome.",
    ["stage", "outcome"],
)
REJECTIONS = Counter(
    "distillery_rejections_total",
    "Rows rejected, by stage and reason.",
    ["stage", "reason"],
)
JUDGE_SCORE = Histogram(
    "distillery_judge_score",
    "Overall judge scores (0 to 10) of judged rows.",
    ["stage"],
    buckets=SCORE_BUCKETS,
)
DUPLICATES = Counter(
    "distillery_duplicates_total",
    "Rows dropped as duplicates, by kind (exact or near).",
    ["kind"],
)

__all__ = [
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "observe_judge_score",
    "record_duplicate",
    "record_item",
    "record_provider_attempt",
    "record_rejection",
]


def record_provider_attempt(
    *,
    provider: str,
    model: str,
    stage: str,
    outcome: str,
    latency_s: float | None,
    input_tokens: int,
    output_tokens: int,
    cost_usd: Decimal | None,
    dataset: str,
    attempt: int = 1,
    teacher_equivalent_usd: Decimal | None = None,
) -> None:
    """Count one settled provider attempt: its outcome, latency, tokens and cost.

    Call it once per attempt, failures included (a failed attempt may still be billed), and not for
    answers served from the response cache.

    Args:
        provider: Provider name (``openai``, ``anthropic``, ``local``...).
        model: Model name without the provider prefix.
        stage: Pipeline stage (``seed``, ``policy``, ``bulk``, ``judge``, ``fix``...).
        outcome: How the attempt ended: a :class:`distillation.providers.Outcome` value or
            ``output_error``; anything else is counted as ``other``.
        latency_s: Seconds the attempt took, ``None`` when not measured.
        input_tokens: Input tokens the provider reported (0 when none).
        output_tokens: Output tokens the provider reported (0 when none).
        cost_usd: The attempt's cost, ``None`` when unknown (counted apart, never as zero).
        dataset: Id of the dataset the work is for (empty for work outside a dataset).
        attempt: 1 for the first attempt of a request; higher numbers are retries.
        teacher_equivalent_usd: The same tokens at the teacher's prices, for the savings figure.
    """
    names = provider_label(provider), model_label(model)
    step = one_of(stage, STAGES)
    PROVIDER_REQUESTS.labels(*names, one_of(outcome, PROVIDER_OUTCOMES)).inc()
    if attempt > 1:
        PROVIDER_RETRIES.labels(*names).inc()
    if latency_s is not None and math.isfinite(latency_s) and latency_s >= 0:
        PROVIDER_LATENCY.labels(*names).observe(latency_s)
    for direction, tokens in (("input", input_tokens), ("output", output_tokens)):
        if tokens > 0:
            PROVIDER_TOKENS.labels(*names, step, direction).inc(tokens)
    target = dataset_label(dataset)
    if cost_usd is None:
        PROVIDER_UNKNOWN_COST.labels(*names, step).inc()
    elif (cost := _dollars(cost_usd)) is not None:
        PROVIDER_COST.labels(*names, step, target).inc(cost)
    if teacher_equivalent_usd is not None and (baseline := _dollars(teacher_equivalent_usd)) is not None:
        TEACHER_EQUIVALENT_COST.labels(step, target).inc(baseline)


def _dollars(amount: Decimal) -> float | None:
    if not amount.is_finite() or amount < 0:
        logger.warning("ignored a cost of %s: costs are finite and never negative", amount)
        return None
    return float(amount)


def record_item(*, stage: str, outcome: str) -> None:
    """Count one item outcome.

    Every finished item counts once with its final outcome (``accepted``, ``rejected``, ``failed`` or
    ``removed``); a row the fixer rewrote is counted ``fixed`` as well. The dashboards' pass rate is
    therefore ``accepted`` over every outcome but ``fixed``.

    Args:
        stage: Pipeline stage the item belongs to.
        outcome: ``accepted``, ``rejected``, ``failed``, ``removed`` or ``fixed`` (else ``other``).
    """
    ITEMS.labels(one_of(stage, STAGES), one_of(outcome, ITEM_OUTCOMES)).inc()


def record_rejection(*, stage: str, reason: str) -> None:
    """Count one rejected row by the kind of its reason.

    Args:
        stage: Pipeline stage that rejected it.
        reason: One of :data:`app.observability.labels.REJECTION_REASONS` (``structure``, ``judge``,
            ``duplicate``, ``near_duplicate``, ``output_error``...); any other text counts as ``other``.
    """
    REJECTIONS.labels(one_of(stage, STAGES), one_of(reason, REJECTION_REASONS)).inc()


def observe_judge_score(*, stage: str, score: float) -> None:
    """Add one overall judge score (clamped to 0..10; a NaN is ignored) to the histogram."""
    if math.isnan(score):
        return
    JUDGE_SCORE.labels(one_of(stage, STAGES)).observe(min(max(score, 0.0), 10.0))


def record_duplicate(*, kind: str) -> None:
    """Count one row dropped as a duplicate; ``kind`` is ``exact`` or ``near`` (else ``other``)."""
    DUPLICATES.labels(one_of(kind, DUPLICATE_KINDS)).inc()
