"""SQL of the analytics: aggregates over ``llm_calls``, ``job_items`` and ``examples``."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.repository import Repository
from app.models import SENT_STATUSES, CallStatus, Dataset, Example, Job, JobItem, JobStatus, LlmCall

OK_OUTCOME = "ok"


def _day(session: AsyncSession, column: Any) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def _range(column: Any, since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(column >= datetime.combine(since, time(), UTC))
    if until is not None:
        where.append(column < datetime.combine(until + timedelta(days=1), time(), UTC))
    return where


def _key(session: AsyncSession, group_by: str) -> ColumnElement[Any]:
    if group_by == "day":
        return _day(session, LlmCall.created_at)
    if group_by == "model":
        return LlmCall.provider + ":" + LlmCall.model
    if group_by == "dataset":
        return cast(LlmCall.dataset_id, String)
    column: ColumnElement[Any] = getattr(LlmCall, group_by)
    return column


def _totals(key: ColumnElement[Any]) -> Select[Any]:
    settled = LlmCall.status == CallStatus.settled
    return select(
        key.label("key"),
        func.count().label("calls"),
        func.count().filter(LlmCall.outcome != OK_OUTCOME).label("failed"),
        func.count().filter(LlmCall.status == CallStatus.unknown).label("unknown"),
        func.coalesce(func.sum(LlmCall.input_tokens), 0).label("input_tokens"),
        func.coalesce(func.sum(LlmCall.output_tokens), 0).label("output_tokens"),
        func.coalesce(func.sum(LlmCall.cost_usd).filter(settled), 0).label("cost"),
    )


class AnalyticsRepository(Repository[LlmCall]):
    """Aggregates over the ledger (its model), job items and examples."""

    model = LlmCall

    async def cost_by(
        self, group_by: str, since: date | None, until: date | None, dataset_id: uuid.UUID | None
    ) -> list[Any]:
        """Ledger totals per value of one dimension."""
        key = _key(self.session, group_by)
        query = _totals(key).where(
            *_range(LlmCall.created_at, since, until), LlmCall.status.in_(SENT_STATUSES)
        )
        if dataset_id is not None:
            query = query.where(LlmCall.dataset_id == dataset_id)
        return list(await self.session.execute(query.group_by(key).order_by(key)))

    async def daily(
        self, split: str, since: date | None, until: date | None, dataset_id: uuid.UUID | None
    ) -> list[Any]:
        """Ledger totals per day and per value of ``split``."""
        day, key = _day(self.session, LlmCall.created_at), _key(self.session, split)
        query = select(
            day.label("day"),
            key.label("key"),
            func.coalesce(func.sum(LlmCall.cost_usd).filter(LlmCall.status == CallStatus.settled), 0).label(
                "cost"
            ),
            func.count().label("calls"),
            func.coalesce(func.sum(LlmCall.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(LlmCall.output_tokens), 0).label("output_tokens"),
        ).where(*_range(LlmCall.created_at, since, until), LlmCall.status.in_(SENT_STATUSES))
        if dataset_id is not None:
            query = query.where(LlmCall.dataset_id == dataset_id)
        return list(await self.session.execute(query.group_by(day, key).order_by(day, key)))

    async def dataset_names(self, ids: list[uuid.UUID]) -> dict[str, str]:
        """The names of the datasets with these ids (deleted ones are absent), keyed by id text."""
        if not ids:
            return {}
        rows = await self.session.execute(select(Dataset.id, Dataset.name).where(Dataset.id.in_(ids)))
        return {str(row.id): row.name for row in rows}

    async def score_histogram(
        self, since: date | None, until: date | None
    ) -> tuple[dict[int, int], float | None]:
        """Live examples per whole judge score, and the average score."""
        live = [
            Example.removed_in.is_(None),
            Example.score.is_not(None),
            *_range(Example.created_at, since, until),
        ]
        bucket = func.floor(Example.score)
        rows = await self.session.execute(select(bucket, func.count()).where(*live).group_by(bucket))
        average = await self.session.scalar(select(func.avg(Example.score)).where(*live))
        return {int(b): int(n) for b, n in rows}, None if average is None else round(float(average), 3)

    async def item_outcomes(self, since: date | None, until: date | None) -> list[Any]:
        """Job items per stage and status."""
        where = _range(JobItem.updated_at, since, until)
        return list(
            await self.session.execute(
                select(JobItem.stage, JobItem.status, func.count())
                .where(*where)
                .group_by(JobItem.stage, JobItem.status)
            )
        )

    async def rejection_errors(self, since: date | None, until: date | None, limit: int = 5000) -> list[str]:
        """Reasons of rejected and failed items (most recent first)."""
        where = [JobItem.error.is_not(None), *_range(JobItem.updated_at, since, until)]
        rows = await self.session.scalars(
            select(JobItem.error).where(*where).order_by(JobItem.updated_at.desc()).limit(limit)
        )
        return [str(r) for r in rows]

    async def totals(self) -> tuple[int, int, int]:
        """Datasets, rows of their current versions, and running jobs."""
        datasets, examples = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(Dataset.example_count), 0)).select_from(Dataset)
            )
        ).one()
        running = await self.session.scalar(
            select(func.count()).select_from(Job).where(Job.status == JobStatus.running)
        )
        return int(datasets), int(examples), int(running or 0)
