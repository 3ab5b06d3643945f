"""Analytics: cost by provider / model / stage / dataset / day, cost per day, savings, quality."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter

from app.analytics import service
from app.analytics.schemas import (
    CostDimension,
    CostReport,
    DailyPoint,
    QualityReport,
    SeriesDimension,
    Summary,
)
from app.auth.deps import CurrentUser
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import BadRequest, Unauthorized, error_responses
from app.jobs.savings import SavingsRead, period_savings, price_table

router = APIRouter(prefix="/analytics", tags=["analytics"])
ERRORS = error_responses(Unauthorized, BadRequest)


def _check(since: date | None, until: date | None) -> None:
    if since is not None and until is not None and since > until:
        raise BadRequest("since must not be after until")


@router.get("/summary", responses=error_responses(Unauthorized))
async def summary(_: CurrentUser, session: SessionDep) -> Summary:
    """Datasets, rows, this month's spend, the global budget, average quality and running jobs."""
    return await service.summary(session)


@router.get("/cost", responses=ERRORS)
async def cost(
    _: CurrentUser,
    session: SessionDep,
    group_by: CostDimension = "provider",
    since: date | None = None,
    until: date | None = None,
    dataset_id: uuid.UUID | None = None,
) -> CostReport:
    """Spend, calls and tokens grouped by one dimension (days are UTC)."""
    _check(since, until)
    return await service.cost(session, group_by, since, until, dataset_id)


@router.get("/cost/daily", responses=ERRORS)
async def cost_daily(
    _: CurrentUser,
    session: SessionDep,
    split: SeriesDimension = "provider",
    since: date | None = None,
    until: date | None = None,
    dataset_id: uuid.UUID | None = None,
) -> list[DailyPoint]:
    """Spend per UTC day, one series per provider, model or stage."""
    _check(since, until)
    return await service.daily(session, split, since, until, dataset_id)


@router.get("/savings", responses=ERRORS)
async def savings(
    _: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    since: date | None = None,
    until: date | None = None,
) -> SavingsRead:
    """What the generation jobs created in the period cost against the teacher writing and validating
    every row with the same policy, the saving and each lever's part (as each job's and dataset's page)."""
    _check(since, until)
    return await period_savings(session, price_table(settings), since, until)


@router.get("/quality", responses=ERRORS)
async def quality(
    _: CurrentUser, session: SessionDep, since: date | None = None, until: date | None = None
) -> QualityReport:
    """Judge score histogram, pass rate per stage, rejection reasons."""
    _check(since, until)
    return await service.quality(session, since, until)
