"""Health, system status, background task records and the worker diagnostic."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import Forbidden, NotFound, TooManyRequests, Unauthorized, error_responses
from app.kit.pagination import PaginationDep
from app.kit.schemas import Page
from app.models import Role, TaskStatus, User
from app.system import service
from app.system.repository import TaskRecordRepository
from app.system.schemas import Health, SystemStatus, TaskRecordRead
from app.users.quotas import TaskQuotaDep

router = APIRouter(tags=["system"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]


@router.get("/health", responses={503: {"model": Health, "description": "A dependency is down"}})
async def health(response: Response, session: SessionDep, settings: SettingsDep) -> Health:
    """Readiness: 200 when the database and the broker answer, 503 with the reason otherwise."""
    result = await service.health(session, settings)
    if result.status != "ok":
        response.status_code = 503
    return result


@router.get("/system/status", responses=error_responses(Unauthorized))
async def system_status(_: CurrentUser, session: SessionDep, settings: SettingsDep) -> SystemStatus:
    """Health, workers, task counts and host resources."""
    return await service.system_status(session, settings)


@router.post(
    "/system/diagnostics",
    status_code=202,
    responses=error_responses(Unauthorized, Forbidden, TooManyRequests),
)
async def run_diagnostic(user: Editor, session: SessionDep, quota: TaskQuotaDep) -> TaskRecordRead:
    """Send a probe task to the workers; poll the returned task to see which worker answered."""
    return TaskRecordRead.model_validate(await service.start_diagnostic(session, quota, user))


@router.get("/tasks", responses=error_responses(Unauthorized))
async def list_tasks(
    _: CurrentUser,
    session: SessionDep,
    pagination: PaginationDep,
    status: Annotated[TaskStatus | None, Query()] = None,
    name: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[TaskRecordRead]:
    """Background tasks, newest first."""
    rows, total = await TaskRecordRepository(session).page_newest(
        status=status, name=name, pagination=pagination
    )
    return pagination.of([TaskRecordRead.model_validate(r) for r in rows], total)


@router.get("/tasks/{task_id}", responses=error_responses(Unauthorized, NotFound))
async def get_task(task_id: uuid.UUID, _: CurrentUser, session: SessionDep) -> TaskRecordRead:
    """One background task."""
    return TaskRecordRead.model_validate(await service.get_task(session, task_id))
