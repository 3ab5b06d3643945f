"""Provider fine-tune runs in the database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import Pagination
from app.models import LlmCall, ProviderFinetuneRun


class ProviderFinetuneRepository:
    """Reads and writes ``provider_finetune_runs`` (and the ledger row of a finished run)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, run: ProviderFinetuneRun) -> ProviderFinetuneRun:
        self.session.add(run)
        await self.session.flush()
        return run

    async def get(self, run_id: uuid.UUID) -> ProviderFinetuneRun | None:
        found = await self.session.execute(
            select(ProviderFinetuneRun)
            .where(ProviderFinetuneRun.id == run_id)
            .execution_options(populate_existing=True)
        )
        return found.scalar_one_or_none()

    async def page_newest(
        self, dataset_id: uuid.UUID | None, pagination: Pagination
    ) -> tuple[Sequence[ProviderFinetuneRun], int]:
        query = select(ProviderFinetuneRun)
        if dataset_id is not None:
            query = query.where(ProviderFinetuneRun.dataset_id == dataset_id)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(ProviderFinetuneRun.created_at.desc())
            .offset(pagination.offset)
            .limit(pagination.page_size)
        )
        return rows.all(), int(total or 0)

    async def save(self, run_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(
            update(ProviderFinetuneRun).where(ProviderFinetuneRun.id == run_id).values(**values)
        )

    async def claim(self, run_id: uuid.UUID, stale_before: datetime, **values: Any) -> bool:
        """Moves a run with no job yet to ``validating_files``; True when this worker may create the job.

        A queued run, or one a worker claimed before ``stale_before`` but died before the provider
        created its job (its message, acknowledged late, comes again); a run claimed since is another
        worker's, still uploading.
        """
        done = await self.session.execute(
            update(ProviderFinetuneRun)
            .where(
                ProviderFinetuneRun.id == run_id,
                ProviderFinetuneRun.job_id.is_(None),
                (ProviderFinetuneRun.status == "queued")
                | (
                    (ProviderFinetuneRun.status == "validating_files")
                    & (ProviderFinetuneRun.started_at < stale_before)
                ),
            )
            .values(status="validating_files", **values)
        )
        return bool(getattr(done, "rowcount", 0))

    async def cancel_queued(self, run_id: uuid.UUID, **values: Any) -> bool:
        done = await self.session.execute(
            update(ProviderFinetuneRun)
            .where(ProviderFinetuneRun.id == run_id, ProviderFinetuneRun.status == "queued")
            .values(status="cancelled", **values)
        )
        return bool(getattr(done, "rowcount", 0))

    async def lost(self, cutoff: datetime) -> Sequence[ProviderFinetuneRun]:
        """Runs whose worker stopped (no heartbeat since ``cutoff``) or whose message was lost."""
        rows = await self.session.scalars(
            select(ProviderFinetuneRun).where(
                (
                    # Following a job is idempotent; creating one is not: a run without a job id waits
                    # for its message to come again (acknowledged late) instead.
                    ProviderFinetuneRun.status.not_in(("queued", "succeeded", "failed", "cancelled"))
                    & ProviderFinetuneRun.job_id.is_not(None)
                    & (
                        func.coalesce(ProviderFinetuneRun.heartbeat_at, ProviderFinetuneRun.started_at)
                        < cutoff
                    )
                )
                | ((ProviderFinetuneRun.status == "queued") & (ProviderFinetuneRun.created_at < cutoff))
            )
        )
        return rows.all()

    async def models(self, provider: str) -> list[str]:
        """The models the provider's succeeded runs made, newest first."""
        rows = await self.session.scalars(
            select(ProviderFinetuneRun.fine_tuned_model)
            .where(
                ProviderFinetuneRun.provider == provider,
                ProviderFinetuneRun.status == "succeeded",
                ProviderFinetuneRun.fine_tuned_model.is_not(None),
            )
            .order_by(ProviderFinetuneRun.created_at.desc())
        )
        return [model for model in rows.all() if model]

    async def record_cost(self, call: LlmCall) -> None:
        """The run's ledger row (stage ``finetune``), written once."""
        exists = await self.session.scalar(
            select(func.count()).select_from(LlmCall).where(LlmCall.fingerprint == call.fingerprint)
        )
        if not exists:
            self.session.add(call)
