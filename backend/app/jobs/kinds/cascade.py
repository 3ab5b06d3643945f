"""The student-first cascade of a relabel job: each item's trace, and the job's report from them.

A cascade item records its :class:`~distillation.relabel.CascadeTrace` (the student's answer and score,
why it escalated, every call of both paths) in the item's result, whether its row was kept or rejected,
so the report counts every finished prompt once, also across a resumed or taken-over job. The report
is the library's :func:`~distillation.relabel.cascade_report` over those traces, priced with the same
table as the ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.jobs import repository
from app.models import Job, JobKind
from distillation.cost import PriceTable, TokenUsage
from distillation.relabel import Cascade, CascadeReport, CascadeTrace, cascade_report

TRACE = "cascade"


def trace_result(trace: CascadeTrace | None) -> dict[str, Any] | None:
    """What an item's result keeps of its trace (None outside a cascade)."""
    return None if trace is None else {TRACE: trace.model_dump(mode="json")}


def prices(settings: Settings) -> PriceTable:
    """The price table the workers' ledger uses."""
    path: Path = settings.config_dir / "prices.yaml"
    return PriceTable.load(path if path.is_file() else None)


async def report(session: AsyncSession, job: Job, settings: Settings) -> CascadeReport | None:
    """The cascade report of a student-first relabel job over its finished items; None for other jobs."""
    if job.kind is not JobKind.relabel or not isinstance(job.config.get(TRACE), dict):
        return None
    cascade = Cascade.model_validate(job.config[TRACE])
    traces = [
        CascadeTrace.model_validate(result[TRACE])
        for result in await repository.finished_results(session, job.id)
        if isinstance(result.get(TRACE), dict)
    ]
    table = prices(settings)

    def price_of(model: str, input_tokens: int, output_tokens: int) -> Any:
        return table.cost_of(model, TokenUsage(input_tokens, output_tokens))

    return cascade_report(
        traces,
        student=str(job.config["student"]),
        teacher=str(job.config["teacher"]),
        escalate_below=cascade.escalate_below,
        price_of=price_of,
    )
