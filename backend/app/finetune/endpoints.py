"""Fine-tune runs: start one on a dataset, watch its loss curve, stop and resume it, read its evaluation."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    error_responses,
)
from app.finetune import playground, service
from app.finetune.playground import PlaygroundRequest
from app.finetune.repository import FinetuneRunRepository
from app.finetune.schemas import FinetuneRequest, FinetuneRunRead
from app.kit.pagination import PaginationDep
from app.kit.schemas import Page
from app.models import Role, User
from app.system.schemas import TaskRecordRead
from app.users.quotas import TaskQuotaDep

router = APIRouter(prefix="/finetune", tags=["finetune"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]
CONTROL = error_responses(Unauthorized, Forbidden, NotFound, Conflict)
QUEUEING = CONTROL | error_responses(TooManyRequests)


@router.post(
    "",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest, TooManyRequests),
)
async def start_run(
    user: Editor, session: SessionDep, quota: TaskQuotaDep, body: FinetuneRequest
) -> FinetuneRunRead:
    """Queue a LoRA fine-tune of the student on the dataset's current version (gpu queue)."""
    return FinetuneRunRead.model_validate(await service.create(session, quota, user, body))


@router.get("", responses=error_responses(Unauthorized))
async def list_runs(
    _: CurrentUser, session: SessionDep, pagination: PaginationDep, dataset_id: uuid.UUID | None = None
) -> Page[FinetuneRunRead]:
    """Runs, newest first."""
    runs, total = await FinetuneRunRepository(session).page_newest(dataset_id, pagination)
    return pagination.of([FinetuneRunRead.model_validate(r) for r in runs], total)


@router.get("/{run_id}", responses=error_responses(Unauthorized, NotFound))
async def get_run(_: CurrentUser, session: SessionDep, run_id: uuid.UUID) -> FinetuneRunRead:
    """A run with its progress, loss curve, result and evaluation (base vs tuned, and the teacher)."""
    return FinetuneRunRead.model_validate(await service.get(session, run_id))


@router.post("/{run_id}/cancel", responses=CONTROL)
async def cancel_run(user: Editor, session: SessionDep, run_id: uuid.UUID) -> FinetuneRunRead:
    """Stop the run (it keeps its checkpoint)."""
    return FinetuneRunRead.model_validate(await service.cancel(session, user, run_id))


@router.post("/{run_id}/resume", responses=QUEUEING)
async def resume_run(
    user: Editor, session: SessionDep, quota: TaskQuotaDep, run_id: uuid.UUID
) -> FinetuneRunRead:
    """Continue a cancelled or failed run from its last checkpoint."""
    return FinetuneRunRead.model_validate(await service.resume(session, quota, user, run_id))


@router.post("/{run_id}/playground", status_code=202, responses=QUEUEING)
async def play(
    user: Editor, session: SessionDep, quota: TaskQuotaDep, run_id: uuid.UUID, body: PlaygroundRequest
) -> TaskRecordRead:
    """Send one prompt to the base, tuned and (optionally) teacher models; poll the returned task."""
    return TaskRecordRead.model_validate(await playground.start(session, quota, user, run_id, body))
