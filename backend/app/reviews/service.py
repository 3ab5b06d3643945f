"""The review queue: the next row to review, decisions per row and reviewer, progress, and applying.

Decisions change nothing until they are applied: then every row's latest decision not applied yet
(of any reviewer) takes effect in one new version: rejected rows are removed, edited rows replaced,
accepted rows stay. A decision points at the row it was made on; when that row is no longer current
(edited or removed since), the decision no longer counts and the new row is pending again.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest, Conflict, UnprocessableContent
from app.datasets import editing, service
from app.datasets.example_repository import ExampleRepository
from app.datasets.repository import DatasetRepository
from app.datasets.schemas import ExampleDetail, VersionChange
from app.models import Dataset, Example, ReviewDecision, ReviewStatus, User
from app.models.base import utcnow
from app.reviews import labels
from app.reviews.assignment_repository import AssignmentRepository, in_range
from app.reviews.repository import CurrentDecision, ReviewRepository
from app.reviews.schemas import DecisionUpdate, ReviewApply, ReviewerProgress, ReviewNext, ReviewProgress

CHANGES = (ReviewStatus.rejected, ReviewStatus.edited)
# A label makes sense beside a verdict on the row as it is; an edit rewrites the answer itself.
LABELLED = (ReviewStatus.accepted, ReviewStatus.rejected)
LISTED = 20


def changes_row(found: CurrentDecision) -> bool:
    """Whether applying the decision removes or changes its row: a rejection, an edit, or a new label."""
    decision = found.decision
    if decision.status in CHANGES:
        return True
    return decision.label is not None and decision.label != labels.row_label(
        found.example.record, found.example.messages
    )


async def allowed_labels(session: AsyncSession, dataset: Dataset, example: Example) -> list[str] | None:
    """The labels a reviewer may give ``example``; None unless the dataset is a classification dataset."""
    if dataset.data_type != labels.CLASSIFICATION:
        return None
    stated = labels.stated_labels(example.record)
    if stated is not None:
        return stated
    return labels.dataset_labels(await ReviewRepository(session).current_contents(dataset.id))


async def next_row(session: AsyncSession, user: User, dataset_id: uuid.UUID, after: int | None) -> ReviewNext:
    """The first current row (after position ``after``, to skip rows) the user has not decided on,
    among the rows assigned to them when they have an assignment."""
    dataset = await service.get(session, dataset_id)
    reviews = ReviewRepository(session)
    assigned = await AssignmentRepository(session).of(dataset.id, user.id)
    where = in_range(assigned.score_min, assigned.score_max) if assigned else []
    example = await reviews.next_undecided(dataset.id, user.id, after, where)
    classified = example is not None and dataset.data_type == labels.CLASSIFICATION
    return ReviewNext(
        version=dataset.version,
        assigned=assigned is not None,
        pending=await reviews.count_undecided(dataset.id, user.id, where),
        example=ExampleDetail.model_validate(example) if example else None,
        label=labels.row_label(example.record, example.messages) if example and classified else None,
        labels=await allowed_labels(session, dataset, example) if example and classified else None,
    )


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "") if names else "none"


def _checked_criteria(example: Example, criteria: dict[str, int] | None) -> dict[str, int] | None:
    """The reviewer's ratings per criterion, or 422 for a criterion the judge did not score the row on."""
    if not criteria:
        return None
    judged = sorted(
        name
        for name, value in (example.scores or {}).items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    )
    unknown = sorted(set(criteria) - set(judged))
    if unknown:
        raise UnprocessableContent(
            f"the judge did not score this row on {_listed(unknown)}; its criteria: {_listed(judged)}"
        )
    return dict(sorted(criteria.items()))


async def _checked_label(
    session: AsyncSession, dataset: Dataset, example: Example, body: DecisionUpdate
) -> str | None:
    """The reviewer's label, or 400/422 when the row takes no label or the label is not one of its labels."""
    if body.label is None:
        return None
    if body.status not in LABELLED:
        raise BadRequest("a label goes with an accepted or rejected row; an edit changes the answer itself")
    allowed = await allowed_labels(session, dataset, example)
    if allowed is None:
        raise UnprocessableContent(
            f"only rows of a classification dataset take a label; this dataset's data type is "
            f"{dataset.data_type}"
        )
    if body.label not in allowed:
        raise UnprocessableContent(f"label {body.label!r} is not one of the row's labels: {_listed(allowed)}")
    return body.label


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
    criteria = _checked_criteria(example, body.criteria)
    label = await _checked_label(session, dataset, example, body)
    reviews = ReviewRepository(session)
    found = await reviews.for_row(dataset.id, example.item_key, user.id)
    values = {
        "example_id": example.id,
        "version": dataset.version,
        "status": body.status,
        "messages": editing.checked_messages(example, body.messages) if body.messages else None,
        "comment": body.comment,
        "rating": body.rating,
        "criteria": criteria,
        "label": label,
        "applied_in": None,
        "decided_at": utcnow(),
    }
    if found is None:
        return await reviews.create(
            ReviewDecision(dataset_id=dataset.id, item_key=example.item_key, reviewer_id=user.id, **values)
        )
    return await reviews.update(found, values)


def _latest(decisions: list[CurrentDecision]) -> dict[str, CurrentDecision]:
    # Oldest first, so a later decision on the same row replaces an earlier one.
    return {found.decision.item_key: found for found in decisions}


async def progress(session: AsyncSession, dataset_id: uuid.UUID) -> ReviewProgress:
    """Rows of the current version by their latest decision, and what each reviewer decided."""
    dataset = await service.get(session, dataset_id)
    decisions = await ReviewRepository(session).on_current_rows(dataset.id)
    rows = _latest(decisions)
    by_status = {
        status: sum(1 for found in rows.values() if found.decision.status is status)
        for status in ReviewStatus
    }
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
        to_apply=sum(1 for found in unapplied.values() if changes_row(found)),
        reviewers=sorted(reviewers.values(), key=lambda r: r.email),
    )


async def _apply_one(session: AsyncSession, found: CurrentDecision, number: int) -> Example | None:
    """Remove or replace the decision's row in version ``number``; returns the replacement row."""
    decision, old = found.decision, found.example
    rows = ExampleRepository(session)
    await rows.close(decision.dataset_id, [decision.example_id], number)
    if decision.status is ReviewStatus.rejected:
        return None
    if decision.status is ReviewStatus.edited and decision.messages is not None:
        return await rows.create(editing.replacement(old, decision.messages, number, decision.reviewer_id))
    assert decision.label is not None  # an accepted row changes only by its new label
    return await rows.create(labels.relabeled(old, decision.label, number, decision.reviewer_id))


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
    changes = [found for found in latest.values() if changes_row(found)]
    if not changes:
        # Raising rolls the version bump back with everything else.
        raise Conflict(f"no decision to reject, edit or relabel a row of v{number - 1}; nothing to apply")
    replaced = {found.decision.item_key: await _apply_one(session, found, number) for found in changes}
    reviews = ReviewRepository(session)
    for found in decisions:
        new = replaced.get(found.decision.item_key)
        # An edit's decisions follow the row it made, so the edited row is not pending again.
        moved = {"example_id": new.id} if new is not None else {}
        await reviews.update(found.decision, {"applied_in": number, **moved}, flush=False)
    removed = sum(1 for found in changes if found.decision.status is ReviewStatus.rejected)
    edited = sum(1 for found in changes if found.decision.status is ReviewStatus.edited)
    relabeled = len(changes) - removed - edited
    reason = f"review: {removed} rejected row(s) removed, {edited} edited"
    reason += f", {relabeled} relabeled" if relabeled else ""
    count = await service.finish_version(session, dataset, number, reason)
    return VersionChange(version=number, affected=len(changes), example_count=count)
