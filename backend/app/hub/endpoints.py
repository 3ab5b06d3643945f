"""The Hub token (Settings → Hugging Face) and pushing a dataset version to the Hub."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    UnprocessableContent,
    error_responses,
)
from app.hub import service
from app.hub.schemas import HubModelPushRequest, HubPushRequest, HubSettingsRead, HubTokenWrite
from app.models import Role, User
from app.system.schemas import TaskRecordRead
from app.users.quotas import TaskQuotaDep

router = APIRouter(tags=["hub"])
Admin = Annotated[User, require_role(Role.admin)]
Editor = Annotated[User, require_role(Role.admin, Role.editor)]


@router.get("/hub", responses=error_responses(Unauthorized))
async def read_hub(_: CurrentUser, session: SessionDep, settings: SettingsDep) -> HubSettingsRead:
    """Whether a Hugging Face token is stored (its last 4 characters only) and the Hub's address."""
    return await service.read_settings(session, settings)


@router.put("/hub/token", responses=error_responses(Unauthorized, Forbidden, UnprocessableContent))
async def save_hub_token(
    body: HubTokenWrite, admin: Admin, session: SessionDep, settings: SettingsDep
) -> HubSettingsRead:
    """Store the Hugging Face write token, encrypted; no answer ever contains it."""
    return await service.save_token(session, settings, admin, body)


@router.delete("/hub/token", status_code=204, responses=error_responses(Unauthorized, Forbidden, NotFound))
async def delete_hub_token(_: Admin, session: SessionDep) -> None:
    """Forget the stored Hugging Face token."""
    await service.delete_token(session)


@router.post(
    "/datasets/{dataset_id}/push",
    status_code=202,
    responses=error_responses(
        BadRequest, Unauthorized, Forbidden, NotFound, UnprocessableContent, TooManyRequests
    ),
)
async def push_dataset(
    dataset_id: uuid.UUID,
    body: HubPushRequest,
    user: Editor,
    session: SessionDep,
    settings: SettingsDep,
    quota: TaskQuotaDep,
) -> TaskRecordRead:
    """Push a version to a Hub dataset repo in a worker (Parquet or JSONL and a card); poll the task."""
    record = await service.start_push(session, settings, quota, user, dataset_id, body)
    return TaskRecordRead.model_validate(record)


@router.post(
    "/finetune/{run_id}/push",
    status_code=202,
    responses=error_responses(
        Unauthorized, Forbidden, NotFound, Conflict, UnprocessableContent, TooManyRequests
    ),
)
async def push_finetune_run(
    run_id: uuid.UUID,
    body: HubModelPushRequest,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    quota: TaskQuotaDep,
) -> TaskRecordRead:
    """Push a completed run (its owner or an admin) to a Hub model repo in a worker; poll the task.

    The adapter, the merged model and the GGUF files (with the Ollama Modelfile) as chosen, and a model
    card with the base model, the dataset, the training settings and the run's evaluation.
    """
    record = await service.start_model_push(session, settings, quota, user, run_id, body)
    return TaskRecordRead.model_validate(record)
