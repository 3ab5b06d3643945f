"""SQL for datasets, their versions and examples (pages of a version's examples: ``example_repository``).

An example row is live in version N when ``added_in <= N`` and it was not removed by N; the current
version's rows are simply those with ``removed_in`` null.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, case, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

# Reading a version's examples in order lives with its own indexes; these names are used from here too.
from app.datasets.example_repository import iter_examples as iter_examples
from app.datasets.example_repository import like_pattern as like_pattern
from app.models import Dataset, DatasetVersion, Example
from app.models.base import utcnow

SORT_COLUMNS = {
    "created_at": Dataset.created_at,
    "name": Dataset.name,
    "example_count": Dataset.example_count,
}


def live_at(version: int, row: Any = Example) -> ColumnElement[bool]:
    """Rows (of ``Example`` or an alias of it) that are part of ``version``."""
    condition: ColumnElement[bool] = (row.added_in <= version) & or_(
        row.removed_in.is_(None), row.removed_in > version
    )
    return condition


async def list_datasets(
    session: AsyncSession,
    *,
    data_type: str | None,
    domain: str | None,
    search: str | None,
    sort: str,
    descending: bool,
    offset: int,
    limit: int,
) -> tuple[list[Dataset], int]:
    """One page of datasets and the total."""
    query = select(Dataset)
    if data_type is not None:
        query = query.where(Dataset.data_type == data_type)
    if domain is not None:
        query = query.where(Dataset.domain == domain)
    if search:
        pattern = like_pattern(search)
        query = query.where(
            or_(Dataset.name.ilike(pattern, escape="\\"), Dataset.description.ilike(pattern, escape="\\"))
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    column = SORT_COLUMNS[sort]
    order = (column.desc(), Dataset.id.desc()) if descending else (column.asc(), Dataset.id.asc())
    rows = await session.scalars(query.order_by(*order).offset(offset).limit(limit))
    return list(rows), int(total or 0)


async def get_dataset(session: AsyncSession, dataset_id: uuid.UUID) -> Dataset | None:
    """One dataset."""
    return await session.get(Dataset, dataset_id)


async def get_datasets(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Dataset]:
    """Datasets by id (missing ones are left out)."""
    return list(await session.scalars(select(Dataset).where(Dataset.id.in_(ids))))


async def add_dataset(session: AsyncSession, **fields: Any) -> Dataset:
    """A new dataset (flushed, so its id is known)."""
    dataset = Dataset(**fields)
    session.add(dataset)
    await session.flush()
    return dataset


async def delete_dataset(session: AsyncSession, dataset_id: uuid.UUID) -> None:
    """Delete a dataset; its versions and examples go with it."""
    # Explicit deletes: SQLite only cascades when foreign keys are on, and bulk deletes skip the ORM.
    await session.execute(delete(Example).where(Example.dataset_id == dataset_id))
    await session.execute(delete(DatasetVersion).where(DatasetVersion.dataset_id == dataset_id))
    await session.execute(delete(Dataset).where(Dataset.id == dataset_id))


async def bump_version(session: AsyncSession, dataset_id: uuid.UUID) -> int:
    """Increment the dataset's version atomically and return the new number.

    The UPDATE takes the row's write lock, so concurrent edits of one dataset get distinct versions.
    """
    result = await session.execute(
        update(Dataset)
        .where(Dataset.id == dataset_id)
        .values(version=Dataset.version + 1, updated_at=utcnow())
        .returning(Dataset.version)
    )
    return int(result.scalar_one())


async def set_example_count(session: AsyncSession, dataset_id: uuid.UUID) -> int:
    """Recount the current version's examples into the dataset row; returns the count."""
    count = await count_live(session, dataset_id)
    await session.execute(update(Dataset).where(Dataset.id == dataset_id).values(example_count=count))
    return count


async def count_live(session: AsyncSession, dataset_id: uuid.UUID) -> int:
    """Examples in the current version."""
    query = select(func.count()).where(Example.dataset_id == dataset_id, Example.removed_in.is_(None))
    return int(await session.scalar(query) or 0)


async def add_version(
    session: AsyncSession, dataset_id: uuid.UUID, number: int, reason: str, example_count: int
) -> DatasetVersion:
    """Record why version ``number`` exists."""
    version = DatasetVersion(
        dataset_id=dataset_id, number=number, reason=reason, example_count=example_count, created_at=utcnow()
    )
    session.add(version)
    await session.flush()
    return version


async def list_versions(
    session: AsyncSession, dataset_id: uuid.UUID, offset: int, limit: int
) -> tuple[list[DatasetVersion], int]:
    """Newest version first, with the total."""
    query = select(DatasetVersion).where(DatasetVersion.dataset_id == dataset_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(DatasetVersion.number.desc()).offset(offset).limit(limit))
    return list(rows), int(total or 0)


async def get_version(session: AsyncSession, dataset_id: uuid.UUID, number: int) -> DatasetVersion | None:
    """One version record."""
    return await session.get(DatasetVersion, (dataset_id, number))


async def add_examples(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many examples in one statement."""
    if rows:
        session.add_all([Example(**row) for row in rows])
        await session.flush()


async def get_example(session: AsyncSession, dataset_id: uuid.UUID, example_id: uuid.UUID) -> Example | None:
    """One example row of a dataset (any version)."""
    return await session.scalar(
        select(Example).where(Example.id == example_id, Example.dataset_id == dataset_id)
    )


async def close_examples(
    session: AsyncSession, dataset_id: uuid.UUID, ids: Sequence[uuid.UUID], version: int
) -> int:
    """Mark current rows as removed in ``version``; returns how many were current."""
    result = await session.execute(
        update(Example)
        .where(Example.dataset_id == dataset_id, Example.id.in_(ids), Example.removed_in.is_(None))
        .values(removed_in=version)
        .returning(Example.id)
    )
    return len(result.all())


async def score_histogram(session: AsyncSession, dataset_id: uuid.UUID) -> tuple[dict[int, int], int]:
    """Current examples per score bucket 0..9 (scores clamped to 0-10) and how many have no score."""
    bucket = case((Example.score >= 9, 9), (Example.score < 0, 0), else_=cast(Example.score, Integer)).label(
        "bucket"
    )
    live = (Example.dataset_id == dataset_id, Example.removed_in.is_(None))
    rows = await session.execute(
        select(bucket, func.count()).where(*live, Example.score.is_not(None)).group_by(bucket)
    )
    unscored = await session.scalar(select(func.count()).where(*live, Example.score.is_(None)))
    return {int(b): int(n) for b, n in rows.all()}, int(unscored or 0)


async def count_by(session: AsyncSession, dataset_id: uuid.UUID, column: Any) -> dict[str, int]:
    """Current examples grouped by ``column``."""
    rows = await session.execute(
        select(column, func.count())
        .where(Example.dataset_id == dataset_id, Example.removed_in.is_(None))
        .group_by(column)
    )
    return {str(value): int(count) for value, count in rows.all()}


async def compare_versions(
    session: AsyncSession, dataset_id: uuid.UUID, old: int, new: int, limit: int
) -> dict[str, tuple[int, list[str]]]:
    """Item keys added, removed and changed (another row) from version ``old`` to ``new``: count, keys."""
    a, b = aliased(Example), aliased(Example)
    in_old = (a.dataset_id == dataset_id) & live_at(old, a)
    in_new = (b.dataset_id == dataset_id) & live_at(new, b)
    queries = {
        "added": select(b.item_key).where(
            in_new, ~select(a.id).where(in_old, a.item_key == b.item_key).exists()
        ),
        "removed": select(a.item_key).where(
            in_old, ~select(b.id).where(in_new, b.item_key == a.item_key).exists()
        ),
        "changed": select(b.item_key).join(a, a.item_key == b.item_key).where(in_old, in_new, a.id != b.id),
    }
    result: dict[str, tuple[int, list[str]]] = {}
    for name, query in queries.items():
        count = await session.scalar(select(func.count()).select_from(query.subquery()))
        keys = await session.scalars(query.order_by(query.selected_columns[0]).limit(limit))
        result[name] = (int(count or 0), list(keys))
    return result
