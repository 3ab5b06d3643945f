"""Read a prompt set from a file or folder: per-line errors, dedup, and a report of what was kept.

JSONL, JSON arrays and CSV go through the upload reader (:func:`distillation.formats.read_records`), so
a prompt set gets the same limits and per-line errors as a dataset upload. Parquet files and Hugging
Face ``save_to_disk`` folders are read with pyarrow (the ``export`` extra), batch by batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from distillation.formats import FileFormat, FileFormatError, ReadLimits, ReadRow, read_records
from distillation.promptsets.records import PromptError, PromptMapping, PromptRecord, to_prompt


class PromptFormat(StrEnum):
    """Layouts a prompt set can come in."""

    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    PARQUET = "parquet"
    HF = "hf"  # a Hugging Face ``save_to_disk`` folder


class TooManyErrors(ValueError):
    """More bad lines than allowed; the import stopped at the line named."""


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that holds no usable prompt, and why."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A prompt repeated from an earlier line (same fingerprint), left out."""

    line: int
    first_line: int


@dataclass
class PromptSet:
    """What an import kept and what it left out.

    Attributes:
        prompts: The prompts, in file order, each once.
        errors: Lines that held no usable prompt.
        duplicates: Lines that repeated an earlier prompt.
    """

    prompts: list[PromptRecord] = field(default_factory=list)
    errors: list[BadLine] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)

    def summary(self) -> str:
        """One line: prompts, duplicates and bad lines."""
        return (
            f"{len(self.prompts)} prompts, {len(self.duplicates)} duplicates skipped, "
            f"{len(self.errors)} bad lines"
        )


def detect_prompt_format(path: Path) -> PromptFormat | None:
    """The layout from the path: a ``save_to_disk`` folder, ``.parquet``; ``None`` for the text readers."""
    if path.is_dir():
        return PromptFormat.HF
    if path.suffix.lower() in (".parquet", ".pq"):
        return PromptFormat.PARQUET
    return None


def read_prompt_set(
    path: str | Path,
    *,
    file_format: PromptFormat | str | None = None,
    mapping: PromptMapping | None = None,
    max_errors: int | None = None,
    dedup: bool = True,
    limits: ReadLimits | None = None,
) -> PromptSet:
    """Read every prompt of ``path``.

    Args:
        path: A JSONL, JSON or CSV file, a Parquet file, or a ``save_to_disk`` folder.
        file_format: The layout; detected from the path (and a text file's first bytes) when omitted.
        mapping: Which fields are the prompt, system prompt, reference and variables (auto-detected).
        max_errors: Stop with ``TooManyErrors`` at the bad line past this many; ``None`` never stops.
        dedup: Leave out prompts whose fingerprint an earlier line had.
        limits: Size limits of the text readers.

    Raises:
        TooManyErrors: More than ``max_errors`` bad lines.
        FileFormatError: The file cannot be read as the layout at all.

    Example:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "p.jsonl").write_text('{"prompt": "Hi"}\\n{"oops": 1}\\n{"prompt": "hi"}\\n')
        >>> read_prompt_set(folder / "p.jsonl").summary()
        '1 prompts, 1 duplicates skipped, 1 bad lines'
    """
    path = Path(path)
    fmt = PromptFormat(file_format) if file_format else detect_prompt_format(path)
    result, first_lines = PromptSet(), dict[str, int]()
    for row in _rows(path, fmt, limits):
        prompt, reason = None, row.error
        if row.record is not None:
            try:
                prompt = to_prompt(row.record, row.line, mapping)
            except PromptError as exc:
                reason = str(exc)
            except ValueError as exc:  # the record's values break the typed prompt
                reason = f"invalid prompt: {exc}"
        if prompt is None:
            result.errors.append(BadLine(row.line, reason or "unreadable"))
            if max_errors is not None and len(result.errors) > max_errors:
                raise TooManyErrors(f"line {row.line}: {reason} (more than {max_errors} bad lines)")
            continue
        first = first_lines.setdefault(prompt.fingerprint, prompt.line)
        if dedup and first != prompt.line:
            result.duplicates.append(Duplicate(prompt.line, first))
            continue
        result.prompts.append(prompt)
    return result


def _rows(path: Path, fmt: PromptFormat | None, limits: ReadLimits | None) -> Iterator[ReadRow]:
    if fmt in (PromptFormat.PARQUET, PromptFormat.HF):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise FileFormatError(
                f"reading {fmt.value} needs pyarrow: pip install 'distillation[export]'"
            ) from None
        if fmt is PromptFormat.HF:
            return _arrow_folder_rows(path)
    return read_records(path, file_format=FileFormat(fmt.value) if fmt else None, limits=limits)


def _arrow_folder_rows(folder: Path) -> Iterator[ReadRow]:
    """The rows of a ``save_to_disk`` folder (a ``DatasetDict``: its ``train`` split, else the first)."""
    import pyarrow as pa

    splits_file = folder / "dataset_dict.json"
    if splits_file.is_file():
        splits = json.loads(splits_file.read_text())["splits"]
        folder = folder / ("train" if "train" in splits else splits[0])
    state = json.loads((folder / "state.json").read_text())
    number = 0
    for data_file in state["_data_files"]:
        with pa.memory_map(str(folder / data_file["filename"])) as source:
            for batch in pa.ipc.open_stream(source):
                for record in batch.to_pylist():
                    number += 1
                    yield ReadRow(number, _plain(record))


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A columnar row as JSON-like values (dates and other non-JSON scalars become text)."""
    plain: dict[str, Any] = json.loads(json.dumps(record, default=str))
    return plain
