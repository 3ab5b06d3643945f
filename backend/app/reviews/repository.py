"""The SQL of the review queue: rows still to review, decisions, and the decisions on current rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, select

from app.kit.repository import Repository
from app.models import Example, ReviewDecision, ReviewStatus, User


class CurrentDecision(NamedTuple):
    """A decision on a row of the current version, with its reviewer's email and the row."""

    decision: ReviewDecision
    email: str
    example: Example


class ReviewRepository(Repository[ReviewDecision]):
    """Decisions of reviewers on the rows of datasets."""

    model = ReviewDecision

    def _undecided(self, dataset_id: uuid.UUID, reviewer_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
        mine = (
            select(ReviewDecision.id)
            .where(
                ReviewDecision.dataset_id == dataset_id,
                ReviewDecision.reviewer_id == reviewer_id,
                ReviewDecision.example_id == Example.id,
            )
            .exists()
        )
        return (Example.dataset_id == dataset_id, Example.removed_in.is_(None), ~mine)

    async def next_undecided(
        self,
        dataset_id: uuid.UUID,
        reviewer_id: uuid.UUID,
        after: int | None,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> Example | None:
        """The first current row in dataset order (after position ``after``, matching ``where``) the
        reviewer has not decided."""
        query = select(Example).where(*self._undecided(dataset_id, reviewer_id), *where)
        if after is not None:
            query = query.where(Example.position > after)
        return await self.session.scalar(query.order_by(Example.position, Example.id).limit(1))

    async def count_undecided(
        self, dataset_id: uuid.UUID, reviewer_id: uuid.UUID, where: Sequence[ColumnElement[bool]] = ()
    ) -> int:
        """How many current rows (matching ``where``) the reviewer has not decided."""
        query = (
            select(func.count()).select_from(Example).where(*self._undecided(dataset_id, reviewer_id), *where)
        )
        return int(await self.session.scalar(query) or 0)

    async def for_row(
        self, dataset_id: uuid.UUID, item_key: str, reviewer_id: uuid.UUID
    ) -> ReviewDecision | None:
        """The reviewer's decision on the row with ``item_key``, of any version."""
        return await self.one_or_none(
            self.statement().where(
                ReviewDecision.dataset_id == dataset_id,
                ReviewDecision.item_key == item_key,
                ReviewDecision.reviewer_id == reviewer_id,
            )
        )

    async def on_current_rows(
        self, dataset_id: uuid.UUID, *, unapplied: bool = False
    ) -> list[CurrentDecision]:
        """Decisions on rows of the current version, oldest decision first."""
        query = (
            select(ReviewDecision, User.email, Example)
            .join(Example, and_(Example.id == ReviewDecision.example_id, Example.removed_in.is_(None)))
            .join(User, User.id == ReviewDecision.reviewer_id)
            .where(ReviewDecision.dataset_id == dataset_id, ReviewDecision.status != ReviewStatus.pending)
            .order_by(ReviewDecision.decided_at, ReviewDecision.id)
        )
        if unapplied:
            query = query.where(ReviewDecision.applied_in.is_(None))
        return [CurrentDecision(d, m, e) for d, m, e in await self.session.execute(query)]

    async def current_contents(
        self, dataset_id: uuid.UUID
    ) -> list[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
        """The record and messages of every row of the current version (a classification dataset's labels)."""
        query = select(Example.record, Example.messages).where(
            Example.dataset_id == dataset_id, Example.removed_in.is_(None)
        )
        return [(record, messages) for record, messages in await self.session.execute(query)]


class GoldDecision(NamedTuple):
    """A decision on a row of any version, with the row it was made on and its reviewer's email."""

    decision: ReviewDecision
    example: Example
    email: str


class GoldRepository(Repository[ReviewDecision]):
    """The decisions that make a dataset's gold set: every verdict, on current rows or not."""

    model = ReviewDecision

    async def decisions(self, dataset_id: uuid.UUID) -> list[GoldDecision]:
        """Every accepted, rejected or edited decision of the dataset with its row, oldest decision first."""
        query = (
            select(ReviewDecision, Example, User.email)
            .join(Example, Example.id == ReviewDecision.example_id)
            .join(User, User.id == ReviewDecision.reviewer_id)
            .where(ReviewDecision.dataset_id == dataset_id, ReviewDecision.status != ReviewStatus.pending)
            .order_by(ReviewDecision.decided_at, ReviewDecision.id)
        )
        return [GoldDecision(d, e, m) for d, e, m in await self.session.execute(query)]

    async def examples(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Example]:
        """The rows with these ids (of any version), by id."""
        if not ids:
            return {}
        found = await self.session.scalars(select(Example).where(Example.id.in_(ids)))
        return {e.id: e for e in found}
