"""Export records as training files: JSONL, JSON, CSV, Parquet, Hugging Face datasets, OpenAI fine-tune
JSONL, Alpaca and ShareGPT, with deterministic splits and byte-identical re-exports.

Text formats can also be streamed (``ExportStream``, ``stream_export``): the same bytes handed to
the caller record by record, e.g. into an HTTP response.

Example:
    >>> from distillation.export import DEFAULT_SPLITS, export
    >>> result = export(records, "openai", "out/", splits=DEFAULT_SPLITS)  # doctest: +SKIP
    >>> body = b"".join(stream_export(records, "openai"))  # doctest: +SKIP
"""

from distillation.export.api import ExportResult, export
from distillation.export.card import DatasetCardInfo, render_dataset_card, size_category
from distillation.export.hf import HubTarget, push_to_hub
from distillation.export.hub import (
    DEFAULT_HUB_ENDPOINT,
    HUB_FORMATS,
    HubPushError,
    HubPushResult,
    push_dataset,
)
from distillation.export.prepare import ExportReport, prepare_record
from distillation.export.registry import (
    STYLES,
    ExportOptions,
    FormatSpec,
    available_formats,
    get_format,
    register_format,
)
from distillation.export.splits import DEFAULT_SPLITS, assign_split, split_key, validate_splits
from distillation.export.stream import ExportStream, stream_export, streamable_formats
from distillation.export.writers import (
    CsvEncoder,
    CsvWriter,
    EncodedWriter,
    Encoder,
    FileSink,
    JsonArrayEncoder,
    JsonArrayWriter,
    JsonlEncoder,
    JsonlWriter,
    RecordWriter,
    Sink,
    spreadsheet_safe,
)

__all__ = [
    "DEFAULT_HUB_ENDPOINT",
    "DEFAULT_SPLITS",
    "HUB_FORMATS",
    "STYLES",
    "CsvEncoder",
    "CsvWriter",
    "DatasetCardInfo",
    "EncodedWriter",
    "Encoder",
    "ExportOptions",
    "ExportReport",
    "ExportResult",
    "ExportStream",
    "FileSink",
    "FormatSpec",
    "HubPushError",
    "HubPushResult",
    "HubTarget",
    "JsonArrayEncoder",
    "JsonArrayWriter",
    "JsonlEncoder",
    "JsonlWriter",
    "RecordWriter",
    "Sink",
    "assign_split",
    "available_formats",
    "export",
    "get_format",
    "prepare_record",
    "push_dataset",
    "push_to_hub",
    "register_format",
    "render_dataset_card",
    "size_category",
    "split_key",
    "spreadsheet_safe",
    "stream_export",
    "streamable_formats",
    "validate_splits",
]
