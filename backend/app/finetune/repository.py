"""SQL of fine-tune runs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import FinetuneRun, RunStatus


async def get(session: AsyncSession, run_id: uuid.UUID) -> FinetuneRun | None:
    """A run by id (fresh from the database)."""
    return await session.get(FinetuneRun, run_id, populate_existing=True)


async def page(
    session: AsyncSession, dataset_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[list[FinetuneRun], int]:
    """Runs, newest first, with the total."""
    query = select(FinetuneRun)
    if dataset_id is not None:
        query = query.where(FinetuneRun.dataset_id == dataset_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(FinetuneRun.created_at.desc()).limit(limit).offset(offset))
    return list(rows), int(total or 0)


async def move(
    session: AsyncSession, run_id: uuid.UUID, to: RunStatus, only_from: list[RunStatus], **values: Any
) -> bool:
    """Compare-and-set the run's status (with other column values)."""
    done = await session.execute(
        update(FinetuneRun)
        .where(FinetuneRun.id == run_id, FinetuneRun.status.in_(only_from))
        .values(status=to, **values)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def save_progress(session: AsyncSession, run_id: uuid.UUID, **values: Any) -> bool:
    """Store progress; returns whether a stop was asked for."""
    await session.execute(update(FinetuneRun).where(FinetuneRun.id == run_id).values(**values))
    stop = await session.scalar(select(FinetuneRun.stop_requested).where(FinetuneRun.id == run_id))
    return bool(stop)
