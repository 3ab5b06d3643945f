"""Exporting a dataset version in a training format, streamed from the database in batches.

The bytes are those ``distillation.export.export`` writes for the same records in the same order (a
test compares them): text formats go through the library's streaming encoder
(``distillation.export.ExportStream``) row by row while the response streams; Parquet needs its footer
at the end, so its rows (prepared by the library's ``prepare_record``) go to a temporary file first.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.errors import BadRequest
from app.datasets.example_repository import ExampleRepository
from app.models import Dataset, Example
from distillation.commands.convert import parse_splits
from distillation.export import (
    DEFAULT_SPLITS,
    ExportOptions,
    ExportReport,
    ExportStream,
    FormatSpec,
    Sink,
    assign_split,
    get_format,
    prepare_record,
    validate_splits,
)
from distillation.export.preference import get_preference_format
from distillation.export.writers import JsonlEncoder
from distillation.formats import RecordFormat

MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "openai": "application/x-ndjson",
    "json": "application/json",
    "alpaca": "application/json",
    "sharegpt": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "trl-dpo": "application/x-ndjson",
    "openai-preference": "application/x-ndjson",
}
# The library's preference formats (``distillation.export.preference``): a preference job's rows as
# prompt / chosen / rejected, kept apart from the chat formats (one conversation per record).
PREFERENCE_FORMATS = ("trl-dpo", "openai-preference")
PREFERENCE_FIELDS = ("prompt", "chosen", "rejected")


@dataclass(frozen=True, slots=True)
class SplitChoice:
    """One split of a deterministic train/validation/test split: the rows the library puts there."""

    name: str
    ratios: dict[str, float]
    seed: int

    @classmethod
    def of(cls, split: str | None, splits: str | None, seed: int) -> SplitChoice | None:
        """The split to export, from the query; None for the whole version.

        Raises:
            BadRequest: The ratios do not parse or sum to 1, or ``split`` is not one of them.
        """
        if split is None:
            if splits is not None:
                raise BadRequest("name the split to download with split=, e.g. split=train")
            return None
        try:
            ratios = validate_splits(parse_splits(splits) or DEFAULT_SPLITS)
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
        if split not in ratios:
            raise BadRequest(f"split {split!r} is not one of {', '.join(ratios)}")
        return cls(split, ratios, seed)

    def holds(self, chat: dict[str, Any]) -> bool:
        """Whether a chat record is assigned to this split (the same rule as the library's)."""
        return assign_split(chat, self.ratios, seed=self.seed) == self.name


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What to write: the format, the record view, and the writer options."""

    spec: FormatSpec
    view: RecordFormat
    include_metadata: bool
    spreadsheet_safe: bool
    split: SplitChoice | None = None

    @classmethod
    def of(cls, fmt: str, *, spreadsheet_safe: bool = True, split: SplitChoice | None = None) -> ExportPlan:
        """The plan of a registered format with its default style."""
        spec = get_format(fmt)
        return cls(spec, spec.view(None), spec.keeps_metadata, spreadsheet_safe, split)

    def stream(self) -> ExportStream:
        """The library's streaming encoder of this export (text formats)."""
        split = self.split
        if split is None:
            return ExportStream(self.spec.name, spreadsheet_safe=self.spreadsheet_safe)
        return ExportStream(
            self.spec.name,
            spreadsheet_safe=self.spreadsheet_safe,
            splits=split.ratios,
            split=split.name,
            seed=split.seed,
        )

    def prepare(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """The row the library writes for ``record``; None where the library skips it (or another split)."""
        options = ExportOptions(self.include_metadata, self.spreadsheet_safe)
        prepared = prepare_record(record, 0, self.spec, self.view, options, ExportReport())
        if prepared is None or (self.split is not None and not self.split.holds(prepared[0])):
            return None
        return prepared[1]


def export_record(example: Example) -> dict[str, Any]:
    """An example as the canonical chat record the library exports."""
    record: dict[str, Any] = {"messages": example.messages}
    tools = (example.record or {}).get("tools")
    if isinstance(tools, list) and tools:  # a tool-calling row: its tools go beside its messages
        record["tools"] = tools
    metadata = (example.record or {}).get("metadata")
    if isinstance(metadata, dict):
        record["metadata"] = metadata
    return record


def preference_record(example: Example) -> dict[str, Any] | None:
    """A preference job's row as the library's preference row (prompt, chosen, rejected); None otherwise."""
    record = example.record or {}
    if not all(isinstance(record.get(field), list) for field in PREFERENCE_FIELDS):
        return None
    return {field: record[field] for field in PREFERENCE_FIELDS}


async def check_preferences(session: AsyncSession, dataset_id: Any, version: int) -> None:
    """Refuse a preference export of a version whose first row is not a preference pair.

    Raises:
        BadRequest: The dataset was not made by a preference job.
    """
    async for batch in ExampleRepository(session).iter_examples(dataset_id, version, batch=1):
        if batch and preference_record(batch[0]) is None:
            formats = " and ".join(PREFERENCE_FORMATS)
            raise BadRequest(f"{formats} export preference pairs: this dataset's rows are not pairs")
        return


async def stream_preferences(
    maker: async_sessionmaker[AsyncSession], dataset_id: Any, version: int, fmt: str
) -> AsyncIterator[bytes]:
    """A preference export, written as ``distillation.export.export_preferences`` writes it (rows that are
    not pairs, or that the format refuses, are left out)."""
    spec = get_preference_format(fmt)
    encoder = JsonlEncoder()
    async with maker() as session:
        async for batch in ExampleRepository(session).iter_examples(dataset_id, version):
            lines = []
            for example in batch:
                row = preference_record(example)
                if row is None:
                    continue
                try:
                    lines.append(encoder.encode(spec.convert(row)))
                except ValueError:
                    continue
            if lines:
                yield b"".join(lines)


def filename(dataset: Dataset, version: int, fmt: str, split: str | None = None) -> str:
    """A Content-Disposition value: an ASCII fallback name and the UTF-8 one (RFC 6266)."""
    extension = ".jsonl" if fmt in PREFERENCE_FORMATS else get_format(fmt).extension
    named = ("openai", "alpaca", "sharegpt", *PREFERENCE_FORMATS)
    base = f"{dataset.name}-v{version}{'-' + fmt if fmt in named else ''}"
    base += f"-{split}" if split else ""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:120] or "dataset"
    utf8_name = quote(base.replace("/", "_")[:200] + extension, safe="")
    return f"attachment; filename=\"{ascii_name}{extension}\"; filename*=UTF-8''{utf8_name}"


async def stream_text(
    maker: async_sessionmaker[AsyncSession], dataset_id: Any, version: int, plan: ExportPlan
) -> AsyncIterator[bytes]:
    """The export file, a batch of rows at a time, read in its own session (the request's is closed)."""
    stream = plan.stream()
    head = stream.head()
    if head:
        yield head
    async with maker() as session:
        async for batch in ExampleRepository(session).iter_examples(dataset_id, version):
            chunk = b"".join(stream.encode(export_record(example)) for example in batch)
            if chunk:
                yield chunk
    yield stream.tail()


def _rows(plan: ExportPlan, batch: list[Example]) -> Iterator[dict[str, Any]]:
    for example in batch:
        row = plan.prepare(export_record(example))
        if row is not None:
            yield row


def _write_rows(sink: Sink, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        sink.write(sink.default_split, row)


async def write_file(
    session: AsyncSession, dataset_id: Any, version: int, plan: ExportPlan, path: Path
) -> None:
    """Write the export to ``path`` through the library's own sink (Parquet)."""
    options = ExportOptions(plan.include_metadata, plan.spreadsheet_safe)
    sink = plan.spec.open_sink(path, None, plan.view, options)
    try:
        async for batch in ExampleRepository(session).iter_examples(dataset_id, version):
            await asyncio.to_thread(_write_rows, sink, list(_rows(plan, batch)))
        await asyncio.to_thread(sink.close)
    except BaseException:
        sink.abort()
        raise
