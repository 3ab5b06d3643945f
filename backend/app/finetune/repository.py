"""SQL of fine-tune runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.kit.pagination import Pagination
from app.kit.repository import Repository
from app.models import FinetuneRun, RunStatus


class FinetuneRunRepository(Repository[FinetuneRun]):
    """Fine-tune runs and their compare-and-set status moves."""

    model = FinetuneRun

    async def page_newest(
        self, dataset_id: uuid.UUID | None, pagination: Pagination
    ) -> tuple[list[FinetuneRun], int]:
        """Runs (of one dataset, or all), newest first, with the total."""
        query = self.statement()
        if dataset_id is not None:
            query = query.where(FinetuneRun.dataset_id == dataset_id)
        return await self.paginate(query, pagination, order_by=[FinetuneRun.created_at.desc()])

    async def completed(self) -> list[FinetuneRun]:
        """Finished runs, newest first: the tuned models there are to serve."""
        query = self.statement().where(FinetuneRun.status == RunStatus.completed)
        return await self.all(query.order_by(FinetuneRun.created_at.desc()))

    async def move(self, run_id: uuid.UUID, to: RunStatus, only_from: list[RunStatus], **values: Any) -> bool:
        """Compare-and-set the run's status (with other column values)."""
        moved = await self.update_where(
            FinetuneRun.id == run_id, FinetuneRun.status.in_(only_from), status=to, **values
        )
        return bool(moved)

    async def save_progress(self, run_id: uuid.UUID, **values: Any) -> bool:
        """Store progress; returns whether a stop was asked for."""
        await self.update_where(FinetuneRun.id == run_id, **values)
        stop = await self.one_or_none(select(FinetuneRun.stop_requested).where(FinetuneRun.id == run_id))
        return bool(stop)

    async def lost(self, cutoff: datetime) -> list[FinetuneRun]:
        """Runs whose worker stopped (no heartbeat since ``cutoff``) or whose message was lost."""
        return await self.list(
            (
                FinetuneRun.status.in_([RunStatus.running, RunStatus.evaluating])
                & (FinetuneRun.heartbeat_at < cutoff)
            )
            | (
                (FinetuneRun.status == RunStatus.queued)
                & (FinetuneRun.created_at < cutoff)
                & (FinetuneRun.started_at.is_(None))
            )
        )
