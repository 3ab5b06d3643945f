"""The SQL of review assignments: who reviews which score range of a dataset, and how far they are."""

from __future__ import annotations

import uuid
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, select

from app.kit.repository import Repository
from app.models import Example, ReviewAssignment, ReviewDecision, User


class AssignmentCounts(NamedTuple):
    """An assignment with its reviewer's email, its current rows and how many of them the reviewer decided."""

    assignment: ReviewAssignment
    email: str
    rows: int
    decided: int


def in_range(score_min: float | None, score_max: float | None) -> list[ColumnElement[bool]]:
    """The rows whose judge score is within the bounds that are set (none set: every row)."""
    where: list[ColumnElement[bool]] = []
    if score_min is not None:
        where.append(Example.score >= score_min)
    if score_max is not None:
        where.append(Example.score <= score_max)
    return where


class AssignmentRepository(Repository[ReviewAssignment]):
    """Reviewers' shares of datasets."""

    model = ReviewAssignment

    async def of(self, dataset_id: uuid.UUID, reviewer_id: uuid.UUID) -> ReviewAssignment | None:
        """The reviewer's assignment on the dataset, if any."""
        return await self.one_or_none(
            self.statement().where(
                ReviewAssignment.dataset_id == dataset_id, ReviewAssignment.reviewer_id == reviewer_id
            )
        )

    async def _count(self, dataset_id: uuid.UUID, found: ReviewAssignment, decided: bool) -> int:
        query = select(func.count()).select_from(Example)
        if decided:
            query = query.join(
                ReviewDecision,
                (ReviewDecision.example_id == Example.id) & (ReviewDecision.reviewer_id == found.reviewer_id),
            )
        query = query.where(
            Example.dataset_id == dataset_id,
            Example.removed_in.is_(None),
            *in_range(found.score_min, found.score_max),
        )
        return int(await self.session.scalar(query) or 0)

    async def with_counts(self, dataset_id: uuid.UUID) -> list[AssignmentCounts]:
        """Every assignment of the dataset, by reviewer email, with its rows and decisions counted."""
        query = (
            select(ReviewAssignment, User.email)
            .join(User, User.id == ReviewAssignment.reviewer_id)
            .where(ReviewAssignment.dataset_id == dataset_id)
            .order_by(User.email)
        )
        found = list(await self.session.execute(query))
        return [
            AssignmentCounts(
                a, email, await self._count(dataset_id, a, False), await self._count(dataset_id, a, True)
            )
            for a, email in found
        ]
