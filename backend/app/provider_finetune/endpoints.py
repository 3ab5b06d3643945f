"""Provider fine-tunes: start one on a dataset, follow its job's events and loss, cancel it."""

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
from app.kit.pagination import PaginationDep
from app.kit.schemas import Page
from app.models import Role, User
from app.provider_finetune import service
from app.provider_finetune.repository import ProviderFinetuneRepository
from app.provider_finetune.schemas import ProviderFinetuneRequest, ProviderFinetuneRunRead
from app.users.quotas import TaskQuotaDep

router = APIRouter(prefix="/finetune/provider", tags=["finetune"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]


@router.post(
    "",
    status_code=201,
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest, TooManyRequests),
)
async def start_provider_run(
    user: Editor, session: SessionDep, quota: TaskQuotaDep, body: ProviderFinetuneRequest
) -> ProviderFinetuneRunRead:
    """Fine-tune a provider's model (OpenAI, or a Together-style service) on the dataset's current version."""
    return service.read(await service.create(session, quota, user, body))


@router.get("", responses=error_responses(Unauthorized))
async def list_provider_runs(
    _: CurrentUser, session: SessionDep, pagination: PaginationDep, dataset_id: uuid.UUID | None = None
) -> Page[ProviderFinetuneRunRead]:
    """Provider fine-tune runs, newest first."""
    runs, total = await ProviderFinetuneRepository(session).page_newest(dataset_id, pagination)
    return pagination.of([service.read(r) for r in runs], total)


@router.get("/{run_id}", responses=error_responses(Unauthorized, NotFound))
async def get_provider_run(_: CurrentUser, session: SessionDep, run_id: uuid.UUID) -> ProviderFinetuneRunRead:
    """A run with its job's status, events, loss curve, new model and cost."""
    return service.read(await service.get(session, run_id))


@router.post("/{run_id}/cancel", responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict))
async def cancel_provider_run(
    user: Editor, session: SessionDep, run_id: uuid.UUID
) -> ProviderFinetuneRunRead:
    """Cancel the run's job at the provider (a queued run at once)."""
    return service.read(await service.cancel(session, user, run_id))
