"""SQL of the jobs domain over a dataset's rows: what the kinds read and write besides their items.

Reads of the rows a job works on (its seed rows, the row of an item, the rows chosen for a versioned
job) and the writes of a quality verdict. Accepting and replacing rows with their duplicate checks is
``store``'s, over the queries at the end of this module.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, insert, select, text, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.datasets.example_repository import live_at
from app.models import Dataset, Example, ExampleBand, Job, JobKind
from distillation.pipeline import Provenance, Row, Stage


async def seed_rows(session: AsyncSession, dataset_id: uuid.UUID) -> list[Row]:
    """The dataset's seed rows in order, as the rows the student learns from."""
    examples = await session.scalars(
        select(Example)
        .where(Example.dataset_id == dataset_id, Example.stage == Stage.seed)
        .order_by(Example.position)
    )
    return [_row(example) for example in examples]


def _row(example: Example) -> Row:
    return Row(
        key=example.item_key,
        index=example.position,
        stage=Stage.seed,
        record=example.record or {},
        messages=example.messages,
        score=example.score,
        provenance=Provenance.model_validate(example.provenance),
    )


async def row_at(session: AsyncSession, dataset_id: uuid.UUID, key: str, version: int) -> Example | None:
    """The row of ``key`` live at ``version``."""
    return await session.scalar(
        select(Example).where(Example.dataset_id == dataset_id, Example.item_key == key, live_at(version))
    )


async def chosen_rows(
    session: AsyncSession, dataset_id: uuid.UUID, version: int, ids: Sequence[uuid.UUID] | None
) -> list[tuple[str, int]]:
    """(key, position) of the rows live at ``version``, in order: all of them, or those of ``ids``."""
    query = select(Example.item_key, Example.position).where(
        Example.dataset_id == dataset_id, live_at(version)
    )
    if ids is not None:
        query = query.where(Example.id.in_(list(ids)))
    rows = await session.execute(query.order_by(Example.position))
    return [(key, position) for key, position in rows]


async def latest_job(session: AsyncSession, dataset_id: uuid.UUID, kinds: Sequence[JobKind]) -> Job | None:
    """The newest job of one of ``kinds`` over the dataset."""
    return await session.scalar(
        select(Job)
        .where(Job.dataset_id == dataset_id, Job.kind.in_(list(kinds)))
        .order_by(Job.created_at.desc())
        .limit(1)
    )


async def current_provenances(
    session: AsyncSession, dataset_id: uuid.UUID, *, batch: int
) -> AsyncIterator[dict[str, Any] | None]:
    """The provenance of every row of the dataset's current version, read ``batch`` rows at a time."""
    dataset = await session.get(Dataset, dataset_id)
    if dataset is None:
        return
    query = (
        select(Example.provenance)
        .where(Example.dataset_id == dataset.id, live_at(dataset.version))
        .execution_options(yield_per=batch)
    )
    async for provenance in await session.stream_scalars(query):
        yield provenance


async def rescore(session: AsyncSession, example_id: uuid.UUID, score: float | None, scores: object) -> None:
    """Give a kept row its new scores in place."""
    await session.execute(update(Example).where(Example.id == example_id).values(score=score, scores=scores))


async def retire(session: AsyncSession, example_id: uuid.UUID, version: int) -> None:
    """Close a row: it is not part of ``version`` and later ones."""
    await session.execute(update(Example).where(Example.id == example_id).values(removed_in=version))


# ---- accepting rows (``store``) ----------------------------------------------------------------------


async def lock_dataset(session: AsyncSession, dataset_id: uuid.UUID) -> None:
    """Serialise duplicate checks and inserts on one dataset until the transaction ends.

    A Postgres advisory lock; SQLite has one writer at a time already, taken by the first write.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(dataset_id.bytes[:8], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _besides(key: str | None) -> ColumnElement[bool]:
    return Example.item_key != key if key is not None else true()


async def live_key_with_hash(
    session: AsyncSession, dataset_id: uuid.UUID, content_hash: str, *, besides: str | None
) -> str | None:
    """The key of a live row with this exact text hash (not the row of ``besides``)."""
    return await session.scalar(
        select(Example.item_key)
        .where(
            Example.dataset_id == dataset_id,
            Example.content_hash == content_hash,
            Example.removed_in.is_(None),
            _besides(besides),
        )
        .limit(1)
    )


async def live_rows_in_bands(
    session: AsyncSession, dataset_id: uuid.UUID, bands: Sequence[int], *, besides: str | None
) -> list[tuple[str, list[dict[str, Any]]]]:
    """(key, messages) of up to 50 live rows that share an LSH band (not the row of ``besides``)."""
    near = (
        select(ExampleBand.example_id)
        .where(ExampleBand.dataset_id == dataset_id, ExampleBand.band.in_(list(bands)))
        .distinct()
        .limit(50)
    )
    rows = await session.execute(
        select(Example.item_key, Example.messages).where(
            Example.id.in_(near), Example.removed_in.is_(None), _besides(besides)
        )
    )
    return [(key, messages) for key, messages in rows]


async def dataset_version(session: AsyncSession, dataset_id: uuid.UUID) -> int:
    """The dataset's current version (new rows are added in it)."""
    version = await session.scalar(select(Dataset.version).where(Dataset.id == dataset_id))
    return int(version or 1)


async def add(session: AsyncSession, example: Example, bands: Sequence[int]) -> None:
    """Insert a row with its LSH band keys."""
    session.add(example)
    await session.flush()
    if bands:
        await session.execute(
            insert(ExampleBand),
            [
                {"example_id": example.id, "position": i, "dataset_id": example.dataset_id, "band": band}
                for i, band in enumerate(bands)
            ],
        )


async def count_one_more(session: AsyncSession, dataset_id: uuid.UUID) -> None:
    """One more row in the dataset's count."""
    await session.execute(
        update(Dataset).where(Dataset.id == dataset_id).values(example_count=Dataset.example_count + 1)
    )
