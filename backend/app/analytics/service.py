"""Analytics: shaping the ledger's aggregates into reports (savings through the library's pricing)."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.repository import AnalyticsRepository
from app.analytics.schemas import (
    CostDimension,
    CostReport,
    CostRow,
    DailyPoint,
    QualityReport,
    SeriesDimension,
    StageQuality,
    Summary,
)
from app.jobs import ledger_repository
from app.models import ItemStatus
from app.models.base import utcnow
from distillation.pipeline import Stage


async def cost(
    session: AsyncSession,
    group_by: CostDimension,
    since: date | None,
    until: date | None,
    dataset: uuid.UUID | None,
) -> CostReport:
    """Spend and tokens grouped by provider, model, stage, dataset or day."""
    found = await AnalyticsRepository(session).cost_by(group_by, since, until, dataset)
    # A dataset key is the id as the database prints it (SQLite: 32 hex digits); show it canonically.
    keys = [_dataset_key(row.key) if group_by == "dataset" else str(row.key) for row in found]
    names = await AnalyticsRepository(session).dataset_names(
        [uuid.UUID(key) for key in keys if group_by == "dataset" and key != "None"]
    )
    rows = [
        CostRow(
            key=key,
            label=names.get(key),
            calls=row.calls,
            failed_calls=row.failed,
            unknown_cost_calls=row.unknown,
            input_tokens=int(row.input_tokens),
            output_tokens=int(row.output_tokens),
            cost_usd=Decimal(str(row.cost)),
        )
        for key, row in zip(keys, found, strict=True)
    ]
    total = sum((row.cost_usd for row in rows), Decimal(0))
    return CostReport(group_by=group_by, since=since, until=until, rows=rows, total_usd=total)


def _dataset_key(value: object) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:  # no dataset (a probe, the playground): NULL
        return "None"


async def daily(
    session: AsyncSession,
    split: SeriesDimension,
    since: date | None,
    until: date | None,
    dataset: uuid.UUID | None,
) -> list[DailyPoint]:
    """Spend per day, one series per provider, model or stage."""
    return [
        DailyPoint(
            day=str(row.day),
            key=str(row.key),
            cost_usd=Decimal(str(row.cost)),
            calls=row.calls,
            input_tokens=int(row.input_tokens),
            output_tokens=int(row.output_tokens),
        )
        for row in await AnalyticsRepository(session).daily(split, since, until, dataset)
    ]


async def quality(session: AsyncSession, since: date | None, until: date | None) -> QualityReport:
    """Score histogram, pass rate per stage and rejection reasons."""
    histogram, average = await AnalyticsRepository(session).score_histogram(since, until)
    by_stage: dict[str, Counter[str]] = defaultdict(Counter)
    for stage, status, count in await AnalyticsRepository(session).item_outcomes(since, until):
        by_stage[stage][ItemStatus(status).value] += int(count)
    stages = []
    for stage in (Stage.seed, Stage.bulk):
        counts = by_stage.get(stage, Counter())
        decided = counts["done"] + counts["rejected"] + counts["failed"]
        stages.append(
            StageQuality(
                stage=stage,
                accepted=counts["done"],
                rejected=counts["rejected"],
                failed=counts["failed"],
                pass_rate=round(counts["done"] / decided, 4) if decided else None,
            )
        )
    reasons = Counter(
        reason_kind(error) for error in await AnalyticsRepository(session).rejection_errors(since, until)
    )
    return QualityReport(
        score_histogram={str(score): histogram.get(score, 0) for score in range(11)},
        average_score=average,
        stages=stages,
        rejection_reasons=dict(reasons.most_common(20)),
    )


def reason_kind(reason: str) -> str:
    """A short, bounded label for a rejection reason ("near-duplicate of seed-0000003" → "near-duplicate")."""
    head = reason.split(":", 1)[0].strip().lower()
    if head.startswith("near-duplicate"):
        return "near-duplicate"
    return head[:60] or "unknown"


async def summary(session: AsyncSession) -> Summary:
    """Datasets, rows, this month's spend against the global budget, average quality, running jobs."""
    month_start = utcnow().date().replace(day=1)
    datasets, examples, running = await AnalyticsRepository(session).totals()
    spent = await cost(session, "provider", month_start, None, None)
    _, average = await AnalyticsRepository(session).score_histogram(None, None)
    budget = await ledger_repository.get_global_budget(session)
    return Summary(
        datasets=datasets,
        examples=examples,
        month_start=month_start,
        spent_this_month_usd=spent.total_usd,
        budget_limit_usd=budget.limit_usd,
        budget_spent_usd=budget.spent_usd,
        average_score=average,
        running_jobs=running,
    )
