"""Fine-tune runs: start one on a dataset, watch its loss curve, stop and resume it, read its evaluation."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    error_responses,
)
from app.finetune import files, playground, service
from app.finetune.playground import PlaygroundRequest
from app.finetune.repository import FinetuneRunRepository
from app.finetune.schemas import BaseModelList, FinetuneRequest, FinetuneRunRead, RunFile
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
    user: Editor, session: SessionDep, settings: SettingsDep, quota: TaskQuotaDep, body: FinetuneRequest
) -> FinetuneRunRead:
    """Queue a LoRA fine-tune of the chosen base model on the dataset's current version (gpu queue)."""
    return FinetuneRunRead.model_validate(await service.create(session, settings, quota, user, body))


@router.get("/base-models", responses=error_responses(Unauthorized, NotFound))
async def list_base_models(
    _: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    dataset_id: uuid.UUID | None = None,
    epochs: Annotated[float, Query(gt=0, le=100)] = 1.0,
    batch_size: Annotated[int, Query(ge=1, le=1024)] = 4,
    max_seq_length: Annotated[int, Query(ge=16, le=32_768)] = 512,
) -> BaseModelList:
    """Base models available offline (bundled, local Hugging Face cache, FINETUNE_MODELS_DIR) with size,
    parameters, context and the memory and time estimate of training on this machine (on the dataset)."""
    return await service.list_base_models(
        session, settings, dataset_id, epochs=epochs, batch_size=batch_size, max_seq_length=max_seq_length
    )


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


@router.get("/{run_id}/files", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def list_files(
    user: CurrentUser, session: SessionDep, settings: SettingsDep, run_id: uuid.UUID
) -> list[RunFile]:
    """The run's outputs to download (adapter, merged model, GGUF files, Modelfile, model card)."""
    return await service.run_files(session, settings, user, run_id)


@router.get(
    "/{run_id}/files/{name}",
    response_class=FileResponse,
    responses=error_responses(Unauthorized, Forbidden, NotFound)
    | {
        200: {
            "content": {"application/octet-stream": {}, "application/zip": {}},
            "description": "The file; a folder (the adapter, the merged model) as a .zip.",
        }
    },
)
async def download_file(
    user: CurrentUser, session: SessionDep, settings: SettingsDep, run_id: uuid.UUID, name: str
) -> FileResponse:
    """Download one output by its listed name (a folder comes as a .zip of it); owner or admin only."""
    output = await service.run_file(session, settings, user, run_id, name)
    headers = {"Content-Disposition": f'attachment; filename="{output.name}"'}
    if not output.folder:
        return FileResponse(output.path, headers=headers, media_type="application/octet-stream")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="run-files-", dir=settings.data_dir))
    target = folder / output.name
    try:
        await asyncio.to_thread(files.zip_folder, output.path, target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    return FileResponse(target, headers=headers, media_type="application/zip", background=cleanup)


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
