"""Tool-calling conversations: the canonical record keeps them, and the OpenAI checks accept valid tool
calls and reject broken ones (unknown tool, arguments off the schema, malformed calls, orphan results)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from distillation.export import export
from distillation.formats import RecordError, validate_chat, validate_openai_dataset, validate_openai_example
from distillation.formats.convert import ConversionError, from_chat

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
            "required": ["city"],
        },
    },
}


def example(arguments: str = '{"city": "Oslo", "days": 2}', name: str = "get_weather") -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return {
        "messages": [
            {"role": "user", "content": "Weather in Oslo for two days?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "content": "rain", "tool_call_id": "call_1"},
            {"role": "assistant", "content": "Rain both days."},
        ],
        "tools": [WEATHER],
    }


def codes(record: dict[str, Any]) -> list[str]:
    return [issue.code for issue in validate_openai_example(record) if issue.severity == "error"]


def test_a_valid_tool_calling_example_passes() -> None:
    assert codes(example()) == []
    assert validate_openai_dataset([example()] * 10).ok


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (example(name="get_time"), "unknown tool 'get_time'"),
        (example('{"days": 2}'), "'city' is a required property"),
        (example('{"city": "Oslo", "days": 0}'), "at days"),
        (example("{city: Oslo"), "not valid JSON"),
        (example("[]"), "must be a JSON object"),
    ],
)
def test_a_call_off_its_tool_is_an_error(record: dict[str, Any], message: str) -> None:
    issues = [i for i in validate_openai_example(record) if i.code == "invalid_tool_call"]
    assert len(issues) == 1
    assert message in issues[0].message
    assert "messages[1].tool_calls[0]" in issues[0].message


def test_malformed_calls_tools_and_orphan_results_are_errors() -> None:
    broken = example()
    broken["messages"][1]["tool_calls"][0]["function"]["arguments"] = {"city": "Oslo"}  # not text
    assert codes(broken) == ["invalid_tool_call"]
    orphan = example()
    orphan["messages"][2]["tool_call_id"] = "call_9"
    assert codes(orphan) == ["unknown_tool_call_id"]
    no_tools = example()
    del no_tools["tools"]
    assert codes(no_tools) == ["tool_call_without_tools"]
    twice = example()
    twice["tools"] = [WEATHER, WEATHER]
    assert codes(twice) == ["invalid_tools"]


def test_the_canonical_record_keeps_tool_turns_and_refuses_broken_ones() -> None:
    record = validate_chat(example())
    assert record["tools"] == [WEATHER]
    assert record["messages"][1]["content"] is None
    assert record["messages"][2]["tool_call_id"] == "call_1"
    bad = copy.deepcopy(example())
    bad["messages"][1]["tool_calls"] = [{"function": {"name": "get_weather"}}]
    with pytest.raises(RecordError, match="tool_calls"):
        validate_chat(bad)
    bad = copy.deepcopy(example())
    del bad["messages"][2]["tool_call_id"]
    with pytest.raises(RecordError, match="tool_call_id"):
        validate_chat(bad)
    with pytest.raises(ConversionError, match="only the chat view"):
        from_chat(example(), "instruction")


def test_the_openai_export_keeps_tools_beside_messages(tmp_path: Any) -> None:
    records = [{**example(), "metadata": {"id": n}} for n in range(10)]
    result = export(records, "openai", tmp_path / "train.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    assert result.skipped == 0
    assert len(lines) == 10
    assert lines[0] == example()
    assert validate_openai_dataset(lines).ok
    broken = [{**example(name="get_time")}]
    skipped = export(broken, "openai", tmp_path / "broken.jsonl")
    assert skipped.skipped == 1
    assert any("unknown tool 'get_time'" in warning for warning in skipped.warnings)
