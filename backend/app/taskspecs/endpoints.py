"""Task specs: list (built-in and stored), create from JSON or a YAML file, read any version, update
(a new version), delete (refused while a job uses it), validate."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    error_responses,
)
from app.models import Role, User
from app.taskspecs import drafting, service
from app.taskspecs.schemas import (
    MAX_SPEC_VERSION,
    PolicyDraft,
    PolicyDraftRequest,
    TaskSpecCheck,
    TaskSpecRead,
    TaskSpecSummary,
    TaskSpecVersionRead,
    TaskSpecWrite,
)
from distillation.taskspec.loading import MAX_SPEC_BYTES

router = APIRouter(prefix="/task-specs", tags=["task-specs"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, Conflict, service.InvalidSpec)
Version = Annotated[
    int | None, Query(ge=1, le=MAX_SPEC_VERSION, description="A saved version; the newest when omitted.")
]


@router.get("", responses=error_responses(Unauthorized))
async def list_task_specs(_: CurrentUser, session: SessionDep) -> list[TaskSpecSummary]:
    """The built-in specs (read-only, one per built-in data type), then the stored ones by name."""
    return await service.list_specs(session)


@router.post("/validate", responses=error_responses(Unauthorized))
async def validate_task_spec(_: CurrentUser, body: TaskSpecWrite) -> TaskSpecCheck:
    """Whether a spec is valid (its templates rendered once in the sandbox); nothing is stored."""
    return service.check(body.spec)


@router.post("", status_code=201, responses=WRITE_ERRORS)
async def create_task_spec(user: Editor, session: SessionDep, body: TaskSpecWrite) -> TaskSpecRead:
    """Store a new spec as version 1."""
    return await service.create(session, user, service.check(body.spec))


# BadRequest: a body that is not multipart form data.
FILE_ERRORS = WRITE_ERRORS | error_responses(BadRequest, PayloadTooLarge)


@router.post("/upload", status_code=201, responses=FILE_ERRORS)
async def upload_task_spec(
    user: Editor,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="A task spec as YAML (or JSON)")],
) -> TaskSpecRead:
    """Store a spec read from a YAML file; a bad file is a 422 naming the line of each problem."""
    content = await file.read(MAX_SPEC_BYTES + 1)
    if len(content) > MAX_SPEC_BYTES:
        raise PayloadTooLarge(f"the file is larger than {MAX_SPEC_BYTES} bytes")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise service.InvalidSpec([f"{file.filename or 'the file'}: not UTF-8 text"]) from None
    checked = service.check_yaml(text, file.filename or "spec.yaml")
    return await service.create(session, user, checked)


@router.post(
    "/draft-policy",
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest, drafting.BudgetPassed),
)
async def draft_policy(
    user: Editor, request: Request, session: SessionDep, settings: SettingsDep, body: PolicyDraftRequest
) -> PolicyDraft:
    """The teacher drafts the policy of a spec (saved or not) from the spec and a few examples.

    One paid call, booked in the ledger (stage ``policy``, no job) and held against the global budget.
    Nothing is saved: the draft is for the policy editor, and saving it makes a new version.
    """
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return await drafting.draft_policy(session, maker, settings, user, body)


@router.get("/builtin/{name}", responses=error_responses(Unauthorized, NotFound))
async def get_builtin_task_spec(name: str, _: CurrentUser) -> TaskSpecRead:
    """A built-in spec (version 1, read-only)."""
    return service.get_builtin(name)


@router.get("/{spec_id}", responses=error_responses(Unauthorized, NotFound))
async def get_task_spec(
    spec_id: uuid.UUID, _: CurrentUser, session: SessionDep, version: Version = None
) -> TaskSpecRead:
    """A stored spec at one version (the newest by default)."""
    return await service.read(session, spec_id, version)


@router.get("/{spec_id}/versions", responses=error_responses(Unauthorized, NotFound))
async def list_task_spec_versions(
    spec_id: uuid.UUID, _: CurrentUser, session: SessionDep
) -> list[TaskSpecVersionRead]:
    """Every saved version of a spec, newest first."""
    return await service.history(session, spec_id)


@router.put("/{spec_id}", responses=WRITE_ERRORS | error_responses(NotFound))
async def update_task_spec(
    spec_id: uuid.UUID, user: Editor, session: SessionDep, body: TaskSpecWrite
) -> TaskSpecRead:
    """Save the spec's next version; older versions stay readable and jobs keep the one they use."""
    return await service.update(session, user, spec_id, service.check(body.spec))


@router.delete(
    "/{spec_id}",
    status_code=204,
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict),
)
async def delete_task_spec(spec_id: uuid.UUID, _: Editor, session: SessionDep) -> Response:
    """Delete a spec and every version; 409 while an unfinished job uses it."""
    await service.delete(session, spec_id)
    return Response(status_code=204)
