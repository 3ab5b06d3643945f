"""The few aggregate queries behind the database-derived gauges (run at every scrape, so kept cheap)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select

from app.kit.repository import Repository
from app.models import SENT_STATUSES, GlobalBudget, Job, JobKind, JobStatus, LlmCall

ACTIVE = (JobStatus.pending, JobStatus.running, JobStatus.paused)


@dataclass(frozen=True, slots=True)
class BudgetRow:
    """Money against one limit: the global budget (``dataset`` None) or a dataset's active jobs."""

    dataset: uuid.UUID | None
    limit: Decimal
    spent: Decimal
    used: Decimal  # spent, plus reservations in flight and the worst case of unknown-cost attempts


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """Ledger totals of one provider, model and stage."""

    provider: str
    model: str
    stage: str
    cost: Decimal
    unknown_cost_calls: int


class MetricsRepository(Repository[Job]):
    """The aggregates behind the database-derived gauges: jobs, budgets and the ledger."""

    model = Job

    async def count_jobs(self) -> dict[tuple[JobKind, JobStatus], int]:
        """Jobs by kind and status."""
        rows = await self.session.execute(
            select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
        )
        return {(kind, status): count for kind, status, count in rows.all()}

    async def running_jobs_last_progress(self) -> list[datetime]:
        """For each running job, when it last finished an item (or started, if it has not yet)."""
        last = func.coalesce(Job.progressed_at, Job.started_at, Job.created_at)
        rows = await self.session.execute(select(last).where(Job.status == JobStatus.running))
        return list(rows.scalars())

    async def budgets(self) -> list[BudgetRow]:
        """The global budget, when it has a limit, and the budgets of active jobs summed per dataset."""
        used = Job.spent_usd + Job.reserved_usd + Job.unknown_usd
        per_dataset = await self.session.execute(
            select(Job.dataset_id, func.sum(Job.budget_usd), func.sum(Job.spent_usd), func.sum(used))
            .where(Job.status.in_(ACTIVE), Job.budget_usd.is_not(None))
            .group_by(Job.dataset_id)
        )
        rows = [
            BudgetRow(dataset, Decimal(limit or 0), Decimal(spent or 0), Decimal(total or 0))
            for dataset, limit, spent, total in per_dataset.all()
        ]
        glob = await self.session.get(GlobalBudget, "global")
        if glob is not None and glob.limit_usd is not None:
            total = glob.spent_usd + glob.reserved_usd + glob.unknown_usd
            rows.append(BudgetRow(None, glob.limit_usd, glob.spent_usd, total))
        return rows

    async def ledger_totals(self) -> list[LedgerRow]:
        """Settled cost and the number of finished attempts of unknown cost, per provider, model and stage."""
        unknown = func.sum(case((LlmCall.cost_usd.is_(None), 1), else_=0))
        rows = await self.session.execute(
            select(LlmCall.provider, LlmCall.model, LlmCall.stage, func.sum(LlmCall.cost_usd), unknown)
            .where(LlmCall.status.in_(SENT_STATUSES))
            .group_by(LlmCall.provider, LlmCall.model, LlmCall.stage)
        )
        return [
            LedgerRow(provider, model, stage, Decimal(cost or 0), int(calls or 0))
            for provider, model, stage, cost, calls in rows.all()
        ]
