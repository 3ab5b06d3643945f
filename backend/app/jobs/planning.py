"""Planning a job's items and sending its chunks: the steps every kind's ``create`` shares.

Items are grouped in chunks; each chunk is one queue message that carries only the job id and the
chunk number, sent through the outbox after the commit. Everything else is read from the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import outbox
from app.jobs import repository
from app.models import Dataset, DatasetStatus, Job, JobKind, JobStage, JobStatus, User
from app.models.base import utcnow

RUN_CHUNK = "jobs.run_chunk"
QUEUE = "llm"


def chunk_size(configured: int, local: bool) -> int:
    """Items per chunk: two for in-process models (they answer one at a time), else the setting."""
    return min(configured, 2) if local else configured


def item_rows(
    job: Job, stage: JobStage, items: Iterable[tuple[str, int]], size: int
) -> list[dict[str, object]]:
    """Item rows of one stage from (key, position) pairs, ``size`` to a chunk."""
    return [
        {
            "id": uuid.uuid4(),
            "job_id": job.id,
            "item_key": key,
            "stage": stage,
            "position": position,
            "chunk": index // size,
            "updated_at": utcnow(),
        }
        for index, (key, position) in enumerate(items)
    ]


def new_job(
    kind: JobKind,
    dataset: Dataset,
    user: User,
    *,
    stage: JobStage,
    config: dict[str, Any],
    requested: int,
    budget: Decimal | None,
    policy: dict[str, Any] | None = None,
) -> Job:
    """A running job of ``kind`` over ``dataset``, in its first stage."""
    return Job(
        kind=kind,
        status=JobStatus.running,
        dataset_id=dataset.id,
        owner_id=user.id,
        config=config,
        policy=policy,
        stage=stage,
        requested=requested,
        budget_usd=budget,
        started_at=utcnow(),
        progressed_at=utcnow(),
    )


async def start_row_job(
    session: AsyncSession,
    job: Job,
    dataset: Dataset,
    rows: Sequence[tuple[str, int]],
    *,
    local: bool,
    configured_chunk: int,
) -> Job:
    """A job with one item per chosen row (by key and position) whose changes become the next version."""
    session.add(job)
    await session.flush()
    size = chunk_size(configured_chunk, local)
    await repository.insert_items(session, item_rows(job, JobStage(job.stage), rows, size))
    dataset.status = DatasetStatus.generating
    await dispatch(session, job.id, JobStage(job.stage))
    return job


async def dispatch(session: AsyncSession, job_id: uuid.UUID, stage: JobStage) -> int:
    """Send one message per chunk of the stage that has pending items (at least one message)."""
    chunks = await repository.pending_chunks(session, job_id, stage) or [0]
    for chunk in chunks:
        outbox.enqueue(session, RUN_CHUNK, job_id, QUEUE, str(chunk))
    return len(chunks)
