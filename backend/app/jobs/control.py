"""Job control: pause, resume, cancel, retry and budget changes, each checked against the job's state."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import Conflict
from app.jobs import repository
from app.jobs.finish import finish_dataset
from app.jobs.kinds.registry import kind_of
from app.jobs.planning import dispatch
from app.jobs.service import ACTIVE, ensure_can_control, get
from app.models import DatasetStatus, Job, JobStage, JobStatus, User
from app.users.quotas import check_active_jobs


async def pause(session: AsyncSession, user: User, job_id: uuid.UUID) -> Job:
    """Stop claiming items; items in flight finish and are kept."""
    job = await get(session, job_id)
    ensure_can_control(user, job)
    if not await repository.set_status(
        session, job_id, JobStatus.paused, only_from=[JobStatus.running], reason="paused by a user"
    ):
        raise Conflict(f"a {job.status.value} job cannot be paused")
    return await get(session, job_id)


async def cancel(session: AsyncSession, user: User, job_id: uuid.UUID) -> Job:
    """Stop the job; answers already paid for stay cached, so a resume never pays for them again."""
    job = await get(session, job_id)
    ensure_can_control(user, job)
    if session.get_bind().dialect.name != "postgresql":
        cancelled = await _cancel(session, job)
    else:
        # Workers lock the job row before the dataset, as this does (see app.jobs.store), so they
        # cannot deadlock with it; should PostgreSQL still pick this transaction as a deadlock victim
        # (a lock taken outside that order), each try runs in a savepoint whose rollback releases what
        # it locked, and the cancel tries again once the other transaction is done.
        job_id = job.id  # a rolled-back savepoint expires the job: read it anew in each try
        for attempt in range(DEADLOCK_TRIES):
            try:
                async with session.begin_nested():
                    job = await get(session, job_id)
                    cancelled = await _cancel(session, job)
                break
            except DBAPIError as exc:
                if "deadlock detected" not in str(exc) or attempt == DEADLOCK_TRIES - 1:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
    if not cancelled:
        raise Conflict(f"a {job.status.value} job cannot be cancelled")
    return await get(session, job_id)


DEADLOCK_TRIES = 5


async def _cancel(session: AsyncSession, job: Job) -> bool:
    if not await repository.set_status(
        session, job.id, JobStatus.cancelled, only_from=list(ACTIVE), reason="cancelled by a user"
    ):
        return False
    await finish_dataset(session, job, DatasetStatus.ready)
    return True


async def resume(
    session: AsyncSession, settings: Settings, user: User, job_id: uuid.UUID, budget: Decimal | None
) -> Job:
    """Run a paused or cancelled job again (with a new budget when given)."""
    job = await get(session, job_id)
    ensure_can_control(user, job)
    if job.status not in ACTIVE:  # a paused job is counted already
        await check_active_jobs(session, settings, user)
    if budget is not None:
        job.budget_usd = budget
        await session.flush()  # before the reads below refresh the job from the database
    if not await repository.set_status(
        session, job_id, JobStatus.running, only_from=[JobStatus.paused, JobStatus.cancelled]
    ):
        raise Conflict(f"a {job.status.value} job cannot be resumed")
    await repository.set_dataset_status(session, job.dataset_id, DatasetStatus.generating)
    await repository.mark_progress(session, job_id)
    await dispatch(session, job_id, JobStage(job.stage))
    return await get(session, job_id)


async def retry_failed(session: AsyncSession, settings: Settings, user: User, job_id: uuid.UUID) -> Job:
    """Give failed and rejected items another try (new requests), and run the job."""
    job = await get(session, job_id)
    ensure_can_control(user, job)
    if job.status in (JobStatus.pending, JobStatus.running):
        raise Conflict("the job is still running; retry its failed items when it has stopped")
    if job.status not in ACTIVE:
        await check_active_jobs(session, settings, user)
    if kind_of(job.kind).versioned:
        raise Conflict(f"a {job.kind.value} job's version is final; start a new one instead")
    if not await repository.reopen_failed(session, job_id):
        raise Conflict("the job has no failed or rejected items")
    stage = JobStage(job.stage)
    first_open = await _first_open_stage(session, job)
    if first_open is not None and first_open != stage:
        await repository.set_stage(session, job_id, first_open)
        stage = first_open
    await repository.set_status(
        session,
        job_id,
        JobStatus.running,
        only_from=[JobStatus.paused, JobStatus.cancelled, JobStatus.completed, JobStatus.failed],
    )
    await repository.mark_progress(session, job_id)
    await dispatch(session, job_id, stage)
    return await get(session, job_id)


async def _first_open_stage(session: AsyncSession, job: Job) -> JobStage | None:
    for stage in kind_of(job.kind).stages:
        if await repository.open_items(session, job.id, stage):
            return stage
    return None


async def update_budget(session: AsyncSession, user: User, job_id: uuid.UUID, budget: Decimal | None) -> Job:
    """Change a job's budget (it applies to the next attempt of every worker)."""
    job = await get(session, job_id)
    ensure_can_control(user, job)
    job.budget_usd = budget
    return job
