"""Assigning a dataset's rows to reviewers: all rows, or those the judge scored in a range.

An assigned reviewer's queue holds only the rows of their assignment; a reviewer without one sees every
row. The owner of the dataset (or an admin) assigns; only editors and admins can be assigned, since
viewers cannot decide.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest, NotFound
from app.datasets import service
from app.models import ReviewAssignment, Role, User
from app.reviews.assignment_repository import AssignmentRepository
from app.reviews.schemas import AssignmentCreate, AssignmentRead
from app.users.repository import UserRepository


async def listed(session: AsyncSession, dataset_id: uuid.UUID) -> list[AssignmentRead]:
    """The dataset's assignments with each reviewer's progress through their rows."""
    dataset = await service.get(session, dataset_id)
    return [
        AssignmentRead(
            reviewer_id=found.assignment.reviewer_id,
            email=found.email,
            score_min=found.assignment.score_min,
            score_max=found.assignment.score_max,
            rows=found.rows,
            decided=found.decided,
        )
        for found in await AssignmentRepository(session).with_counts(dataset.id)
    ]


async def assign(session: AsyncSession, user: User, dataset_id: uuid.UUID, body: AssignmentCreate) -> None:
    """Give a reviewer the rows in a score range (replacing their earlier assignment).

    Raises:
        NotFound: No user has the e-mail.
        BadRequest: The user is a viewer, or the range is empty.
    """
    dataset = await service.get_writable(session, user, dataset_id)
    reviewer = await UserRepository(session).get_by_email(body.email)
    if reviewer is None or not reviewer.is_active:
        raise NotFound(f"no active user {body.email}")
    if reviewer.role is Role.viewer:
        raise BadRequest(f"{reviewer.email} is a viewer and cannot decide on rows; make them an editor first")
    if body.score_min is not None and body.score_max is not None and body.score_min > body.score_max:
        raise BadRequest("score_min is above score_max: the range holds no row")
    repository = AssignmentRepository(session)
    values = {"score_min": body.score_min, "score_max": body.score_max, "assigned_by": user.id}
    found = await repository.of(dataset.id, reviewer.id)
    if found is None:
        await repository.create(ReviewAssignment(dataset_id=dataset.id, reviewer_id=reviewer.id, **values))
    else:
        await repository.update(found, values)


async def unassign(session: AsyncSession, user: User, dataset_id: uuid.UUID, reviewer_id: uuid.UUID) -> None:
    """End a reviewer's assignment: their queue holds every row again. Their decisions stay."""
    dataset = await service.get_writable(session, user, dataset_id)
    repository = AssignmentRepository(session)
    found = await repository.of(dataset.id, reviewer_id)
    if found is not None:
        await repository.delete(found)
