"""Conversions: single-turn chats round-trip exactly through every view; lossy ones say so."""

from __future__ import annotations

from typing import Any

import pytest

from distillation.formats import (
    ConversionError,
    RecordError,
    RecordFormat,
    detect_format,
    from_chat,
    to_chat,
    validate_chat,
)

VIEWS = [RecordFormat.INSTRUCTION, RecordFormat.SHAREGPT, RecordFormat.PROMPT_COMPLETION, RecordFormat.FLAT]


def chat(*turns: tuple[str, str], metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"messages": [{"role": role, "content": content} for role, content in turns]}
    if metadata is not None:
        record["metadata"] = metadata
    return record


SINGLE_TURN = [
    chat(("user", "What is 2+2?"), ("assistant", "4")),
    chat(("user", "Translate 'chat'"), ("assistant", "cat"), metadata={"item_key": "k1", "score": 9.5}),
    chat(("user", "Ünïcödé ✓ 日本語\nline two"), ("assistant", "=SUM(A1)\t-x")),
    chat(("user", ""), ("assistant", "")),
]
SINGLE_TURN_WITH_SYSTEM = [chat(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello."))]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("record", SINGLE_TURN)
def test_single_turn_round_trips_exactly_without_notes(record: dict[str, Any], view: RecordFormat) -> None:
    there = from_chat(record, view)
    back = to_chat(there.record)
    assert not there.lossy
    assert not back.lossy
    assert detect_format(there.record) is view
    assert back.record == record


@pytest.mark.parametrize("view", [RecordFormat.INSTRUCTION, RecordFormat.SHAREGPT, RecordFormat.FLAT])
@pytest.mark.parametrize("record", SINGLE_TURN_WITH_SYSTEM)
def test_system_prompt_round_trips_where_the_view_has_a_place_for_it(
    record: dict[str, Any], view: RecordFormat
) -> None:
    there = from_chat(record, view)
    assert not there.lossy
    assert to_chat(there.record).record == record


def test_system_prompt_in_prompt_completion_is_flattened_with_a_note() -> None:
    there = from_chat(SINGLE_TURN_WITH_SYSTEM[0], RecordFormat.PROMPT_COMPLETION)
    assert [n.kind for n in there.notes] == ["context_flattened"]
    assert there.record == {"prompt": "System: Be brief.\n\nUser: Hi", "completion": "Hello."}


MULTI_TURN = chat(("system", "S"), ("user", "u1"), ("assistant", "a1"), ("user", "u2"), ("assistant", "a2"))


def test_multi_turn_to_alpaca_moves_earlier_turns_to_history_and_warns() -> None:
    there = from_chat(MULTI_TURN, RecordFormat.INSTRUCTION)
    assert there.record == {
        "instruction": "u2",
        "input": "",
        "output": "a2",
        "system": "S",
        "history": [["u1", "a1"]],
    }
    assert [n.kind for n in there.notes] == ["history"]
    assert to_chat(there.record).record == MULTI_TURN


def test_multi_turn_to_sharegpt_is_lossless() -> None:
    there = from_chat(MULTI_TURN, RecordFormat.SHAREGPT)
    assert not there.lossy
    assert [t["from"] for t in there.record["conversations"]] == ["system", "human", "gpt", "human", "gpt"]
    assert to_chat(there.record).record == MULTI_TURN


@pytest.mark.parametrize("view", [RecordFormat.PROMPT_COMPLETION, RecordFormat.FLAT])
def test_multi_turn_to_flat_views_is_lossy_and_says_so(view: RecordFormat) -> None:
    there = from_chat(MULTI_TURN, view)
    assert [n.kind for n in there.notes] == ["context_flattened"]
    assert to_chat(there.record).record != MULTI_TURN


@pytest.mark.parametrize("view", VIEWS)
def test_weight_is_never_dropped_silently(view: RecordFormat) -> None:
    record = chat(("user", "q"), ("assistant", "a"))
    record["messages"][1]["weight"] = 1
    assert "weight_dropped" in [n.kind for n in from_chat(record, view).notes]
    assert from_chat(record, RecordFormat.CHAT).record == record


@pytest.mark.parametrize("view", [RecordFormat.INSTRUCTION, RecordFormat.SHAREGPT])
@pytest.mark.parametrize(
    "record",
    [
        chat(("user", "q")),
        chat(("assistant", "a")),
        chat(("user", "q"), ("user", "q2"), ("assistant", "a")),
        chat(("user", "q"), ("assistant", "a"), ("system", "late system")),
    ],
)
def test_shapes_a_view_cannot_hold_raise(record: dict[str, Any], view: RecordFormat) -> None:
    with pytest.raises(ConversionError, match="roles"):
        from_chat(record, view)


def test_chat_without_final_answer_cannot_become_prompt_completion() -> None:
    with pytest.raises(ConversionError, match="final assistant"):
        from_chat(chat(("user", "q")), RecordFormat.PROMPT_COMPLETION)


def test_alpaca_input_is_joined_to_the_instruction() -> None:
    result = to_chat({"instruction": "Summarize", "input": "Long text", "output": "Short"})
    assert result.record["messages"][0] == {"role": "user", "content": "Summarize\nLong text"}


def test_sharegpt_accepts_a_system_key_and_role_names() -> None:
    record = {
        "system": "S",
        "conversations": [{"from": "user", "value": "q"}, {"from": "assistant", "value": "a"}],
    }
    assert to_chat(record).record == chat(("system", "S"), ("user", "q"), ("assistant", "a"))


def test_unknown_keys_are_reported_not_silently_dropped() -> None:
    result = to_chat({"instruction": "i", "input": "", "output": "o", "text": "dup of everything"})
    assert [n.kind for n in result.notes] == ["ignored_keys"]
    assert "text" in result.notes[0].detail


def test_metadata_as_json_text_is_parsed_back() -> None:
    result = to_chat({"user": "q", "assistant": "a", "system": "", "metadata": '{"item_key": "x"}'})
    assert result.record["metadata"] == {"item_key": "x"}
    bad = to_chat({"user": "q", "assistant": "a", "metadata": "not json"})
    assert "metadata" not in bad.record
    assert [n.kind for n in bad.notes] == ["ignored_keys"]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"nothing": 1}, "unrecognized"),
        ({"conversations": [{"from": "function_call", "value": "x"}]}, "from must be one of"),
        ({"conversations": []}, "non-empty"),
        ({"instruction": 5, "output": "o"}, "'instruction' must be a string"),
        ({"instruction": "i", "output": "o", "history": [["only one"]]}, "history"),
        ({"prompt": "p", "completion": None}, "'completion'"),
    ],
)
def test_malformed_views_raise_with_the_reason(record: dict[str, Any], message: str) -> None:
    with pytest.raises(ConversionError, match=message):
        to_chat(record)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ([], "JSON object"),
        ({"messages": []}, "non-empty"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "tool_call_id"),
        ({"messages": [{"role": "user", "content": 1}]}, "content"),
        ({"messages": [{"role": "user", "content": "x", "name": "n"}]}, "unexpected key"),
        ({"messages": [{"role": "user", "content": "x", "weight": 1}]}, "weight"),
        ({"messages": [{"role": "assistant", "content": "x", "weight": True}]}, "weight"),
        ({"messages": [{"role": "assistant", "content": "x", "weight": 2}]}, "weight"),
        ({"messages": [{"role": "user", "content": "\ud800"}]}, "surrogate"),
        ({"messages": [{"role": "user", "content": "x"}], "id": 3}, "metadata"),
        ({"messages": [{"role": "user", "content": "x"}], "metadata": []}, "metadata"),
    ],
)
def test_invalid_chat_records_are_refused(record: Any, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        validate_chat(record)


def test_validate_chat_returns_a_copy() -> None:
    original = chat(("user", "q"), metadata={"a": 1})
    copy = validate_chat(original)
    copy["messages"].append({"role": "assistant", "content": "a"})
    assert len(original["messages"]) == 1
