"""Jobs: plan, start, watch, pause, resume, cancel, retry; stage changes and the reconciler.

A job of N examples is planned into exactly N items (seed items for the teacher, one policy item,
bulk items for the student) with unique keys, grouped in chunks; each chunk is one queue message that
carries only the job id and the chunk number. Everything else is read from the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import outbox
from app.core.config import Settings
from app.core.errors import BadRequest, Forbidden, NotFound
from app.datasets import repository as dataset_repository
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.domains.service import domains_config
from app.jobs import amplify, ledger_repository, repository
from app.jobs.schemas import GenerationRequest, JobRead, QualityRequest, StageProgress, Verdicts
from app.models import (
    Dataset,
    DatasetStatus,
    DatasetVersion,
    Example,
    Job,
    JobKind,
    JobStage,
    JobStatus,
    Role,
    User,
)
from app.models.base import utcnow
from distillation.datatypes import get_datatype
from distillation.pipeline import GenerationConfig, resolve_domains

RUN_CHUNK = "jobs.run_chunk"
QUEUE = "llm"
NEXT_STAGE: dict[str, JobStage | None] = {
    JobStage.seed: JobStage.policy,
    JobStage.policy: JobStage.bulk,
    JobStage.bulk: None,
    JobStage.judge: None,
    JobStage.regenerate: None,
}
ACTIVE = (JobStatus.pending, JobStatus.running, JobStatus.paused)


async def generation_config(
    session: AsyncSession, body: GenerationRequest, settings: Settings
) -> GenerationConfig:
    """The engine's config of a request; a config the engine refuses is a 400 with the reason."""
    values = body.model_dump(exclude={"name", "description", "seed_examples"})
    if body.seed_examples is not None:
        if not (body.instruction or "").strip():
            raise BadRequest("seed amplification needs an instruction: the task the examples show")
        if body.data_type != amplify.DATA_TYPE:
            raise BadRequest(
                f"seed examples are amplified into chat rows: data_type must be {amplify.DATA_TYPE!r}"
            )
    try:
        config = GenerationConfig.model_validate(values)
        get_datatype(config.data_type)
        resolve_domains(await domains_config(session, settings), config.domains)
    except (ValidationError, ValueError, KeyError) as exc:
        raise BadRequest(str(exc)) from exc
    return config


def stage_sizes(config: GenerationConfig, seeds: int | None = None) -> list[tuple[JobStage, int]]:
    """Items per stage: the teacher's seeds (or the user's ``seeds`` examples), the policy, the bulk.

    A job amplifying ``seeds`` examples keeps them all and writes ``count`` new rows on top.
    """
    if seeds is not None:
        return [(JobStage.seed, seeds), (JobStage.policy, 1), (JobStage.bulk, config.count)]
    stages = [(JobStage.seed, config.seed_count)]
    if config.bulk_count:
        stages += [(JobStage.policy, 1), (JobStage.bulk, config.bulk_count)]
    return stages


def plan(
    job: Job, config: GenerationConfig, chunk_size: int, seeds: int | None = None
) -> list[dict[str, object]]:
    """Exactly the rows asked for plus the policy item, keyed ``seed-0000001`` and so on."""
    rows: list[dict[str, object]] = []
    stages = stage_sizes(config, seeds)
    size = min(chunk_size, 2) if config.student.startswith("local:") else chunk_size
    for stage, count in stages:
        for index in range(count):
            key = JobStage.policy if stage == JobStage.policy else f"{stage}-{index:07d}"
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "job_id": job.id,
                    "item_key": key,
                    "stage": stage,
                    "position": index,
                    "chunk": index // size,
                    "updated_at": utcnow(),
                }
            )
    return rows


async def create_generation(
    session: AsyncSession, user: User, body: GenerationRequest, settings: Settings
) -> Job:
    """A new dataset and the job that fills it; its first chunks are sent after the commit."""
    config = await generation_config(session, body, settings)
    seeds = None if body.seed_examples is None else [e.model_dump() for e in body.seed_examples]
    dataset = await datasets.create(
        session,
        user,
        DatasetCreate(
            name=body.name,
            description=body.description,
            data_type=body.data_type,
            domain=config.domains[0] if len(config.domains) == 1 else None,
            subdomain=config.subdomain,
        ),
        reason="generated",
        status=DatasetStatus.generating,
    )
    job = Job(
        kind=JobKind.generate if seeds is None else JobKind.amplify,
        status=JobStatus.running,
        dataset_id=dataset.id,
        owner_id=user.id,
        config=config.model_dump(mode="json") | ({} if seeds is None else {"seed_examples": seeds}),
        stage=JobStage.seed,
        requested=config.count + len(seeds or ()),
        budget_usd=body.budget_usd,
        started_at=utcnow(),
        progressed_at=utcnow(),
    )
    session.add(job)
    await session.flush()
    seed_count = None if seeds is None else len(seeds)
    await repository.insert_items(session, plan(job, config, settings.job_chunk_size, seed_count))
    await dispatch(session, job.id, JobStage.seed)
    return job


async def create_quality(session: AsyncSession, user: User, body: QualityRequest, settings: Settings) -> Job:
    """A job that judges every current row of a dataset; its verdicts become the next version."""
    dataset = await datasets.get_writable(session, user, body.dataset_id)
    datasets.ensure_idle(dataset)
    query = select(Example.item_key, Example.position).where(
        Example.dataset_id == dataset.id, dataset_repository.live_at(dataset.version)
    )
    if body.example_ids is not None:
        query = query.where(Example.id.in_(body.example_ids))
    rows = (await session.execute(query.order_by(Example.position))).all()
    if not rows:
        raise BadRequest("the dataset has no examples to judge")
    try:
        get_datatype(dataset.data_type)
        config = GenerationConfig(
            data_type=dataset.data_type,
            count=len(rows),
            teacher=body.fixer or body.judge,
            student=body.judge,
            judge=body.judge,
            thresholds=body.thresholds,
            judge_sample_rate=body.judge_sample_rate,
            concurrency=body.concurrency,
        )
    except (ValidationError, ValueError, KeyError) as exc:
        raise BadRequest(str(exc)) from exc
    config_json = {
        **config.model_dump(mode="json"),
        "source_version": dataset.version,
        "target_version": dataset.version + 1,
    }
    local = body.judge.startswith("local:")
    return await start_row_job(
        session,
        user,
        dataset,
        rows,
        kind=JobKind.quality,
        config=config_json,
        budget=body.budget_usd,
        local=local,
        chunk_size=settings.job_chunk_size,
    )


ROW_JOB_STAGES = {JobKind.quality: JobStage.judge, JobKind.regenerate: JobStage.regenerate}


async def start_row_job(
    session: AsyncSession,
    user: User,
    dataset: Dataset,
    rows: Sequence[Row[str, int]],
    *,
    kind: JobKind,
    config: dict[str, Any],
    budget: Decimal | None,
    local: bool,
    chunk_size: int,
    policy: dict[str, Any] | None = None,
) -> Job:
    """A job with one item per chosen row (by key and position) whose changes become the next version."""
    stage = ROW_JOB_STAGES[kind]
    job = Job(
        kind=kind,
        status=JobStatus.running,
        dataset_id=dataset.id,
        owner_id=user.id,
        config=config,
        policy=policy,
        stage=stage,
        requested=len(rows),
        budget_usd=budget,
        started_at=utcnow(),
        progressed_at=utcnow(),
    )
    session.add(job)
    await session.flush()
    size = min(chunk_size, 2) if local else chunk_size
    await repository.insert_items(
        session,
        [
            {
                "id": uuid.uuid4(),
                "job_id": job.id,
                "item_key": key,
                "stage": stage,
                "position": position,
                "chunk": index // size,
                "updated_at": utcnow(),
            }
            for index, (key, position) in enumerate(rows)
        ],
    )
    dataset.status = DatasetStatus.generating
    await dispatch(session, job.id, stage)
    return job


async def dispatch(session: AsyncSession, job_id: uuid.UUID, stage: str) -> int:
    """Send one message per chunk of the stage that has pending items (at least one message)."""
    chunks = await repository.pending_chunks(session, job_id, stage) or [0]
    for chunk in chunks:
        outbox.enqueue(session, RUN_CHUNK, job_id, QUEUE, str(chunk))
    return len(chunks)


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
    quality = [job.id for job in jobs if job.kind in ROW_JOB_STAGES]
    verdicts = await repository.verdicts(session, quality) if quality else {}
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
    """When the job's stage has no open item left, move to the next stage or finish the job."""
    job = await repository.get_job(session, job_id)
    if job is None or job.status is not JobStatus.running:
        return None
    stage = job.stage
    if await repository.open_items(session, job_id, stage):
        return None
    if stage == JobStage.seed:
        counts = (await repository.item_counts(session, [job_id]))[job_id]
        if JobStage.policy not in counts:  # the teacher writes every row
            return await _complete(session, job)
        if not counts[JobStage.seed].get("done"):
            await repository.set_status(
                session,
                job_id,
                JobStatus.failed,
                only_from=[JobStatus.running],
                error="no seed row was accepted, so the student has nothing to learn",
            )
            await finish_dataset(session, job, DatasetStatus.failed)
            return "failed"
    following = NEXT_STAGE[stage]
    if following is None:
        return await _complete(session, job)
    if await repository.advance_stage(session, job_id, stage, following):
        await dispatch(session, job_id, following)
        return following
    return None


async def _complete(session: AsyncSession, job: Job) -> str:
    if await repository.set_status(session, job.id, JobStatus.completed, only_from=[JobStatus.running]):
        if job.kind in ROW_JOB_STAGES:
            await finish_quality(session, job, f"{job.kind.value} job")
        else:
            await finish_dataset(session, job, DatasetStatus.ready)
    return "completed"


async def finish_quality(session: AsyncSession, job: Job, reason: str) -> None:
    """Make the job's target version current, with what the judge kept, fixed and removed."""
    dataset = await session.get(Dataset, job.dataset_id, populate_existing=True)
    if dataset is None:
        return
    verdicts = (await repository.verdicts(session, [job.id]))[job.id]
    words = (
        (("fix", "regenerated"), ("keep", "kept"))
        if job.kind is JobKind.regenerate
        else (("keep", "kept"), ("fix", "fixed"), ("remove", "removed"))
    )
    summary = ", ".join(f"{verdicts.get(v, 0)} {word}" for v, word in words)
    await datasets.finish_version(session, dataset, int(job.config["target_version"]), f"{reason}: {summary}")
    dataset.status = DatasetStatus.ready


async def finish_dataset(session: AsyncSession, job: Job, status: DatasetStatus) -> None:
    """Recount the dataset's rows and set its status (a generation job stopped or finished)."""
    dataset = await session.get(Dataset, job.dataset_id, populate_existing=True)
    if dataset is None:
        return
    count = await dataset_repository.set_example_count(session, dataset.id)
    dataset.status = status
    version = await session.get(DatasetVersion, (dataset.id, dataset.version))
    if version is not None:
        version.example_count = count


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
            resent += await dispatch(session, job.id, job.stage)
            await repository.mark_progress(session, job.id)
    return {"expired": len(expired), "abandoned": abandoned, "resent": resent}
