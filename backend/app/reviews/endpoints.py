"""The review queue of a dataset: the next row to review, decisions, progress, and applying them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    UnprocessableContent,
    error_responses,
)
from app.datasets.schemas import VersionChange
from app.models import Role, User
from app.reviews import assignments, calibration, service
from app.reviews.schemas import (
    AssignmentCreate,
    AssignmentRead,
    Calibration,
    DecisionRead,
    DecisionUpdate,
    ReviewApply,
    ReviewNext,
    ReviewProgress,
)

router = APIRouter(prefix="/datasets/{dataset_id}/review", tags=["review"])
calibration_router = APIRouter(prefix="/datasets/{dataset_id}", tags=["review"])
Reviewer = Annotated[User, require_role(Role.admin, Role.editor)]
READ_ERRORS = error_responses(Unauthorized, NotFound)
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict)


@router.get("/next", responses=READ_ERRORS)
async def next_review(
    dataset_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    after: Annotated[
        int | None, Query(ge=-1, le=2_147_483_647, description="skip to rows after this position")
    ] = None,
) -> ReviewNext:
    """The first row of the current version, in dataset order, that you have not decided on."""
    return await service.next_row(session, user, dataset_id, after)


@router.get("/assignments", responses=READ_ERRORS)
async def list_assignments(
    dataset_id: uuid.UUID, _: CurrentUser, session: SessionDep
) -> list[AssignmentRead]:
    """Who reviews which rows of the dataset, and how many of them each has decided."""
    return await assignments.listed(session, dataset_id)


@router.put("/assignments", status_code=204, responses=WRITE_ERRORS | error_responses(BadRequest))
async def assign(dataset_id: uuid.UUID, body: AssignmentCreate, user: Reviewer, session: SessionDep) -> None:
    """Assign a reviewer the rows scored in a range (every row without bounds); replaces theirs.

    Only the dataset's owner or an admin assigns; their queue then holds only these rows.
    """
    await assignments.assign(session, user, dataset_id, body)


@router.delete("/assignments/{reviewer_id}", status_code=204, responses=WRITE_ERRORS)
async def unassign(
    dataset_id: uuid.UUID, reviewer_id: uuid.UUID, user: Reviewer, session: SessionDep
) -> None:
    """End a reviewer's assignment: their queue holds every row again; their decisions stay."""
    await assignments.unassign(session, user, dataset_id, reviewer_id)


@router.put("/{example_id}", responses=WRITE_ERRORS | error_responses(BadRequest, UnprocessableContent))
async def decide(
    dataset_id: uuid.UUID, example_id: uuid.UUID, body: DecisionUpdate, user: Reviewer, session: SessionDep
) -> DecisionRead:
    """Accept, reject or edit a current row, with a comment and a 1-5 rating; replaces your decision.

    Nothing changes in the dataset until the decisions are applied.
    """
    return DecisionRead.model_validate(await service.decide(session, user, dataset_id, example_id, body))


@router.delete("/{example_id}", status_code=204, responses=WRITE_ERRORS)
async def take_back(
    dataset_id: uuid.UUID, example_id: uuid.UUID, user: Reviewer, session: SessionDep
) -> None:
    """Take back your decision on a row: it is pending for you again."""
    await service.take_back(session, user, dataset_id, example_id)


@router.get("/progress", responses=READ_ERRORS)
async def review_progress(dataset_id: uuid.UUID, _: CurrentUser, session: SessionDep) -> ReviewProgress:
    """The current version's rows by their latest decision, and each reviewer's counts."""
    return await service.progress(session, dataset_id)


@router.post("/apply", responses=WRITE_ERRORS)
async def apply_review(
    dataset_id: uuid.UUID, body: ReviewApply, user: Reviewer, session: SessionDep
) -> VersionChange:
    """Apply every row's latest decision as one new version: rejected rows removed, edited rows replaced."""
    return await service.apply(session, user, dataset_id, body)


@calibration_router.get("/calibration", responses=READ_ERRORS | error_responses(calibration.TooFewGoldRows))
async def calibrate(
    dataset_id: uuid.UUID,
    _: CurrentUser,
    session: SessionDep,
    threshold: Annotated[
        float | None,
        Query(ge=0, le=10, description="the judge's minimum score to compare at; unset: the recommended one"),
    ] = None,
) -> Calibration:
    """The judge's stored scores against the reviewed rows: Spearman's rho, Cohen's kappa, the confusion
    matrix and the disagreements at ``threshold``, and the threshold that agrees best with the reviewers.

    Refused (409, ``too_few_gold_rows``) under 5 reviewed rows with a judge score.
    """
    return await calibration.calibrate(session, dataset_id, threshold)
