"""Browsing a version's examples: pages in dataset order, filters, search, and keyset paging.

Built to stay fast on versions of millions of examples: a page is a walk of an index in dataset order
(never a sort of the whole version), the total of an unfiltered list is the count the dataset keeps,
and a filtered list is not counted to its end; it says whether more matches follow (``total_exact``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.datasets.example_repository import ExampleFilter, ExampleRepository, ListedExample
from app.datasets.repository import DatasetVersionRepository
from app.kit.pagination import Pagination
from app.models import Dataset


@dataclass(frozen=True, slots=True)
class ExampleList:
    """One page of examples and the size of the list (a lower bound when ``exact`` is False)."""

    rows: list[ListedExample]
    total: int
    exact: bool


async def list_examples(
    session: AsyncSession,
    dataset: Dataset,
    version: int,
    where: ExampleFilter,
    pagination: Pagination,
    after: uuid.UUID | None = None,
) -> ExampleList:
    """A page of ``version``'s matching examples in dataset order, starting after example ``after``.

    Raises:
        NotFound: ``after`` is not an example of this dataset.
    """
    anchor = await _anchor(session, dataset.id, after)
    offset, limit = pagination.offset, pagination.page_size
    if not where.is_set:
        rows = await _page(session, dataset.id, version, where, anchor, offset, limit)
        return ExampleList(rows, await _size(session, dataset, version), True)
    # One row more than the page tells whether more matches follow, without counting them all.
    rows = await _page(session, dataset.id, version, where, anchor, offset, limit + 1)
    if len(rows) > limit:
        return ExampleList(rows[:limit], offset + limit + 1, False)
    if anchor is not None:
        return ExampleList(rows, offset + len(rows), False)  # matches before the anchor are not counted
    if rows or offset == 0:
        return ExampleList(rows, offset + len(rows), True)
    # A page past the end: count, so the client can go back to the last page.
    count = await ExampleRepository(session).count_examples(dataset.id, version, where)
    return ExampleList(rows, count, True)


async def _page(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    version: int,
    where: ExampleFilter,
    anchor: tuple[int, uuid.UUID] | None,
    offset: int,
    limit: int,
) -> list[ListedExample]:
    return await ExampleRepository(session).page_examples(
        dataset_id, version, where, after=anchor, offset=offset, limit=limit
    )


async def _anchor(
    session: AsyncSession, dataset_id: uuid.UUID, after: uuid.UUID | None
) -> tuple[int, uuid.UUID] | None:
    if after is None:
        return None
    anchor = await ExampleRepository(session).example_key(dataset_id, after)
    if anchor is None:
        raise NotFound(f"no example {after} in dataset {dataset_id}")
    return anchor


async def _size(session: AsyncSession, dataset: Dataset, version: int) -> int:
    """Examples in ``version``: the counts the dataset keeps, counted only where none was kept."""
    if version == dataset.version:
        return dataset.example_count
    record = await DatasetVersionRepository(session).get_version(dataset.id, version)
    if record is not None:
        return record.example_count
    return await ExampleRepository(session).count_examples(dataset.id, version, ExampleFilter())
