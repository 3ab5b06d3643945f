"""Regenerate chosen rows: the models of the job that wrote them write each one anew, as the next version.

A regenerated row keeps its item key, position and scenario (the seed stage's teacher or the bulk
stage's student writes it from the same inputs, with a request of its own); it is checked, judged and
compared for duplicates like any generated row and replaces the old row. When no new row is acceptable
within the variants allowed, the old row stays. A user's own example (seed amplification) is kept as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.datasets import repository as dataset_repository
from app.datasets import service as datasets
from app.jobs import amplify, service
from app.jobs.schemas import RegenerateRequest
from app.models import Example, Job, JobKind, User
from distillation.datatypes import TaskPolicy
from distillation.pipeline import Engine, ItemResult, Row, Stage, validate_row, write_bulk, write_seed

WRITERS = (JobKind.generate, JobKind.amplify)


async def create(session: AsyncSession, user: User, body: RegenerateRequest, settings: Settings) -> Job:
    """A job that rewrites the chosen rows with the models of the job that generated the dataset."""
    dataset = await datasets.get_writable(session, user, body.dataset_id)
    datasets.ensure_idle(dataset)
    source = await session.scalar(
        select(Job)
        .where(Job.dataset_id == dataset.id, Job.kind.in_(WRITERS))
        .order_by(Job.created_at.desc())
        .limit(1)
    )
    if source is None:
        raise BadRequest(
            "only rows a generation job wrote can be regenerated; this dataset was uploaded or derived "
            "(a quality job can judge and fix its rows)"
        )
    rows = (
        await session.execute(
            select(Example.item_key, Example.position)
            .where(
                Example.dataset_id == dataset.id,
                dataset_repository.live_at(dataset.version),
                Example.id.in_(body.example_ids),
            )
            .order_by(Example.position)
        )
    ).all()
    if not rows:
        raise BadRequest("none of the chosen examples is in the dataset's current version")
    config = {
        **source.config,
        "source_job_id": str(source.id),
        "source_version": dataset.version,
        "target_version": dataset.version + 1,
    }
    local = any(str(source.config.get(m, "")).startswith("local:") for m in ("teacher", "student"))
    return await service.start_row_job(
        session,
        user,
        dataset,
        rows,
        kind=JobKind.regenerate,
        config=config,
        budget=body.budget_usd,
        local=local,
        chunk_size=settings.job_chunk_size,
        policy=source.policy,
    )


def salt(job_id: uuid.UUID) -> int:
    """A number of the job's own, so two regenerations of one row send different requests."""
    return int(job_id.hex[:4], 16)


async def write(
    engine: Engine,
    extra: dict[str, Any],
    example: Example,
    key: str,
    variation: int,
    policy: TaskPolicy | None,
    seeds: Sequence[Row],
) -> ItemResult:
    """A new row for ``example``'s item (``key`` and ``variation`` make its request new)."""
    index = item_index(example.item_key, example.position)
    if extra.get("seed_examples") is not None:
        assert policy is not None
        return await amplify.write_pair(engine, policy, seeds, index, key, variation)
    if example.stage == Stage.seed or policy is None:
        answer, provenance = await write_seed(engine, index, key)
        return await validate_row(engine, key, index, Stage.seed, answer, provenance)
    answer, provenance = await write_bulk(engine, index, key, policy, seeds)
    return await validate_row(engine, key, index, Stage.bulk, answer, provenance)


def item_index(key: str, position: int) -> int:
    """The item's index within its stage (``bulk-0000005`` → 5): what the engine drew its scenario from."""
    number = key.partition("-")[2]
    return int(number) if number.isdigit() else position


def keeps_as_is(extra: dict[str, Any], example: Example) -> bool:
    """Whether the row cannot be regenerated: a user's own example of a seed-amplification job."""
    return extra.get("seed_examples") is not None and example.stage == Stage.seed
