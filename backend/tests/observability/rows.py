"""Jobs, ledger rows and the global budget written straight to the database for the gauge tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.models import CallStatus, GlobalBudget, Job, JobKind, JobStatus, LlmCall
from app.models.base import utcnow


async def add_rows(settings: Settings, *rows: Any) -> None:
    """Insert ORM rows in one transaction."""
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        for row in rows:  # merge: the global budget row exists from the migration on
            await session.merge(row)
        await session.commit()
    await engine.dispose()


def job(
    dataset_id: uuid.UUID,
    status: JobStatus = JobStatus.running,
    *,
    budget: str | None = None,
    spent: str = "0",
    reserved: str = "0",
    unknown: str = "0",
    started_at: datetime | None = None,
    progressed_at: datetime | None = None,
    kind: JobKind = JobKind.generate,
) -> Job:
    """A job row with the given money and times (started now by default)."""
    return Job(
        kind=kind,
        status=status,
        dataset_id=dataset_id,
        config={},
        requested=10,
        budget_usd=Decimal(budget) if budget is not None else None,
        spent_usd=Decimal(spent),
        reserved_usd=Decimal(reserved),
        unknown_usd=Decimal(unknown),
        started_at=started_at or utcnow(),
        progressed_at=progressed_at,
    )


def call(
    *,
    provider: str = "openai",
    model: str = "gpt-4o-mini",
    stage: str = "bulk",
    status: CallStatus = CallStatus.settled,
    cost: str | None = "0.01",
    dataset_id: uuid.UUID | None = None,
) -> LlmCall:
    """A ledger row; ``cost=None`` is an attempt of unknown cost."""
    return LlmCall(
        dataset_id=dataset_id,
        stage=stage,
        provider=provider,
        model=model,
        fingerprint=uuid.uuid4().hex,
        status=status,
        cost_usd=Decimal(cost) if cost is not None else None,
    )


def global_budget(
    limit: str | None, spent: str = "0", reserved: str = "0", unknown: str = "0"
) -> GlobalBudget:
    """The global budget row."""
    return GlobalBudget(
        id="global",
        limit_usd=Decimal(limit) if limit is not None else None,
        spent_usd=Decimal(spent),
        reserved_usd=Decimal(reserved),
        unknown_usd=Decimal(unknown),
    )
