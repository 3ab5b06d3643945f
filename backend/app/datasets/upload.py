"""Uploading a dataset file: JSONL, JSON array, CSV or Parquet in any record view, converted to chat records.

Besides the chat-style views, a data type's own records (``{"question", "answer"}`` for ``qa``, the
shape ``GET /data-types`` shows) are read through that data type.

The file is streamed through the library's safe reader (size, line and nesting limits, per-row errors
with line numbers). Without ``on_error=skip`` one bad row stores nothing: the error aborts the request's
transaction, so the rows already inserted are rolled back with the dataset. Rows that
``distillery generate`` wrote keep their stage, judge score and provenance from their ``metadata``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError, BadRequest, PayloadTooLarge
from app.datasets import service
from app.datasets.example_repository import ExampleRepository
from app.datasets.repository import DatasetVersionRepository
from app.datasets.schemas import DatasetCreate, DatasetRead, OnError, RowError, UploadResult
from app.models import User
from distillation.datatypes import typed_record_to_chat
from distillation.formats import (
    FileFormatError,
    InputLimitError,
    ReadLimits,
    ReadRow,
    detect_file_format,
    read_chat_records,
)

BATCH = 500
LISTED_ERRORS = 100


class InvalidRows(AppError):
    """Rows of the uploaded file could not be read; ``detail`` lists them with line numbers."""

    status_code = 422
    error = "invalid_rows"


@dataclass
class _Tally:
    stored: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    warnings: dict[str, RowError] = field(default_factory=dict)

    def bad(self, row: ReadRow) -> None:
        self.skipped += 1
        if len(self.errors) < LISTED_ERRORS:
            self.errors.append(RowError(line=row.line, reason=row.error or "unreadable row"))

    def lossy(self, row: ReadRow) -> None:
        """Remember what a stored row left out, once per distinct message."""
        # Every row of a CSV with an extra column carries the same note: list it once, at its first line.
        for note in row.notes:
            if note.detail not in self.warnings and len(self.warnings) < LISTED_ERRORS:
                self.warnings[note.detail] = RowError(line=row.line, reason=note.detail)


async def upload(
    session: AsyncSession,
    user: User,
    body: DatasetCreate,
    stream: IO[bytes],
    filename: str | None,
    *,
    on_error: OnError,
    max_bytes: int,
) -> UploadResult:
    """Create a dataset at version 1 from an uploaded file."""
    file_format = detect_file_format(filename, stream.read(64))
    stream.seek(0)
    dataset = await service.create(session, user, body, reason="upload")
    limits = ReadLimits(max_total_bytes=max_bytes)
    rows = read_chat_records(stream, file_format=file_format, limits=limits, fallback=typed_record_to_chat)
    tally = _Tally()
    while batch := await asyncio.to_thread(_next_batch, rows):
        good: list[dict[str, Any]] = []
        for row in batch:
            if row.record is None:
                tally.bad(row)
                continue
            if tally.skipped and on_error == "fail":
                continue  # nothing will be stored; keep reading only to report more bad lines
            good.append(_example(dataset.id, tally.stored + len(good), row, filename))
            tally.lossy(row)
        if on_error == "fail" and len(tally.errors) >= LISTED_ERRORS:
            break
        await ExampleRepository(session).add_rows(good)
        tally.stored += len(good)
    if tally.skipped and (on_error == "fail" or tally.stored == 0):
        raise InvalidRows([e.model_dump() for e in tally.errors])
    if tally.stored == 0:
        raise BadRequest("the file holds no records")
    dataset.example_count = tally.stored
    version = await DatasetVersionRepository(session).get_version(dataset.id, 1)
    if version is not None:
        version.example_count = tally.stored
    return UploadResult(
        dataset=DatasetRead.model_validate(dataset),
        file_format=file_format.value,
        stored=tally.stored,
        skipped=tally.skipped,
        skipped_rows=tally.errors,
        warnings=list(tally.warnings.values()),
    )


def _next_batch(rows: Iterator[ReadRow]) -> list[ReadRow]:
    """The next rows of the file; reading raises the file-level errors as API errors."""
    try:
        return list(islice(rows, BATCH))
    except InputLimitError as exc:
        raise PayloadTooLarge(str(exc)) from exc
    except FileFormatError as exc:
        raise BadRequest(str(exc)) from exc


def _example(dataset_id: Any, position: int, row: ReadRow, filename: str | None) -> dict[str, Any]:
    assert row.record is not None
    metadata = row.record.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else None
    generated = _generated(metadata or {})
    values = service.example_row(
        dataset_id,
        position,
        [dict(m) for m in row.record["messages"]],
        metadata=metadata,
        stage=generated.stage or "imported",
        provenance={
            **generated.provenance,
            "source": "upload",
            "file": (filename or "")[:255],
            "line": row.line,
        },
    )
    return values | {"score": generated.score, "scores": generated.scores}


@dataclass(frozen=True, slots=True)
class _Generated:
    stage: str | None
    score: float | None
    scores: dict[str, Any] | None
    provenance: dict[str, Any]


def _generated(metadata: dict[str, Any]) -> _Generated:
    """Stage, judge score and provenance of a row written by ``distillery generate`` (none for others)."""
    provenance = metadata.get("provenance")
    provenance = provenance if isinstance(provenance, dict) else {}
    stage = provenance.get("stage")
    score = metadata.get("score")
    scores = provenance.get("judge_scores")
    if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 10:
        score = None
    return _Generated(
        stage=stage[:32] if isinstance(stage, str) and stage else None,
        score=None if score is None else float(score),
        scores=scores if isinstance(scores, dict) else None,
        provenance=provenance,
    )
