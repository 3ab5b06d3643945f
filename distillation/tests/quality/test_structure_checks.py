"""Structure checks: data type validators plus the chat messages shape."""

from __future__ import annotations

from typing import Any

import pytest

from distillation.datatypes import ValidationContext, get_datatype
from distillation.quality import check_messages, check_structure


def test_valid_raw_output_parses_and_yields_messages() -> None:
    qa = get_datatype("qa")
    result = check_structure(
        qa, '```json\n{"question": "Why?", "answer": "Because."}\n```', system="Be kind."
    )
    assert result.ok
    assert [m["role"] for m in result.messages] == ["system", "user", "assistant"]


def test_unparseable_output_is_reported_not_raised() -> None:
    result = check_structure(get_datatype("qa"), "Sorry, no.")
    assert not result.ok
    assert result.record is None
    assert result.messages == []
    assert result.reasons == ["no JSON object in output"]


def test_validator_reasons_are_carried() -> None:
    data = {"text": "Nice", "label": "spam"}
    result = check_structure(get_datatype("classification"), data, context=ValidationContext(labels=["ham"]))
    assert result.record is not None
    assert not result.ok
    assert any("allowed labels" in reason for reason in result.reasons)


def test_messages_shape_failures_are_prefixed() -> None:
    data = {"turns": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"}]}
    result = check_structure(get_datatype("generation"), data)
    assert "messages: user and assistant turns do not alternate (turn 1 repeats a role)" in result.reasons


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        ([], "non-empty list"),
        ("user: hi", "non-empty list"),
        ([{"role": "user", "content": "hi"}, "assistant: hello"], "message 1 is not an object"),
        (
            [{"role": "human", "content": "hi"}, {"role": "assistant", "content": "yo"}],
            "unknown role 'human'",
        ),
        ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}], "message 1 has empty"),
        ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": 3}], "non-text content"),
        ([{"role": "user", "content": "hi"}], "fewer than 2"),
    ],
)
def test_check_messages_bad_cases(messages: Any, fragment: str) -> None:
    reasons = check_messages(messages)
    assert any(fragment in reason for reason in reasons), reasons


def test_check_messages_accepts_a_valid_conversation() -> None:
    messages = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": "a"},
    ]
    assert check_messages(messages) == []
