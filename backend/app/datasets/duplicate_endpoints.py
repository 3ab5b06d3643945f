"""Near-duplicate clusters of a dataset: start a search, list the clusters (remove through bulk actions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep
from app.core.errors import Forbidden, NotFound, TooManyRequests, Unauthorized, error_responses
from app.datasets import duplicates
from app.datasets.duplicates import DuplicatesRead
from app.models import Role, User
from app.system.schemas import TaskRecordRead
from app.users.quotas import TaskQuotaDep

router = APIRouter(prefix="/datasets/{dataset_id}/duplicates", tags=["datasets"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]


@router.post(
    "", status_code=202, responses=error_responses(Unauthorized, Forbidden, NotFound, TooManyRequests)
)
async def find_duplicates(
    dataset_id: uuid.UUID,
    user: Editor,
    session: SessionDep,
    quota: TaskQuotaDep,
    threshold: Annotated[
        float, Query(gt=0, le=1, description="Jaccard similarity of a near-duplicate")
    ] = 0.7,
) -> TaskRecordRead:
    """Search the current version for exact and near-duplicates in a worker; poll the task."""
    return TaskRecordRead.model_validate(await duplicates.start(session, quota, user, dataset_id, threshold))


@router.get("", responses=error_responses(Unauthorized, NotFound))
async def list_duplicates(dataset_id: uuid.UUID, _: CurrentUser, session: SessionDep) -> DuplicatesRead:
    """The clusters the last search found, best-scored row first (the one to keep)."""
    return await duplicates.read(session, dataset_id)
