"""The OpenAI fine-tuning validator catches each published rule."""

from __future__ import annotations

from typing import Any

import pytest

from distillation.formats import estimate_tokens, validate_openai_dataset, validate_openai_example

VALID: dict[str, Any] = {
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
    ]
}


def codes(example: object, **kwargs: Any) -> list[str]:
    return [issue.code for issue in validate_openai_example(example, **kwargs)]


def with_messages(*messages: Any, **extra: Any) -> dict[str, Any]:
    return {"messages": list(messages), **extra}


USER = {"role": "user", "content": "q"}
ASSISTANT = {"role": "assistant", "content": "a"}


@pytest.mark.parametrize(
    "example",
    [
        VALID,
        with_messages(USER, {**ASSISTANT, "weight": 0}, USER, {**ASSISTANT, "weight": 1}),
        with_messages(
            USER,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
            ASSISTANT,
            tools=[{"type": "function", "function": {"name": "f"}}],
            parallel_tool_calls=False,
        ),
    ],
)
def test_valid_examples_have_no_issues(example: dict[str, Any]) -> None:
    assert validate_openai_example(example) == []


@pytest.mark.parametrize(
    ("example", "code"),
    [
        ([1, 2], "not_an_object"),
        ({"prompt": "p", "completion": "c"}, "missing_messages"),
        ({"messages": []}, "missing_messages"),
        ({"messages": "hi"}, "missing_messages"),
        ({**VALID, "metadata": {}}, "unknown_key"),
        (with_messages(USER, "not a message", ASSISTANT), "message_not_object"),
        (with_messages({"role": "human", "content": "q"}, ASSISTANT), "invalid_role"),
        (with_messages({"content": "q"}, ASSISTANT), "invalid_role"),
        (with_messages({**USER, "weight": 1}, ASSISTANT), "message_unknown_key"),
        (with_messages({**USER, "extra": 1}, ASSISTANT), "message_unknown_key"),
        (with_messages({"role": "user"}, ASSISTANT), "invalid_content"),
        (with_messages({"role": "user", "content": 5}, ASSISTANT), "invalid_content"),
        (with_messages(USER, {"role": "assistant", "content": None}), "invalid_content"),
        (with_messages(USER, {**ASSISTANT, "weight": 2}), "invalid_weight"),
        (with_messages(USER, {**ASSISTANT, "weight": True}), "invalid_weight"),
        (with_messages(USER, {**ASSISTANT, "weight": "1"}), "invalid_weight"),
        (with_messages(USER, {"role": "tool", "content": "x"}, ASSISTANT), "missing_tool_call_id"),
        (with_messages(USER), "missing_assistant"),
        (with_messages(USER, {**ASSISTANT, "weight": 0}), "no_trainable_assistant"),
    ],
)
def test_each_rule_is_an_error(example: object, code: str) -> None:
    issues = validate_openai_example(example, line=7)
    assert code in [i.code for i in issues]
    flagged = next(i for i in issues if i.code == code)
    assert flagged.severity == "error"
    assert flagged.line == 7


@pytest.mark.parametrize(
    ("example", "code"),
    [
        (with_messages(USER, ASSISTANT, USER), "last_not_assistant"),
        (with_messages(USER, {"role": "assistant", "content": ""}), "empty_assistant"),
    ],
)
def test_warnings_do_not_make_an_example_invalid(example: dict[str, Any], code: str) -> None:
    issues = validate_openai_example(example)
    assert [(i.code, i.severity) for i in issues] == [(code, "warning")]


def test_long_examples_get_a_token_warning() -> None:
    example = with_messages(USER, {"role": "assistant", "content": "x" * 4000})
    assert estimate_tokens(example) == 1001 + 2 * 4 + 3  # ceil(4001 chars / 4) + per-message overhead
    assert codes(example, max_tokens=1011) == ["too_long"]
    assert codes(example, max_tokens=1012) == []


def test_dataset_needs_ten_examples() -> None:
    nine = validate_openai_dataset([VALID] * 9)
    assert nine.ok
    assert [w.code for w in nine.warnings] == ["too_few_examples"]
    assert nine.warnings[0].line is None
    assert validate_openai_dataset([VALID] * 10).issues == ()


def test_dataset_report_numbers_examples_from_one() -> None:
    report = validate_openai_dataset([VALID, {"messages": []}, VALID] + [VALID] * 10)
    assert not report.ok
    assert [(e.line, e.code) for e in report.errors] == [(2, "missing_messages")]
    assert report.examples == 13
