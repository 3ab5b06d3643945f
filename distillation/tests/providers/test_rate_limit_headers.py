"""Rate-limit headers read from answers: both providers' styles, their reset formats, and the adapters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from distillation.providers import (
    ChatRequest,
    LLMClient,
    RateLimitedError,
    RateLimitInfo,
    parse_rate_limit_headers,
)
from distillation.providers.limit_headers import parse_duration
from distillation.testing import FakeProviderServer, ServerLimits, ok, rate_limited

ModelFactory = Callable[..., LLMClient]
NOW = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def test_openai_headers_are_read_with_go_durations() -> None:
    headers = {
        "x-ratelimit-limit-requests": "5000",
        "x-ratelimit-remaining-requests": "4999",
        "x-ratelimit-reset-requests": "12ms",
        "x-ratelimit-limit-tokens": "160000",
        "x-ratelimit-remaining-tokens": "159976",
        "x-ratelimit-reset-tokens": "6m0s",
    }
    assert parse_rate_limit_headers(headers) == RateLimitInfo(5000, 4999, 0.012, 160000, 159976, 360.0)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("0s", 0.0),
        ("2", 2.0),
        ("0.5", 0.5),
    ],
)
def test_reset_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "1x", "-1", "5s later"])
def test_unreadable_durations_are_absent(text: str) -> None:
    assert parse_duration(text) is None


def test_anthropic_headers_are_read_with_rfc3339_resets() -> None:
    headers = {
        "anthropic-ratelimit-requests-limit": "1000",
        "anthropic-ratelimit-requests-remaining": "999",
        "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:02Z",
        "anthropic-ratelimit-tokens-limit": "96000",
        "anthropic-ratelimit-tokens-remaining": "95000",
        "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:00.500000+00:00",
        "anthropic-ratelimit-input-tokens-limit": "80000",
        "anthropic-ratelimit-output-tokens-limit": "16000",
    }
    info = parse_rate_limit_headers(headers, now=NOW)
    assert info == RateLimitInfo(1000, 999, 2.0, 96000, 95000, 0.5)


def test_anthropic_input_tokens_stand_in_when_no_combined_tokens_limit_is_sent() -> None:
    headers = {
        "anthropic-ratelimit-input-tokens-limit": "80000",
        "anthropic-ratelimit-input-tokens-remaining": "0",
        "anthropic-ratelimit-input-tokens-reset": "2025-12-31T23:59:00Z",  # already passed: 0
        "anthropic-ratelimit-output-tokens-limit": "16000",
    }
    info = parse_rate_limit_headers(headers, now=NOW)
    assert info == RateLimitInfo(tokens_limit=80000, tokens_remaining=0, tokens_reset_s=0.0)


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {},
        {"content-type": "application/json"},
        {"retry-after": "1", "x-ratelimit-remaining-requests": "0"},  # no limit header: not probed
    ],
)
def test_answers_without_limit_headers_give_none(headers: dict[str, str] | None) -> None:
    assert parse_rate_limit_headers(headers) is None


def test_negative_and_unreadable_values_count_as_absent() -> None:
    # Some gateways send -1 for "no limit".
    headers = {
        "x-ratelimit-limit-tokens": "-1",
        "x-ratelimit-remaining-tokens": "many",
        "x-ratelimit-reset-tokens": "0",
    }
    assert parse_rate_limit_headers(headers) == RateLimitInfo(tokens_reset_s=0.0)


@pytest.mark.parametrize("model_id", ["openai:gpt-fake", "anthropic:claude-fake"])
async def test_successful_answers_carry_the_servers_limits(
    server: FakeProviderServer, make_model: ModelFactory, model_id: str
) -> None:
    server.reset(limits=ServerLimits(requests=50, tokens=40_000, period_s=60, enforce=False))
    model = make_model(model_id)
    first = await model.adapter.complete(ChatRequest.from_prompt("hello there"), 5)
    second = await model.adapter.complete(ChatRequest.from_prompt("hello again"), 5)

    assert first.rate_limit is not None
    assert second.rate_limit is not None
    assert (first.rate_limit.requests_limit, first.rate_limit.tokens_limit) == (50, 40_000)
    assert (first.rate_limit.requests_remaining, second.rate_limit.requests_remaining) == (49, 48)
    assert second.rate_limit.tokens_remaining is not None
    assert second.rate_limit.tokens_remaining < 40_000
    assert first.rate_limit.requests_reset_s is not None
    assert 55 < first.rate_limit.requests_reset_s <= 60


async def test_answers_without_limits_carry_none(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(default=ok())
    model = make_model("openai:gpt-fake")
    assert (await model.adapter.complete(ChatRequest.from_prompt("hi"), 5)).rate_limit is None


@pytest.mark.parametrize(
    ("model_id", "headers", "left"),
    [
        ("openai:gpt-fake", {"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0"}, 0),
        (
            "anthropic:claude-fake",
            {"anthropic-ratelimit-requests-limit": "60", "anthropic-ratelimit-requests-remaining": "3"},
            3,
        ),
    ],
)
async def test_429s_carry_the_limits_too(
    server: FakeProviderServer, make_model: ModelFactory, model_id: str, headers: dict[str, str], left: int
) -> None:
    server.reset(default=rate_limited(retry_after=1, headers=headers))
    model = make_model(model_id)
    with pytest.raises(RateLimitedError) as caught:
        await model.adapter.complete(ChatRequest.from_prompt("hi"), 5)
    assert caught.value.rate_limit == RateLimitInfo(requests_limit=60, requests_remaining=left)
    assert caught.value.capacity_exhausted is (left == 0)
