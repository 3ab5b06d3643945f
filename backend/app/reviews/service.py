"""The review queue: the next row to review, decisions per row and reviewer, progress, and applying.

Decisions change nothing until they are applied: then every row's latest decision not applied yet
(of any reviewer) takes effect in one new version: rejected rows are removed, edited rows replaced,
accepted rows stay. A decision points at the row it was made on; when that row is no longer current
(edited or removed since), the decision no longer counts and the new row is pending again.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest, Conflict
from app.datasets import editing, service
from app.datasets.example_repository import ExampleRepository
from app.datasets.repository import DatasetRepository
from app.datasets.schemas import ExampleDetail, VersionChange
from app.models import Example, ReviewDecision, ReviewStatus, User
from app.models.base import utcnow
from app.reviews.assignment_repository import AssignmentRepository, in_range
from app.reviews.repository import CurrentDecision, ReviewRepository
from app.reviews.schemas import DecisionUpdate, ReviewApply, ReviewerProgress, ReviewNext, ReviewProgress

CHANGES = (ReviewStatus.rejected, ReviewStatus.edited)


async def next_row(session: AsyncSession, user: User, dataset_id: uuid.UUID, after: int | None) -> ReviewNext:
    """The first current row (after position ``after``, to skip rows) the user has not decided on,
    among the rows assigned to them when they have an assignment."""
    dataset = await service.get(session, dataset_id)
    reviews = ReviewRepository(session)
    assigned = await AssignmentRepository(session).of(dataset.id, user.id)
    where = in_range(assigned.score_min, assigned.score_max) if assigned else []
    example = await reviews.next_undecided(dataset.id, user.id, after, where)
    return ReviewNext(
        version=dataset.version,
        assigned=assigned is not None,
        pending=await reviews.count_undecided(dataset.id, user.id, where),
        example=ExampleDetail.model_validate(example) if example else None,
    )


async def _current(session: AsyncSession, dataset_id: uuid.UUID, example_id: uuid.UUID) -> Example:
    example = await editing.get_example(session, dataset_id, example_id)
    if example.removed_in is not None:
        raise Conflict(
            f"example {example_id} was replaced or removed in version {example.removed_in}; reload"
        )
    return example


async def take_back(session: AsyncSession, user: User, dataset_id: uuid.UUID, example_id: uuid.UUID) -> None:
    """Delete the user's decision on a row, so the row is pending for them again."""
    example = await editing.get_example(session, dataset_id, example_id)
    reviews = ReviewRepository(session)
    found = await reviews.for_row(dataset_id, example.item_key, user.id)
    if found is not None:
        await reviews.delete(found)


async def decide(
    session: AsyncSession, user: User, dataset_id: uuid.UUID, example_id: uuid.UUID, body: DecisionUpdate
) -> ReviewDecision:
    """Record the user's decision on a current row, replacing theirs."""
    dataset = await service.get(session, dataset_id)
    example = await _current(session, dataset.id, example_id)
    if body.status is ReviewStatus.pending:
        raise BadRequest("a decision accepts, rejects or edits; take it back to make the row pending")
    if (body.status is ReviewStatus.edited) != (body.messages is not None):
        raise BadRequest("send messages with an `edited` decision, and only with it")
    reviews = ReviewRepository(session)
    found = await reviews.for_row(dataset.id, example.item_key, user.id)
    values = {
        "example_id": example.id,
        "version": dataset.version,
        "status": body.status,
        "messages": editing.checked_messages(example, body.messages) if body.messages else None,
        "comment": body.comment,
        "rating": body.rating,
        "applied_in": None,
        "decided_at": utcnow(),
    }
    if found is None:
        return await reviews.create(
            ReviewDecision(dataset_id=dataset.id, item_key=example.item_key, reviewer_id=user.id, **values)
        )
    return await reviews.update(found, values)


def _latest(decisions: list[CurrentDecision]) -> dict[str, ReviewDecision]:
    # Oldest first, so a later decision on the same row replaces an earlier one.
    return {found.decision.item_key: found.decision for found in decisions}


async def progress(session: AsyncSession, dataset_id: uuid.UUID) -> ReviewProgress:
    """Rows of the current version by their latest decision, and what each reviewer decided."""
    dataset = await service.get(session, dataset_id)
    decisions = await ReviewRepository(session).on_current_rows(dataset.id)
    rows = _latest(decisions)
    by_status = {status: sum(1 for d in rows.values() if d.status is status) for status in ReviewStatus}
    unapplied = _latest([found for found in decisions if found.decision.applied_in is None])
    reviewers: dict[uuid.UUID, ReviewerProgress] = {}
    for found in decisions:
        mine = reviewers.setdefault(
            found.decision.reviewer_id,
            ReviewerProgress(
                reviewer_id=found.decision.reviewer_id, email=found.email, accepted=0, rejected=0, edited=0
            ),
        )
        setattr(mine, found.decision.status.value, getattr(mine, found.decision.status.value) + 1)
    return ReviewProgress(
        version=dataset.version,
        example_count=dataset.example_count,
        pending=dataset.example_count - len(rows),
        accepted=by_status[ReviewStatus.accepted],
        rejected=by_status[ReviewStatus.rejected],
        edited=by_status[ReviewStatus.edited],
        to_apply=sum(1 for d in unapplied.values() if d.status in CHANGES),
        reviewers=sorted(reviewers.values(), key=lambda r: r.email),
    )


async def _apply_one(session: AsyncSession, decision: ReviewDecision, number: int) -> Example | None:
    """Remove or replace the decision's row in version ``number``; returns the replacement row."""
    rows = ExampleRepository(session)
    await rows.close(decision.dataset_id, [decision.example_id], number)
    if decision.status is not ReviewStatus.edited or decision.messages is None:
        return None
    old = await rows.get(decision.example_id)
    assert old is not None  # the decision's row is current: it was just closed
    return await rows.create(editing.replacement(old, decision.messages, number, decision.reviewer_id))


async def apply(session: AsyncSession, user: User, dataset_id: uuid.UUID, body: ReviewApply) -> VersionChange:
    """Apply the latest decision on every row, not applied yet, as one new version.

    Raises:
        Conflict: The dataset changed since ``body.version``, a job is writing it, or no decision
            removes or changes a row.
    """
    dataset = await service.get_writable(session, user, dataset_id)
    service.ensure_idle(dataset)
    number = await DatasetRepository(session).bump_version(dataset.id)
    # Checked after the bump, which locks the dataset's row: two applies cannot both pass.
    if body.version is not None and number != body.version + 1:
        raise Conflict(f"the dataset is at v{number - 1} now, not v{body.version}; reload the review")
    decisions = await ReviewRepository(session).on_current_rows(dataset.id, unapplied=True)
    latest = _latest(decisions)
    changes = [d for d in latest.values() if d.status in CHANGES]
    if not changes:
        # Raising rolls the version bump back with everything else.
        raise Conflict(f"no decision to reject or edit a row of v{number - 1}; nothing to apply")
    replaced = {d.item_key: await _apply_one(session, d, number) for d in changes}
    reviews = ReviewRepository(session)
    for found in decisions:
        new = replaced.get(found.decision.item_key)
        # An edit's decisions follow the row it made, so the edited row is not pending again.
        moved = {"example_id": new.id} if new is not None else {}
        await reviews.update(found.decision, {"applied_in": number, **moved}, flush=False)
    removed = sum(1 for d in changes if d.status is ReviewStatus.rejected)
    reason = f"review: {removed} rejected row(s) removed, {len(changes) - removed} edited"
    count = await service.finish_version(session, dataset, number, reason)
    return VersionChange(version=number, affected=len(changes), example_count=count)
