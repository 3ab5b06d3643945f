"""Prompt sets: check a prompt file under a column mapping, upload it, append to it or remove prompts
(each a new version), read any version's prompts, list and delete sets."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

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
from app.datasets.schemas import OnError
from app.datasets.upload import InvalidRows
from app.kit.pagination import PaginationDep
from app.kit.schemas import Page
from app.models import Role, User
from app.promptsets import service
from app.promptsets.schemas import (
    PromptFileRead,
    PromptMappingRead,
    PromptRead,
    PromptRemoval,
    PromptSetAppend,
    PromptSetRead,
    PromptSetRemoval,
    PromptSetUpload,
    PromptSetVersionRead,
)

router = APIRouter(prefix="/prompt-sets", tags=["prompt-sets"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]
FILE_ERRORS = error_responses(Unauthorized, Forbidden, BadRequest, PayloadTooLarge)
FileField = Annotated[UploadFile, File(description="JSONL, JSON array, CSV or Parquet")]
Column = Annotated[str | None, Form(min_length=1, max_length=200)]
Variables = Annotated[
    str | None,
    Form(max_length=2000, description="Comma-separated fields kept as variables (default: every other)"),
]


def _mapping(
    prompt: str | None, system: str | None, reference: str | None, variables: str | None
) -> PromptMappingRead:
    names = None if variables is None else [n.strip() for n in variables.split(",") if n.strip()]
    return PromptMappingRead(
        prompt_field=prompt, system_field=system, reference_field=reference, variable_fields=names
    )


@router.post("/preview", responses=FILE_ERRORS)
async def preview_prompt_file(
    _: Editor,
    settings: SettingsDep,
    file: FileField,
    prompt_field: Column = None,
    system_field: Column = None,
    reference_field: Column = None,
    variable_fields: Variables = None,
) -> PromptFileRead:
    """What a prompt file holds under a column mapping (detected where not given); nothing is stored."""
    mapping = _mapping(prompt_field, system_field, reference_field, variable_fields)
    return await service.preview(file.file, file.filename, mapping, max_bytes=settings.upload_max_bytes)


@router.post("", status_code=201, responses=FILE_ERRORS | error_responses(InvalidRows))
async def upload_prompt_set(
    user: Editor,
    session: SessionDep,
    settings: SettingsDep,
    file: FileField,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    prompt_field: Column = None,
    system_field: Column = None,
    reference_field: Column = None,
    variable_fields: Variables = None,
    on_error: Annotated[
        OnError, Query(description="skip: store the good prompts, list the bad lines")
    ] = "fail",
) -> PromptSetUpload:
    """Store a prompt file's prompts (duplicates left out and counted); bad lines are named."""
    mapping = _mapping(prompt_field, system_field, reference_field, variable_fields)
    return await service.upload(
        session,
        user,
        name,
        file.file,
        file.filename,
        mapping,
        on_error=on_error,
        max_bytes=settings.upload_max_bytes,
    )


@router.get("", responses=error_responses(Unauthorized))
async def list_prompt_sets(
    user: CurrentUser, session: SessionDep, pagination: PaginationDep
) -> Page[PromptSetRead]:
    """The user's prompt sets (an admin's: everyone's), newest first."""
    return await service.listing(session, user, pagination)


@router.post(
    "/{prompt_set_id}/prompts",
    status_code=201,
    responses=FILE_ERRORS | error_responses(NotFound, InvalidRows),
)
async def append_prompts(
    prompt_set_id: uuid.UUID,
    user: Editor,
    session: SessionDep,
    settings: SettingsDep,
    file: FileField,
    prompt_field: Column = None,
    system_field: Column = None,
    reference_field: Column = None,
    variable_fields: Variables = None,
    on_error: Annotated[
        OnError, Query(description="skip: store the good prompts, list the bad lines")
    ] = "fail",
) -> PromptSetAppend:
    """Append a file's prompts as the set's next version (the set's mapping unless one is given); prompts
    the set already holds are left out and counted, bad lines are named."""
    mapping = _mapping(prompt_field, system_field, reference_field, variable_fields)
    return await service.append(
        session,
        user,
        prompt_set_id,
        file.file,
        file.filename,
        mapping,
        on_error=on_error,
        max_bytes=settings.upload_max_bytes,
    )


@router.post(
    "/{prompt_set_id}/prompts/remove",
    responses=error_responses(Unauthorized, Forbidden, NotFound, BadRequest),
)
async def remove_prompts(
    prompt_set_id: uuid.UUID, body: PromptRemoval, user: Editor, session: SessionDep
) -> PromptSetRemoval:
    """Remove prompts by position as the set's next version; earlier versions keep them."""
    return await service.remove(session, user, prompt_set_id, body.positions)


@router.get("/{prompt_set_id}/versions", responses=error_responses(Unauthorized, NotFound))
async def list_prompt_set_versions(
    prompt_set_id: uuid.UUID, user: CurrentUser, session: SessionDep, pagination: PaginationDep
) -> Page[PromptSetVersionRead]:
    """The set's versions, newest first: why each exists, what it added and removed, its prompt count."""
    return await service.versions(session, user, prompt_set_id, pagination)


@router.delete(
    "/{prompt_set_id}",
    status_code=204,
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict),
)
async def delete_prompt_set(prompt_set_id: uuid.UUID, user: Editor, session: SessionDep) -> None:
    """Delete a set with its prompts and versions; refused (409) while an unfinished job answers it."""
    await service.delete(session, user, prompt_set_id)


@router.get("/{prompt_set_id}", responses=error_responses(Unauthorized, NotFound))
async def get_prompt_set(prompt_set_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> PromptSetRead:
    """A prompt set (its owner's or, for an admin, anyone's)."""
    return PromptSetRead.model_validate(await service.get_readable(session, user, prompt_set_id))


@router.get("/{prompt_set_id}/prompts", responses=error_responses(Unauthorized, NotFound))
async def sample_prompts(
    prompt_set_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    version: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="A version of the set (default: the current one).")
    ] = None,
) -> list[PromptRead]:
    """The first ``limit`` prompts of a version of the set, as they will be sent to the teacher."""
    return await service.sample(session, user, prompt_set_id, limit, version)
