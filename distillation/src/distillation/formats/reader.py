"""Stream records out of an uploaded JSONL, JSON-array, CSV or Parquet file, safely.

Uploads are untrusted: the reader never holds more than one line (or one array element) in memory,
refuses files past the configured size and row limits, and turns every bad row into a ``ReadRow`` with
its line number and reason instead of stopping. Rows are checked for invalid UTF-8, over-long lines,
deep nesting, duplicate keys, ``NaN``/``Infinity`` and integers too long to convert; a leading BOM and
``\\r\\n`` line ends are accepted.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Final

from distillation.formats._jsonarray import ArrayFormatError, ArraySplitter
from distillation.formats.convert import Converted, LossyConversion, detect_format, to_chat
from distillation.formats.records import RecordError

__all__ = [
    "FileFormat",
    "FileFormatError",
    "InputLimitError",
    "ReadLimits",
    "ReadRow",
    "detect_file_format",
    "read_chat_records",
    "read_records",
]

_BOM: Final = b"\xef\xbb\xbf"
_CHUNK: Final = 1 << 16
_SUFFIXES: Final = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_PARQUET_MAGIC: Final = b"PAR1"
_PARQUET_BATCH: Final = 256


class FileFormat(StrEnum):
    """File layouts the reader understands."""

    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    PARQUET = "parquet"


class FileFormatError(ValueError):
    """The file as a whole cannot be read (wrong layout, bad CSV header)."""


class InputLimitError(ValueError):
    """The file is larger than the limits allow; reading stopped."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Limits applied while reading an untrusted file.

    Attributes:
        max_line_bytes: Longest JSONL line, JSON array element or CSV line; longer ones become error rows.
        max_rows: Most rows (good or bad) before ``InputLimitError``.
        max_total_bytes: Most bytes read before ``InputLimitError``; ``None`` for no limit.
        max_depth: Deepest nesting of arrays/objects in one record.
    """

    max_line_bytes: int = 1 << 20
    max_rows: int = 1_000_000
    max_total_bytes: int | None = 1 << 30
    max_depth: int = 32


@dataclass(frozen=True, slots=True)
class ReadRow:
    """One row of the file: a parsed record or the reason it could not be parsed.

    Attributes:
        line: 1-based line where the row starts.
        record: The parsed JSON object (or CSV row), ``None`` on error.
        error: Why the row was rejected, ``None`` when it was read.
        notes: What a conversion to chat lost (``read_chat_records`` only).
    """

    line: int
    record: dict[str, Any] | None
    error: str | None = None
    notes: tuple[LossyConversion, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the row was read."""
        return self.error is None


def detect_file_format(name: str | None, head: bytes) -> FileFormat:
    """Pick the file layout from its name, or from its first bytes when the name does not say.

    Args:
        name: File name (only the suffix is used), or ``None``.
        head: The first bytes of the file.

    Returns:
        The layout. A ``.json`` file holding one object per line is read as JSONL.
    """
    if head.startswith(_PARQUET_MAGIC):
        return FileFormat.PARQUET
    first = head.removeprefix(_BOM).lstrip()[:1]
    by_suffix = _SUFFIXES.get(Path(name).suffix.lower()) if name else None
    if by_suffix == "json" and first == b"{":
        return FileFormat.JSONL
    if by_suffix is not None:
        return FileFormat(by_suffix)
    if first == b"[":
        return FileFormat.JSON
    if first in (b"{", b""):
        return FileFormat.JSONL
    return FileFormat.CSV


def read_records(
    source: str | Path | IO[bytes],
    *,
    file_format: FileFormat | str | None = None,
    limits: ReadLimits | None = None,
) -> Iterator[ReadRow]:
    """Stream the rows of a JSONL, JSON-array, CSV or Parquet file (Parquet: a row number for a line).

    Args:
        source: A path or a binary stream.
        file_format: The layout; detected from the name and first bytes when omitted.
        limits: Size limits; ``ReadLimits()`` when omitted.

    Yields:
        One ``ReadRow`` per row, in file order; bad rows carry ``error`` and the reading goes on.

    Raises:
        FileFormatError: The file cannot be read as the chosen layout at all.
        InputLimitError: The file exceeds ``max_rows`` or ``max_total_bytes``.

    Example:
        >>> import io
        >>> [r.line for r in read_records(io.BytesIO(b'{"a": 1}\\nnot json\\n')) if not r.ok]
        [2]
    """
    limits = limits or ReadLimits()
    with ExitStack() as stack:
        stream = stack.enter_context(open(source, "rb")) if isinstance(source, str | Path) else source
        byte_source = _ByteSource(stream, limits.max_total_bytes)
        head = byte_source.peek(64)
        name = str(source) if isinstance(source, str | Path) else getattr(stream, "name", None)
        name = name if isinstance(name, str) else None  # a stream opened from a file descriptor
        fmt = FileFormat(file_format) if file_format else detect_file_format(name, head)
        if fmt is FileFormat.PARQUET:
            rows: Iterator[ReadRow] = _parquet_rows(stream, limits)
        else:
            read = {FileFormat.JSONL: _jsonl_rows, FileFormat.JSON: _array_rows, FileFormat.CSV: _csv_rows}[
                fmt
            ]
            rows = read(byte_source, limits)
        for count, row in enumerate(rows, start=1):
            if count > limits.max_rows:
                raise InputLimitError(f"line {row.line}: more than {limits.max_rows} rows")
            yield row


def read_chat_records(
    source: str | Path | IO[bytes],
    *,
    file_format: FileFormat | str | None = None,
    limits: ReadLimits | None = None,
    fallback: Callable[[Mapping[str, Any]], Converted | None] | None = None,
) -> Iterator[ReadRow]:
    """Like ``read_records``, but every record is converted to the canonical chat record.

    Rows in any view (chat, Alpaca, ShareGPT, prompt/completion, flat CSV columns) are accepted; a row
    that cannot be converted becomes an error row, and what a conversion lost is in ``ReadRow.notes``.

    Args:
        fallback: Tried on a record in none of those views before it is called unrecognized; returns
            its chat record or ``None`` (``distillation.datatypes.typed_record_to_chat`` reads data
            type records such as ``{"question", "answer"}``).
    """
    for row in read_records(source, file_format=file_format, limits=limits):
        if row.record is None:
            yield row
            continue
        try:
            converted = _convert(row.record, fallback)
        except RecordError as exc:
            yield ReadRow(row.line, None, str(exc))
        else:
            yield ReadRow(row.line, converted.record, None, converted.notes)


def _convert(
    record: Mapping[str, Any], fallback: Callable[[Mapping[str, Any]], Converted | None] | None
) -> Converted:
    if fallback is not None and isinstance(record, Mapping) and detect_format(record) is None:
        converted = fallback(record)
        if converted is not None:
            return converted
        try:
            return to_chat(record)
        except RecordError as exc:
            raise type(exc)(f"{exc}, or a data type's fields (qa: question + answer, ...)") from None
    return to_chat(record)


class _ByteSource:
    """A binary stream with a peekable head, a BOM skip and a total-size limit."""

    def __init__(self, stream: IO[bytes], max_total_bytes: int | None) -> None:
        self._stream = stream
        self._pending = b""
        self._max = max_total_bytes
        self._consumed = 0
        self._at_start = True

    def peek(self, size: int) -> bytes:
        while len(self._pending) < size:
            data = self._stream.read(size - len(self._pending))
            if not data:
                break
            self._pending += data
        if self._at_start:
            self._at_start = False
            self._pending = self._pending.removeprefix(_BOM)
        return self._pending

    def read(self, size: int) -> bytes:
        data, self._pending = self._pending[:size], self._pending[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return self._count(data)

    def readline(self, limit: int) -> bytes:
        newline = self._pending.find(b"\n", 0, limit)
        if newline >= 0 or len(self._pending) >= limit:
            cut = newline + 1 if newline >= 0 else limit
            data, self._pending = self._pending[:cut], self._pending[cut:]
        else:
            data, self._pending = self._pending, b""
            data += self._stream.readline(limit - len(data))
        return self._count(data)

    def _count(self, data: bytes) -> bytes:
        self._consumed += len(data)
        if self._max is not None and self._consumed > self._max:
            raise InputLimitError(f"file is larger than {self._max} bytes")
        return data


def _lines(
    source: _ByteSource, max_bytes: int, *, keep_ends: bool = False
) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, line, with its ending if ``keep_ends``), or None for a line over ``max_bytes``."""
    number = 0
    while raw := source.readline(max_bytes + 1):
        number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            # Drain the rest of the line in bounded pieces; it is never held whole.
            while (rest := source.readline(max_bytes)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, raw if keep_ends else raw.rstrip(b"\r\n")


def _jsonl_rows(source: _ByteSource, limits: ReadLimits) -> Iterator[ReadRow]:
    for number, raw in _lines(source, limits.max_line_bytes):
        if raw is None:
            yield ReadRow(number, None, f"line longer than {limits.max_line_bytes} bytes")
        elif raw.strip():
            yield _parse_row(number, raw, limits.max_depth)


def _array_rows(source: _ByteSource, limits: ReadLimits) -> Iterator[ReadRow]:
    splitter = ArraySplitter(limits.max_line_bytes)
    try:
        while chunk := source.read(_CHUNK):
            for element in splitter.feed(chunk):
                if element.data is None:
                    yield ReadRow(element.line, None, element.error)
                else:
                    yield _parse_row(element.line, element.data, limits.max_depth)
        for element in splitter.finish():
            yield ReadRow(element.line, None, element.error)
    except ArrayFormatError as exc:
        raise FileFormatError(str(exc)) from exc


def _csv_rows(source: _ByteSource, limits: ReadLimits) -> Iterator[ReadRow]:
    bad_lines: dict[int, str] = {}
    reader = csv.reader(_csv_text_lines(source, limits.max_line_bytes, bad_lines), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise FileFormatError(f"line 1: unreadable CSV header ({exc})") from exc
    if bad_lines or len(set(header)) != len(header) or not all(h.strip() for h in header):
        raise FileFormatError("line 1: the CSV header needs unique, non-empty column names in UTF-8")
    last_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield ReadRow(last_line + 1, None, f"malformed CSV row ({exc})")
            last_line = reader.line_num
            continue
        first, last_line = last_line + 1, reader.line_num
        problems = [bad_lines.pop(n) for n in range(first, last_line + 1) if n in bad_lines]
        if problems:
            yield ReadRow(first, None, problems[0])
        elif len(row) != len(header):
            yield ReadRow(first, None, f"expected {len(header)} columns, got {len(row)}")
        elif any(cell for cell in row):
            yield ReadRow(first, dict(zip(header, row, strict=True)))


def _csv_text_lines(source: _ByteSource, max_bytes: int, bad_lines: dict[int, str]) -> Iterable[str]:
    # Lines keep their own ending: the csv module needs it to keep a quoted cell's "\r\n" intact.
    for number, raw in _lines(source, max_bytes, keep_ends=True):
        if raw is None:
            bad_lines[number] = f"line longer than {max_bytes} bytes"
            yield "\n"
            continue
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_lines[number] = f"invalid UTF-8 at byte {exc.start}"
            yield raw.decode("utf-8", errors="replace")


_TEXT_READERS: Final = {
    FileFormat.JSONL: _jsonl_rows,
    FileFormat.JSON: _array_rows,
    FileFormat.CSV: _csv_rows,
}


def _parquet_rows(stream: IO[bytes], limits: ReadLimits) -> Iterator[ReadRow]:
    """The rows of a Parquet file (an export of this library or any other), numbered from 1.

    Each row goes through the same checks as a JSON line (size, depth, NaN), so a Parquet upload is
    no less guarded; the file is refused whole when it, or what it decompresses to, passes the size
    limit, and it is read a few hundred rows at a time.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise FileFormatError("reading Parquet needs pyarrow: pip install 'distillation[export]'") from None
    if not stream.seekable():
        raise FileFormatError("a Parquet file must be read from a seekable file")
    size = stream.seek(0, 2)
    stream.seek(0)
    limit = limits.max_total_bytes
    if limit is not None and size > limit:
        raise InputLimitError(f"the file is {size} bytes, more than the limit of {limit}")
    try:
        parquet = pq.ParquetFile(stream)
        unpacked = sum(parquet.metadata.row_group(i).total_byte_size for i in range(parquet.num_row_groups))
        if limit is not None and unpacked > limit:
            raise InputLimitError(f"the file unpacks to {unpacked} bytes, more than the limit of {limit}")
        number = 0
        for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH):
            for record in batch.to_pylist():
                number += 1
                raw = json.dumps(record, default=str, ensure_ascii=False).encode()
                if len(raw) > limits.max_line_bytes:
                    yield ReadRow(number, None, f"row longer than {limits.max_line_bytes} bytes")
                else:
                    yield _parse_row(number, raw, limits.max_depth)
    except (pa.ArrowException, OSError) as exc:
        raise FileFormatError(f"not a readable Parquet file: {exc}") from None


def _parse_row(line: int, raw: bytes, max_depth: int) -> ReadRow:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ReadRow(line, None, f"invalid UTF-8 at byte {exc.start}")
    try:
        value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        return ReadRow(line, None, f"invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return ReadRow(line, None, f"nesting deeper than {max_depth} levels")
    except ValueError as exc:  # duplicate keys, NaN, integers past the int-to-str digit limit
        return ReadRow(line, None, f"invalid JSON: {exc}")
    if not isinstance(value, dict):
        return ReadRow(line, None, f"expected a JSON object, got {type(value).__name__}")
    if _depth(value) > max_depth:
        return ReadRow(line, None, f"nesting deeper than {max_depth} levels")
    return ReadRow(line, value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _depth(value: object) -> int:
    """Nesting depth, computed without recursion so hostile input cannot exhaust the stack."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest
