"""Exporting a dataset version in a training format, streamed from the database in batches.

The bytes are those ``distillation.export.export`` writes for the same records in the same order (a
test compares them): the records go through the library's format registry, conversions and validators,
and each row is serialized as the library's writers do. Text formats are encoded row by row while the
response streams; Parquet needs its footer at the end, so it is written to a temporary file first.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.datasets import repository
from app.models import Dataset, Example
from distillation.export import ExportOptions, FormatSpec, Sink, get_format, spreadsheet_safe
from distillation.export.writers import CSV_COLUMNS, dumps
from distillation.formats import RecordError, RecordFormat, from_chat, to_chat

MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "openai": "application/x-ndjson",
    "json": "application/json",
    "alpaca": "application/json",
    "sharegpt": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
_LAYOUTS = {"jsonl": "lines", "openai": "lines", "json": "array", "alpaca": "array", "sharegpt": "array"}


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What to write: the format, the record view, and the writer options."""

    spec: FormatSpec
    view: RecordFormat
    include_metadata: bool
    spreadsheet_safe: bool

    @classmethod
    def of(cls, fmt: str, *, spreadsheet_safe: bool = True) -> ExportPlan:
        """The plan of a registered format with its default style."""
        spec = get_format(fmt)
        return cls(spec, spec.view(None), spec.keeps_metadata, spreadsheet_safe)

    def prepare(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """The row the library writes for ``record``; None where the library skips it."""
        try:
            row = from_chat(to_chat(record).record, self.view).record
        except RecordError:
            return None
        if not self.include_metadata:
            row.pop("metadata", None)
        if self.view is RecordFormat.CHAT and not self.spec.keeps_weight:
            row["messages"] = [{k: v for k, v in m.items() if k != "weight"} for m in row["messages"]]
        if self.spec.validate is not None:
            if any(issue.severity == "error" for issue in self.spec.validate(row)):
                return None
        return row


def export_record(example: Example) -> dict[str, Any]:
    """An example as the canonical chat record the library exports."""
    record: dict[str, Any] = {"messages": example.messages}
    metadata = (example.record or {}).get("metadata")
    if isinstance(metadata, dict):
        record["metadata"] = metadata
    return record


def filename(dataset: Dataset, version: int, fmt: str) -> str:
    """A Content-Disposition value: an ASCII fallback name and the UTF-8 one (RFC 6266)."""
    extension = get_format(fmt).extension
    base = f"{dataset.name}-v{version}{'-' + fmt if fmt in ('openai', 'alpaca', 'sharegpt') else ''}"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[:120] or "dataset"
    utf8_name = quote(base.replace("/", "_")[:200] + extension, safe="")
    return f"attachment; filename=\"{ascii_name}{extension}\"; filename*=UTF-8''{utf8_name}"


async def stream_text(
    maker: async_sessionmaker[AsyncSession], dataset_id: Any, version: int, plan: ExportPlan
) -> AsyncIterator[bytes]:
    """The export file, a batch of rows at a time, read in its own session (the request's is closed)."""
    encoder, head = _encoder(plan)
    if head:
        yield head
    async with maker() as session:
        async for batch in repository.iter_examples(session, dataset_id, version):
            chunk = b"".join(encoder.send(row) for row in _rows(plan, batch))
            if chunk:
                yield chunk
    yield encoder.send(None)


def _rows(plan: ExportPlan, batch: list[Example]) -> Iterator[dict[str, Any]]:
    for example in batch:
        row = plan.prepare(export_record(example))
        if row is not None:
            yield row


def _encoder(plan: ExportPlan) -> tuple[Any, bytes]:
    """A generator that takes rows by ``send`` and gives their bytes (None ends the file); and the head."""
    layout = _LAYOUTS.get(plan.spec.name, "csv")
    encoder = {"lines": _lines, "array": _array, "csv": _csv}[layout](plan)
    head: bytes = next(encoder)
    return encoder, head


def _lines(plan: ExportPlan) -> Any:
    """JsonlWriter's bytes: one ``dumps`` line per row."""
    out = b""
    while (row := (yield out)) is not None:
        out = dumps(row).encode() + b"\n"
    yield b""


def _array(plan: ExportPlan) -> Any:
    """JsonArrayWriter's bytes: ``[`` then rows joined by ``,\\n``, then ``]``."""
    out, count = b"", 0
    while (row := (yield out)) is not None:
        out = (b",\n" if count else b"[\n") + dumps(row).encode()
        count += 1
    yield b"\n]\n" if count else b"[]\n"


def _csv(plan: ExportPlan) -> Any:
    """CsvWriter's bytes: a fixed header per view, nested values as JSON, formula-safe cells."""
    columns = CSV_COLUMNS[plan.view] + (("metadata",) if plan.include_metadata else ())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def encode(cells: Any) -> bytes:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    out = encode(columns)
    while (row := (yield out)) is not None:
        out = encode([_cell(row.get(c), plan.spreadsheet_safe) for c in columns])
    yield b""


def _cell(value: Any, safe: bool) -> str:
    text = "" if value is None else value if isinstance(value, str) else dumps(value)
    return spreadsheet_safe(text) if safe else text


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
        async for batch in repository.iter_examples(session, dataset_id, version):
            await asyncio.to_thread(_write_rows, sink, list(_rows(plan, batch)))
        await asyncio.to_thread(sink.close)
    except BaseException:
        sink.abort()
        raise
