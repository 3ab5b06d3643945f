"""``distillery validate``: every row of a dataset file checked, with the line it starts on.

Without a data type each row must convert to a valid chat (any view: chat, Alpaca, ShareGPT,
prompt/completion). With one, the row's record (``metadata.record`` of rows ``generate`` wrote, or the
row itself) must also pass that data type's checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from distillation.commands.render import fail, plain
from distillation.datatypes import DataType, UnknownDataTypeError, get_datatype
from distillation.formats import FileFormatError, InputLimitError, RecordError, read_records, to_chat
from distillation.quality import check_messages, check_structure


@dataclass(frozen=True)
class LineProblem:
    """Why the row starting at ``line`` is unusable."""

    line: int
    reason: str


@dataclass
class CheckSummary:
    """Rows read, and the bad ones."""

    rows: int = 0
    bad: int = 0


def check_file(path: Path, datatype: DataType[Any] | None) -> Iterator[LineProblem | CheckSummary]:
    """Yield a :class:`LineProblem` per bad row, then the :class:`CheckSummary`.

    Raises:
        FileFormatError: The file cannot be read as JSONL, JSON or CSV at all.
        InputLimitError: The file exceeds the reader's limits.
    """
    summary = CheckSummary()
    for row in read_records(path):
        summary.rows += 1
        reasons = [row.error] if row.record is None else row_problems(row.record, datatype)
        if reasons:
            summary.bad += 1
            yield LineProblem(row.line, "; ".join(r for r in reasons if r))
    yield summary


def row_problems(record: Mapping[str, Any], datatype: DataType[Any] | None) -> list[str]:
    """Every reason one parsed row is unusable; empty when it is fine."""
    reasons = _chat_problems(record)
    if datatype is None:
        return reasons
    data = _typed_record(record)
    if data is None:
        if reasons:
            return reasons
        return [f"no {datatype.name} record to check (expected its fields, or metadata.record)"]
    structure = check_structure(datatype, data)
    return [f"{datatype.name}: {reason}" for reason in structure.reasons] + (
        reasons if "messages" in record else []
    )


def _chat_problems(record: Mapping[str, Any]) -> list[str]:
    try:
        chat = to_chat(record).record
    except RecordError as exc:
        return [str(exc)]
    return check_messages(chat["messages"])


def _typed_record(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The data-type record inside a row: ``metadata.record``, or the row itself when it is not a chat."""
    metadata = record.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("record"), Mapping):
        inner: Mapping[str, Any] = metadata["record"]
        return inner
    if "messages" in record or "conversations" in record:
        return None
    return {key: value for key, value in record.items() if key != "metadata"}


def validate_command(file: Path, data_type: str | None) -> int:
    """Print each bad row's line and reason, then a summary; returns 1 when a row is bad (or none is read)."""
    console = Console()
    try:
        datatype = get_datatype(data_type) if data_type else None
        summary = CheckSummary()
        for item in check_file(file, datatype):
            if isinstance(item, CheckSummary):
                summary = item
            else:
                plain(console, f"line {item.line}: {item.reason}")
    except (UnknownDataTypeError, FileFormatError, InputLimitError) as exc:
        return fail(Console(stderr=True), exc)
    plain(console, f"{summary.rows} rows: {summary.rows - summary.bad} valid, {summary.bad} invalid")
    return 1 if summary.bad or not summary.rows else 0
