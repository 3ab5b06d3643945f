"""Streaming export: the same bytes as the file writers, record by record, for every text format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from distillation.export import DEFAULT_SPLITS, ExportStream, export, stream_export, streamable_formats

TEXT_FORMATS = ("jsonl", "json", "csv", "openai", "alpaca", "sharegpt")


@pytest.fixture
def awkward(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fixture's records plus ones the formats convert lossily or must skip."""
    weighted = [{"role": "user", "content": "w"}, {"role": "assistant", "content": "kept", "weight": 0}]
    return [
        *records,
        {"messages": weighted},
        {"messages": [{"role": "user", "content": "no answer"}]},  # not in openai, alpaca, csv
        {"messages": []},  # skipped by every format
        {"instruction": "Say hi", "output": "hi"},  # another view, converted
        {
            "messages": [{"role": "user", "content": "surrogate"}, {"role": "assistant", "content": "ok"}],
            "metadata": {"bad": "\ud800"},
        },
    ]


def test_every_text_format_streams_and_nothing_else_claims_to() -> None:
    assert streamable_formats() == tuple(sorted(TEXT_FORMATS))
    for fmt in ("parquet", "hf"):
        with pytest.raises(ValueError, match="cannot be streamed"):
            ExportStream(fmt)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_streamed_bytes_are_the_files_bytes(tmp_path: Path, awkward: list[dict[str, Any]], fmt: str) -> None:
    records = awkward
    written = export(records, fmt, tmp_path / f"out-{fmt}")
    stream = ExportStream(fmt)

    chunks = [stream.head(), *(stream.encode(record) for record in records), stream.tail()]

    assert b"".join(chunks) == written.paths["all"].read_bytes()
    assert stream.written == written.total
    assert stream.skipped == written.skipped > 0
    assert stream.warnings == written.warnings


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("csv", {"style": "instruction", "spreadsheet_safe": False}),
        ("jsonl", {"style": "sharegpt", "include_metadata": False}),
        ("json", {"style": "prompt_completion"}),
    ],
)
def test_styles_and_options_match_the_files_too(
    tmp_path: Path, awkward: list[dict[str, Any]], fmt: str, options: dict[str, Any]
) -> None:
    records = awkward
    written = export(records, fmt, tmp_path / "out", **options)
    assert b"".join(stream_export(records, fmt, **options)) == written.paths["all"].read_bytes()


def test_one_split_streams_the_file_export_writes_for_it(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    written = export(records, "jsonl", tmp_path / "splits", splits=DEFAULT_SPLITS, seed=3)
    for name, path in written.paths.items():
        streamed = b"".join(stream_export(records, "jsonl", splits=DEFAULT_SPLITS, split=name, seed=3))
        assert streamed == path.read_bytes(), name
    with pytest.raises(ValueError, match="not one of"):
        ExportStream("jsonl", splits=DEFAULT_SPLITS, split="holdout")


def test_an_empty_stream_is_a_valid_empty_file(tmp_path: Path) -> None:
    assert b"".join(stream_export([], "json")) == b"[]\n"
    assert (
        b"".join(stream_export([], "csv")) == export([], "csv", tmp_path / "e.csv").paths["all"].read_bytes()
    )
