"""export(): format/style choice, skipped rows, lossy notes, OpenAI validation on the way out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from distillation.export import DEFAULT_SPLITS, HubTarget, export, get_format
from distillation.formats import validate_openai_dataset


def qa(i: int) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}


def test_unknown_format_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown export format 'xlsx'.*jsonl"):
        export([], "xlsx", tmp_path / "x")


@pytest.mark.parametrize(
    ("fmt", "style"), [("openai", "instruction"), ("csv", "sharegpt"), ("alpaca", "chat")]
)
def test_style_a_format_cannot_hold_is_refused(tmp_path: Path, fmt: str, style: str) -> None:
    with pytest.raises(ValueError, match="supports styles"):
        export([qa(1)], fmt, tmp_path / "x", style=style)


def test_default_style_comes_from_the_format(tmp_path: Path) -> None:
    result = export([qa(1)], "alpaca", tmp_path / "x.json")
    assert result.style == "instruction"
    assert json.loads((tmp_path / "x.json").read_text()) == [
        {"input": "", "instruction": "q1", "output": "a1"}
    ]
    assert get_format("sharegpt").styles == ("sharegpt",)


def test_bad_records_are_skipped_and_listed_with_their_position(tmp_path: Path) -> None:
    data = [qa(1), {"nonsense": True}, qa(3), {"messages": [{"role": "user", "content": "no answer"}]}]
    result = export(data, "sharegpt", tmp_path / "x.json")
    assert result.counts == {"all": 2}
    assert result.skipped == 2
    assert result.warnings[0].startswith("record 2 skipped: unrecognized record format")
    assert result.warnings[1].startswith("record 4 skipped:")


def test_skip_list_is_capped(tmp_path: Path) -> None:
    result = export([{"x": i} for i in range(50)], "jsonl", tmp_path / "x.jsonl")
    assert result.skipped == 50
    assert len(result.warnings) == 21
    assert result.warnings[-1] == "... and 30 more skipped record(s)"


def test_lossy_conversions_are_reported_once_per_kind(tmp_path: Path) -> None:
    multi = {
        "messages": [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": "c"},
            {"role": "assistant", "content": "d"},
        ]
    }
    result = export([qa(1), multi, multi], "jsonl", tmp_path / "x.jsonl", style="prompt_completion")
    assert result.warnings == (
        "context_flattened: 2 record(s), e.g. record 2: "
        "3 context message(s) rendered into one text with role labels",
    )


def test_input_in_other_views_is_accepted(tmp_path: Path) -> None:
    data: list[dict[str, Any]] = [
        {"instruction": "i", "input": "", "output": "o"},
        {"conversations": [{"from": "human", "value": "h"}, {"from": "gpt", "value": "g"}]},
        {"prompt": "p", "completion": "c"},
    ]
    result = export(data, "openai", tmp_path / "x.jsonl")
    assert result.counts == {"all": 3}
    lines = (tmp_path / "x.jsonl").read_text().splitlines()
    assert json.loads(lines[1]) == {
        "messages": [{"content": "h", "role": "user"}, {"content": "g", "role": "assistant"}]
    }


def test_openai_export_validates_and_warns_about_small_files(tmp_path: Path) -> None:
    weighted_out = {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 0}]
    }
    data = [qa(i) for i in range(30)] + [weighted_out]
    result = export(data, "openai", tmp_path, splits=DEFAULT_SPLITS)
    assert result.skipped == 1
    assert "every assistant message has weight 0" in result.warnings[0]
    small = [name for name, count in result.counts.items() if count < 10]
    assert small
    assert all(any(w.startswith(f"{name}:") for w in result.warnings) for name in small)
    for path in result.paths.values():
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert validate_openai_dataset(lines, min_examples=0).ok


def test_openai_export_keeps_weight_but_parquet_style_chat_drops_it_loudly(tmp_path: Path) -> None:
    record = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "draft", "weight": 0},
            {"role": "user", "content": "again"},
            {"role": "assistant", "content": "final", "weight": 1},
        ]
    }
    export([record], "openai", tmp_path / "x.jsonl")
    assert json.loads((tmp_path / "x.jsonl").read_text())["messages"][1]["weight"] == 0
    pytest.importorskip("pyarrow")
    result = export([record], "parquet", tmp_path / "x.parquet")
    assert any(w.startswith("weight_dropped: 1 record(s)") for w in result.warnings)


def test_metadata_can_be_left_out(tmp_path: Path) -> None:
    record = {**qa(1), "metadata": {"judge": 9}}
    export([record], "jsonl", tmp_path / "with.jsonl")
    export([record], "jsonl", tmp_path / "without.jsonl", include_metadata=False)
    assert "metadata" in json.loads((tmp_path / "with.jsonl").read_text())
    assert "metadata" not in json.loads((tmp_path / "without.jsonl").read_text())


def test_hub_push_needs_the_hf_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'hf' format"):
        export([qa(1)], "jsonl", tmp_path / "x", hub=HubTarget("me/data", token="hf_x"))
    assert not (tmp_path / "x").exists()


def test_split_files_always_exist_even_when_empty(tmp_path: Path) -> None:
    result = export([qa(1)], "jsonl", tmp_path, splits={"train": 0.5, "validation": 0.25, "test": 0.25})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.jsonl", "train.jsonl", "validation.jsonl"]
    assert result.total == 1
    assert sorted(result.counts.values()) == [0, 0, 1]
