"""The export formats by name: ``jsonl``, ``json``, ``csv``, ``parquet``, ``hf``, ``openai``, ``alpaca``,
``sharegpt``. Third-party formats can be added with ``register_format``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from distillation.export.card import DatasetCardInfo
from distillation.export.writers import (
    CsvEncoder,
    EncodedWriter,
    Encoder,
    FileSink,
    JsonArrayEncoder,
    JsonlEncoder,
    RecordWriter,
    Sink,
)
from distillation.formats.convert import RecordFormat
from distillation.formats.openai import OpenAIIssue, validate_openai_example

__all__ = ["STYLES", "ExportOptions", "FormatSpec", "available_formats", "get_format", "register_format"]

STYLES: Final = ("chat", "instruction", "sharegpt", "prompt_completion")
"""Record styles a caller can ask for; each maps to a ``RecordFormat`` view."""


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Writer settings that do not depend on the format."""

    include_metadata: bool = True
    spreadsheet_safe: bool = True
    card: DatasetCardInfo | None = None


SinkFactory = Callable[[Path, Sequence[str] | None, RecordFormat, ExportOptions], Sink]
EncoderFactory = Callable[[RecordFormat, ExportOptions], Encoder]


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """How one export format is written.

    Attributes:
        name: Registry key.
        description: One line for UIs and ``--help``.
        extension: File suffix per split (``""`` for directory formats).
        styles: Styles the format can hold; the first is the default.
        open_sink: Creates the sink for an export.
        directory: The output is a directory even without splits.
        keeps_metadata: Whether record metadata may be written.
        keeps_weight: Whether per-message ``weight`` survives.
        validate: Per-record rule check; records with errors are skipped.
        chat_view: The view the ``chat`` style is written as (CSV has no nested columns, so ``flat``).
        encoder: Makes the encoder of a text format, whose files are written front to back and can
            be streamed (``ExportStream``); None for formats that are not (Parquet, ``hf``).
    """

    name: str
    description: str
    extension: str
    styles: tuple[str, ...]
    open_sink: SinkFactory
    directory: bool = False
    keeps_metadata: bool = True
    keeps_weight: bool = False
    validate: Callable[[Mapping[str, Any]], list[OpenAIIssue]] | None = None
    chat_view: RecordFormat = RecordFormat.CHAT
    encoder: EncoderFactory | None = None

    def view(self, style: str | None) -> RecordFormat:
        """The record view written for a requested style.

        Raises:
            ValueError: The format cannot hold that style.
        """
        chosen = style or self.styles[0]
        if chosen not in self.styles:
            raise ValueError(f"format {self.name!r} supports styles {list(self.styles)}, not {chosen!r}")
        return self.chat_view if chosen == "chat" else RecordFormat(chosen)


def _files(extension: str, make: Callable[[Path, RecordFormat, ExportOptions], RecordWriter]) -> SinkFactory:
    def open_sink(
        out: Path, splits: Sequence[str] | None, view: RecordFormat, options: ExportOptions
    ) -> Sink:
        return FileSink(out, splits, extension, lambda path: make(path, view, options))

    return open_sink


def _encoded(extension: str, encoder: EncoderFactory) -> SinkFactory:
    """Files written by the format's encoder: the same bytes as ``ExportStream`` gives."""
    return _files(extension, lambda path, view, options: EncodedWriter(path, encoder(view, options)))


def _parquet(path: Path, view: RecordFormat, options: ExportOptions) -> RecordWriter:
    from distillation.export.parquet import ParquetWriter

    return ParquetWriter(path, view, include_metadata=options.include_metadata)


def _hf(out: Path, splits: Sequence[str] | None, view: RecordFormat, options: ExportOptions) -> Sink:
    from distillation.export.hf import HfDatasetSink

    return HfDatasetSink(out, splits, view, include_metadata=options.include_metadata, card=options.card)


def _jsonl(view: RecordFormat, options: ExportOptions) -> Encoder:
    return JsonlEncoder()


def _json_array(view: RecordFormat, options: ExportOptions) -> Encoder:
    return JsonArrayEncoder()


def _csv(view: RecordFormat, options: ExportOptions) -> Encoder:
    return CsvEncoder(view, include_metadata=options.include_metadata, safe=options.spreadsheet_safe)


def _validate_openai(record: Mapping[str, Any]) -> list[OpenAIIssue]:
    return validate_openai_example(record)


_ALL_STYLES: Final = STYLES
_FORMATS: dict[str, FormatSpec] = {}


def register_format(spec: FormatSpec, *, replace: bool = False) -> None:
    """Add an export format.

    Raises:
        ValueError: The name is taken and ``replace`` is false.
    """
    if spec.name in _FORMATS and not replace:
        raise ValueError(f"export format {spec.name!r} is already registered")
    _FORMATS[spec.name] = spec


def get_format(name: str) -> FormatSpec:
    """The format registered under ``name``.

    Raises:
        ValueError: No such format; the message lists the known ones.
    """
    try:
        return _FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown export format {name!r}; choose one of {available_formats()}") from None


def available_formats() -> tuple[str, ...]:
    """Registered format names, sorted."""
    return tuple(sorted(_FORMATS))


for _spec in (
    FormatSpec(
        "jsonl",
        "JSON Lines, one record per line",
        ".jsonl",
        _ALL_STYLES,
        _encoded(".jsonl", _jsonl),
        keeps_weight=True,
        encoder=_jsonl,
    ),
    FormatSpec(
        "json",
        "one JSON array",
        ".json",
        _ALL_STYLES,
        _encoded(".json", _json_array),
        keeps_weight=True,
        encoder=_json_array,
    ),
    FormatSpec(
        "csv",
        "CSV for spreadsheets (formula-safe; multi-turn chats flattened)",
        ".csv",
        ("chat", "instruction", "prompt_completion"),
        _encoded(".csv", _csv),
        chat_view=RecordFormat.FLAT,
        encoder=_csv,
    ),
    FormatSpec(
        "parquet",
        "Apache Parquet (needs the 'export' extra)",
        ".parquet",
        _ALL_STYLES,
        _files(".parquet", _parquet),
    ),
    FormatSpec(
        "hf", "Hugging Face datasets directory (needs the 'hf' extra)", "", _ALL_STYLES, _hf, directory=True
    ),
    FormatSpec(
        "openai",
        "OpenAI chat fine-tuning JSONL, validated",
        ".jsonl",
        ("chat",),
        _encoded(".jsonl", _jsonl),
        keeps_metadata=False,
        keeps_weight=True,
        validate=_validate_openai,
        encoder=_jsonl,
    ),
    FormatSpec(
        "alpaca",
        "Alpaca instruction JSON array",
        ".json",
        ("instruction",),
        _encoded(".json", _json_array),
        encoder=_json_array,
    ),
    FormatSpec(
        "sharegpt",
        "ShareGPT conversations JSON array",
        ".json",
        ("sharegpt",),
        _encoded(".json", _json_array),
        encoder=_json_array,
    ),
):
    register_format(_spec)
