"""SQL for reading a version's examples in dataset order, fast on versions of millions of rows.

The rows of version N are those never removed (``removed_in`` null) with ``added_in <= N``, plus those
removed in a later version. The first part is read from ``ix_examples_dataset_order`` (partial on
``removed_in IS NULL``) already in (position, id) order: a page at any depth is an index walk, never a
sort of the version. The second part exists only when an older version is read or a quality job is
writing the next one; it is read from ``ix_examples_dataset_removed`` and merged in order.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Exists, Row, Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.models import Example

Key = tuple[int, uuid.UUID]
# What a list shows of an example (decoding record, scores and provenance would be most of a page's cost),
# read as plain rows whose attributes are these columns' names.
LISTED = (
    Example.id,
    Example.dataset_id,
    Example.item_key,
    Example.position,
    Example.added_in,
    Example.removed_in,
    Example.status,
    Example.stage,
    Example.messages,
    Example.score,
    Example.cluster,
    Example.created_at,
)
ListedExample = Row[Any]
# Rows a search walks in dataset order before it asks the trigram index (see _searched_near_the_start).
SEARCH_WINDOW = 4_000
REMOVED_LATER = "removed_later"  # a column of the page query: not a column of the example


@dataclass(frozen=True, slots=True)
class ExampleFilter:
    """Filters of the example list."""

    score_min: float | None = None
    score_max: float | None = None
    stage: str | None = None
    status: str | None = None
    cluster: str | None = None
    q: str | None = None

    @property
    def is_set(self) -> bool:
        """Whether any filter is set (an empty search counts as none)."""
        values = (self.score_min, self.score_max, self.stage, self.status, self.cluster)
        return any(v is not None for v in values) or bool(self.q)


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (``\\`` is the escape character)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def searchable(text: str) -> str:
    """Text as the example search stores and matches it: case-folded (``str.casefold``).

    Folded once when a row is written, the search is a plain LIKE: a third of ILIKE's cost a row on
    PostgreSQL, and the same match on SQLite (whose ILIKE folds ASCII letters only) and for every
    script (``STRASSE`` finds ``Straße``).
    """
    return text.casefold()


def contains(column: ColumnElement[str] | InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    """``column`` (text made :func:`searchable`) holds ``text`` anywhere, ignoring case."""
    return column.like(like_pattern(searchable(text)), escape="\\")


def _matching(
    dataset_id: uuid.UUID, version: int, where: ExampleFilter, after: Key | None
) -> Select[int, uuid.UUID]:
    query = select(Example.position, Example.id).where(
        Example.dataset_id == dataset_id, Example.added_in <= version
    )
    if where.score_min is not None:
        query = query.where(Example.score >= where.score_min)
    if where.score_max is not None:
        query = query.where(Example.score <= where.score_max)
    for column, value in ((Example.stage, where.stage), (Example.status, where.status)):
        if value is not None:
            query = query.where(column == value)
    if where.cluster is not None:
        query = query.where(Example.cluster == where.cluster)
    if where.q:
        # A trigram index answers this on PostgreSQL; SQLite reads the rows.
        query = query.where(contains(Example.search_text, where.q))
    if after is not None:
        query = query.where(tuple_(Example.position, Example.id) > tuple_(*after))
    return query


def _parts(
    dataset_id: uuid.UUID, version: int, where: ExampleFilter, after: Key | None
) -> tuple[Select[int, uuid.UUID], Select[int, uuid.UUID]]:
    """The matching rows of ``version`` never removed, and those removed in a later version."""
    query = _matching(dataset_id, version, where, after)
    return query.where(Example.removed_in.is_(None)), query.where(Example.removed_in > version)


async def _keys(session: AsyncSession, part: Select[int, uuid.UUID], offset: int, limit: int) -> list[Key]:
    ordered = part.order_by(Example.position, Example.id).offset(offset).limit(limit)
    return [(position, id_) for position, id_ in (await session.execute(ordered)).all()]


async def example_key(session: AsyncSession, dataset_id: uuid.UUID, example_id: uuid.UUID) -> Key | None:
    """(position, id) of an example of the dataset (any version), without reading its columns."""
    query = select(Example.position, Example.id).where(
        Example.id == example_id, Example.dataset_id == dataset_id
    )
    found = (await session.execute(query)).first()
    return None if found is None else (found.position, found.id)


def _removed_after(dataset_id: uuid.UUID, version: int) -> Exists:
    return select(Example.id).where(Example.dataset_id == dataset_id, Example.removed_in > version).exists()


async def removed_later(session: AsyncSession, dataset_id: uuid.UUID, version: int) -> bool:
    """Whether some rows of ``version`` were removed in a later version."""
    return bool(await session.scalar(select(_removed_after(dataset_id, version))))


async def page_keys(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    version: int,
    where: ExampleFilter,
    *,
    after: Key | None = None,
    offset: int = 0,
    limit: int,
) -> list[Key]:
    """(position, id) of one page of a version's matching examples in dataset order, after ``after``."""
    kept, later = _parts(dataset_id, version, where, after)
    if not await removed_later(session, dataset_id, version):
        return await _keys(session, kept, offset, limit)
    return await _merged_keys(session, kept, later, offset, limit)


async def _merged_keys(
    session: AsyncSession,
    kept: Select[int, uuid.UUID],
    later: Select[int, uuid.UUID],
    offset: int,
    limit: int,
) -> list[Key]:
    both = heapq.merge(
        await _keys(session, kept, 0, offset + limit), await _keys(session, later, 0, offset + limit)
    )
    return list(itertools.islice(both, offset, offset + limit))


async def page_examples(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    version: int,
    where: ExampleFilter,
    *,
    after: Key | None = None,
    offset: int = 0,
    limit: int,
) -> list[ListedExample]:
    """One page of a version's matching examples in dataset order, with the listed columns only.

    Plain rows, not ORM objects: no identity map and no instance state for rows that are only shown.
    """
    kept, later = _parts(dataset_id, version, where, after)
    rows = await _searched_near_the_start(session, dataset_id, version, where, after, offset, limit)
    if rows is None:
        # The common case in one statement: the page's keys from the index, then their rows.
        rows = await _listed_page(
            session, dataset_id, version, kept.order_by(Example.position, Example.id), offset, limit
        )
    # Each row says whether rows removed after ``version`` exist: then the page merges both parts.
    merge = rows[0]._mapping[REMOVED_LATER] if rows else await removed_later(session, dataset_id, version)
    if not merge:
        return rows
    keys = await _merged_keys(session, kept, later, offset, limit)
    return await listed_examples(session, [id_ for _, id_ in keys])


async def _listed_page(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    version: int,
    ordered: Select[int, uuid.UUID],
    offset: int,
    limit: int,
) -> list[ListedExample]:
    """The listed columns of the rows of ``ordered`` (position, id) on one page, in its order."""
    page = ordered.offset(offset).limit(limit).subquery()
    query = (
        select(*LISTED, _removed_after(dataset_id, version).label(REMOVED_LATER))
        .join(page, page.c.id == Example.id)
        .order_by(page.c.position, page.c.id)
    )
    return list((await session.execute(query)).all())


async def _searched_near_the_start(
    session: AsyncSession,
    dataset_id: uuid.UUID,
    version: int,
    where: ExampleFilter,
    after: Key | None,
    offset: int,
    limit: int,
) -> list[ListedExample] | None:
    """A search page found among the first ``SEARCH_WINDOW`` rows (dataset order) that pass the other
    filters; None when those hold too few matches to tell (the search then asks the trigram index).

    PostgreSQL picks between walking the rows in order and the trigram index from its guess of how
    many rows match, and guesses far too few for most phrases (for texts over 1 KB it has no sample at
    all): a phrase in 1 row of 60 took 207 ms through the index (all 16,667 matches of 1,000,000 read
    and sorted) and 22 ms walking the first 3,628 rows. Rare text (an order number) is not in the
    window and still gets the index, after this walk of at most ``SEARCH_WINDOW`` rows.
    """
    if not where.q:
        return None
    others = _matching(dataset_id, version, replace(where, q=None), after).where(Example.removed_in.is_(None))
    ordered = others.order_by(Example.position, Example.id)
    window = ordered.add_columns(Example.search_text).limit(SEARCH_WINDOW).subquery()
    found = (
        select(window.c.position, window.c.id)
        .where(contains(window.c.search_text, where.q))
        .order_by(window.c.position, window.c.id)
    )
    rows = await _listed_page(session, dataset_id, version, found, offset, limit)
    if len(rows) == limit:
        return rows
    # Fewer than a page: the end of the matches when the window held every row, else unknown.
    beyond = await session.scalar(ordered.offset(SEARCH_WINDOW).limit(1))
    return rows if beyond is None else None


async def count_examples(
    session: AsyncSession, dataset_id: uuid.UUID, version: int, where: ExampleFilter
) -> int:
    """How many examples of a version match (reads every match: slow on big versions)."""
    total = 0
    for part in _parts(dataset_id, version, where, None):
        total += int(await session.scalar(select(func.count()).select_from(part.subquery())) or 0)
    return total


async def listed_examples(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[ListedExample]:
    """The listed columns of examples by id, in the order of ``ids``."""
    rows = {row.id: row for row in await session.execute(select(*LISTED).where(Example.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


async def iter_examples(
    session: AsyncSession, dataset_id: uuid.UUID, version: int, batch: int = 500
) -> AsyncIterator[list[Example]]:
    """A version's examples in dataset order, in batches (keyset pagination: the time per batch and the
    memory stay flat however big the version is)."""
    after: Key | None = None
    while keys := await page_keys(session, dataset_id, version, ExampleFilter(), after=after, limit=batch):
        ids = [id_ for _, id_ in keys]
        found = {row.id: row for row in await session.scalars(select(Example).where(Example.id.in_(ids)))}
        rows = [found[i] for i in ids if i in found]
        # Batches are read once; dropping them from the session keeps memory flat on big datasets.
        for row in rows:
            session.expunge(row)
        if rows:
            yield rows
        after = keys[-1]
