"""Pure parts: wire parsers, Retry-After parsing and the backoff policy."""

from __future__ import annotations

import random
from email.utils import formatdate
from typing import Any

import pytest

from distillation.providers import ChatRequest, InvalidResponseError, RetryPolicy, Usage
from distillation.providers.adapters.google import _retry_info
from distillation.providers.retry import parse_retry_after
from distillation.providers.wire.anthropic import message_params, parse_message
from distillation.providers.wire.openai import parse_chat


def test_openai_refusal_is_a_content_filter() -> None:
    body = {
        "choices": [{"message": {"content": None, "refusal": "I can't."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "prompt_tokens_details": {"cached_tokens": 3}},
    }
    completion = parse_chat(body)
    assert (completion.text, completion.finish_reason) == ("I can't.", "content_filter")
    assert completion.usage == Usage(5, 2, cached_input_tokens=3)


@pytest.mark.parametrize("body", [{}, {"choices": []}, [], {"choices": [None]}])
def test_openai_bodies_that_are_not_completions_are_invalid(body: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_chat(body)


def test_anthropic_wraps_non_object_schemas_in_a_tool_and_unwraps_the_answer() -> None:
    request = ChatRequest.from_prompt("list", response_schema={"type": "array", "items": {"type": "string"}})
    params = message_params("claude", request, default_max_tokens=100)
    schema = params["tools"][0]["input_schema"]
    assert schema["type"] == "object"
    assert schema["properties"]["value"] == request.response_schema
    body = {
        "content": [{"type": "tool_use", "name": "response", "input": {"value": ["a", "b"]}}],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 10, "output_tokens": 4, "cache_read_input_tokens": 6},
    }
    completion = parse_message(body, request)
    assert completion.data == ["a", "b"]
    assert completion.text == '["a","b"]'
    assert completion.usage == Usage(16, 4, cached_input_tokens=6)


def test_gemini_retry_info_is_read_as_retry_after() -> None:
    details = {
        "error": {
            "code": 429,
            "details": [
                {"@type": "type.googleapis.com/google.rpc.Help"},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.5s"},
            ],
        }
    }
    assert _retry_info(details) == 2.5
    assert _retry_info({"error": {"details": []}}) is None
    assert _retry_info("not json") is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),  # the precise header wins
        ({"Retry-After": "3"}, 3.0),
        ({"RETRY-AFTER": "1.5"}, 1.5),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-1"}, None),
        ({}, None),
    ],
)
def test_retry_after_headers(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_retry_after_as_an_http_date() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after({"Retry-After": formatdate(now + 30, usegmt=True)}, now=now) == pytest.approx(30)


def test_backoff_grows_exponentially_with_jitter_on_top() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=4, jitter=0.25)
    rng = random.Random(1)
    for retry, floor in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [policy.delay(retry, None, rng) for _ in range(200)]
        assert floor <= min(delays)
        assert max(delays) <= floor * 1.25
        assert max(delays) - min(delays) > floor * 0.1  # really jittered


def test_retry_after_is_a_floor_even_beyond_max_delay() -> None:
    policy = RetryPolicy(max_delay=4, jitter=0.25)
    delays = [policy.delay(1, 30.0, random.Random(i)) for i in range(50)]
    assert min(delays) >= 30.0
    assert max(delays) <= 37.5


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
