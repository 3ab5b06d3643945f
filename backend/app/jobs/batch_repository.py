"""SQL of the batch journal: the provider batches each job submitted (table ``job_batches``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import JobBatch
from app.models.base import utcnow


async def record_batch(
    session: AsyncSession, job_id: uuid.UUID, batch_id: str, model_id: str, fingerprints: Collection[str]
) -> None:
    """Remember a batch the provider accepted (a second record of the same batch keeps the first)."""
    now = utcnow()
    values = {
        "job_id": job_id,
        "batch_id": batch_id,
        "model_id": model_id,
        "fingerprints": list(fingerprints),
        "state": "submitted",
        "total": len(fingerprints),
        "answered": 0,
        "failed": 0,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(insert_(JobBatch).values(**values).on_conflict_do_nothing())


async def fingerprints_of(
    session: AsyncSession, job_id: uuid.UUID, *, exclude: Collection[str] = ()
) -> list[tuple[str, list[str]]]:
    """(batch id, its request fingerprints) of the job's batches, but those of ``exclude``."""
    ids = set(await session.scalars(select(JobBatch.batch_id).where(JobBatch.job_id == job_id)))
    new = sorted(ids - set(exclude))
    if not new:
        return []
    rows = await session.execute(
        select(JobBatch.batch_id, JobBatch.fingerprints).where(
            JobBatch.job_id == job_id, JobBatch.batch_id.in_(new)
        )
    )
    return [(str(batch_id), [str(f) for f in fingerprints]) for batch_id, fingerprints in rows]


async def set_progress(
    session: AsyncSession,
    job_id: uuid.UUID,
    batch_id: str,
    state: str,
    total: int,
    answered: int,
    failed: int,
) -> None:
    """The batch's state and counts as its last poll saw them."""
    await session.execute(
        update(JobBatch)
        .where(JobBatch.job_id == job_id, JobBatch.batch_id == batch_id)
        .values(state=state, total=total, answered=answered, failed=failed, updated_at=utcnow())
    )


async def batches_of(session: AsyncSession, job_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[JobBatch]]:
    """Every batch of each job, oldest first (jobs without any map to an empty list)."""
    found: dict[uuid.UUID, list[JobBatch]] = {job_id: [] for job_id in job_ids}
    if not job_ids:
        return found
    rows = await session.scalars(
        select(JobBatch).where(JobBatch.job_id.in_(job_ids)).order_by(JobBatch.created_at, JobBatch.batch_id)
    )
    for row in rows:
        found[row.job_id].append(row)
    return found
