"""SQL of the quotas: a user's unfinished jobs, and per-minute task counters in embedded mode."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.kit.repository import Repository
from app.models import Job, JobStatus, TaskWindow


class ActiveJobRepository(Repository[Job]):
    """The jobs a user has not finished yet."""

    model = Job

    async def count_for(self, owner_id: uuid.UUID, statuses: Sequence[JobStatus]) -> int:
        """How many of ``owner_id``'s jobs are in ``statuses``.

        On PostgreSQL the count first takes a lock of the owner's own until the transaction ends, so two
        jobs started at once are counted one after the other (SQLite runs one writer at a time anyway).
        """
        if self.session.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(owner_id.bytes[:8], "big", signed=True)
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))
        return await self.count(self.statement().where(Job.owner_id == owner_id, Job.status.in_(statuses)))


class TaskWindowRepository(Repository[TaskWindow]):
    """Per-minute task counters by key, in embedded mode."""

    model = TaskWindow

    async def for_update(self, key: str, now: datetime) -> TaskWindow:
        """The counter of ``key``, created empty if missing, locked until the transaction ends."""
        postgres = self.session.get_bind().dialect.name == "postgresql"
        insert = postgresql_insert if postgres else sqlite_insert
        # Insert-or-nothing first: two tasks at once must not both try to create the row.
        await self.session.execute(
            insert(TaskWindow).values(key=key, started_at=now, count=0).on_conflict_do_nothing()
        )
        row = await self.one_or_none(
            select(TaskWindow)
            .where(TaskWindow.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None
        return row
