"""``distillery relabel`` on tool-calling prompts: an OpenAI fine-tuning file with ``tools`` that passes
the checks, and a broken call refused with its reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_fakes import GOOD_SCORES, JUDGE_USAGE, TEACHER, cli_app, invoke, read_jsonl, schema_name

from distillation.formats import validate_openai_dataset
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
BOOK: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "book_table",
        "parameters": {
            "type": "object",
            "properties": {"people": {"type": "integer", "minimum": 1}},
            "required": ["people"],
        },
    },
}


def tool_answers(request: RecordedRequest) -> Behavior:
    """Good judge scores; a valid call of the offered tool, except for prompts that ask to break it
    (then every attempt, re-asks included, is broken)."""
    if schema_name(request) == "judge_scores":
        return ok(text=json.dumps(GOOD_SCORES), usage=JUDGE_USAGE)
    if "unknown tool" in request.text:  # re-asks too: the prompt is in every attempt
        return ok(tool_call="unknown_tool")
    if "broken arguments" in request.text:
        return ok(tool_call="invalid_arguments")
    return ok(usage=(100, 20))


def write_prompts(path: Path, count: int) -> list[dict[str, Any]]:
    """``count`` chat logs offering tools; every third one carries an earlier tool call and result."""
    lines = []
    for number in range(count):
        messages: list[dict[str, Any]] = [{"role": "user", "content": f"Weather in city {number}?"}]
        if number % 3 == 0:
            call: dict[str, Any] = {"id": f"call_{number}", "type": "function"}
            call["function"] = {"name": "book_table", "arguments": json.dumps({"people": number + 1})}
            messages = [
                {"role": "user", "content": f"Book a table for {number + 1}."},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": f"call_{number}", "content": "booked"},
                {"role": "assistant", "content": "Your table is booked."},
                *messages,
            ]
        lines.append({"messages": messages, "tools": [WEATHER, BOOK]})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return lines


def test_a_tool_calling_prompt_set_round_trips_to_an_openai_file_with_tools(tmp_path: Path) -> None:
    prompts = tmp_path / "tools.jsonl"
    lines = write_prompts(prompts, 12)
    output = tmp_path / "train.jsonl"
    args: list[str | Path] = [
        "relabel",
        prompts,
        "--teacher",
        TEACHER,
        "--output",
        output,
        "--format",
        "openai",
    ]
    with FakeProviderServer(tool_answers) as server:
        result = invoke(cli_app(server), *args)

        sent = [r for r in server.requests if schema_name(r) is None]
    assert result.exit_code == 0, result.output
    assert "answered 12 of 12 prompts; rejected 0; judged 12" in result.stdout
    # The teacher saw the tools and the earlier tool turns as they were.
    assert len(sent) == 12
    assert all(r.body["tools"] == [WEATHER, BOOK] for r in sent)
    by_first = {r.body["messages"][0]["content"]: r.body["messages"] for r in sent}
    assert by_first["Book a table for 1."][1]["tool_calls"] == lines[0]["messages"][1]["tool_calls"]
    assert by_first["Book a table for 1."][2] == {
        "role": "tool",
        "content": "booked",
        "tool_call_id": "call_0",
    }
    exported = read_jsonl(output)
    assert len(exported) == 12
    for example in exported:
        assert set(example) == {"messages", "tools"}
        assert example["tools"] == [WEATHER, BOOK]
        reply = example["messages"][-1]
        assert reply["role"] == "assistant"
        assert reply["content"] is None
        [call] = reply["tool_calls"]
        assert call["function"]["name"] == "get_weather"
        assert json.loads(call["function"]["arguments"])["unit"] == "c"
    report = validate_openai_dataset(exported)
    assert report.ok, report.errors
    assert report.examples == 12


def test_unknown_tools_and_broken_arguments_are_rejected_with_the_reason(tmp_path: Path) -> None:
    prompts = tmp_path / "tools.jsonl"
    asks = ["Weather in Paris?", "Call an unknown tool", "Use broken arguments"]
    prompts.write_text(
        "".join(
            json.dumps({"messages": [{"role": "user", "content": a}], "tools": [WEATHER]}) + "\n"
            for a in asks
        )
    )
    output = tmp_path / "answers.jsonl"
    args: list[str | Path] = [
        "relabel",
        prompts,
        "--teacher",
        TEACHER,
        "--output",
        output,
        "--judge-sample-rate",
        "0",
    ]
    with FakeProviderServer(tool_answers) as server:
        result = invoke(cli_app(server), *args)

        sent = [r for r in server.requests if schema_name(r) is None]
    assert result.exit_code == 2, result.output  # incomplete: some prompts were rejected
    assert "answered 1 of 3 prompts; rejected 2" in result.stdout
    # Each broken answer was re-asked twice before it was refused.
    assert len(sent) == 1 + 3 + 3
    (row,) = read_jsonl(output)
    assert row["tools"] == [WEATHER]
    rejects = read_jsonl(tmp_path / "answers.rejected.jsonl")
    reasons = sorted(r["reason"] for r in rejects)
    assert len(reasons) == 2
    assert any("unknown tool 'no_such_tool'" in reason for reason in reasons), reasons
    assert any("tool 'get_weather' has invalid arguments" in reason for reason in reasons), reasons
