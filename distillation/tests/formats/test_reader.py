"""The streaming reader: per-line errors with line numbers, limits, hostile input."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from distillation.formats import (
    FileFormat,
    FileFormatError,
    InputLimitError,
    ReadLimits,
    ReadRow,
    detect_file_format,
    read_chat_records,
    read_records,
)
from distillation.formats import reader as reader_module


def rows(data: bytes, **kwargs: Any) -> list[ReadRow]:
    return list(read_records(io.BytesIO(data), **kwargs))


def errors(result: list[ReadRow]) -> dict[int, str]:
    return {row.line: row.error for row in result if row.error is not None}


def test_jsonl_good_and_bad_rows_keep_going_with_line_numbers() -> None:
    data = b'{"a": 1}\nnot json\n\n[1, 2]\n{"b": 2}\n{"c": 1, "c": 2}\n{"n": NaN}\n{"x": Infinity}\n'
    result = rows(data, file_format="jsonl")
    assert [(r.line, r.record) for r in result if r.ok] == [(1, {"a": 1}), (5, {"b": 2})]
    errs = errors(result)
    assert set(errs) == {2, 4, 6, 7, 8}
    assert "invalid JSON" in errs[2]
    assert "expected a JSON object, got list" in errs[4]
    assert "duplicate key 'c'" in errs[6]
    assert "NaN" in errs[7]
    assert "Infinity" in errs[8]


def test_bom_and_crlf_are_accepted() -> None:
    result = rows(b'\xef\xbb\xbf{"a": 1}\r\n{"b": 2}\r\n')
    assert [r.record for r in result] == [{"a": 1}, {"b": 2}]


def test_invalid_utf8_is_an_error_on_its_line() -> None:
    result = rows(b'{"a": "ok"}\n{"a": "\xff\xfe"}\n{"a": "\xc3"}\n{"a": "fine"}\n')
    assert errors(result) == {2: "invalid UTF-8 at byte 7", 3: "invalid UTF-8 at byte 7"}
    assert [r.line for r in result if r.ok] == [1, 4]


@pytest.mark.parametrize("depth", [33, 5000, 200_000])
def test_deep_nesting_is_refused_without_crashing(depth: int) -> None:
    data = b'{"a": ' + b"[" * depth + b"]" * depth + b"}\n" + b'{"ok": true}\n'
    result = rows(data, limits=ReadLimits(max_line_bytes=1 << 20, max_depth=32))
    assert "nesting deeper than 32" in errors(result)[1]
    assert result[-1].record == {"ok": True}


def test_nesting_at_the_limit_is_accepted() -> None:
    depth = 31  # plus the enclosing object: 32 levels
    data = b'{"a": ' + b"[" * depth + b"]" * depth + b"}\n"
    assert rows(data, limits=ReadLimits(max_depth=32))[0].ok


def test_huge_integers_are_an_error_not_a_crash() -> None:
    result = rows(b'{"n": ' + b"9" * 5000 + b"}\n")
    assert "invalid JSON" in (result[0].error or "")


def test_overlong_lines_are_skipped_without_being_held() -> None:
    long_line = b'{"a": "' + b"x" * 5000 + b'"}\n'
    result = rows(b'{"a": 1}\n' + long_line + b'{"a": 3}\n', limits=ReadLimits(max_line_bytes=100))
    assert errors(result) == {2: "line longer than 100 bytes"}
    assert [r.record for r in result if r.ok] == [{"a": 1}, {"a": 3}]


def test_max_rows_stops_the_read() -> None:
    data = b'{"a": 1}\n' * 5
    with pytest.raises(InputLimitError, match="more than 3 rows"):
        rows(data, limits=ReadLimits(max_rows=3))


def test_max_total_bytes_stops_the_read() -> None:
    data = b'{"a": 1}\n' * 100
    with pytest.raises(InputLimitError, match="larger than 50 bytes"):
        rows(data, limits=ReadLimits(max_total_bytes=50))


class EndlessStream(io.RawIOBase):
    """An unbounded JSONL stream: reading it whole would never finish."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = b'{"a": 1}\n' * (len(buffer) // 9)
        buffer[: len(chunk)] = chunk
        self.served += len(chunk)
        return len(chunk)


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_reader_streams_instead_of_loading_the_file(file_format: str) -> None:
    raw = EndlessStream()
    stream = io.BufferedReader(raw, buffer_size=4096)
    first = list(itertools.islice(read_records(stream, file_format=file_format), 3))
    assert len(first) == 3
    assert raw.served < 100_000


def test_json_array_elements_with_line_numbers_and_errors() -> None:
    data = (
        b'[\n  {"a": "x, ]}"},\n  {"b": [1, {"c": "\\"quoted\\""}]},\n  7,\n  {"d": nope},\n  {"e": 1}\n]\n'
    )
    result = rows(data)
    assert [(r.line, r.record) for r in result if r.ok] == [
        (2, {"a": "x, ]}"}),
        (3, {"b": [1, {"c": '"quoted"'}]}),
        (6, {"e": 1}),
    ]
    assert set(errors(result)) == {4, 5}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"a": 1},]', "trailing comma"),
        (b'[{"a": 1},,{"b": 2}]', "empty array element"),
        (b'[{"a": 1}', "file ends before"),
        (b'[{"a": 1}] {"b": 2}', "unexpected data after"),
        (b'[{"a": "unterminated}]', "file ends before"),
    ],
)
def test_json_array_structure_errors(data: bytes, message: str) -> None:
    assert any(message in (r.error or "") for r in rows(data, file_format="json"))


def test_file_that_is_not_an_array_is_refused() -> None:
    with pytest.raises(FileFormatError, match="must start with"):
        rows(b'{"a": 1}', file_format="json")


def test_json_array_element_over_the_limit_is_an_error() -> None:
    data = b'[{"a": "' + b"x" * 500 + b'"}, {"b": 1}]'
    result = rows(data, limits=ReadLimits(max_line_bytes=100))
    assert errors(result) == {1: "array element larger than 100 bytes"}
    assert result[1].record == {"b": 1}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_json_array_split_across_any_chunk_boundary(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    records = [
        {"a": 'x"y\\z', "b": [1, [2, {"c": "]}{[,"}]]},
        {"ü": "日本語\n", "e": "\\\\"},
        {"f": None, "g": True, "h": -1.5e3},
    ]
    monkeypatch.setattr(reader_module, "_CHUNK", chunk)
    data = json.dumps(records, indent=1, ensure_ascii=False).encode()
    assert [r.record for r in rows(data)] == records


def test_csv_rows_with_line_numbers_and_errors() -> None:
    data = b'user,assistant\nhi,hello\n"multi\nline",=1+1\nonly one column\nbad \xff utf8,x\nlast,row\n'
    result = rows(data, file_format="csv")
    assert [(r.line, r.record) for r in result if r.ok] == [
        (2, {"user": "hi", "assistant": "hello"}),
        (3, {"user": "multi\nline", "assistant": "=1+1"}),
        (7, {"user": "last", "assistant": "row"}),
    ]
    assert errors(result) == {5: "expected 2 columns, got 1", 6: "invalid UTF-8 at byte 4"}


def test_csv_with_bom_and_crlf() -> None:
    result = rows(b"\xef\xbb\xbfprompt,completion\r\np,c\r\n", file_format="csv")
    assert result[0].record == {"prompt": "p", "completion": "c"}


@pytest.mark.parametrize("header", [b"a,a\n", b"a,\n", b"\xff,b\n"])
def test_csv_bad_header_is_refused(header: bytes) -> None:
    with pytest.raises(FileFormatError, match="header"):
        rows(header + b"1,2\n", file_format="csv")


def test_csv_malformed_quoting_is_a_row_error() -> None:
    result = rows(b'a,b\n"x"y,z\n1,2\n', file_format="csv")
    assert 2 in errors(result)
    assert "malformed CSV" in errors(result)[2]
    assert result[-1].record == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("data.jsonl", b'{"a":1}', FileFormat.JSONL),
        ("data.json", b"[{}]", FileFormat.JSON),
        ("data.json", b'{"a":1}\n{"a":2}', FileFormat.JSONL),
        ("data.csv", b"a,b", FileFormat.CSV),
        (None, b"\xef\xbb\xbf  [", FileFormat.JSON),
        (None, b"\n{", FileFormat.JSONL),
        (None, b"", FileFormat.JSONL),
        ("upload.bin", b"user,assistant", FileFormat.CSV),
    ],
)
def test_detect_file_format(name: str | None, head: bytes, expected: FileFormat) -> None:
    assert detect_file_format(name, head) is expected


def test_read_from_path_detects_format_by_name(tmp_path: Path) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(b"instruction,input,output\nAdd,1+1,2\n")
    [row] = list(read_chat_records(path))
    assert row.record == {
        "messages": [{"role": "user", "content": "Add\n1+1"}, {"role": "assistant", "content": "2"}]
    }


def test_read_chat_records_turns_unconvertible_rows_into_errors() -> None:
    data = b'{"prompt": "p", "completion": "c"}\n{"foo": 1}\n{"instruction": "i", "output": "o", "x": 1}\n'
    result = list(read_chat_records(io.BytesIO(data)))
    assert result[0].ok
    assert result[1].line == 2
    assert "unrecognized record format" in (result[1].error or "")
    assert result[2].ok
    assert [n.kind for n in result[2].notes] == ["ignored_keys"]


def test_empty_file_has_no_rows() -> None:
    assert rows(b"") == []
    assert rows(b"", file_format="csv") == []
    assert rows(b"[]", file_format="json") == []


def _parquet(rows: list[dict[str, Any]]) -> bytes:
    pa = pytest.importorskip("pyarrow")
    parquet = pytest.importorskip("pyarrow.parquet")
    sink = io.BytesIO()
    parquet.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()


def test_parquet_rows_get_the_same_checks_as_json_lines() -> None:
    data = _parquet(
        [
            {"prompt": "p", "completion": "c", "score": 1.5},
            {"prompt": "q", "completion": "d", "score": float("nan")},
        ]
    )
    assert detect_file_format(None, data[:64]) is FileFormat.PARQUET
    assert detect_file_format("rows.parquet", b"") is FileFormat.PARQUET
    rows = list(read_records(io.BytesIO(data)))
    assert [(row.line, row.record) for row in rows] == [
        (1, {"prompt": "p", "completion": "c", "score": 1.5}),
        (2, None),
    ]
    assert rows[1].error == "invalid JSON: NaN is not valid JSON"
    long = list(
        read_records(io.BytesIO(_parquet([{"text": "x" * 200}])), limits=ReadLimits(max_line_bytes=100))
    )
    assert long[0].error == "row longer than 100 bytes"


def test_parquet_past_the_size_limit_or_unreadable_is_refused() -> None:
    data = _parquet([{"text": "y" * 5000}])
    with pytest.raises(InputLimitError, match="more than the limit"):
        list(read_records(io.BytesIO(data), limits=ReadLimits(max_total_bytes=len(data) - 1)))
    # Compressed below the limit but larger once unpacked (a decompression bomb) is refused too.
    bomb = _parquet([{"text": "z" * 100_000}])
    assert len(bomb) < 20_000
    with pytest.raises(InputLimitError, match="unpacks to"):
        list(read_records(io.BytesIO(bomb), limits=ReadLimits(max_total_bytes=20_000)))
    with pytest.raises(FileFormatError, match="not a readable Parquet file"):
        list(read_records(io.BytesIO(b"PAR1" + b"\0" * 100)))
