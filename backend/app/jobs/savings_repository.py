"""The ledger and item counts the savings are computed from (see :mod:`app.jobs.savings`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CallStatus, ItemStatus, Job, JobItem, JobKind, LlmCall


class UsageRow(NamedTuple):
    """Settled calls of one job, ledger stage and model, sent online or in provider batches."""

    job_id: uuid.UUID
    stage: str
    model_id: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cost: Decimal | None
    calls: int
    priced_calls: int
    batched: bool


async def jobs_of_dataset(
    session: AsyncSession, dataset_id: uuid.UUID, kinds: Sequence[JobKind]
) -> list[Job]:
    """The dataset's jobs of ``kinds``, oldest first."""
    query = select(Job).where(Job.dataset_id == dataset_id, Job.kind.in_(kinds)).order_by(Job.created_at)
    return list(await session.scalars(query))


async def jobs_created(
    session: AsyncSession, kinds: Sequence[JobKind], since: date | None, until: date | None
) -> list[Job]:
    """Jobs of ``kinds`` created from ``since`` to ``until`` (whole UTC days), oldest first."""
    query = select(Job).where(Job.kind.in_(kinds)).order_by(Job.created_at)
    if since is not None:
        query = query.where(Job.created_at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until is not None:
        query = query.where(
            Job.created_at < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
        )
    return list(await session.scalars(query))


async def settled_usage(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[UsageRow]:
    """Per job, ledger stage, model and delivery: settled tokens, cost, calls and priced calls.

    The calls a provider batch carried (billed at the batch rate) are a row of their own.
    """
    if not ids:
        return []
    model = LlmCall.provider + ":" + LlmCall.model
    batched = LlmCall.batch_id.is_not(None)
    rows = await session.execute(
        select(
            LlmCall.job_id,
            LlmCall.stage,
            model,
            func.coalesce(func.sum(LlmCall.input_tokens), 0),
            func.coalesce(func.sum(LlmCall.output_tokens), 0),
            func.coalesce(func.sum(LlmCall.cached_tokens), 0),
            func.sum(LlmCall.cost_usd),
            func.count(),
            func.count(LlmCall.cost_usd),
            batched,
        )
        .where(LlmCall.job_id.in_(ids), LlmCall.status == CallStatus.settled)
        .group_by(LlmCall.job_id, LlmCall.stage, model, batched)
    )
    return [
        UsageRow(
            job_id,
            str(stage),
            str(model_id),
            int(i or 0),
            int(o or 0),
            int(cached or 0),
            None if cost is None else Decimal(str(cost)),
            int(count),
            int(priced),
            bool(in_batch),
        )
        for job_id, stage, model_id, i, o, cached, cost, count, priced, in_batch in rows
        if job_id is not None
    ]


async def tried_items(
    session: AsyncSession, ids: Sequence[uuid.UUID], stages: Sequence[str], statuses: Sequence[ItemStatus]
) -> dict[uuid.UUID, int]:
    """Per job: its items of ``stages`` in ``statuses``."""
    if not ids:
        return {}
    rows = await session.execute(
        select(JobItem.job_id, func.count())
        .where(JobItem.job_id.in_(ids), JobItem.stage.in_(stages), JobItem.status.in_(statuses))
        .group_by(JobItem.job_id)
    )
    return {job_id: int(count) for job_id, count in rows}


async def items_with_calls(
    session: AsyncSession, ids: Sequence[uuid.UUID], stages: Sequence[str]
) -> dict[uuid.UUID, int]:
    """Per job: the distinct items with a settled call of ``stages``."""
    if not ids:
        return {}
    rows = await session.execute(
        select(LlmCall.job_id, func.count(func.distinct(LlmCall.item_key)))
        .where(LlmCall.job_id.in_(ids), LlmCall.status == CallStatus.settled, LlmCall.stage.in_(stages))
        .group_by(LlmCall.job_id)
    )
    return {job_id: int(count) for job_id, count in rows if job_id is not None}
