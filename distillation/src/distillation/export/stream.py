"""Streaming export: records in, the bytes of the export file out, one record at a time.

For callers that send an export somewhere other than a local file, such as an HTTP response read
from a database in batches. The bytes are those :func:`~distillation.export.export` writes for the
same records in the same order: both convert and check records with the same function and encode
them with the same encoders.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from distillation.export.prepare import ExportReport, prepare_record
from distillation.export.registry import ExportOptions, available_formats, get_format
from distillation.export.splits import assign_split, validate_splits

__all__ = ["ExportStream", "stream_export", "streamable_formats"]


class ExportStream:
    """Encodes records, one at a time, into the bytes of an export file.

    Call :meth:`head` once, :meth:`encode` for every record in order, then :meth:`tail`; the bytes
    joined are the file ``export(records, fmt, out, ...)`` writes (with ``splits``, the file of
    ``split``). A record that cannot be converted or breaks the format's rules gives ``b""`` and is
    counted in :attr:`skipped` and listed in :attr:`warnings`, as ``export()`` does.

    Args:
        fmt: A format whose files are written front to back: ``jsonl``, ``json``, ``csv``,
            ``openai``, ``alpaca``, ``sharegpt`` (see :func:`streamable_formats`).
        style: ``chat``, ``instruction``, ``sharegpt`` or ``prompt_completion``; the format's default
            when omitted.
        include_metadata: Keep record metadata where the format allows it (never in ``openai``).
        spreadsheet_safe: CSV only: prefix formula-like cells with ``'``.
        splits: Split name -> ratio, as given to ``export()``; with ``split``, only the records
            ``export()`` assigns to that split are encoded.
        split: The split to stream (required with ``splits``).
        seed: Split seed, as given to ``export()``.

    Raises:
        ValueError: Unknown or non-streamable format, unsupported style, bad split ratios, or a
            ``split`` that is not one of ``splits``.

    Example:
        >>> stream = ExportStream("json")
        >>> chat = [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]
        >>> stream.head() + stream.encode({"messages": chat}) + stream.tail()
        b'[\\n{"messages":[{"content":"2+2?","role":"user"},{"content":"4","role":"assistant"}]}\\n]\\n'
    """

    def __init__(
        self,
        fmt: str,
        *,
        style: str | None = None,
        include_metadata: bool = True,
        spreadsheet_safe: bool = True,
        splits: Mapping[str, float] | None = None,
        split: str | None = None,
        seed: int = 0,
    ) -> None:
        self.spec = get_format(fmt)
        if self.spec.encoder is None:
            raise ValueError(
                f"format {fmt!r} cannot be streamed (its file is not written front to back); "
                f"write it with export(), or stream one of {list(streamable_formats())}"
            )
        self.view = self.spec.view(style)
        self._options = ExportOptions(include_metadata and self.spec.keeps_metadata, spreadsheet_safe)
        self._ratios, self._split, self._seed = _split_choice(splits, split), split, seed
        self._encoder = self.spec.encoder(self.view, self._options)
        self._report = ExportReport()
        self._seen = 0
        self.written = 0

    def head(self) -> bytes:
        """The bytes before the first record (a CSV header; nothing for JSON Lines)."""
        return self._encoder.head()

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """The bytes of one record; ``b""`` when it is skipped or belongs to another split."""
        self._seen += 1
        prepared = prepare_record(record, self._seen, self.spec, self.view, self._options, self._report)
        if prepared is None:
            return b""
        chat, row = prepared
        if self._ratios is not None and assign_split(chat, self._ratios, seed=self._seed) != self._split:
            return b""
        self.written += 1
        return self._encoder.encode(row)

    def tail(self) -> bytes:
        """The bytes after the last record (a JSON array's ``]``)."""
        return self._encoder.tail()

    @property
    def skipped(self) -> int:
        """Records not written because they could not be converted or broke the format's rules."""
        return self._report.skipped

    @property
    def warnings(self) -> tuple[str, ...]:
        """Skipped records with reasons and lossy conversions grouped by kind (as ``export()``)."""
        return self._report.lines()


def stream_export(records: Iterable[Mapping[str, Any]], fmt: str, **options: Any) -> Iterator[bytes]:
    """The bytes of an export file in chunks: the head, one chunk per written record, the tail.

    Args:
        records: The records, streamed (memory stays flat).
        fmt: A streamable format (see :class:`ExportStream`).
        **options: ``style``, ``include_metadata``, ``spreadsheet_safe``, ``splits``, ``split``,
            ``seed``, as :class:`ExportStream` takes them.

    Example:
        >>> chat = [{"role": "user", "content": "=1+1"}, {"role": "assistant", "content": "2"}]
        >>> b"".join(stream_export([{"messages": chat}], "csv")).decode()
        "system,user,assistant,metadata\\n,'=1+1,2,\\n"
    """
    stream = ExportStream(fmt, **options)
    head = stream.head()
    if head:
        yield head
    for record in records:
        chunk = stream.encode(record)
        if chunk:
            yield chunk
    yield stream.tail()


def streamable_formats() -> tuple[str, ...]:
    """Registered formats that :class:`ExportStream` can encode, sorted."""
    return tuple(name for name in available_formats() if get_format(name).encoder is not None)


def _split_choice(splits: Mapping[str, float] | None, split: str | None) -> dict[str, float] | None:
    if splits is None:
        if split is not None:
            raise ValueError("split needs the splits it is one of")
        return None
    ratios = validate_splits(splits)
    if split not in ratios:
        raise ValueError(f"split {split!r} is not one of {', '.join(ratios)}")
    return ratios
