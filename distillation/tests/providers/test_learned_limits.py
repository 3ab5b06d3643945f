"""Limits learned from the providers' headers, pauses until their resets, and Little's-law concurrency."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence

import pytest

from distillation.providers import (
    AdaptiveConcurrency,
    ChatRequest,
    LLMClient,
    MemoryLimiter,
    Outcome,
    RateLimit,
    littles_law_cap,
)
from distillation.testing import FakeProviderServer, ServerLimits, ok, sequence

ModelFactory = Callable[..., LLMClient]


def max_in_window(times: Sequence[float], window: float) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + window) for start in ordered)


class CountingLimiter(MemoryLimiter):
    """Counts what is published and paused."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[dict[str, int]] = []
        self.pauses: list[float] = []

    async def publish_learned(self, key: str, info: dict[str, int]) -> None:
        self.published.append(dict(info))
        await super().publish_learned(key, info)

    async def pause(self, key: str, seconds: float) -> None:
        self.pauses.append(seconds)
        await super().pause(key, seconds)


@pytest.mark.parametrize("model_id", ["openai:gpt-fake", "anthropic:claude-fake"])
async def test_limits_learned_from_headers_space_the_requests(
    server: FakeProviderServer, make_model: ModelFactory, model_id: str
) -> None:
    # The server reports 3 requests per 2 s but does not refuse more: only the client keeps to it. (Windows
    # of 2 s: on a loaded machine an arrival can be a few hundred milliseconds late.)
    server.reset(limits=ServerLimits(requests=3, tokens=1_000_000, period_s=2.0, enforce=False))
    limiter = MemoryLimiter()
    model = make_model(model_id, rate_limit=RateLimit(period_s=2.0), limiter=limiter)
    assert model.limits.requests_source is None

    await model.chat(ChatRequest.from_prompt("first"))
    limits = model.limits
    assert (limits.requests_per_minute, limits.requests_source) == (3, "learned")
    assert (limits.tokens_per_minute, limits.tokens_source) == (1_000_000, "learned")

    await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(8)))
    arrivals = [r.received_at for r in server.requests]
    assert len(arrivals) == 9
    assert max_in_window(arrivals, 1.6) <= 3
    assert max(arrivals) - min(arrivals) >= 3.9  # 9 requests at 3 per window need three windows


async def test_set_limits_win_over_learned_ones(server: FakeProviderServer, make_model: ModelFactory) -> None:
    server.reset(limits=ServerLimits(requests=3, tokens=50_000, period_s=60, enforce=False))
    model = make_model(
        "openai:gpt-fake", rate_limit=RateLimit(requests_per_minute=500), limiter=MemoryLimiter()
    )
    await model.chat(ChatRequest.from_prompt("hi"))
    limits = model.limits
    assert (limits.requests_per_minute, limits.requests_source) == (500, "set")
    assert (limits.tokens_per_minute, limits.tokens_source) == (50_000, "learned")
    assert model.rate_limit.requests_per_minute == 500


async def test_learned_limits_are_published_once_per_change_and_adopted_by_new_clients(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(limits=ServerLimits(requests=1000, tokens=90_000, period_s=60, enforce=False))
    limiter = CountingLimiter()
    model = make_model("openai:gpt-fake", limiter=limiter)
    for i in range(3):
        await model.chat(ChatRequest.from_prompt(f"q{i}"))
    assert limiter.published == [{"rpm": 1000, "tpm": 90_000}]  # the same values are not published again
    learned = await limiter.learned("openai:gpt-fake")
    assert learned is not None
    assert (learned["rpm"], learned["tpm"]) == (1000, 90_000)
    assert learned["updated_at"] > 1_700_000_000

    server.reset(limits=ServerLimits(requests=2000, tokens=90_000, period_s=60, enforce=False))
    await model.chat(ChatRequest.from_prompt("after an upgrade"))
    assert limiter.published[-1] == {"rpm": 2000, "tpm": 90_000}

    # A new worker sharing the limiter starts with what the first learned, before any answer.
    server.reset(default=ok())  # no headers any more
    newcomer = make_model("openai:gpt-fake", limiter=limiter)
    await newcomer.chat(ChatRequest.from_prompt("hi"))
    assert (newcomer.limits.requests_per_minute, newcomer.limits.requests_source) == (2000, "learned")


@pytest.mark.parametrize(
    "headers",
    [
        {
            "x-ratelimit-limit-requests": "100000",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "400ms",
        },
        {
            "x-ratelimit-limit-tokens": "9000000",
            "x-ratelimit-remaining-tokens": "12",
            "x-ratelimit-reset-tokens": "0.4s",
        },
    ],
)
async def test_a_used_up_limit_holds_sends_until_its_reset(
    server: FakeProviderServer, make_model: ModelFactory, headers: dict[str, str]
) -> None:
    server.reset(sequence(ok(headers=tuple(headers.items()))))
    limiter = CountingLimiter()
    model = make_model("openai:gpt-fake", limiter=limiter)
    await model.chat(ChatRequest.from_prompt("the last one"))
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(3)))

    assert limiter.pauses == [pytest.approx(0.4)]
    first, *rest = server.requests
    assert first.answered_at is not None
    assert min(r.received_at for r in rest) - first.answered_at >= 0.35


async def test_limits_with_room_left_do_not_pause(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(limits=ServerLimits(requests=100, period_s=60, enforce=False))
    limiter = CountingLimiter()
    model = make_model("openai:gpt-fake", limiter=limiter)
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(5)))
    assert limiter.pauses == []


async def test_memory_limiter_pause_holds_the_key_only() -> None:
    limiter = MemoryLimiter()
    await limiter.pause("k", 0.3)
    await limiter.pause("k", 0.1)  # a shorter pause does not cut the longer one
    wait = await limiter.try_acquire("k", [], 60)
    assert 0.25 < wait <= 0.3
    assert await limiter.try_acquire("k", [("req", 5, 1)], 60) > 0.25
    assert await limiter.try_acquire("other", [], 60) == 0.0
    await asyncio.sleep(wait)
    assert await limiter.try_acquire("k", [("req", 5, 1)], 60) == 0.0


@pytest.mark.parametrize(
    ("rpm", "tpm", "latency", "tokens", "expected"),
    [
        (600, None, 2.0, None, 24),  # 10/s x 2 s x 1.2
        (600, None, 0.05, None, 1),  # a fast model needs one in flight
        (60_000, None, 5.0, None, 64),  # more than the cap allows: the cap
        (None, 120_000, 3.0, 500.0, 15),  # 2,000 tokens/s / 500 per request = 4/s x 3 s x 1.2 = 14.4
        (6000, 120_000, 3.0, 500.0, 15),  # the tighter of the two
        (600, None, None, None, 64),  # no latency yet: the cap
        (None, None, 2.0, 100.0, 64),  # no limit known: the cap
    ],
)
def test_littles_law_cap(
    rpm: int | None, tpm: int | None, latency: float | None, tokens: float | None, expected: int
) -> None:
    assert littles_law_cap(RateLimit(), rpm, tpm, latency, tokens) == expected


def test_littles_law_cap_keeps_the_floor() -> None:
    assert littles_law_cap(RateLimit(min_concurrency=3), 60, None, 0.1, None) == 3


async def test_the_clients_cap_follows_littles_law_on_the_observed_latency(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(default=ok(latency=0.3))
    model = make_model("openai:gpt-fake", rate_limit=RateLimit(requests_per_minute=600, max_concurrency=64))
    assert model.concurrency.limit == 64  # no latency observed yet
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(6)))
    latency = model.limits.latency_s
    assert latency is not None
    assert latency >= 0.3
    expected = math.ceil(600 / 60 * latency * 1.2)
    assert model.concurrency.limit == model.limits.concurrency == expected
    assert 4 <= expected < 64


async def test_a_ceiling_bounds_additive_growth_and_lowers_the_cap_at_once() -> None:
    cap = AdaptiveConcurrency(max_limit=16)
    cap.set_ceiling(5)
    assert (cap.limit, cap.ceiling) == (5, 5)
    for _ in range(100):
        cap.release(await cap.acquire(), Outcome.OK)
    assert cap.limit == 5  # AIMD grows no further than the ceiling
    cap.release(await cap.acquire(), Outcome.RATE_LIMITED, capacity_exhausted=True)
    assert cap.limit == 4  # and still cuts below it (5 x 0.85)
    cap.set_ceiling(40)
    assert cap.ceiling == 16  # never above max_limit
    assert cap.limit == 4  # a cut cap grows back additively, not at once
    fixed = AdaptiveConcurrency(max_limit=16, adaptive=False)
    fixed.set_ceiling(3)
    fixed.set_ceiling(9)
    assert fixed.limit == 9


async def test_sends_wait_for_the_lowered_cap(server: FakeProviderServer, make_model: ModelFactory) -> None:
    server.reset(default=ok(latency=0.05))
    model = make_model("openai:gpt-fake", rate_limit=RateLimit(max_concurrency=16))
    model.concurrency.set_ceiling(2)
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(8)))
    log = server.requests
    assert len(log) == 8
    spans = [(r.received_at, r.answered_at or 0.0) for r in log]
    most = max(sum(1 for start, end in spans if start <= t < end) for t, _ in spans)
    assert most <= 2  # at the server: never more than the ceiling being answered at once


class BrokenStore(MemoryLimiter):
    async def publish_learned(self, key: str, info: dict[str, int]) -> None:
        raise ConnectionError("the store is down")


async def test_a_failing_store_does_not_lose_the_answer(
    server: FakeProviderServer, make_model: ModelFactory, caplog: pytest.LogCaptureFixture
) -> None:
    server.reset(limits=ServerLimits(requests=100, period_s=60, enforce=False))
    model = make_model("openai:gpt-fake", limiter=BrokenStore())
    result = await model.chat(ChatRequest.from_prompt("hi"))
    assert result.text.startswith("echo")
    assert "could not record" in caplog.text
    assert model.limits.requests_per_minute == 100  # learned here all the same
