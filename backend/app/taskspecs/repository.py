"""SQL for stored task specs (one row per version) and the jobs that use them."""

from __future__ import annotations

import builtins
import uuid

from sqlalchemy import func, select

from app.kit.repository import Repository
from app.models import Job, JobStatus, TaskSpecVersion

ACTIVE = (JobStatus.pending, JobStatus.running, JobStatus.paused)


class TaskSpecRepository(Repository[TaskSpecVersion]):
    """Versions of task specs."""

    model = TaskSpecVersion

    async def latest_version(self, spec_id: uuid.UUID) -> int | None:
        """The spec's newest version number, or None when there is no such spec."""
        query = select(func.max(TaskSpecVersion.version)).where(TaskSpecVersion.id == spec_id)
        value = await self.session.scalar(query)
        return int(value) if value is not None else None

    async def latest(self) -> builtins.list[TaskSpecVersion]:
        """The newest version of every spec, by name."""
        newest = (
            select(TaskSpecVersion.id, func.max(TaskSpecVersion.version).label("version"))
            .group_by(TaskSpecVersion.id)
            .subquery()
        )
        query = (
            select(TaskSpecVersion)
            .join(
                newest,
                (TaskSpecVersion.id == newest.c.id) & (TaskSpecVersion.version == newest.c.version),
            )
            .order_by(TaskSpecVersion.name, TaskSpecVersion.id)
        )
        return await self.all(query)

    async def versions(self, spec_id: uuid.UUID) -> builtins.list[TaskSpecVersion]:
        """Every version of a spec, newest first."""
        return await self.list(TaskSpecVersion.id == spec_id, order_by=[TaskSpecVersion.version.desc()])

    async def named(self, name: str) -> builtins.list[uuid.UUID]:
        """The ids of specs whose newest version has this name."""
        return [row.id for row in await self.latest() if row.name == name]

    async def remove(self, spec_id: uuid.UUID) -> int:
        """Delete every version of a spec; how many rows went."""
        return await self.delete_where(TaskSpecVersion.id == spec_id)

    async def active_job_configs(self) -> builtins.list[tuple[uuid.UUID, dict[str, object]]]:
        """(id, config) of every job not yet finished (pending, running or paused)."""
        query = select(Job.id, Job.config).where(Job.status.in_(ACTIVE))
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]
