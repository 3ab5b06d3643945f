"""Streaming file writers: JSONL, JSON array and CSV, plus the sink that routes records to split files.

The bytes come from encoders (``JsonlEncoder``, ``JsonArrayEncoder``, ``CsvEncoder``) that turn one
record at a time into bytes; the writers put them in a file and ``ExportStream`` hands them to a caller
(an HTTP response), so both give identical bytes. Every writer takes one record at a time, so memory
stays flat however large the export. Output is deterministic: keys sorted, fixed separators, ``\\n``
line ends and no timestamps, so the same records in the same order give byte-identical files. A file
appears under its final name only once it is complete (written to a hidden ``.partial`` file, then
renamed), so a failed export never leaves half a file.
"""

from __future__ import annotations

import json
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Self

from distillation.formats.convert import RecordFormat

__all__ = [
    "CSV_COLUMNS",
    "CsvEncoder",
    "CsvWriter",
    "EncodedWriter",
    "Encoder",
    "FileSink",
    "JsonArrayEncoder",
    "JsonArrayWriter",
    "JsonlEncoder",
    "JsonlWriter",
    "RecordWriter",
    "Sink",
    "csv_row",
    "dumps",
    "spreadsheet_safe",
]

CSV_COLUMNS: Final[Mapping[RecordFormat, tuple[str, ...]]] = {
    RecordFormat.FLAT: ("system", "user", "assistant"),
    RecordFormat.INSTRUCTION: ("instruction", "input", "output", "system", "history"),
    RecordFormat.PROMPT_COMPLETION: ("prompt", "completion"),
}
# OWASP CSV-injection guidance: spreadsheets evaluate cells starting with these as formulas.
_FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
# A trigger right after a line break inside a cell: a reader that splits lines before it parses
# quotes (or a pasted cell) sees a new line that starts with a formula.
_FORMULA_AFTER_BREAK: Final = re.compile(r"(\r\n|\r|\n)(?=[=+\-@\t])")
# RFC 4180: a cell holding any of these is quoted. The csv module quotes only the characters of its
# own line terminator, so with "\n" it wrote a bare "\r" unquoted and readers split the row there.
_NEEDS_QUOTES: Final = re.compile(r'[",\r\n]')


def dumps(value: Any) -> str:
    """Deterministic compact JSON: sorted keys, fixed separators, UTF-8 text where it can be encoded."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # unpaired surrogates in metadata: keep them as \\u escapes
        text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text


def spreadsheet_safe(cell: str) -> str:
    """Prefix a cell, and every line inside it, with ``'`` when a spreadsheet would read it as a formula.

    Example:
        >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")"), spreadsheet_safe("plain\\n=1+1")
        ('\\'=HYPERLINK("http://x")', "plain\\n'=1+1")
    """
    cell = _FORMULA_AFTER_BREAK.sub(r"\1'", cell)
    return "'" + cell if cell.startswith(_FORMULA_PREFIXES) else cell


def csv_row(cells: Sequence[str]) -> str:
    """One CSV line: cells joined by commas, quoted (RFC 4180) when they hold ``"``, ``,``, CR or LF.

    Example:
        >>> print(csv_row(["a", "b,c", 'say "hi" now']), end="")
        a,"b,c","say ""hi"" now"
    """
    quoted = ('"' + c.replace('"', '""') + '"' if _NEEDS_QUOTES.search(c) else c for c in cells)
    return ",".join(quoted) + "\n"


class RecordWriter(ABC):
    """Writes records of one view to one file; use as a context manager or call ``close``/``abort``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._partial = path.with_name(f".{path.name}.partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = open(self._partial, "wb")  # closed by close() or abort()
        self.count = 0

    @abstractmethod
    def write(self, record: Mapping[str, Any]) -> None:
        """Append one record."""

    def _finish(self) -> None:  # noqa: B027 - optional hook, most formats need no trailer
        """Write whatever closes the file (e.g. a JSON array's ``]``)."""

    def close(self) -> None:
        """Finish the file and move it to its final name."""
        self._finish()
        self._file.close()
        os.replace(self._partial, self.path)

    def abort(self) -> None:
        """Drop the unfinished file."""
        self._file.close()
        self._partial.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class Encoder(ABC):
    """Turns records into the bytes of one file, one record at a time: ``head``, ``encode``..., ``tail``."""

    def head(self) -> bytes:
        """What the file starts with (e.g. a CSV header)."""
        return b""

    @abstractmethod
    def encode(self, record: Mapping[str, Any]) -> bytes:
        """The bytes of one record (records must come in file order)."""

    def tail(self) -> bytes:
        """What the file ends with (e.g. a JSON array's ``]``)."""
        return b""


class JsonlEncoder(Encoder):
    """One JSON object per line."""

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """One line."""
        return dumps(record).encode() + b"\n"


class JsonArrayEncoder(Encoder):
    """A JSON array with one record per line."""

    def __init__(self) -> None:
        self.count = 0

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """The record, after ``[`` or a comma."""
        out = (b",\n" if self.count else b"[\n") + dumps(record).encode()
        self.count += 1
        return out

    def tail(self) -> bytes:
        """``]`` (an empty array when no record came)."""
        return b"\n]\n" if self.count else b"[]\n"


class CsvEncoder(Encoder):
    """CSV with a fixed header per view; nested values become JSON text.

    Args:
        style: ``flat``, ``instruction`` or ``prompt_completion``.
        include_metadata: Add a ``metadata`` column with the metadata as JSON.
        safe: Prefix formula-like cells with ``'`` (default on: the file is meant for spreadsheets;
            turn it off when a program reads the CSV and needs the exact text).

    Raises:
        ValueError: The view has nested columns CSV cannot hold.
    """

    def __init__(self, style: RecordFormat, *, include_metadata: bool, safe: bool = True) -> None:
        if style not in CSV_COLUMNS:
            raise ValueError(
                f"CSV cannot hold the {style.value!r} view; use one of {[s.value for s in CSV_COLUMNS]}"
            )
        self._columns = CSV_COLUMNS[style] + (("metadata",) if include_metadata else ())
        self._safe = safe

    def head(self) -> bytes:
        """The header row."""
        return self._row(list(self._columns))

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """One row."""
        return self._row([self._cell(record.get(column)) for column in self._columns])

    def _row(self, cells: list[str]) -> bytes:
        return csv_row(cells).encode("utf-8")

    def _cell(self, value: Any) -> str:
        text = "" if value is None else value if isinstance(value, str) else dumps(value)
        return spreadsheet_safe(text) if self._safe else text


class EncodedWriter(RecordWriter):
    """A file written by an :class:`Encoder`."""

    def __init__(self, path: Path, encoder: Encoder) -> None:
        self.encoder = encoder
        head = encoder.head()  # before the file opens: a bad view raises without leaving a file
        super().__init__(path)
        self._file.write(head)

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one record."""
        self._file.write(self.encoder.encode(record))
        self.count += 1

    def _finish(self) -> None:
        self._file.write(self.encoder.tail())


class JsonlWriter(EncodedWriter):
    """One JSON object per line."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, JsonlEncoder())


class JsonArrayWriter(EncodedWriter):
    """A JSON array with one record per line, streamed."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, JsonArrayEncoder())


class CsvWriter(EncodedWriter):
    """CSV with a fixed header per view (see :class:`CsvEncoder` for the arguments)."""

    def __init__(self, path: Path, style: RecordFormat, *, include_metadata: bool, safe: bool = True) -> None:
        super().__init__(path, CsvEncoder(style, include_metadata=include_metadata, safe=safe))


class Sink(ABC):
    """Receives (split, record) pairs and produces one output per split."""

    default_split: str = "all"
    """The split name used when the export has no splits."""

    @abstractmethod
    def write(self, split: str, record: Mapping[str, Any]) -> None:
        """Route one record to its split."""

    @abstractmethod
    def close(self) -> dict[str, Path]:
        """Finish every output; returns split name -> path."""

    @abstractmethod
    def abort(self) -> None:
        """Remove unfinished output."""


class FileSink(Sink):
    """One file per split: ``<out>`` itself without splits, ``<out>/<split><ext>`` with them.

    Every declared split gets a file, empty or not, so an export always has the same set of files.
    """

    def __init__(
        self, out: Path, splits: Sequence[str] | None, extension: str, factory: Callable[[Path], RecordWriter]
    ) -> None:
        paths = {name: out / f"{name}{extension}" for name in splits} if splits else {"all": out}
        self._writers: dict[str, RecordWriter] = {}
        try:
            for name, path in paths.items():
                self._writers[name] = factory(path)
        except BaseException:
            self.abort()
            raise

    def write(self, split: str, record: Mapping[str, Any]) -> None:
        """Append the record to its split's file."""
        self._writers[split].write(record)

    def close(self) -> dict[str, Path]:
        """Finish all files."""
        for writer in self._writers.values():
            writer.close()
        return {name: writer.path for name, writer in self._writers.items()}

    def abort(self) -> None:
        """Remove all unfinished files."""
        for writer in self._writers.values():
            writer.abort()
