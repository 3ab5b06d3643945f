"""Jobs: create, watch, stage changes and the reconciler, for every kind through its ``Kind``.

A job is planned into items by its kind's ``create`` (``app.jobs.kinds``): exactly N items for N
examples, grouped in chunks; each chunk is one queue message that carries only the job id and the chunk
number (``planning.dispatch``). Everything else is read from the database.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings, get_settings
from app.core.errors import Conflict, Forbidden, NotFound
from app.datasets.repository import DatasetRepository
from app.jobs import batch_repository, ledger_repository, repository
from app.jobs.finish import finish_dataset
from app.jobs.kinds import amplify, cascade, generate, preference
from app.jobs.kinds.base import Failed
from app.jobs.kinds.registry import kind_of
from app.jobs.planning import dispatch
from app.jobs.schemas import (
    ActivityState,
    GenerationRequest,
    ItemRead,
    JobActivity,
    JobBatchRead,
    JobRead,
    JobSummary,
    PreviewRead,
    PreviewRow,
    ReasonCount,
    StageProgress,
    Verdicts,
)
from app.models import DatasetStatus, Example, Job, JobStage, JobStatus, Role, User
from app.models.base import utcnow
from distillation.pipeline import GenerationConfig

ACTIVE = (JobStatus.pending, JobStatus.running, JobStatus.paused)
ENDED = (JobStatus.completed, JobStatus.failed, JobStatus.cancelled)
# Judge routes (``Provenance.judge_route``) under which a judge scored the row.
JUDGED_ROUTES = ("strong", "cheap", "escalated")
# Removal reasons a summary names (the most frequent first).
MOST_REASONS = 10


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


# A running job none of whose items a worker has held or finished for this long is said to be stalled.
STALLED_AFTER = timedelta(minutes=3)


async def read(session: AsyncSession, jobs: list[Job], *, summary: bool = False) -> list[JobRead]:
    """Jobs with their progress per stage, accepted count, ETA and where they are.

    With ``summary``, each ended job that wrote new rows also says how they were checked.
    """
    ids = [job.id for job in jobs]
    counts = await repository.item_counts(session, ids)
    versioned = [job.id for job in jobs if kind_of(job.kind).versioned]
    verdicts = await repository.verdicts(session, versioned) if versioned else {}
    facts = await repository.activity_facts(session, ids)
    running = any(job.status is JobStatus.running for job in jobs)
    queue = await repository.waiting_jobs(session) if running else []
    batches = await batch_repository.batches_of(session, ids)
    reads = [
        _read(job, counts[job.id], verdicts.get(job.id), _activity(job, facts[job.id], queue)) for job in jobs
    ]
    for job, job_read in zip(jobs, reads, strict=True):
        stored = kind_of(job.kind).config_of(job)
        job_read.delivery, job_read.deadline = stored.delivery, stored.deadline
        job_read.batches = [
            JobBatchRead(
                batch_id=b.batch_id,
                model=b.model_id,
                state=b.state,
                total=b.total,
                answered=b.answered,
                failed=b.failed,
                submitted_at=b.created_at,
                checked_at=b.updated_at,
            )
            for b in batches[job.id]
        ]
    if summary:
        for job, job_read in zip(jobs, reads, strict=True):
            if job.status in ENDED and not kind_of(job.kind).versioned:
                job_read.summary = await summarise(session, job)
            job_read.cascade = await cascade.report(session, job, get_settings())
            job_read.preference = await preference.summary(session, job)
    return reads


async def summarise(session: AsyncSession, job: Job) -> JobSummary:
    """How the job's rows were checked (judged, or by structure only), fixed, and why items were removed."""
    checks = await repository.row_checks(session, job, MOST_REASONS)
    rows = judged = fixed = 0
    for route, scored, was_fixed, count in checks.groups:
        rows += count
        # Rows from before the judge policy have no route: a score says a judge saw them.
        judged += count if route in JUDGED_ROUTES or (route is None and scored) else 0
        fixed += count if was_fixed else 0
    return JobSummary(
        rows=rows,
        judged=judged,
        structure_only=rows - judged,
        fixed=fixed,
        removed=await repository.removed_count(session, job.id),
        reasons=[ReasonCount(reason=reason, count=count) for reason, count in checks.reasons],
    )


def is_preview(job: Job) -> bool:
    """Whether the job is a wizard's preview."""
    return job.config.get("preview") is True


async def preview(session: AsyncSession, job: Job) -> PreviewRead:
    """A preview job's rows (each with how it was checked and its tokens), removals and ledger sums."""
    if not is_preview(job):
        raise NotFound(f"job {job.id} is not a preview")
    rows = await repository.job_rows(session, job, limit=job.requested)
    removed, _ = await repository.failed_items(session, job.id, limit=job.requested * 4, offset=0)
    calls, input_tokens, output_tokens, cost = await ledger_repository.job_usage(session, job.id)
    return PreviewRead(
        job=(await read(session, [job], summary=True))[0],
        rows=[_preview_row(row) for row in rows],
        removed=[ItemRead.model_validate(item) for item in removed],
        calls=calls,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=cost,
    )


def _preview_row(row: Example) -> PreviewRow:
    provenance = row.provenance or {}
    calls = [c for c in provenance.get("calls") or [] if isinstance(c, dict)]
    route = provenance.get("judge_route")
    return PreviewRow(
        stage=row.stage,
        messages=row.messages,
        score=row.score,
        judged=route in JUDGED_ROUTES or (route is None and row.score is not None),
        decision_reason=provenance.get("decision_reason"),
        input_tokens=sum(int(c.get("input_tokens") or 0) for c in calls),
        output_tokens=sum(int(c.get("output_tokens") or 0) for c in calls),
    )


async def discard_preview(session: AsyncSession, user: User, job: Job) -> None:
    """Delete an ended preview's rows with its hidden dataset; its ledger rows stay (the spend was real)."""
    ensure_can_control(user, job)
    if not is_preview(job):
        raise NotFound(f"job {job.id} is not a preview")
    if job.status not in ENDED:
        raise Conflict("the preview is still running: cancel it, or wait until it has ended")
    await _delete_preview(session, job)


async def _delete_preview(session: AsyncSession, job: Job) -> None:
    await repository.delete_job_items(session, job.id)
    await DatasetRepository(session).delete_with_rows(job.dataset_id)


def _activity(job: Job, facts: repository.ActivityFacts, queue: list[uuid.UUID]) -> JobActivity:
    """Where the job is: what its status alone does not say (a queued job is 'running' too)."""
    in_flight = sum(facts.owners.values())
    workers = sorted({worker_name(owner) for owner in facts.owners})
    last = facts.last_finished_at

    def activity(state: ActivityState, summary: str, position: int | None = None) -> JobActivity:
        return JobActivity(
            state=state,
            summary=summary,
            in_flight=in_flight,
            workers=workers,
            queue_position=position,
            last_progress_at=last,
        )

    if job.status is JobStatus.paused:
        return activity("paused", f"Paused: {job.pause_reason}" if job.pause_reason else "Paused.")
    if job.status in (JobStatus.completed, JobStatus.failed, JobStatus.cancelled):
        return activity("ended", f"{job.status.value.capitalize()}.")
    if job.status is JobStatus.pending:
        return activity("queued", "Created; it starts as soon as a worker takes it up.")
    if in_flight:
        by = ", ".join(workers)
        return activity("working", f"{in_flight} item{'s' if in_flight != 1 else ''} in flight on {by}.")
    if job.id in queue:
        position = queue.index(job.id) + 1
        ahead = (
            f"{position - 1} job{'s' if position != 2 else ''} ahead of it"
            if position > 1
            else "next in line"
        )
        return activity(
            "queued",
            f"Queued: waiting for a free worker ({ahead}). Workers are busy or not running.",
            position,
        )
    quiet_since = max(t for t in (last, job.progressed_at, job.started_at, job.created_at) if t is not None)
    if utcnow() - quiet_since > STALLED_AFTER:
        minutes = int((utcnow() - quiet_since).total_seconds() // 60)
        return activity(
            "stalled",
            f"Stalled: no worker has worked on it for {minutes} min. Check that workers are running "
            "(Settings → Workers); it goes on by itself when one is back.",
        )
    return activity("waiting", "Between steps: its next part is queued for a worker.")


def worker_name(owner: str) -> str:
    """A lease owner ("host/pid/nonce") as people read it: "host (pid 123)"."""
    host, _, rest = owner.partition("/")
    pid = rest.partition("/")[0]
    return f"{host} (pid {pid})" if pid else owner


def _read(
    job: Job, counts: dict[str, dict[str, int]], verdicts: dict[str, int] | None, activity: JobActivity
) -> JobRead:
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
        activity=activity,
        preview=is_preview(job),
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
    """Free expired leases, close abandoned ledger rows, advance finished stages, re-send lost work.

    Previews left ended for longer than ``preview_retention_seconds`` are deleted with their rows.
    """
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
    # Previews nobody discarded: the rows go, the ledger's record of their spend stays.
    forgotten = await repository.previews_ended_before(
        session, utcnow() - timedelta(seconds=settings.preview_retention_seconds)
    )
    for job in forgotten:
        await _delete_preview(session, job)
    return {
        "expired": len(expired),
        "abandoned": abandoned,
        "resent": resent,
        "previews_deleted": len(forgotten),
    }
