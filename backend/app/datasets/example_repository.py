"""SQL for a dataset's examples: a version read in dataset order (fast on millions of rows), and row writes.

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

from sqlalchemy import ColumnElement, Exists, Row, Select, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncResult
from sqlalchemy.orm import InstrumentedAttribute

from app.kit.repository import Repository
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


def _removed_after(dataset_id: uuid.UUID, version: int) -> Exists:
    return select(Example.id).where(Example.dataset_id == dataset_id, Example.removed_in > version).exists()


def live_at(version: int, row: Any = Example) -> ColumnElement[bool]:
    """Rows (of ``Example`` or an alias of it) that are part of ``version``."""
    condition: ColumnElement[bool] = (row.added_in <= version) & or_(
        row.removed_in.is_(None), row.removed_in > version
    )
    return condition


class ExampleRepository(Repository[Example]):
    """The examples of a dataset's versions: pages in dataset order, counts, and row writes."""

    model = Example

    async def _keys(self, part: Select[int, uuid.UUID], offset: int, limit: int) -> list[Key]:
        ordered = part.order_by(Example.position, Example.id).offset(offset).limit(limit)
        return [(position, id_) for position, id_ in (await self.session.execute(ordered)).all()]

    async def example_key(self, dataset_id: uuid.UUID, example_id: uuid.UUID) -> Key | None:
        """(position, id) of an example of the dataset (any version), without reading its columns."""
        query = select(Example.position, Example.id).where(
            Example.id == example_id, Example.dataset_id == dataset_id
        )
        found = (await self.session.execute(query)).first()
        return None if found is None else (found.position, found.id)

    async def removed_later(self, dataset_id: uuid.UUID, version: int) -> bool:
        """Whether some rows of ``version`` were removed in a later version."""
        return bool(await self.session.scalar(select(_removed_after(dataset_id, version))))

    async def page_keys(
        self,
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
        if not await self.removed_later(dataset_id, version):
            return await self._keys(kept, offset, limit)
        return await self._merged_keys(kept, later, offset, limit)

    async def _merged_keys(
        self,
        kept: Select[int, uuid.UUID],
        later: Select[int, uuid.UUID],
        offset: int,
        limit: int,
    ) -> list[Key]:
        both = heapq.merge(
            await self._keys(kept, 0, offset + limit), await self._keys(later, 0, offset + limit)
        )
        return list(itertools.islice(both, offset, offset + limit))

    async def page_examples(
        self,
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
        rows = await self._searched_near_the_start(dataset_id, version, where, after, offset, limit)
        if rows is None:
            # The common case in one statement: the page's keys from the index, then their rows.
            rows = await self._listed_page(
                dataset_id, version, kept.order_by(Example.position, Example.id), offset, limit
            )
        # Each row says whether rows removed after ``version`` exist: then the page merges both parts.
        merge = rows[0]._mapping[REMOVED_LATER] if rows else await self.removed_later(dataset_id, version)
        if not merge:
            return rows
        keys = await self._merged_keys(kept, later, offset, limit)
        return await self.listed_examples([id_ for _, id_ in keys])

    async def _listed_page(
        self,
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
        return list((await self.session.execute(query)).all())

    async def _searched_near_the_start(
        self,
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
        others = _matching(dataset_id, version, replace(where, q=None), after).where(
            Example.removed_in.is_(None)
        )
        ordered = others.order_by(Example.position, Example.id)
        window = ordered.add_columns(Example.search_text).limit(SEARCH_WINDOW).subquery()
        found = (
            select(window.c.position, window.c.id)
            .where(contains(window.c.search_text, where.q))
            .order_by(window.c.position, window.c.id)
        )
        rows = await self._listed_page(dataset_id, version, found, offset, limit)
        if len(rows) == limit:
            return rows
        # Fewer than a page: the end of the matches when the window held every row, else unknown.
        beyond = await self.session.scalar(ordered.offset(SEARCH_WINDOW).limit(1))
        return rows if beyond is None else None

    async def count_examples(self, dataset_id: uuid.UUID, version: int, where: ExampleFilter) -> int:
        """How many examples of a version match (reads every match: slow on big versions)."""
        total = 0
        for part in _parts(dataset_id, version, where, None):
            total += int(await self.session.scalar(select(func.count()).select_from(part.subquery())) or 0)
        return total

    async def listed_examples(self, ids: Sequence[uuid.UUID]) -> list[ListedExample]:
        """The listed columns of examples by id, in the order of ``ids``."""
        rows = {row.id: row for row in await self.session.execute(select(*LISTED).where(Example.id.in_(ids)))}
        return [rows[i] for i in ids if i in rows]

    async def iter_examples(
        self, dataset_id: uuid.UUID, version: int, batch: int = 500
    ) -> AsyncIterator[list[Example]]:
        """A version's examples in dataset order, in batches (keyset pagination: the time per batch and the
        memory stay flat however big the version is)."""
        after: Key | None = None
        while keys := await self.page_keys(dataset_id, version, ExampleFilter(), after=after, limit=batch):
            ids = [id_ for _, id_ in keys]
            found = {
                row.id: row for row in await self.session.scalars(select(Example).where(Example.id.in_(ids)))
            }
            rows = [found[i] for i in ids if i in found]
            # Batches are read once; dropping them from the session keeps memory flat on big datasets.
            for row in rows:
                self.session.expunge(row)
            if rows:
                yield rows
            after = keys[-1]

    async def get_in_dataset(self, dataset_id: uuid.UUID, example_id: uuid.UUID) -> Example | None:
        """One example row of a dataset (any version)."""
        return await self.one_or_none(
            self.statement().where(Example.id == example_id, Example.dataset_id == dataset_id)
        )

    async def add_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert many examples in one flush."""
        await self.create_many(Example(**row) for row in rows)

    async def close(self, dataset_id: uuid.UUID, ids: Sequence[uuid.UUID], version: int) -> int:
        """Mark current rows as removed in ``version``; returns how many were current."""
        result = await self.session.execute(
            update(Example)
            .where(Example.dataset_id == dataset_id, Example.id.in_(ids), Example.removed_in.is_(None))
            .values(removed_in=version)
            .returning(Example.id)
        )
        return len(result.all())

    async def close_scored_below(self, dataset_id: uuid.UUID, min_score: float, version: int) -> int:
        """Mark current rows whose judge score is below ``min_score`` as removed in ``version`` (rows with
        no score stay); returns how many."""
        return await self.update_where(
            Example.dataset_id == dataset_id,
            Example.removed_in.is_(None),
            Example.score < min_score,
            removed_in=version,
        )

    async def count_in_version(self, dataset_id: uuid.UUID, version: int) -> int:
        """How many rows ``version`` of the dataset has."""
        return await self.count(self.statement().where(Example.dataset_id == dataset_id, live_at(version)))

    async def stream_training_rows(
        self, dataset_id: uuid.UUID, version: int
    ) -> AsyncResult[str, list[dict[str, Any]], dict[str, Any] | None, dict[str, Any]]:
        """Key, messages, record and provenance of a version's rows in dataset order, streamed."""
        return await self.session.stream(
            select(Example.item_key, Example.messages, Example.record, Example.provenance)
            .where(Example.dataset_id == dataset_id, live_at(version))
            .order_by(Example.position)
        )

    async def dedup_candidates(
        self, dataset_id: uuid.UUID, version: int
    ) -> Sequence[Row[uuid.UUID, str, float | None, int]]:
        """Id, search text, score and position of a version's rows in dataset order."""
        query = (
            select(Example.id, Example.search_text, Example.score, Example.position)
            .where(Example.dataset_id == dataset_id, live_at(version))
            .order_by(Example.position)
        )
        return (await self.session.execute(query)).all()

    async def label_clusters(
        self, dataset_id: uuid.UUID, clusters: Sequence[tuple[str, list[uuid.UUID]]]
    ) -> None:
        """Replace every duplicate-cluster label of the dataset's rows with ``clusters`` (label, ids)."""
        await self.update_where(Example.dataset_id == dataset_id, cluster=None)
        for label, ids in clusters:
            await self.update_where(Example.id.in_(ids), cluster=label)

    async def clustered(
        self, dataset_id: uuid.UUID, version: int
    ) -> Sequence[Row[str | None, uuid.UUID, float | None, int]]:
        """Cluster, id, score and position of a version's labelled rows, the best-scored first per cluster."""
        query = (
            select(Example.cluster, Example.id, Example.score, Example.position)
            .where(Example.dataset_id == dataset_id, Example.cluster.is_not(None), live_at(version))
            .order_by(Example.cluster, Example.score.desc().nulls_last(), Example.position)
        )
        return (await self.session.execute(query)).all()
