"""SQL of the jobs domain: planning, leasing and finishing items, the ledger, the response cache.

Writes that must hold across worker processes are single conditional statements: a lease is taken by
one ``UPDATE ... WHERE status = 'pending'``, an item is finished only ``WHERE fence = <the fence its
lease got>``, and a reservation succeeds only ``WHERE spent + reserved + unknown + amount <= budget``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Dataset,
    DatasetStatus,
    Example,
    ItemStatus,
    Job,
    JobItem,
    JobStatus,
)
from app.models.base import utcnow


@dataclass(frozen=True, slots=True)
class Lease:
    """An item this worker holds: only its fence lets the worker finish it."""

    job_id: uuid.UUID
    id: uuid.UUID
    item_key: str
    stage: str
    position: int
    chunk: int
    fence: int
    attempts: int
    variant: int


# ---- jobs -------------------------------------------------------------------------------------------


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> Job | None:
    """A job by id."""
    return await session.get(Job, job_id, populate_existing=True)


async def list_jobs(
    session: AsyncSession, *, status: JobStatus | None, dataset_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[list[Job], int]:
    """Jobs, newest first, with the total count."""
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    if dataset_id is not None:
        query = query.where(Job.dataset_id == dataset_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(Job.created_at.desc()).limit(limit).offset(offset))
    return list(rows), int(total or 0)


async def insert_items(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Plan items in batches (a job of N examples plans exactly N item keys)."""
    for start in range(0, len(rows), 5000):
        await session.execute(insert(JobItem), list(rows[start : start + 5000]))


async def set_status(
    session: AsyncSession,
    job_id: uuid.UUID,
    status: JobStatus,
    *,
    only_from: Sequence[JobStatus],
    reason: str | None = None,
    error: str | None = None,
) -> bool:
    """Move a job to ``status`` if it is in one of ``only_from`` (a compare-and-set)."""
    values: dict[str, Any] = {"status": status, "pause_reason": reason}
    if error is not None:
        values["error"] = error
    if status in (JobStatus.completed, JobStatus.failed):
        values["finished_at"] = utcnow()
    if status is JobStatus.running:
        values["started_at"] = func.coalesce(Job.started_at, utcnow())
    result = await session.execute(
        update(Job).where(Job.id == job_id, Job.status.in_(list(only_from))).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def advance_stage(session: AsyncSession, job_id: uuid.UUID, current: str, following: str) -> bool:
    """Move a job from one stage to the next; True only for the one caller that did it."""
    result = await session.execute(
        update(Job).where(Job.id == job_id, Job.stage == current).values(stage=following)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_stage(session: AsyncSession, job_id: uuid.UUID, stage: str) -> None:
    """Put a job back in ``stage`` (a retry reopens an earlier stage's items)."""
    await session.execute(update(Job).where(Job.id == job_id).values(stage=stage))


async def set_policy(session: AsyncSession, job_id: uuid.UUID, policy: dict[str, Any]) -> None:
    """Store the task policy the job's student follows."""
    await session.execute(update(Job).where(Job.id == job_id).values(policy=policy))


async def set_dataset_status(session: AsyncSession, dataset_id: uuid.UUID, status: DatasetStatus) -> None:
    """Set the status of a job's dataset (generating while the job runs)."""
    await session.execute(
        update(Dataset)
        .where(Dataset.id == dataset_id, Dataset.status != DatasetStatus.preview)
        .values(status=status)
    )


async def mark_progress(session: AsyncSession, job_id: uuid.UUID) -> None:
    """Note that an item of the job finished just now (stuck-job detection)."""
    await session.execute(update(Job).where(Job.id == job_id).values(progressed_at=utcnow()))


async def item_counts(
    session: AsyncSession, job_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, dict[str, int]]]:
    """Per job, per stage, per item status: how many items."""
    rows = await session.execute(
        select(JobItem.job_id, JobItem.stage, JobItem.status, func.count())
        .where(JobItem.job_id.in_(list(job_ids)))
        .group_by(JobItem.job_id, JobItem.stage, JobItem.status)
    )
    counts: dict[uuid.UUID, dict[str, dict[str, int]]] = {job_id: {} for job_id in job_ids}
    for job_id, stage, status, count in rows:
        counts[job_id].setdefault(stage, {})[ItemStatus(status).value] = int(count)
    return counts


@dataclass(frozen=True, slots=True)
class ActivityFacts:
    """What the items of a job say about who works on it."""

    owners: dict[str, int]  # lease owner -> items it holds now (unexpired leases only)
    last_finished_at: datetime | None  # when an item last ended (done, rejected or failed)


async def activity_facts(
    session: AsyncSession, job_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ActivityFacts]:
    """Per job: the live leases by owner and when an item last finished."""
    ids = list(job_ids)
    now = utcnow()
    leases = await session.execute(
        select(JobItem.job_id, JobItem.lease_owner, func.count())
        .where(
            JobItem.job_id.in_(ids),
            JobItem.status == ItemStatus.leased,
            JobItem.lease_expires_at > now,
        )
        .group_by(JobItem.job_id, JobItem.lease_owner)
    )
    owners: dict[uuid.UUID, dict[str, int]] = {job_id: {} for job_id in ids}
    for job_id, owner, count in leases:
        owners[job_id][str(owner)] = int(count)
    finished = await session.execute(
        select(JobItem.job_id, func.max(JobItem.updated_at))
        .where(
            JobItem.job_id.in_(ids),
            JobItem.status.in_([ItemStatus.done, ItemStatus.rejected, ItemStatus.failed]),
        )
        .group_by(JobItem.job_id)
    )
    last: dict[uuid.UUID, datetime] = {row[0]: row[1] for row in finished}
    return {job_id: ActivityFacts(owners[job_id], last.get(job_id)) for job_id in ids}


async def waiting_jobs(session: AsyncSession) -> list[uuid.UUID]:
    """Running jobs no worker has taken up yet (no live lease, no finished item), oldest first."""
    now = utcnow()
    taken = (
        select(JobItem.id)
        .where(
            JobItem.job_id == Job.id,
            (JobItem.status.in_([ItemStatus.done, ItemStatus.rejected, ItemStatus.failed]))
            | ((JobItem.status == ItemStatus.leased) & (JobItem.lease_expires_at > now)),
        )
        .exists()
    )
    rows = await session.execute(
        select(Job.id).where(Job.status == JobStatus.running, ~taken).order_by(Job.created_at, Job.id)
    )
    return list(rows.scalars())


async def open_items(session: AsyncSession, job_id: uuid.UUID, stage: str) -> int:
    """Items of a stage that are not finished yet (pending or leased)."""
    count = await session.scalar(
        select(func.count())
        .select_from(JobItem)
        .where(
            JobItem.job_id == job_id,
            JobItem.stage == stage,
            JobItem.status.in_([ItemStatus.pending, ItemStatus.leased]),
        )
    )
    return int(count or 0)


async def pending_chunks(session: AsyncSession, job_id: uuid.UUID, stage: str) -> list[int]:
    """Chunks of a stage that still have pending items."""
    rows = await session.scalars(
        select(JobItem.chunk)
        .where(JobItem.job_id == job_id, JobItem.stage == stage, JobItem.status == ItemStatus.pending)
        .distinct()
        .order_by(JobItem.chunk)
    )
    return list(rows)


async def failed_items(
    session: AsyncSession, job_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[JobItem], int]:
    """Rejected and failed items of a job, with their reasons."""
    where = and_(JobItem.job_id == job_id, JobItem.status.in_([ItemStatus.rejected, ItemStatus.failed]))
    total = await session.scalar(select(func.count()).select_from(JobItem).where(where))
    rows = await session.scalars(
        select(JobItem).where(where).order_by(JobItem.position).limit(limit).offset(offset)
    )
    return list(rows), int(total or 0)


def _job_rows(job: Job) -> ColumnElement[bool]:
    """The rows a job wrote into its dataset: those keyed by one of its items."""
    keys = select(JobItem.item_key).where(JobItem.job_id == job.id)
    return and_(Example.dataset_id == job.dataset_id, Example.item_key.in_(keys))


async def job_rows(session: AsyncSession, job: Job, limit: int) -> list[Example]:
    """The first ``limit`` rows the job wrote, in their dataset's order."""
    query = select(Example).where(_job_rows(job)).order_by(Example.position).limit(limit)
    rows = await session.scalars(query)
    return list(rows)


@dataclass(frozen=True, slots=True)
class RowChecks:
    """How a job's rows were checked, and why items were removed.

    ``groups``: (judge route, scored, fixed, rows) per combination; ``reasons``: (reason, items).
    """

    groups: list[tuple[str | None, bool, bool, int]]
    reasons: list[tuple[str, int]]


async def row_checks(session: AsyncSession, job: Job, most_reasons: int) -> RowChecks:
    """Counted in the database: the job's rows by judge route, score and fix; the removal reasons."""
    route = Example.provenance["judge_route"].as_string()
    scored = Example.score.is_not(None)
    fixed = Example.provenance[("fixes", 0, "reason")].as_string().is_not(None)
    counted = await session.execute(
        select(route, scored, fixed, func.count()).where(_job_rows(job)).group_by(route, scored, fixed)
    )
    groups = [(name, bool(s), bool(f), int(count)) for name, s, f, count in counted]
    reason = func.coalesce(JobItem.error, "no reason recorded")
    removed = await session.execute(
        select(reason, func.count())
        .where(JobItem.job_id == job.id, JobItem.status.in_([ItemStatus.rejected, ItemStatus.failed]))
        .group_by(reason)
        .order_by(func.count().desc(), reason)
        .limit(most_reasons)
    )
    return RowChecks(groups, [(str(name), int(count)) for name, count in removed])


async def removed_count(session: AsyncSession, job_id: uuid.UUID) -> int:
    """How many of the job's items ended without a row (rejected or failed)."""
    where = and_(JobItem.job_id == job_id, JobItem.status.in_([ItemStatus.rejected, ItemStatus.failed]))
    return int(await session.scalar(select(func.count()).select_from(JobItem).where(where)) or 0)


async def finished_results(session: AsyncSession, job_id: uuid.UUID) -> list[dict[str, Any]]:
    """The results the job's finished items (done or rejected) recorded, in item order."""
    where = and_(
        JobItem.job_id == job_id,
        JobItem.status.in_([ItemStatus.done, ItemStatus.rejected]),
        JobItem.result.is_not(None),
    )
    found = await session.scalars(select(JobItem.result).where(where).order_by(JobItem.position))
    return [result for result in found if isinstance(result, dict)]


async def reopen_failed(session: AsyncSession, job_id: uuid.UUID) -> int:
    """Give failed and rejected items a fresh start (retry); returns how many."""
    result = await session.execute(
        update(JobItem)
        .where(JobItem.job_id == job_id, JobItem.status.in_([ItemStatus.rejected, ItemStatus.failed]))
        .values(status=ItemStatus.pending, attempts=0, error=None, variant=JobItem.variant + 1)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# ---- leases -----------------------------------------------------------------------------------------


async def claim(
    session: AsyncSession, job_id: uuid.UUID, stage: str, chunk: int, owner: str, lease: timedelta
) -> Lease | None:
    """Lease the next pending item of a stage, preferring ``chunk`` (then any chunk: work stealing)."""
    pick = (
        select(JobItem.id)
        .where(JobItem.job_id == job_id, JobItem.stage == stage, JobItem.status == ItemStatus.pending)
        .order_by(case((JobItem.chunk == chunk, 0), else_=1), JobItem.position)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    row = (
        await session.execute(
            update(JobItem)
            .where(JobItem.id == pick, JobItem.status == ItemStatus.pending)
            .values(
                status=ItemStatus.leased,
                lease_owner=owner,
                lease_expires_at=utcnow() + lease,
                fence=JobItem.fence + 1,
                attempts=JobItem.attempts + 1,
            )
            .returning(
                JobItem.job_id,
                JobItem.id,
                JobItem.item_key,
                JobItem.stage,
                JobItem.position,
                JobItem.chunk,
                JobItem.fence,
                JobItem.attempts,
                JobItem.variant,
            )
            .execution_options(synchronize_session=False)
        )
    ).first()
    return None if row is None else Lease(*row)


async def renew(session: AsyncSession, leases: Sequence[Lease], owner: str, lease: timedelta) -> None:
    """Extend the leases this worker still holds."""
    for held in leases:
        await session.execute(
            update(JobItem)
            .where(JobItem.id == held.id, JobItem.fence == held.fence, JobItem.lease_owner == owner)
            .values(lease_expires_at=utcnow() + lease)
            .execution_options(synchronize_session=False)
        )


async def finish(
    session: AsyncSession,
    held: Lease,
    status: ItemStatus,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    variant: int | None = None,
    uncount_attempt: bool = False,
) -> bool:
    """Set a held item's outcome; False when the lease was lost (another worker owns it now)."""
    values: dict[str, Any] = {"status": status, "error": error, "lease_owner": None, "lease_expires_at": None}
    if result is not None:
        values["result"] = result
    if variant is not None:
        values["variant"] = variant
    if uncount_attempt:
        values["attempts"] = JobItem.attempts - 1
    done = await session.execute(
        update(JobItem)
        .where(JobItem.id == held.id, JobItem.fence == held.fence, JobItem.status == ItemStatus.leased)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def save_variant(session: AsyncSession, held: Lease, variant: int) -> bool:
    """Remember that the item moved on to another variant (a rejected row is written again)."""
    done = await session.execute(
        update(JobItem)
        .where(JobItem.id == held.id, JobItem.fence == held.fence, JobItem.status == ItemStatus.leased)
        .values(variant=variant)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def expire_leases(session: AsyncSession, max_attempts: int) -> list[tuple[uuid.UUID, int]]:
    """Free items whose lease ran out (their worker died); poison items fail. Returns (job, chunk)s."""
    now = utcnow()
    expired = and_(JobItem.status == ItemStatus.leased, JobItem.lease_expires_at < now)
    chunks = (await session.execute(select(JobItem.job_id, JobItem.chunk).where(expired).distinct())).all()
    await session.execute(
        update(JobItem)
        .where(expired)
        .values(
            status=case((JobItem.attempts >= max_attempts, ItemStatus.failed), else_=ItemStatus.pending),
            error=case(
                (
                    JobItem.attempts >= max_attempts,
                    f"gave up after {max_attempts} attempts whose worker stopped",
                ),
                else_=JobItem.error,
            ),
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return [(job_id, chunk) for job_id, chunk in chunks]


async def release_owner(session: AsyncSession, owner: str) -> None:
    """Put back every item a stopping worker still leases (without counting the attempt)."""
    await session.execute(
        update(JobItem)
        .where(JobItem.lease_owner == owner, JobItem.status == ItemStatus.leased)
        .values(
            status=ItemStatus.pending, lease_owner=None, lease_expires_at=None, attempts=JobItem.attempts - 1
        )
        .execution_options(synchronize_session=False)
    )


async def jobs_in(session: AsyncSession, statuses: Sequence[JobStatus]) -> list[Job]:
    """Jobs in one of the given states."""
    return list(await session.scalars(select(Job).where(Job.status.in_(list(statuses)))))


async def previews_ended_before(session: AsyncSession, cutoff: datetime) -> list[Job]:
    """Wizard previews that ended before ``cutoff`` and still have their hidden dataset."""
    return list(
        await session.scalars(
            select(Job)
            .join(Dataset, Dataset.id == Job.dataset_id)
            .where(
                Dataset.status == DatasetStatus.preview,
                Job.status.in_([JobStatus.completed, JobStatus.failed, JobStatus.cancelled]),
                # A cancelled job has no finish time: its last progress (or its start) stands in.
                func.coalesce(Job.finished_at, Job.progressed_at, Job.created_at) < cutoff,
            )
        )
    )


async def live_leases(session: AsyncSession, job_id: uuid.UUID) -> int:
    """Items of the job currently leased."""
    count = await session.scalar(
        select(func.count())
        .select_from(JobItem)
        .where(JobItem.job_id == job_id, JobItem.status == ItemStatus.leased)
    )
    return int(count or 0)


async def delete_job_items(session: AsyncSession, job_id: uuid.UUID) -> None:
    """Remove a job's items (with the job)."""
    await session.execute(delete(JobItem).where(JobItem.job_id == job_id))


async def verdicts(session: AsyncSession, job_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Per quality job, how many rows it kept, fixed and removed (counted in the database)."""
    verdict = func.coalesce(JobItem.result["verdict"].as_string(), "keep")
    rows = await session.execute(
        select(JobItem.job_id, verdict, func.count())
        .where(JobItem.job_id.in_(list(job_ids)), JobItem.status == ItemStatus.done)
        .group_by(JobItem.job_id, verdict)
    )
    counts: dict[uuid.UUID, dict[str, int]] = {job_id: {} for job_id in job_ids}
    for job_id, name, count in rows:
        counts[job_id][str(name)] = int(count)
    return counts
