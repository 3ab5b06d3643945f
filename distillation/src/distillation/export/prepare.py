"""One record on its way into an export: converted to the format's view, checked, reported.

Shared by ``export()`` (files) and ``ExportStream`` (bytes handed to the caller), so both write the
same rows and skip the same records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from distillation.export.registry import ExportOptions, FormatSpec
from distillation.formats.convert import LossyConversion, RecordFormat, from_chat, to_chat
from distillation.formats.records import RecordError

__all__ = ["ExportReport", "prepare_record"]

_LISTED_SKIPS: Final = 20


def prepare_record(
    record: Mapping[str, Any],
    index: int,
    spec: FormatSpec,
    view: RecordFormat,
    options: ExportOptions,
    report: ExportReport,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Convert one record to the target view; ``None`` (and a warning) when it cannot be written.

    Returns:
        The record as a chat record (what split assignment hashes) and the row to write.
    """
    try:
        chat = to_chat(record)
        converted = from_chat(chat.record, view)
    except RecordError as exc:
        report.skip(index, str(exc))
        return None
    row = converted.record
    notes = chat.notes + converted.notes
    if not options.include_metadata:
        row.pop("metadata", None)
    if view is RecordFormat.CHAT and not spec.keeps_weight and any("weight" in m for m in row["messages"]):
        row["messages"] = [{k: v for k, v in m.items() if k != "weight"} for m in row["messages"]]
        notes += (LossyConversion("weight_dropped", "per-message 'weight' has no place in this format"),)
    if spec.validate is not None:
        issues = spec.validate(row)
        errors = [issue.message for issue in issues if issue.severity == "error"]
        if errors:
            report.skip(index, "; ".join(errors))
            return None
        notes += tuple(LossyConversion(i.code, i.message) for i in issues)
    for note in notes:
        report.note(index, note)
    return chat.record, row


@dataclass
class ExportReport:
    """Collects warnings without flooding: skips listed up to a cap, notes grouped by kind."""

    skipped: int = 0
    _skips: list[str] = field(default_factory=list)
    _notes: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    _other: list[str] = field(default_factory=list)

    def skip(self, index: int, reason: str) -> None:
        self.skipped += 1
        if len(self._skips) < _LISTED_SKIPS:
            self._skips.append(f"record {index} skipped: {reason}")

    def note(self, index: int, note: LossyConversion) -> None:
        count, first, detail = self._notes.get(note.kind, (0, index, note.detail))
        self._notes[note.kind] = (count + 1, first, detail)

    def warn(self, message: str) -> None:
        self._other.append(message)

    def lines(self) -> tuple[str, ...]:
        lines = list(self._skips)
        if self.skipped > len(self._skips):
            lines.append(f"... and {self.skipped - len(self._skips)} more skipped record(s)")
        for kind, (count, first, detail) in sorted(self._notes.items()):
            lines.append(f"{kind}: {count} record(s), e.g. record {first}: {detail}")
        return (*lines, *self._other)
