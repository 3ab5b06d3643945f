"""Stored task specs: validated by the library, versioned on every save, refused deletion while in use.

A spec is checked as the CLI checks a file: the library's ``TaskSpec`` (closed fields, JSON Schema
compiled with remote ``$ref`` refused), then each template rendered once in Jinja's sandbox. Problems
are a 422 whose detail lists them (a YAML file's with their line). Specs are shared by every user;
editors and admins write them. Saving never changes an old version: a job records the id and version
it uses and keeps that version's spec in its config.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound, UnprocessableContent
from app.models import TaskSpecVersion, User
from app.models.base import utcnow
from app.taskspecs.repository import TaskSpecRepository
from app.taskspecs.schemas import TaskSpecCheck, TaskSpecRead, TaskSpecSummary, TaskSpecVersionRead
from distillation.datatypes import UnknownDataTypeError, list_datatypes
from distillation.taskspec import (
    BUILTIN_VERSION,
    TaskSpec,
    TaskSpecError,
    builtin_spec,
    builtin_specs,
    parse_task_spec,
    template_problems,
)
from distillation.taskspec.loading import MAX_SPEC_BYTES


class InvalidSpec(UnprocessableContent):
    """The spec is not valid; ``detail`` lists each problem."""

    error = "invalid_task_spec"


def _problems(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "spec"
        problems.append(f"{where}: {str(error['msg']).removeprefix('Value error, ')}")
    return problems


def check(data: dict[str, Any]) -> TaskSpecCheck:
    """A spec's problems (fields, schema, validators, templates rendered in the sandbox)."""
    if len(json.dumps(data, default=str)) > MAX_SPEC_BYTES:
        return TaskSpecCheck(valid=False, problems=[f"spec: larger than {MAX_SPEC_BYTES:,} bytes"])
    try:
        spec = TaskSpec.model_validate(data)
    except ValidationError as exc:
        return TaskSpecCheck(valid=False, problems=_problems(exc))
    return _checked(spec)


def check_yaml(text: str, source: str) -> TaskSpecCheck:
    """A YAML (or JSON) file's problems, each with its line."""
    try:
        spec = parse_task_spec(text, source=source)
    except TaskSpecError as exc:
        return TaskSpecCheck(valid=False, problems=[str(exc)])
    return _checked(spec)


def _checked(spec: TaskSpec) -> TaskSpecCheck:
    problems = template_problems(spec)
    return TaskSpecCheck(valid=not problems, problems=problems, spec=spec.model_dump(mode="json"))


def builtin_names() -> list[str]:
    """The names of the built-in specs."""
    return list(list_datatypes())


def _summary(row: TaskSpecVersion) -> TaskSpecSummary:
    spec = TaskSpec.model_validate(row.spec)
    return TaskSpecSummary(
        id=row.id,
        name=row.name,
        title=spec.display_title,
        description=spec.description,
        version=row.version,
        builtin=False,
        created_at=row.created_at,
    )


async def list_specs(session: AsyncSession) -> list[TaskSpecSummary]:
    """The built-in specs, then the stored ones (newest version of each), by name."""
    builtins = [
        TaskSpecSummary(
            id=None,
            name=spec.name,
            title=spec.display_title,
            description=spec.description,
            version=int(BUILTIN_VERSION),
            builtin=True,
            created_at=None,
        )
        for spec in builtin_specs()
    ]
    stored = await TaskSpecRepository(session).latest()
    return builtins + [_summary(row) for row in stored]


def get_builtin(name: str) -> TaskSpecRead:
    """A built-in spec (404 when no data type has the name)."""
    try:
        spec = builtin_spec(name)
    except UnknownDataTypeError:
        raise NotFound(f"no built-in task spec is named {name!r}") from None
    version = int(BUILTIN_VERSION)
    return TaskSpecRead(
        id=None, version=version, latest_version=version, builtin=True, spec=spec.model_dump(mode="json")
    )


async def get_version(
    session: AsyncSession, spec_id: uuid.UUID, version: int | None = None
) -> TaskSpecVersion:
    """A stored spec's version (its newest when None); 404 when there is no such spec or version."""
    repo = TaskSpecRepository(session)
    latest = await repo.latest_version(spec_id)
    if latest is None:
        raise NotFound("task spec not found")
    row = await repo.get((spec_id, latest if version is None else version))
    if row is None:
        raise NotFound(f"the task spec has no version {version} (its newest is {latest})")
    return row


async def read(session: AsyncSession, spec_id: uuid.UUID, version: int | None = None) -> TaskSpecRead:
    """A stored spec's version as the API shows it."""
    row = await get_version(session, spec_id, version)
    latest = await TaskSpecRepository(session).latest_version(spec_id)
    return TaskSpecRead(
        id=row.id,
        version=row.version,
        latest_version=latest or row.version,
        builtin=False,
        spec=row.spec,
        author_id=row.author_id,
        created_at=row.created_at,
    )


async def history(session: AsyncSession, spec_id: uuid.UUID) -> list[TaskSpecVersionRead]:
    """Every version of a spec, newest first."""
    rows = await TaskSpecRepository(session).versions(spec_id)
    if not rows:
        raise NotFound("task spec not found")
    return [
        TaskSpecVersionRead(
            version=row.version,
            name=row.name,
            title=str(row.spec.get("title") or row.name),
            policy=str(row.spec.get("policy") or ""),
            author_id=row.author_id,
            created_at=row.created_at,
        )
        for row in rows
    ]


def _valid(checked: TaskSpecCheck) -> TaskSpec:
    if not checked.valid or checked.spec is None:
        raise InvalidSpec(checked.problems)
    return TaskSpec.model_validate(checked.spec)


async def _name_free(session: AsyncSession, name: str, spec_id: uuid.UUID | None) -> None:
    if name in builtin_names():
        raise Conflict(f"a built-in task spec is named {name!r}; choose another name")
    taken = [other for other in await TaskSpecRepository(session).named(name) if other != spec_id]
    if taken:
        raise Conflict(f"another task spec is named {name!r}")


async def _save(
    session: AsyncSession, user: User, spec: TaskSpec, spec_id: uuid.UUID, version: int
) -> TaskSpecRead:
    await _name_free(session, spec.name, spec_id)
    stored = spec.model_copy(update={"version": str(version)})
    row = TaskSpecVersion(
        id=spec_id,
        version=version,
        name=spec.name,
        spec=stored.model_dump(mode="json"),
        author_id=user.id,
        created_at=utcnow(),
    )
    await TaskSpecRepository(session).create(row)
    return TaskSpecRead(
        id=spec_id,
        version=version,
        latest_version=version,
        builtin=False,
        spec=row.spec,
        author_id=user.id,
        created_at=row.created_at,
    )


async def create(session: AsyncSession, user: User, checked: TaskSpecCheck) -> TaskSpecRead:
    """Store a new spec as its version 1 (422 when invalid, 409 when its name is taken)."""
    return await _save(session, user, _valid(checked), uuid.uuid4(), 1)


async def update(
    session: AsyncSession, user: User, spec_id: uuid.UUID, checked: TaskSpecCheck
) -> TaskSpecRead:
    """Save a spec's next version; the older ones stay as they were."""
    latest = await TaskSpecRepository(session).latest_version(spec_id)
    if latest is None:
        raise NotFound("task spec not found")
    return await _save(session, user, _valid(checked), spec_id, latest + 1)


async def users_of(session: AsyncSession, spec_id: uuid.UUID) -> list[uuid.UUID]:
    """The unfinished jobs (pending, running, paused) that use any version of the spec."""
    configs = await TaskSpecRepository(session).active_job_configs()
    return [job_id for job_id, config in configs if config.get("task_spec_id") == str(spec_id)]


async def delete(session: AsyncSession, spec_id: uuid.UUID) -> None:
    """Delete a spec and all its versions; 409 while an unfinished job uses it."""
    repo = TaskSpecRepository(session)
    if await repo.latest_version(spec_id) is None:
        raise NotFound("task spec not found")
    jobs = await users_of(session, spec_id)
    if jobs:
        raise Conflict(f"{len(jobs)} unfinished job(s) use this task spec; finish or cancel them first")
    await repo.remove(spec_id)


async def for_job(session: AsyncSession, spec_id: uuid.UUID, version: int | None) -> tuple[TaskSpec, int]:
    """The spec a job runs (its version, the newest when None), and that version's number."""
    row = await get_version(session, spec_id, version)
    return TaskSpec.model_validate(row.spec), row.version
