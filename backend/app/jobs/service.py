"""Jobs: create, watch, stage changes and the reconciler, for every kind through its ``Kind``.

A job is planned into items by its kind's ``create`` (``app.jobs.kinds``): exactly N items for N
examples, grouped in chunks; each chunk is one queue message that carries only the job id and the chunk
number (``planning.dispatch``). Everything else is read from the database.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import Forbidden, NotFound
from app.jobs import ledger_repository, repository
from app.jobs.finish import finish_dataset
from app.jobs.kinds import amplify, generate
from app.jobs.kinds.base import Failed
from app.jobs.kinds.registry import kind_of
from app.jobs.planning import dispatch
from app.jobs.schemas import GenerationRequest, JobRead, StageProgress, Verdicts
from app.models import DatasetStatus, Job, JobStage, JobStatus, Role, User
from app.models.base import utcnow
from distillation.pipeline import GenerationConfig

ACTIVE = (JobStatus.pending, JobStatus.running, JobStatus.paused)


async def generation_config(
    session: AsyncSession, body: GenerationRequest, settings: Settings
) -> GenerationConfig:
    """The engine's config of a generation request (with seed examples: an amplification); 400 if refused."""
    if body.seed_examples is not None:
        amplify.check_request(body)
    return await generate.request_config(session, body, settings)


async def create_generation(
    session: AsyncSession, user: User, body: GenerationRequest, settings: Settings
) -> Job:
    """A new dataset and the job that fills it: a generation, or an amplification of the examples."""
    if body.seed_examples is not None:
        return await amplify.create(session, user, body, settings)
    return await generate.create(session, user, body, settings)


async def get(session: AsyncSession, job_id: uuid.UUID) -> Job:
    """A job, or 404."""
    job = await repository.get_job(session, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


def ensure_can_control(user: User, job: Job) -> None:
    """Editors control their own jobs; admins any."""
    if user.role is Role.viewer or (user.role is not Role.admin and job.owner_id != user.id):
        raise Forbidden("only the job's owner or an admin can control it")


async def read(session: AsyncSession, jobs: list[Job]) -> list[JobRead]:
    """Jobs with their progress per stage, accepted count and ETA."""
    counts = await repository.item_counts(session, [job.id for job in jobs])
    versioned = [job.id for job in jobs if kind_of(job.kind).versioned]
    verdicts = await repository.verdicts(session, versioned) if versioned else {}
    return [_read(job, counts[job.id], verdicts.get(job.id)) for job in jobs]


def _read(job: Job, counts: dict[str, dict[str, int]], verdicts: dict[str, int] | None) -> JobRead:
    stages = []
    for stage in JobStage:
        by = counts.get(stage)
        if by is None:
            continue
        stages.append(
            StageProgress(
                stage=stage,
                total=sum(by.values()),
                **{s: by.get(s, 0) for s in ("pending", "leased", "done", "rejected", "failed")},
            )
        )
    accepted = sum(s.done for s in stages if s.stage != JobStage.policy)
    return JobRead(
        id=job.id,
        kind=job.kind,
        status=job.status,
        pause_reason=job.pause_reason,
        error=job.error,
        dataset_id=job.dataset_id,
        owner_id=job.owner_id,
        stage=job.stage,
        requested=job.requested,
        accepted=accepted,
        stages=stages,
        budget_usd=job.budget_usd,
        spent_usd=job.spent_usd,
        reserved_usd=job.reserved_usd,
        unknown_usd=job.unknown_usd,
        eta_seconds=_eta(job, stages),
        verdicts=None
        if verdicts is None
        else Verdicts(**{v: verdicts.get(v, 0) for v in ("keep", "fix", "remove")}),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        config=job.config,
    )


def _eta(job: Job, stages: list[StageProgress]) -> float | None:
    if job.status is not JobStatus.running or job.started_at is None:
        return None
    finished = sum(s.done + s.rejected + s.failed for s in stages)
    left = sum(s.pending + s.leased for s in stages)
    elapsed = (utcnow() - job.started_at).total_seconds()
    if finished == 0 or elapsed <= 0:
        return None
    return round(left * elapsed / finished, 1)


async def advance(session: AsyncSession, job_id: uuid.UUID) -> str | None:
    """When the job's stage has no open item left, move to the stage its kind names or finish the job."""
    job = await repository.get_job(session, job_id)
    if job is None or job.status is not JobStatus.running:
        return None
    stage = JobStage(job.stage)
    if await repository.open_items(session, job_id, stage):
        return None
    kind = kind_of(job.kind)
    following = kind.after(stage, (await repository.item_counts(session, [job_id]))[job_id])
    if isinstance(following, Failed):
        failed = [JobStatus.running]
        await repository.set_status(
            session, job_id, JobStatus.failed, only_from=failed, error=following.reason
        )
        await ledger_repository.close_job_calls(session, job_id)
        await finish_dataset(session, job, DatasetStatus.failed)
        return "failed"
    if following is None:
        if await repository.set_status(session, job.id, JobStatus.completed, only_from=[JobStatus.running]):
            # A call still reserved now was cut off with its worker: the job must not end with it open.
            await ledger_repository.close_job_calls(session, job_id)
            await kind.finish(session, job)
        return "completed"
    if await repository.advance_stage(session, job_id, stage, following):
        await dispatch(session, job_id, following)
        return following
    return None


async def reconcile(session: AsyncSession, settings: Settings) -> dict[str, int]:
    """Free expired leases, close abandoned ledger rows, advance finished stages, re-send lost work."""
    expired = await repository.expire_leases(session, settings.job_max_item_attempts)
    grace = timedelta(seconds=settings.job_call_timeout_seconds + settings.job_lease_seconds)
    abandoned = await ledger_repository.close_abandoned_calls(session, utcnow() - grace)
    stalled_after = timedelta(seconds=max(3 * settings.job_reconcile_seconds, settings.job_lease_seconds / 2))
    resent = 0
    touched = {job_id for job_id, _ in expired}
    for job in await repository.jobs_in(session, [JobStatus.running]):
        if await advance(session, job.id) is not None:
            continue
        quiet = job.progressed_at is None or utcnow() - job.progressed_at > stalled_after
        if job.id in touched or (quiet and not await repository.live_leases(session, job.id)):
            resent += await dispatch(session, job.id, JobStage(job.stage))
            await repository.mark_progress(session, job.id)
    return {"expired": len(expired), "abandoned": abandoned, "resent": resent}
