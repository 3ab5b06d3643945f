"""Reading an uploaded prompt file with the library's reader, and storing it as a prompt set.

The file is copied to a temporary file (the library reads paths; Parquet needs one) and read by
``distillation.promptsets.read_prompt_set`` in a thread: per-line errors, dedup by fingerprint and the
column mapping are the library's. Without ``on_error=skip`` one bad line stores nothing (422 with the
lines, like a dataset upload).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from app.datasets.schemas import OnError, RowError
from app.datasets.upload import LISTED_ERRORS, InvalidRows
from app.kit.pagination import Pagination
from app.kit.schemas import Page
from app.models import Prompt, PromptSet, PromptSetVersion, Role, User
from app.models.base import utcnow
from app.promptsets import repository
from app.promptsets.repository import PromptSetRepository, PromptSetVersionRepository
from app.promptsets.schemas import (
    DuplicateRead,
    PromptFileRead,
    PromptMappingRead,
    PromptRead,
    PromptSetAppend,
    PromptSetRead,
    PromptSetRemoval,
    PromptSetUpload,
    PromptSetVersionRead,
)
from distillation.formats import FileFormatError, InputLimitError, ReadLimits, read_records
from distillation.promptsets import (
    PromptFormat,
    PromptMapping,
    PromptRecord,
    detect_prompt_format,
    read_prompt_set,
)
from distillation.promptsets import PromptSet as LibPromptSet
from distillation.promptsets.records import PROMPT_FIELDS, REFERENCE_FIELDS, SYSTEM_FIELDS

SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".parquet", ".pq")
SAMPLE = 5
BATCH = 1000


def mapping_of(read: PromptMappingRead) -> PromptMapping:
    """The library's mapping of the API's."""
    variables = None if read.variable_fields is None else tuple(read.variable_fields)
    return PromptMapping(
        prompt_field=read.prompt_field,
        system_field=read.system_field,
        reference_field=read.reference_field,
        variable_fields=variables,
    )


def prompt_read(position: int, prompt: PromptRecord) -> PromptRead:
    """A prompt as the API shows it."""
    return PromptRead(
        position=position,
        line=prompt.line,
        fingerprint=prompt.fingerprint,
        messages=prompt.messages,
        tools=prompt.tools,
        variables=prompt.variables,
        reference=prompt.reference,
    )


def record_of(prompt: Prompt) -> PromptRecord:
    """A stored prompt as the library's record."""
    return PromptRecord.model_validate(prompt.record)


@contextmanager
def _copied(stream: IO[bytes], filename: str | None, max_bytes: int) -> Iterator[Path]:
    suffix = Path(filename or "").suffix.lower()
    with tempfile.TemporaryDirectory(prefix="prompts-") as folder:
        path = Path(folder) / f"upload{suffix if suffix in SUFFIXES else ''}"
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out)
        if path.stat().st_size > max_bytes:
            raise PayloadTooLarge(f"the file is larger than {max_bytes} bytes")
        yield path


def _columns(path: Path, fmt: PromptFormat | None, limits: ReadLimits) -> list[str]:
    """The fields of the file's first readable record."""
    if fmt is PromptFormat.PARQUET:
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    for row in islice(read_records(path, limits=limits), 100):
        if row.record is not None:
            return [str(key) for key in row.record]
    return []


def _first(columns: list[str], names: tuple[str, ...], exclude: set[str]) -> str | None:
    lowered = {column.lower(): column for column in columns}
    for name in names:
        column = lowered.get(name)
        if column is not None and column not in exclude:
            return column
    return None


def detected_mapping(columns: list[str], given: PromptMappingRead) -> PromptMappingRead:
    """The mapping with the fields the reader detects filled in (chat records: none; ``messages`` is)."""
    if "messages" in columns and given.prompt_field is None:
        return given
    prompt = given.prompt_field or _first(columns, PROMPT_FIELDS, set())
    system = given.system_field or _first(columns, SYSTEM_FIELDS, {prompt or ""})
    reference = given.reference_field or _first(columns, REFERENCE_FIELDS, {prompt or "", system or ""})
    return given.model_copy(
        update={"prompt_field": prompt, "system_field": system, "reference_field": reference}
    )


def _read(path: Path, mapping: PromptMappingRead, max_bytes: int) -> tuple[LibPromptSet, PromptFileRead]:
    fmt = detect_prompt_format(path)
    limits = ReadLimits(max_total_bytes=max_bytes)
    try:
        result = read_prompt_set(path, file_format=fmt, mapping=mapping_of(mapping), limits=limits)
        columns = _columns(path, fmt, limits)
    except InputLimitError as exc:
        raise PayloadTooLarge(str(exc)) from exc
    except (FileFormatError, OSError, ValueError) as exc:  # pyarrow's errors are ValueErrors or OSErrors
        raise BadRequest(f"the file cannot be read: {exc}") from exc
    file_format = fmt.value if fmt is not None else _text_format(path)
    read = PromptFileRead(
        file_format=file_format,
        columns=columns,
        mapping=detected_mapping(columns, mapping),
        prompts=len(result.prompts),
        sample=[prompt_read(i, p) for i, p in enumerate(result.prompts[:SAMPLE])],
        errors=[RowError(line=e.line, reason=e.reason) for e in result.errors[:LISTED_ERRORS]],
        error_count=len(result.errors),
        duplicates=[
            DuplicateRead(line=d.line, first_line=d.first_line) for d in result.duplicates[:LISTED_ERRORS]
        ],
        duplicate_count=len(result.duplicates),
    )
    return result, read


def _text_format(path: Path) -> str:
    from distillation.formats import detect_file_format

    with path.open("rb") as handle:
        return detect_file_format(path.name, handle.read(64)).value


async def preview(
    stream: IO[bytes], filename: str | None, mapping: PromptMappingRead, *, max_bytes: int
) -> PromptFileRead:
    """What the file holds under the mapping; nothing is stored."""
    with _copied(stream, filename, max_bytes) as path:
        _, read = await asyncio.to_thread(_read, path, mapping, max_bytes)
    return read


async def upload(
    session: AsyncSession,
    user: User,
    name: str,
    stream: IO[bytes],
    filename: str | None,
    mapping: PromptMappingRead,
    *,
    on_error: OnError,
    max_bytes: int,
) -> PromptSetUpload:
    """Store the file's prompts as a new prompt set (422 on a bad line unless ``on_error=skip``)."""
    with _copied(stream, filename, max_bytes) as path:
        result, read = await asyncio.to_thread(_read, path, mapping, max_bytes)
    if result.errors and (on_error == "fail" or not result.prompts):
        raise InvalidRows([error.model_dump() for error in read.errors])
    if not result.prompts:
        raise BadRequest("the file holds no prompts")
    prompt_set = await repository.add_set(
        session,
        PromptSet(
            name=name,
            owner_id=user.id,
            filename=(filename or "")[:255],
            file_format=read.file_format,
            mapping=mapping.model_dump(),
            prompt_count=len(result.prompts),
            duplicate_count=len(result.duplicates),
            error_count=len(result.errors),
            errors=[error.model_dump() for error in read.errors],
        ),
    )
    await _add_version(
        session,
        PromptSetVersion(
            prompt_set_id=prompt_set.id,
            number=1,
            reason="uploaded",
            prompt_count=len(result.prompts),
            added=len(result.prompts),
            filename=prompt_set.filename,
            duplicate_count=len(result.duplicates),
            error_count=len(result.errors),
        ),
    )
    await _insert(session, prompt_set.id, 0, 1, result.prompts)
    return PromptSetUpload(prompt_set=PromptSetRead.model_validate(prompt_set), file=read)


async def _insert(
    session: AsyncSession, prompt_set_id: uuid.UUID, first: int, version: int, prompts: list[PromptRecord]
) -> None:
    rows = [_row(prompt_set_id, first + i, version, prompt) for i, prompt in enumerate(prompts)]
    for start in range(0, len(rows), BATCH):
        await repository.add_prompts(session, rows[start : start + BATCH])


async def _add_version(session: AsyncSession, version: PromptSetVersion) -> PromptSetVersion:
    version.created_at = utcnow()
    return await PromptSetVersionRepository(session).create(version)


def _row(prompt_set_id: uuid.UUID, position: int, version: int, prompt: PromptRecord) -> dict[str, Any]:
    return {
        "prompt_set_id": prompt_set_id,
        "position": position,
        "line": prompt.line,
        "fingerprint": prompt.fingerprint,
        "record": prompt.model_dump(mode="json"),
        "added_in": version,
    }


def _given(mapping: PromptMappingRead) -> bool:
    return any(value is not None for value in mapping.model_dump().values())


async def append(
    session: AsyncSession,
    user: User,
    prompt_set_id: uuid.UUID,
    stream: IO[bytes],
    filename: str | None,
    mapping: PromptMappingRead,
    *,
    on_error: OnError,
    max_bytes: int,
) -> PromptSetAppend:
    """Add a file's prompts to the set as its next version: the prompts the current version already
    holds (same fingerprint) are left out and counted; a bad line refuses the file unless ``on_error=skip``.

    With no mapping field given, the set's own mapping is used.
    """
    prompt_set = await get_readable(session, user, prompt_set_id)
    if not _given(mapping):
        mapping = PromptMappingRead.model_validate(prompt_set.mapping)
    with _copied(stream, filename, max_bytes) as path:
        result, read = await asyncio.to_thread(_read, path, mapping, max_bytes)
    if result.errors and (on_error == "fail" or not result.prompts):
        raise InvalidRows([error.model_dump() for error in read.errors])
    if not result.prompts:
        raise BadRequest("the file holds no prompts")
    # The version first: its UPDATE locks the set's row, so a concurrent append sees these prompts.
    number = await repository.bump_version(session, prompt_set.id)
    present = await repository.live_fingerprints(session, prompt_set.id)
    new = [prompt for prompt in result.prompts if prompt.fingerprint not in present]
    repeated = [prompt.line for prompt in result.prompts if prompt.fingerprint in present]
    if not new:
        raise BadRequest("every prompt of the file is already in the set")
    await _insert(session, prompt_set.id, await repository.next_position(session, prompt_set.id), number, new)
    count = await repository.set_prompt_count(session, prompt_set.id)
    version = await _add_version(
        session,
        PromptSetVersion(
            prompt_set_id=prompt_set.id,
            number=number,
            reason=f"appended {len(new)} prompts",
            prompt_count=count,
            added=len(new),
            filename=(filename or "")[:255],
            duplicate_count=len(result.duplicates) + len(repeated),
            error_count=len(result.errors),
        ),
    )
    await session.refresh(prompt_set)
    return PromptSetAppend(
        prompt_set=PromptSetRead.model_validate(prompt_set),
        version=PromptSetVersionRead.model_validate(version),
        file=read,
        already_in_set=repeated[:LISTED_ERRORS],
        already_in_set_count=len(repeated),
    )


async def remove(
    session: AsyncSession, user: User, prompt_set_id: uuid.UUID, positions: list[int]
) -> PromptSetRemoval:
    """Remove prompts from the set as its next version (earlier versions keep them); every position must
    be a prompt of the current version, and at least one prompt must stay."""
    prompt_set = await get_readable(session, user, prompt_set_id)
    number = await repository.bump_version(session, prompt_set.id)
    wanted = sorted(set(positions))
    live = await repository.live_positions(session, prompt_set.id, wanted)
    missing = [position for position in wanted if position not in live]
    if missing:
        raise BadRequest(f"not prompts of the current version: positions {missing[:20]}")
    if len(wanted) >= await repository.count_live(session, prompt_set.id):
        raise BadRequest("a prompt set keeps at least one prompt; delete the set instead")
    await repository.remove_prompts(session, prompt_set.id, wanted, number)
    count = await repository.set_prompt_count(session, prompt_set.id)
    version = await _add_version(
        session,
        PromptSetVersion(
            prompt_set_id=prompt_set.id,
            number=number,
            reason=f"removed {len(wanted)} prompts",
            prompt_count=count,
            removed=len(wanted),
        ),
    )
    await session.refresh(prompt_set)
    return PromptSetRemoval(
        prompt_set=PromptSetRead.model_validate(prompt_set),
        version=PromptSetVersionRead.model_validate(version),
    )


def check_version(prompt_set: PromptSet, version: int | None) -> int:
    """``version`` (None: the current one), 404 when the set has no such version."""
    if version is None:
        return prompt_set.version
    if not 1 <= version <= prompt_set.version:
        raise NotFound(
            f"the prompt set has no version {version} (its versions are 1 to {prompt_set.version})"
        )
    return version


async def versions(
    session: AsyncSession, user: User, prompt_set_id: uuid.UUID, pagination: Pagination
) -> Page[PromptSetVersionRead]:
    """The set's versions, newest first."""
    await get_readable(session, user, prompt_set_id)
    rows, total = await PromptSetVersionRepository(session).page_newest(prompt_set_id, pagination)
    return pagination.of([PromptSetVersionRead.model_validate(row) for row in rows], total)


async def listing(session: AsyncSession, user: User, pagination: Pagination) -> Page[PromptSetRead]:
    """The user's prompt sets (an admin's: everyone's), newest first."""
    owner = None if user.role is Role.admin else user.id
    rows, total = await PromptSetRepository(session).page_newest(owner, pagination)
    return pagination.of([PromptSetRead.model_validate(row) for row in rows], total)


async def delete(session: AsyncSession, user: User, prompt_set_id: uuid.UUID) -> None:
    """Delete a set with its prompts and versions; 409 while an unfinished job answers it."""
    prompt_set = await get_readable(session, user, prompt_set_id)
    jobs = await repository.jobs_using(session, prompt_set.id)
    if jobs:
        raise Conflict(
            f"the prompt set is used by unfinished jobs: {', '.join(str(job) for job in jobs[:10])}"
        )
    await repository.delete_set(session, prompt_set.id)


async def get_readable(session: AsyncSession, user: User, prompt_set_id: uuid.UUID) -> PromptSet:
    """A prompt set its owner (or an admin) may read; 404 for anyone else."""
    prompt_set = await repository.get_set(session, prompt_set_id)
    if prompt_set is None or (user.role is not Role.admin and prompt_set.owner_id != user.id):
        raise NotFound("prompt set not found")
    return prompt_set


async def sample(
    session: AsyncSession, user: User, prompt_set_id: uuid.UUID, limit: int, version: int | None = None
) -> list[PromptRead]:
    """The first ``limit`` prompts of ``version`` (None: the current one)."""
    prompt_set = await get_readable(session, user, prompt_set_id)
    number = check_version(prompt_set, version)
    prompts = await repository.first_prompts(session, prompt_set_id, limit, number)
    return [prompt_read(p.position, record_of(p)) for p in prompts]
