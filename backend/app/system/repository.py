"""SQL for task records and worker heartbeats."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update

from app.kit.pagination import Pagination
from app.kit.repository import Repository
from app.models import TaskRecord, TaskStatus, WorkerHeartbeat
from app.models.base import utcnow


class TaskRecordRepository(Repository[TaskRecord]):
    """Records of background tasks: queued, claimed by a worker, finished."""

    model = TaskRecord

    async def ping(self) -> None:
        """Round-trip to the database."""
        await self.session.execute(text("SELECT 1"))

    async def add_task(self, name: str, queue: str) -> TaskRecord:
        """A queued task record (flushed, so its id is known)."""
        return await self.create(
            TaskRecord(name=name, queue=queue, status=TaskStatus.queued, created_at=utcnow())
        )

    async def page_newest(
        self, *, status: TaskStatus | None, name: str | None, pagination: Pagination
    ) -> tuple[list[TaskRecord], int]:
        """Newest first, with the total count."""
        query = self.statement()
        if status is not None:
            query = query.where(TaskRecord.status == status)
        if name is not None:
            query = query.where(TaskRecord.name == name)
        return await self.paginate(query, pagination, order_by=[TaskRecord.created_at.desc()])

    async def count_by_status(self) -> dict[str, int]:
        """How many task records are in each state."""
        rows = await self.session.execute(select(TaskRecord.status, func.count()).group_by(TaskRecord.status))
        return {str(status): int(count) for status, count in rows.all()}

    async def claim(self, task_id: uuid.UUID, worker: str) -> TaskRecord | None:
        """Mark a queued (or re-delivered running) task as running by ``worker``; None if already finished."""
        result = await self.session.execute(
            update(TaskRecord)
            .where(TaskRecord.id == task_id, TaskRecord.status.in_([TaskStatus.queued, TaskStatus.running]))
            .values(
                status=TaskStatus.running,
                worker=worker,
                started_at=utcnow(),
                attempts=TaskRecord.attempts + 1,
            )
            .returning(TaskRecord.id)
        )
        if result.scalar_one_or_none() is None:
            return None
        return await self.get(task_id, fresh=True)

    async def stale_queued(self, older_than: timedelta, limit: int) -> list[TaskRecord]:
        """Queued records whose message may have been lost (never started after ``older_than``)."""
        cutoff = utcnow() - older_than
        return await self.list(
            TaskRecord.status == TaskStatus.queued,
            TaskRecord.created_at < cutoff,
            order_by=[TaskRecord.created_at],
            limit=limit,
        )


class WorkerHeartbeatRepository(Repository[WorkerHeartbeat]):
    """The last sign of life of every worker, keyed by worker name."""

    model = WorkerHeartbeat

    async def upsert(
        self, *, worker: str, hostname: str, pid: int, queues: str, started_at: datetime
    ) -> None:
        """Record that ``worker`` is alive now."""
        row = await self.get(worker)
        now = utcnow()
        if row is None:
            fields = {"worker": worker, "hostname": hostname, "pid": pid, "queues": queues}
            await self.create(WorkerHeartbeat(**fields, started_at=started_at, last_seen=now), flush=False)
        else:
            values = {
                "hostname": hostname,
                "pid": pid,
                "queues": queues,
                "last_seen": now,
                "started_at": started_at,
            }
            await self.update(row, values, flush=False)

    async def list_recent(self) -> list[WorkerHeartbeat]:
        """Every worker ever seen, most recent first."""
        return await self.list(order_by=[WorkerHeartbeat.last_seen.desc()])
