"""Export records as training files: JSONL, JSON, CSV, Parquet, Hugging Face datasets, OpenAI fine-tune
JSONL, Alpaca and ShareGPT, with deterministic splits and byte-identical re-exports.

Example:
    >>> from distillation.export import DEFAULT_SPLITS, export
    >>> result = export(records, "openai", "out/", splits=DEFAULT_SPLITS)  # doctest: +SKIP
"""

from distillation.export.api import ExportResult, export
from distillation.export.card import DatasetCardInfo, render_dataset_card, size_category
from distillation.export.hf import HubTarget, push_to_hub
from distillation.export.registry import (
    STYLES,
    ExportOptions,
    FormatSpec,
    available_formats,
    get_format,
    register_format,
)
from distillation.export.splits import DEFAULT_SPLITS, assign_split, split_key, validate_splits
from distillation.export.writers import (
    CsvWriter,
    FileSink,
    JsonArrayWriter,
    JsonlWriter,
    RecordWriter,
    Sink,
    spreadsheet_safe,
)

__all__ = [
    "DEFAULT_SPLITS",
    "STYLES",
    "CsvWriter",
    "DatasetCardInfo",
    "ExportOptions",
    "ExportResult",
    "FileSink",
    "FormatSpec",
    "HubTarget",
    "JsonArrayWriter",
    "JsonlWriter",
    "RecordWriter",
    "Sink",
    "assign_split",
    "available_formats",
    "export",
    "get_format",
    "push_to_hub",
    "register_format",
    "render_dataset_card",
    "size_category",
    "split_key",
    "spreadsheet_safe",
    "validate_splits",
]
