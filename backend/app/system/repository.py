"""SQL for task records and worker heartbeats."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import TaskRecord, TaskStatus, WorkerHeartbeat
from app.models.base import utcnow


async def ping(session: AsyncSession) -> None:
    """Round-trip to the database."""
    await session.execute(text("SELECT 1"))


async def add_task(session: AsyncSession, name: str, queue: str) -> TaskRecord:
    """A queued task record (flushed, so its id is known)."""
    record = TaskRecord(name=name, queue=queue, status=TaskStatus.queued, created_at=utcnow())
    session.add(record)
    await session.flush()
    return record


async def get_task(session: AsyncSession, task_id: uuid.UUID) -> TaskRecord | None:
    """One task record."""
    return await session.get(TaskRecord, task_id)


async def list_tasks(
    session: AsyncSession, *, status: TaskStatus | None, name: str | None, offset: int, limit: int
) -> tuple[list[TaskRecord], int]:
    """Newest first, with the total count."""
    query = select(TaskRecord)
    if status is not None:
        query = query.where(TaskRecord.status == status)
    if name is not None:
        query = query.where(TaskRecord.name == name)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(TaskRecord.created_at.desc()).offset(offset).limit(limit))
    return list(rows), int(total or 0)


async def count_tasks_by_status(session: AsyncSession) -> dict[str, int]:
    """How many task records are in each state."""
    rows = await session.execute(select(TaskRecord.status, func.count()).group_by(TaskRecord.status))
    return {str(status): int(count) for status, count in rows.all()}


async def claim_task(session: AsyncSession, task_id: uuid.UUID, worker: str) -> TaskRecord | None:
    """Mark a queued (or re-delivered running) task as running by ``worker``; None if already finished."""
    result = await session.execute(
        update(TaskRecord)
        .where(TaskRecord.id == task_id, TaskRecord.status.in_([TaskStatus.queued, TaskStatus.running]))
        .values(
            status=TaskStatus.running, worker=worker, started_at=utcnow(), attempts=TaskRecord.attempts + 1
        )
        .returning(TaskRecord.id)
    )
    if result.scalar_one_or_none() is None:
        return None
    return await session.get(TaskRecord, task_id, populate_existing=True)


async def stale_queued_tasks(session: AsyncSession, older_than: timedelta, limit: int) -> list[TaskRecord]:
    """Queued records whose message may have been lost (never started after ``older_than``)."""
    cutoff = utcnow() - older_than
    rows = await session.scalars(
        select(TaskRecord)
        .where(TaskRecord.status == TaskStatus.queued, TaskRecord.created_at < cutoff)
        .order_by(TaskRecord.created_at)
        .limit(limit)
    )
    return list(rows)


async def upsert_heartbeat(
    session: AsyncSession, *, worker: str, hostname: str, pid: int, queues: str, started_at: datetime
) -> None:
    """Record that ``worker`` is alive now."""
    row = await session.get(WorkerHeartbeat, worker)
    now = utcnow()
    if row is None:
        session.add(
            WorkerHeartbeat(
                worker=worker, hostname=hostname, pid=pid, queues=queues, started_at=started_at, last_seen=now
            )
        )
    else:
        row.hostname, row.pid, row.queues, row.last_seen = hostname, pid, queues, now
        row.started_at = started_at


async def list_heartbeats(session: AsyncSession) -> list[WorkerHeartbeat]:
    """Every worker ever seen, most recent first."""
    rows = await session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.last_seen.desc()))
    return list(rows)
