"""What generation jobs saved against the teacher alone: per job, per dataset and in analytics.

One function (:func:`savings_of_jobs`) computes it for all three, from the ledger: each job's settled
calls per stage and model go through the library's counterfactual
(:func:`distillation.cost.savings_breakdown`: the teacher writes and validates every row with the same
judge policy), the jobs are summed lever by lever, and :func:`distillation.cost.tell_savings` words
the result, so free runs (local models, $0), runs whose answers all came from the answer cache and
runs with an unpriced model are said as they are.

Only generation and amplification jobs have a teacher-only counterfactual (the other kinds are the
teacher's or the judge's own work). Rows whose answer came from the answer cache made no call; the
comparison covers the calls the jobs made, and the statement says how many rows it leaves out.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.jobs import savings_repository
from app.jobs.schemas import Money
from app.kit.schemas import Schema
from app.models import ItemStatus, Job, JobKind
from distillation.cost import (
    PriceTable,
    SavingsBreakdown,
    StageUsage,
    TokenUsage,
    combine_breakdowns,
    savings_breakdown,
    tell_savings,
)
from distillation.pipeline import GenerationConfig, Stage

SAVING_KINDS: Final = (JobKind.generate, JobKind.amplify)
# The ledger's stage names of seed amplification, as the generation's stages.
_LEDGER_STAGE: Final[dict[str, str]] = {Stage.trace: Stage.seed, Stage.amplify: Stage.bulk}
_WRITE_STAGES: Final = (Stage.seed, Stage.bulk)
_LEDGER_WRITES: Final = (Stage.seed, Stage.bulk, Stage.trace, Stage.amplify)
_TRIED: Final = (ItemStatus.done, ItemStatus.rejected)

SavingsKindRead = Literal["saved", "cost_more", "free", "cached", "nothing", "unknown", "not_applicable"]


class LeverShareRead(Schema):
    """The part of the saving one lever contributed."""

    lever: str
    saved_usd: Money | None = Field(description="Null when a price is unknown.")
    percent: Money | None = Field(
        description="Share of the teacher-only cost; null when there is nothing to compare with."
    )


class SavingsRead(Schema):
    """Actual cost, the teacher-only counterfactual, the saving and its levers, and a sentence saying it."""

    kind: SavingsKindRead = Field(
        description="saved, cost_more, free (local models), cached (every answer from the cache, no call), "
        "nothing (no call), unknown (a price is missing), not_applicable (not a generation job)."
    )
    headline: str
    actual_usd: Money = Field(description="What the calls cost (calls to unpriced models excluded).")
    teacher_only_usd: Money | None
    savings_usd: Money | None
    savings_percent: Money | None = Field(description="Null when the teacher alone would cost nothing.")
    levers: list[LeverShareRead]
    jobs: int = Field(description="Generation and amplification jobs counted.")
    calls: int = Field(description="Provider calls they made.")
    cached_rows: int = Field(description="Rows whose answer came from the answer cache (no call made).")
    unknown_models: list[str]


async def savings_of_jobs(session: AsyncSession, prices: PriceTable, jobs: Sequence[Job]) -> SavingsRead:
    """The savings of ``jobs`` together (the generation and amplification ones; others are left out)."""
    counted = [job for job in jobs if job.kind in SAVING_KINDS]
    if not counted and jobs:
        text = "This kind of job has no teacher-only counterfactual: it is the teacher's or judge's own work."
        return _read("not_applicable", text, combine_breakdowns([]), (), 0, 0, 0)
    ids = [job.id for job in counted]
    usages, calls = await _usages(session, prices, ids)
    tried, paid = await _items(session, ids)
    breakdowns: list[SavingsBreakdown] = []
    for job in counted:
        config = _config(job.config)
        breakdowns.append(
            savings_breakdown(
                usages.get(job.id, []),
                prices,
                teacher_model_id=config.teacher,
                judge_model_id=config.judge_model,
                baseline_judge_calls=config.baseline_judge_calls(paid.get(job.id, 0)),
            )
        )
    total = combine_breakdowns(breakdowns)
    cached = sum(max(0, tried.get(i, 0) - paid.get(i, 0)) for i in ids)
    made = sum(calls.get(i, 0) for i in ids)
    said = tell_savings(total, calls=made, cached_items=cached)
    spent = sum((u.cost or Decimal(0) for i in ids for u in usages.get(i, [])), Decimal(0))
    return _read(said.kind, said.headline, total, said.lever_percents, len(counted), made, cached, spent)


async def job_savings(session: AsyncSession, prices: PriceTable, job: Job) -> SavingsRead:
    """One job's savings."""
    return await savings_of_jobs(session, prices, [job])


async def dataset_savings(session: AsyncSession, prices: PriceTable, dataset_id: uuid.UUID) -> SavingsRead:
    """The savings of every generation and amplification job that wrote into the dataset."""
    return await savings_of_jobs(
        session, prices, await savings_repository.jobs_of_dataset(session, dataset_id, SAVING_KINDS)
    )


async def period_savings(
    session: AsyncSession, prices: PriceTable, since: date | None, until: date | None
) -> SavingsRead:
    """The savings of the generation and amplification jobs created from ``since`` to ``until`` (UTC days)."""
    return await savings_of_jobs(
        session, prices, await savings_repository.jobs_created(session, SAVING_KINDS, since, until)
    )


def _config(values: dict[str, Any]) -> GenerationConfig:
    """The engine's config of a stored job (its own fields only)."""
    fields = GenerationConfig.model_fields
    return GenerationConfig.model_validate({key: value for key, value in values.items() if key in fields})


async def _usages(
    session: AsyncSession, prices: PriceTable, ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[StageUsage]], dict[uuid.UUID, int]]:
    """Per job: settled usage per stage, model and delivery (with calls), and the number of calls."""
    usages: dict[uuid.UUID, list[StageUsage]] = defaultdict(list)
    calls: dict[uuid.UUID, int] = defaultdict(int)
    for row in await savings_repository.settled_usage(session, ids):
        usages[row.job_id].append(_stage_usage(prices, row))
        calls[row.job_id] += row.calls
    return usages, calls


def _stage_usage(prices: PriceTable, row: savings_repository.UsageRow) -> StageUsage:
    """One ledger group as the library's usage; a batched group with what the batch rate saved.

    A group with an unpriced call is priced again from the table (unknown stays unknown); a batched
    group at the batch rate. What a batch saved is the same calls at the online rates less their cost.
    """
    usage = TokenUsage(row.input_tokens, row.output_tokens, min(row.cached_tokens, row.input_tokens))
    stage = _LEDGER_STAGE.get(row.stage, row.stage)
    known = row.cost if row.priced_calls == row.calls else None
    if not row.batched:
        return StageUsage(stage, row.model_id, usage, known, row.calls)
    cost = known if known is not None else prices.cost_of_calls(row.model_id, usage, row.calls, batch=True)
    online = prices.cost_of_calls(row.model_id, usage, row.calls)
    saved = online - cost if online is not None and cost is not None else Decimal(0)
    return StageUsage(stage, row.model_id, usage, cost, row.calls, saved)


async def _items(
    session: AsyncSession, ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """Per job: the row items it tried, and those with a paid row-writing call."""
    tried = await savings_repository.tried_items(session, ids, _WRITE_STAGES, _TRIED)
    return tried, await savings_repository.items_with_calls(session, ids, _LEDGER_WRITES)


def _read(
    kind: SavingsKindRead,
    headline: str,
    breakdown: SavingsBreakdown,
    percents: tuple[Decimal | None, ...],
    jobs: int,
    calls: int,
    cached: int,
    spent: Decimal = Decimal(0),
) -> SavingsRead:
    shares = percents or tuple(None for _ in breakdown.levers)
    return SavingsRead(
        kind=kind,
        headline=headline,
        actual_usd=breakdown.actual if breakdown.actual is not None else spent,
        teacher_only_usd=breakdown.teacher_only,
        savings_usd=breakdown.savings,
        savings_percent=breakdown.savings_percent,
        levers=[
            LeverShareRead(lever=lever.name, saved_usd=lever.saved, percent=share)
            for lever, share in zip(breakdown.levers, shares, strict=True)
        ],
        jobs=jobs,
        calls=calls,
        cached_rows=cached,
        unknown_models=list(breakdown.unknown_models),
    )


def price_table(settings: Settings) -> PriceTable:
    """The bundled prices with the operator's ``prices.yaml`` overrides, when there are any."""
    overrides = settings.config_dir / "prices.yaml"
    return PriceTable.load(overrides if overrides.is_file() else None)
