"""Property: any Unicode text survives every export format and the upload parser unchanged.

Rows hold bare ``\\r``, ``\\r\\n``, formula-like text after a line break, emoji and control characters
(never NUL, which no text format can carry). Text formats are read back with ``read_chat_records``, the
parser behind dataset uploads; Parquet and ``hf`` directories are read with their own library and go
through ``to_chat``, the parser's conversion step. The spreadsheet-safe CSV is checked separately: it
changes the text on purpose, so no cell, and no line inside a cell, may start with a formula trigger.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillation.export import export
from distillation.formats import read_chat_records, to_chat

FRAGMENTS = [
    "\r",
    "\n",
    "\r\n",
    "\n=1+1",
    "\r=1+1",
    "\r\n@SUM(A1)",
    ",",
    '"',
    "'",
    "\t",
    "😀",
    "\x1b",
    "\u2028",
]
TEXT = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12),
    ),
    min_size=1,
    max_size=8,
).map("".join)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t")
LINE_BREAK = re.compile(r"\r\n|\r|\n")

# (format, style, how the file is read back, whether metadata survives)
TEXT_EXPORTS = [
    ("jsonl", "chat", "jsonl", True),
    ("jsonl", "instruction", "jsonl", True),
    ("jsonl", "sharegpt", "jsonl", True),
    ("jsonl", "prompt_completion", "jsonl", True),
    ("json", "chat", "json", True),
    ("csv", "chat", "csv", True),
    ("csv", "instruction", "csv", True),
    ("csv", "prompt_completion", "csv", True),
    ("openai", "chat", "jsonl", False),
    ("alpaca", "instruction", "json", True),
    ("sharegpt", "sharegpt", "json", True),
]
TABLE_EXPORTS = [("parquet", "chat"), ("parquet", "instruction"), ("hf", "chat"), ("hf", "sharegpt")]


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Single-turn chats (every view can hold them exactly), some with a system prompt (an empty one is
    the same as none in the flat views)."""
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        messages = [{"role": "system", "content": draw(TEXT.filter(bool))}] if draw(st.booleans()) else []
        messages += [{"role": "user", "content": draw(TEXT)}, {"role": "assistant", "content": draw(TEXT)}]
        rows.append({"messages": messages, "metadata": {"note": draw(TEXT)}})
    return rows


def exact(rows: list[dict[str, Any]], keep_metadata: bool) -> list[dict[str, Any]]:
    return rows if keep_metadata else [{"messages": row["messages"]} for row in rows]


def fits(rows: list[dict[str, Any]], style: str) -> list[dict[str, Any]]:
    """The rows without system prompts for prompt/completion, which has no place for one."""
    if style != "prompt_completion":
        return rows
    return [{**row, "messages": [m for m in row["messages"] if m["role"] != "system"]} for row in rows]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=records())
@pytest.mark.parametrize(("fmt", "style", "layout", "keeps_metadata"), TEXT_EXPORTS)
def test_text_exports_read_back_through_the_upload_parser_unchanged(
    rows: list[dict[str, Any]], fmt: str, style: str, layout: str, keeps_metadata: bool
) -> None:
    rows = fits(rows, style)
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "out"
        export(rows, fmt, path, style=style, spreadsheet_safe=False)
        back = list(read_chat_records(path, file_format=layout))
    assert [row.error for row in back] == [None] * len(rows)
    assert [row.record for row in back] == exact(rows, keeps_metadata)


def table_rows(fmt: str, path: Path) -> list[dict[str, Any]]:
    if fmt == "parquet":
        parquet = pytest.importorskip("pyarrow.parquet")
        rows: list[dict[str, Any]] = parquet.read_table(path).to_pylist()
        return rows
    datasets = pytest.importorskip("datasets")
    return list(datasets.load_from_disk(str(path))["train"])  # without splits, all rows are "train"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=records())
@pytest.mark.parametrize(("fmt", "style"), TABLE_EXPORTS)
def test_table_exports_convert_back_unchanged(rows: list[dict[str, Any]], fmt: str, style: str) -> None:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "out"
        export(rows, fmt, path, style=style)
        stored = table_rows(fmt, path)
        # A Parquet export uploads back: the upload parser reads it (by its magic bytes, whatever its name).
        uploaded = [row.record for row in read_chat_records(path)] if fmt == "parquet" else None
    back = [to_chat({**row, "metadata": json.loads(row["metadata"])}).record for row in stored]
    assert back == rows
    assert uploaded in (None, rows)


@settings(max_examples=80, deadline=None)
@given(rows=records())
@pytest.mark.parametrize("style", ["chat", "instruction", "prompt_completion"])
def test_spreadsheet_safe_csv_has_no_formula_at_the_start_of_any_line_of_a_cell(
    rows: list[dict[str, Any]], style: str
) -> None:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.csv"
        export(rows, "csv", path, style=style)
        with open(path, newline="", encoding="utf-8") as handle:
            parsed = list(csv.reader(handle, strict=True))
        uploaded = list(read_chat_records(path))
    assert len(parsed) == len(rows) + 1  # a line break inside a cell never splits its row
    assert [row.error for row in uploaded] == [None] * len(rows)
    for cell in (cell for row in parsed[1:] for cell in row):
        assert not cell.startswith((*FORMULA_TRIGGERS, "\r")), cell
        assert not any(line.startswith(FORMULA_TRIGGERS) for line in LINE_BREAK.split(cell)[1:]), cell
