"""SQL of the cost ledger, the budgets and the response cache.

A reservation succeeds only ``WHERE spent + reserved + unknown + amount <= budget``, on the job's row
and on the global budget's row in the same transaction, so workers cannot pass a budget together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    CachedResponse,
    CallStatus,
    GlobalBudget,
    ItemStatus,
    Job,
    JobItem,
    JobKind,
    JobStatus,
    LlmCall,
)
from app.models.base import utcnow

GLOBAL = "global"
PERIODS = ("total", "month")


def month_start(now: datetime) -> datetime:
    """The first instant of ``now``'s calendar month (UTC)."""
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def roll_period(session: AsyncSession, now: datetime | None = None) -> bool:
    """Start a new month of a monthly global budget when the counted one has ended (one UPDATE, race-free)."""
    start = month_start(now or utcnow())
    rolled = await session.execute(
        update(GlobalBudget)
        .where(
            GlobalBudget.id == GLOBAL,
            GlobalBudget.period == "month",
            or_(GlobalBudget.period_start.is_(None), GlobalBudget.period_start < start),
        )
        .values(spent_usd=0, unknown_usd=0, period_start=start)
    )
    return bool(rolled.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Room:
    """What one budget (the job's or the global one) has left, and what its calls in flight hold."""

    name: str
    limit: Decimal
    left: Decimal
    reserved: Decimal


async def budget_rooms(session: AsyncSession, job_id: uuid.UUID) -> list[Room] | None:
    """The room of each limit on the job's spending (none when unlimited); None when the job is gone."""
    job = await session.get(Job, job_id, populate_existing=True)
    if job is None:
        return None
    await roll_period(session)
    row = await session.get(GlobalBudget, GLOBAL, populate_existing=True)
    rooms = []
    for name, limited in (("the job's", job), ("the global", row)):
        if limited is None:
            continue
        limit = limited.budget_usd if isinstance(limited, Job) else limited.limit_usd
        if limit is None:
            continue
        held = limited.spent_usd + limited.reserved_usd + limited.unknown_usd
        rooms.append(Room(name, limit, max(limit - held, Decimal(0)), limited.reserved_usd))
    return rooms


async def reserve_budget(session: AsyncSession, job_id: uuid.UUID, amount: Decimal) -> str | None:
    """Hold ``amount`` against the job's and the global budget; the reason when either would pass."""
    within = or_(
        Job.budget_usd.is_(None),
        Job.spent_usd + Job.reserved_usd + Job.unknown_usd + amount <= Job.budget_usd,
    )
    held = await session.execute(
        update(Job).where(Job.id == job_id, within).values(reserved_usd=Job.reserved_usd + amount)
    )
    if not held.rowcount:  # type: ignore[attr-defined]
        job = await session.get(Job, job_id, populate_existing=True)
        if job is None:
            return "the job was deleted"
        return (
            f"the next call could cost up to ${amount:.6f}; spent ${job.spent_usd:.6f} + reserved "
            f"${job.reserved_usd + job.unknown_usd:.6f} of the job's ${job.budget_usd} budget"
        )
    budget = GlobalBudget
    await roll_period(session)
    within_global = or_(
        budget.limit_usd.is_(None),
        budget.spent_usd + budget.reserved_usd + budget.unknown_usd + amount <= budget.limit_usd,
    )
    held = await session.execute(
        update(budget)
        .where(budget.id == GLOBAL, within_global)
        .values(reserved_usd=budget.reserved_usd + amount)
    )
    if not held.rowcount:  # type: ignore[attr-defined]
        row = await session.get(budget, GLOBAL, populate_existing=True)
        if row is not None:  # the caller raises, which rolls back the job's reservation too
            return f"the global budget of ${row.limit_usd} would be passed (spent ${row.spent_usd:.6f})"
    return None


async def insert_call(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    dataset_id: uuid.UUID,
    item_id: uuid.UUID | None,
    item_key: str,
    model_id: str,
    fingerprint: str,
    attempt: int,
    reserved: Decimal,
) -> uuid.UUID:
    """A ledger row in state ``reserved``."""
    provider, _, model = model_id.partition(":")
    call = LlmCall(
        job_id=job_id,
        dataset_id=dataset_id,
        item_id=item_id,
        item_key=item_key,
        stage="pending",
        provider=provider,
        model=model,
        fingerprint=fingerprint,
        attempt=attempt,
        status=CallStatus.reserved,
        reserved_usd=reserved,
    )
    session.add(call)
    await session.flush()
    return call.id


async def settle_call(
    session: AsyncSession,
    call_id: uuid.UUID,
    *,
    job_id: uuid.UUID | None,
    stage: str,
    status: CallStatus,
    outcome: str,
    reserved: Decimal,
    cost: Decimal | None,
    input_tokens: int | None,
    output_tokens: int | None,
    cached_tokens: int | None,
    latency_ms: int,
    error: str | None,
    batch_id: str | None = None,
) -> None:
    """Close a reserved row with its outcome and move its money from reserved to spent (or unknown)."""
    closed = await session.execute(
        update(LlmCall)
        .where(LlmCall.id == call_id, LlmCall.status == CallStatus.reserved)
        .values(
            stage=stage,
            status=status,
            outcome=outcome,
            cost_usd=cost,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached_tokens,
            latency_ms=latency_ms,
            batch_id=batch_id,
            error=None if error is None else error[:2000],
            settled_at=utcnow(),
        )
    )
    if not closed.rowcount:  # type: ignore[attr-defined]  # the reconciler closed it already
        return
    await _move_money(
        session, job_id, reserved, spent=cost or Decimal(0), unknown=status is CallStatus.unknown
    )


async def _move_money(
    session: AsyncSession, job_id: uuid.UUID | None, reserved: Decimal, *, spent: Decimal, unknown: bool
) -> None:
    lost = reserved if unknown else Decimal(0)
    for table, where in ((Job, Job.id == job_id), (GlobalBudget, GlobalBudget.id == GLOBAL)):
        if table is Job and job_id is None:
            continue
        await session.execute(
            update(table)
            .where(where)
            .values(
                reserved_usd=table.reserved_usd - reserved,
                spent_usd=table.spent_usd + spent,
                unknown_usd=table.unknown_usd + lost,
            )
        )


async def next_attempt(session: AsyncSession, job_id: uuid.UUID, item_key: str, fingerprint: str) -> int:
    """The number of the item's next attempt at ``fingerprint``: one more than the ledger has booked.

    The library counts the attempts of one run of an item; a retry after a killed worker starts that
    count anew, while the ledger remembers the attempts of every run.
    """
    booked = await session.scalar(
        select(func.max(LlmCall.attempt)).where(
            LlmCall.job_id == job_id, LlmCall.item_key == item_key, LlmCall.fingerprint == fingerprint
        )
    )
    return int(booked or 0) + 1


async def close_abandoned_calls(session: AsyncSession, older_than: datetime) -> int:
    """Reserved rows whose worker died mid-call become "unknown"; their worst case stays counted.

    A row is abandoned when its item is no longer leased (the lease expired and was freed, or the item
    was finished by another worker), or, for rows without an item, when it is older than ``older_than``.
    """
    item_released = (
        select(JobItem.id).where(JobItem.id == LlmCall.item_id, JobItem.status != ItemStatus.leased).exists()
    )
    return await _close_reserved(session, or_(LlmCall.created_at < older_than, item_released))


async def close_job_calls(session: AsyncSession, job_id: uuid.UUID) -> int:
    """Every row of a finished job still reserved is abandoned: no item of the job is at work any more."""
    return await _close_reserved(session, LlmCall.job_id == job_id)


async def _close_reserved(session: AsyncSession, where: ColumnElement[bool]) -> int:
    rows = (
        await session.execute(
            select(LlmCall.id, LlmCall.job_id, LlmCall.reserved_usd).where(
                LlmCall.status == CallStatus.reserved, where
            )
        )
    ).all()
    for call_id, job_id, reserved in rows:
        closed = await session.execute(
            update(LlmCall)
            .where(LlmCall.id == call_id, LlmCall.status == CallStatus.reserved)
            .values(
                status=CallStatus.unknown,
                outcome="abandoned",
                settled_at=utcnow(),
                error="the worker stopped mid-call",
            )
        )
        if closed.rowcount:  # type: ignore[attr-defined]
            await _move_money(session, job_id, reserved, spent=Decimal(0), unknown=True)
    return len(rows)


async def settled_cost(session: AsyncSession, job_id: uuid.UUID) -> Decimal:
    """Sum of the job's settled ledger rows."""
    total = await session.scalar(
        select(func.coalesce(func.sum(LlmCall.cost_usd), 0)).where(
            LlmCall.job_id == job_id, LlmCall.status == CallStatus.settled
        )
    )
    return Decimal(str(total or 0))


async def job_usage(session: AsyncSession, job_id: uuid.UUID) -> tuple[int, int, int, Decimal]:
    """The job's ledger in sum: (attempts, input tokens, output tokens, settled cost)."""
    settled = case((LlmCall.status == CallStatus.settled, LlmCall.cost_usd), else_=0)
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(LlmCall.input_tokens), 0),
                func.coalesce(func.sum(LlmCall.output_tokens), 0),
                func.coalesce(func.sum(settled), 0),
            ).where(LlmCall.job_id == job_id)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), Decimal(str(row[3]))


async def get_global_budget(session: AsyncSession) -> GlobalBudget:
    """The global budget row (created on first use)."""
    row = await session.get(GlobalBudget, GLOBAL, populate_existing=True)
    if row is None:
        row = GlobalBudget(id=GLOBAL)
        session.add(row)
        await session.flush()
    elif await roll_period(session):  # a month passed without a call: show the new month's spend
        await session.refresh(row)
    return row


async def set_global_budget(session: AsyncSession, limit: Decimal | None, period: str) -> GlobalBudget:
    """Set the global limit and its period; a new period counts the ledger's calls within it."""
    row = await get_global_budget(session)
    if period != row.period:
        start = month_start(utcnow()) if period == "month" else None
        row.spent_usd, row.unknown_usd = await _ledger_totals(session, start)
        row.period_start = start
    row.limit_usd, row.period = limit, period
    await session.flush()
    return row


async def _ledger_totals(session: AsyncSession, since: datetime | None) -> tuple[Decimal, Decimal]:
    """(settled cost, worst case of unknown calls) of the ledger, from ``since`` on when given."""
    query = select(
        func.coalesce(func.sum(LlmCall.cost_usd).filter(LlmCall.status == CallStatus.settled), 0),
        func.coalesce(func.sum(LlmCall.reserved_usd).filter(LlmCall.status == CallStatus.unknown), 0),
    )
    if since is not None:
        query = query.where(LlmCall.created_at >= since)
    spent, unknown = (await session.execute(query)).one()
    return Decimal(str(spent)), Decimal(str(unknown))


async def cached_response(session: AsyncSession, fingerprint: str) -> dict[str, Any] | None:
    """The stored answer of a fingerprint."""
    return await session.scalar(
        select(CachedResponse.response).where(CachedResponse.fingerprint == fingerprint)
    )


async def cache_response(
    session: AsyncSession, fingerprint: str, model_id: str, response: dict[str, Any]
) -> None:
    """Store an answer unless one is stored already (two workers may store the same one at once)."""
    values = {"fingerprint": fingerprint, "model_id": model_id, "response": response, "created_at": utcnow()}
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert_(CachedResponse).values(**values).on_conflict_do_nothing())


async def job_calls(
    session: AsyncSession, job_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[LlmCall], int]:
    """A page of the job's ledger (one row per provider attempt, oldest first) and the total."""
    where = LlmCall.job_id == job_id
    total = await session.scalar(select(func.count()).select_from(LlmCall).where(where))
    rows = await session.scalars(
        select(LlmCall).where(where).order_by(LlmCall.created_at).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


async def recent_usage(
    session: AsyncSession, data_type: str, kind: JobKind, *, jobs: int
) -> tuple[list[tuple[str, int, int, int]], list[tuple[str, ItemStatus, int]]]:
    """Over the last ``jobs`` completed jobs of ``kind`` and ``data_type``: tokens and calls settled
    per ledger stage (stage, input, output, calls) and items per stage and status (stage, status, count)."""
    recent = (
        select(Job.id)
        .where(
            Job.status == JobStatus.completed,
            Job.kind == kind,
            Job.config["data_type"].as_string() == data_type,
        )
        .order_by(Job.finished_at.desc())
        .limit(jobs)
        .subquery()
    )
    usage = await session.execute(
        select(LlmCall.stage, func.sum(LlmCall.input_tokens), func.sum(LlmCall.output_tokens), func.count())
        .where(LlmCall.job_id.in_(select(recent.c.id)), LlmCall.status == CallStatus.settled)
        .group_by(LlmCall.stage)
    )
    items = await session.execute(
        select(JobItem.stage, JobItem.status, func.count())
        .where(JobItem.job_id.in_(select(recent.c.id)))
        .group_by(JobItem.stage, JobItem.status)
    )
    return (
        [(stage, int(i or 0), int(o or 0), int(calls)) for stage, i, o, calls in usage],
        [(stage, ItemStatus(status), int(count)) for stage, status, count in items],
    )
