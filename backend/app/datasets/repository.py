"""SQL for datasets and their versions (a version's examples: ``example_repository``).

An example row is live in version N when ``added_in <= N`` and it was not removed by N; the current
version's rows are simply those with ``removed_in`` null.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, case, cast, func, null, or_, select, update
from sqlalchemy.orm import aliased

# The live-rows filter is defined with the example queries; ``app.jobs`` reads it from here too.
from app.datasets.example_repository import ExampleRepository, like_pattern, live_at
from app.kit.pagination import Pagination
from app.kit.repository import AnySelect, Repository
from app.models import Dataset, DatasetStatus, DatasetVersion, Example
from app.models.base import utcnow

__all__ = ["DatasetRepository", "DatasetVersionRepository"]

SORT_COLUMNS = {
    "created_at": Dataset.created_at,
    "name": Dataset.name,
    "example_count": Dataset.example_count,
}


class DatasetRepository(Repository[Dataset]):
    """Datasets, their version counter, and the statistics of their current rows."""

    model = Dataset

    async def page_filtered(
        self,
        *,
        data_type: str | None,
        domain: str | None,
        search: str | None,
        sort: str,
        descending: bool,
        pagination: Pagination,
    ) -> tuple[list[Dataset], int]:
        """One page of datasets and the total."""
        query = self.statement().where(Dataset.status != DatasetStatus.preview)
        if data_type is not None:
            query = query.where(Dataset.data_type == data_type)
        if domain is not None:
            query = query.where(Dataset.domain == domain)
        if search:
            pattern = like_pattern(search)
            query = query.where(
                or_(Dataset.name.ilike(pattern, escape="\\"), Dataset.description.ilike(pattern, escape="\\"))
            )
        column = SORT_COLUMNS[sort]
        order = (column.desc(), Dataset.id.desc()) if descending else (column.asc(), Dataset.id.asc())
        return await self.paginate(query, pagination, order_by=order)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[Dataset]:
        """Datasets by id (missing ones are left out)."""
        return await self.list(Dataset.id.in_(ids))

    async def delete_with_rows(self, dataset_id: uuid.UUID) -> None:
        """Delete a dataset; its versions and examples go with it."""
        # Explicit deletes: SQLite only cascades when foreign keys are on, and bulk deletes skip the ORM.
        await ExampleRepository(self.session).delete_where(Example.dataset_id == dataset_id)
        await DatasetVersionRepository(self.session).delete_where(DatasetVersion.dataset_id == dataset_id)
        await self.delete_where(Dataset.id == dataset_id)

    async def bump_version(self, dataset_id: uuid.UUID) -> int:
        """Increment the dataset's version atomically and return the new number.

        The UPDATE takes the row's write lock, so concurrent edits of one dataset get distinct versions.
        """
        result = await self.session.execute(
            update(Dataset)
            .where(Dataset.id == dataset_id)
            .values(version=Dataset.version + 1, updated_at=utcnow())
            .returning(Dataset.version)
        )
        return int(result.scalar_one())

    async def set_example_count(self, dataset_id: uuid.UUID) -> int:
        """Recount the current version's examples into the dataset row; returns the count."""
        count = await self.count_live(dataset_id)
        await self.update_where(Dataset.id == dataset_id, example_count=count)
        return count

    async def count_live(self, dataset_id: uuid.UUID) -> int:
        """Examples in the current version."""
        query = select(func.count()).where(Example.dataset_id == dataset_id, Example.removed_in.is_(None))
        return int(await self.session.scalar(query) or 0)

    async def score_histogram(self, dataset_id: uuid.UUID) -> tuple[dict[int, int], int]:
        """Current examples per score bucket 0..9 (scores clamped to 0-10) and how many have no score."""
        bucket = case(
            (Example.score >= 9, 9), (Example.score < 0, 0), else_=cast(Example.score, Integer)
        ).label("bucket")
        live = (Example.dataset_id == dataset_id, Example.removed_in.is_(None))
        rows = await self.session.execute(
            select(bucket, func.count()).where(*live, Example.score.is_not(None)).group_by(bucket)
        )
        unscored = await self.session.scalar(select(func.count()).where(*live, Example.score.is_(None)))
        return {int(b): int(n) for b, n in rows.all()}, int(unscored or 0)

    async def count_by(self, dataset_id: uuid.UUID, column: Any) -> dict[str, int]:
        """Current examples grouped by ``column``."""
        rows = await self.session.execute(
            select(column, func.count())
            .where(Example.dataset_id == dataset_id, Example.removed_in.is_(None))
            .group_by(column)
        )
        return {str(value): int(count) for value, count in rows.all()}

    async def score_counts(self, dataset_id: uuid.UUID) -> tuple[int, list[tuple[float, int]]]:
        """Current examples, and how many of them have each judge score, lowest first (no score: left out).

        Grouped by the exact score, so a count at a threshold is what ``score < threshold`` removes.
        """
        live = (Example.dataset_id == dataset_id, Example.removed_in.is_(None))
        total = await self.session.scalar(select(func.count()).where(*live))
        rows = await self.session.execute(
            select(Example.score, func.count())
            .where(*live, Example.score.is_not(None))
            .group_by(Example.score)
            .order_by(Example.score)
        )
        return int(total or 0), [(float(score), int(n)) for score, n in rows.all() if score is not None]

    async def compare_versions(
        self, dataset_id: uuid.UUID, old: int, new: int, limit: int
    ) -> dict[str, tuple[int, list[str]]]:
        """Item keys added, removed and changed (another row) from version ``old`` to ``new``: count, keys."""
        result: dict[str, tuple[int, list[str]]] = {}
        for name, query in _version_diff(dataset_id, old, new, text=False).items():
            count = await self.count(query)
            result[name] = (count, await self.all(query.order_by(query.selected_columns[0]).limit(limit)))
        return result

    async def version_rows(
        self, dataset_id: uuid.UUID, old: int, new: int, kind: str, offset: int, limit: int
    ) -> tuple[int, list[tuple[str, Any, Any]]]:
        """One page of the rows of one change ``kind`` in item-key order, with the messages before and
        after (None where the row is not in that version), and the total of that kind."""
        total = await self.count(_version_diff(dataset_id, old, new, text=False)[kind])
        query = _version_diff(dataset_id, old, new, text=True)[kind]
        page = query.order_by(query.selected_columns[0]).offset(offset).limit(limit)
        rows = (await self.session.execute(page)).all()
        return total, [(str(key), before, after) for key, before, after in rows]


def _version_diff(dataset_id: uuid.UUID, old: int, new: int, *, text: bool) -> dict[str, AnySelect]:
    """The rows added, removed and changed from ``old`` to ``new``: item keys, and with ``text`` the
    messages before and after too."""
    a, b = aliased(Example), aliased(Example)
    in_old = (a.dataset_id == dataset_id) & live_at(old, a)
    in_new = (b.dataset_id == dataset_id) & live_at(new, b)
    added = (b.item_key, null(), b.messages) if text else (b.item_key,)
    removed = (a.item_key, a.messages, null()) if text else (a.item_key,)
    changed = (b.item_key, a.messages, b.messages) if text else (b.item_key,)
    return {
        "added": select(*added).where(in_new, ~select(a.id).where(in_old, a.item_key == b.item_key).exists()),
        "removed": select(*removed).where(
            in_old, ~select(b.id).where(in_new, b.item_key == a.item_key).exists()
        ),
        "changed": select(*changed).join(a, a.item_key == b.item_key).where(in_old, in_new, a.id != b.id),
    }


class DatasetVersionRepository(Repository[DatasetVersion]):
    """Why each version of a dataset exists, keyed by (dataset id, number)."""

    model = DatasetVersion

    async def add_version(
        self, dataset_id: uuid.UUID, number: int, reason: str, example_count: int
    ) -> DatasetVersion:
        """Record why version ``number`` exists."""
        version = DatasetVersion(
            dataset_id=dataset_id,
            number=number,
            reason=reason,
            example_count=example_count,
            created_at=utcnow(),
        )
        return await self.create(version)

    async def get_version(self, dataset_id: uuid.UUID, number: int) -> DatasetVersion | None:
        """One version record."""
        return await self.get((dataset_id, number))

    async def page_newest(
        self, dataset_id: uuid.UUID, pagination: Pagination
    ) -> tuple[list[DatasetVersion], int]:
        """Newest version first, with the total."""
        query = self.statement().where(DatasetVersion.dataset_id == dataset_id)
        return await self.paginate(query, pagination, order_by=[DatasetVersion.number.desc()])
