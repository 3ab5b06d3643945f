"""Structured output: repair, re-ask with every attempt's tokens counted, and unusable finishes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, field_validator

from distillation.providers import ChatRequest, LLMClient, Outcome, OutputError, RetryPolicy, Usage
from distillation.providers.structured import schema_error
from distillation.testing import Behavior, FakeProviderServer, content_filter, length, ok, sequence

ModelFactory = Callable[..., LLMClient]


def ask(schema: dict[str, Any]) -> ChatRequest:
    return ChatRequest.from_prompt("Rate the answer", response_schema=schema, max_tokens=50)


async def test_truncated_json_is_repaired_without_a_reask(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory, schema: dict[str, Any]
) -> None:
    server.reset(sequence(Behavior(content="truncated_json", usage=(11, 6))))
    result = await make_model(sdk_model_id).chat(ask(schema))

    assert result.repaired
    assert result.data == {"answer": "answer text", "score": 0}
    assert len(server.requests) == 1
    assert result.usage == Usage(11, 6)


async def test_invalid_json_is_reasked_and_every_attempt_is_counted(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory, schema: dict[str, Any]
) -> None:
    server.reset(sequence(Behavior(content="invalid_json", usage=(10, 5)), ok(usage=(20, 7))))
    result = await make_model(sdk_model_id).chat(ask(schema))

    assert result.data == {"answer": "answer text", "score": 0}
    assert [a.outcome for a in result.attempts] == [Outcome.INVALID_OUTPUT, Outcome.OK]
    assert [a.usage for a in result.attempts] == [Usage(10, 5), Usage(20, 7)]
    assert result.usage == Usage(30, 12)
    reask_text = server.requests[1].text
    assert "Here is what you asked for" in reask_text  # the rejected answer is shown back
    assert "rejected" in reask_text
    assert result.fingerprint == result.attempts[1].fingerprint  # re-asks keep the request's key


async def test_wrong_schema_exhausts_reasks_and_keeps_raw_text(
    server: FakeProviderServer, make_model: ModelFactory, schema: dict[str, Any]
) -> None:
    server.reset(default=Behavior(content="wrong_schema", usage=(3, 2)))
    model = make_model("openai:gpt-fake", retry=RetryPolicy(max_reasks=2))
    with pytest.raises(OutputError) as info:
        await model.chat(ask(schema))

    error = info.value
    assert error.reason == "invalid_output"
    assert error.raw_text == '["wrong"]'
    assert len(server.requests) == 3
    assert [a.outcome for a in error.attempts] == [Outcome.INVALID_OUTPUT] * 3
    assert error.usage == Usage(9, 6)
    assert "(root)" in str(error)


async def test_length_finish_is_an_output_error_with_raw_text(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory, schema: dict[str, Any]
) -> None:
    server.reset(default=length(usage=(8, 50)))
    with pytest.raises(OutputError) as info:
        await make_model(sdk_model_id).chat(ask(schema))

    error = info.value
    assert error.reason == "length"
    assert error.raw_text == '{"answer":"answer'  # what the model wrote before the cut, kept
    assert error.finish_reason in ("length", "max_tokens", "MAX_TOKENS")
    assert len(server.requests) == 1  # the same settings would be cut again: not retried
    assert [a.outcome for a in error.attempts] == [Outcome.LENGTH]
    assert error.usage == Usage(8, 50)


async def test_length_finish_fails_plain_text_requests_too(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(default=length())
    with pytest.raises(OutputError) as info:
        await make_model("google:gemini-fake").chat(ChatRequest.from_prompt("tell me a long story"))
    assert info.value.reason == "length"
    assert info.value.raw_text


async def test_content_filter_is_an_output_error(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(default=content_filter(text="I can't help with that."))
    with pytest.raises(OutputError) as info:
        await make_model(sdk_model_id).chat(ChatRequest.from_prompt("something bad"))
    assert info.value.reason == "content_filter"
    assert info.value.raw_text == "I can't help with that."
    assert [a.outcome for a in info.value.attempts] == [Outcome.CONTENT_FILTER]


class Strict(BaseModel):
    answer: str
    score: int

    @field_validator("answer")
    @classmethod
    def not_placeholder(cls, value: str) -> str:
        if value == "answer text":
            raise ValueError("the answer must not be the placeholder")
        return value


async def test_pydantic_validation_errors_drive_reasks(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(sequence(ok(), ok(text='{"answer": "a real answer", "score": 7}')))
    result = await make_model("anthropic:claude-fake").chat(
        ChatRequest.from_prompt("Rate"), output_type=Strict
    )

    assert result.parsed(Strict) == Strict(answer="a real answer", score=7)
    assert [a.outcome for a in result.attempts] == [Outcome.INVALID_OUTPUT, Outcome.OK]
    assert "placeholder" in (result.attempts[0].error or "")
    assert "placeholder" in server.requests[1].text


async def test_json_object_mode_for_compatible_servers(
    server: FakeProviderServer, make_model: ModelFactory, schema: dict[str, Any]
) -> None:
    server.reset(sequence(ok(text='```json\n{"answer": "fenced", "score": 2}\n```')))
    model = make_model(
        "openai-compatible:groq-model",
        credentials={"base_url": server.openai_base_url},
        options={"structured_output": "json_object"},
    )
    result = await model.chat(ask(schema))

    assert server.requests[0].body["response_format"] == {"type": "json_object"}
    assert result.data == {"answer": "fenced", "score": 2}
    assert result.repaired  # the code fence needed json-repair


DRAFT7_EMAIL = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {"email": {"type": "string", "format": "email"}, "n": {"type": "integer", "maximum": 3}},
    "required": ["email"],
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"email": "someone@example.com", "n": 1}, None),
        ({"email": "not an address"}, None),  # formats are annotations, as in jsonschema
        ({"email": "a@b.c", "n": 9}, "at n: 9 is greater than the maximum of 3"),
        ({"n": 1}, "at (root): 'email' is a required property"),
        (["wrong"], "at (root): ['wrong'] is not of type 'object'"),
    ],
)
def test_answers_are_judged_and_worded_as_jsonschema_does(value: Any, expected: str | None) -> None:
    assert schema_error(value, DRAFT7_EMAIL) == expected
    found = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(DRAFT7_EMAIL).iter_errors(value))
    assert (found is None) == (expected is None)
