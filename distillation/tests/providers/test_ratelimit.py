"""In-process rate limits and the adaptive concurrency cap."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence

import pytest

from distillation.providers import (
    AdaptiveConcurrency,
    Attempt,
    ChatRequest,
    LLMClient,
    MemoryLimiter,
    Outcome,
    RateLimit,
)
from distillation.testing import FakeProviderServer, fail_first, ok, randomly, rate_limited, server_error

ModelFactory = Callable[..., LLMClient]


def max_in_window(times: Sequence[float], window: float) -> int:
    """The most events inside any half-open window of the given length."""
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + window) for start in ordered)


async def test_memory_limiter_grants_up_to_the_limit_then_says_how_long_to_wait() -> None:
    limiter = MemoryLimiter()
    parts = [("req", 3, 1)]
    assert [await limiter.try_acquire("k", parts, 0.3) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await limiter.try_acquire("k", parts, 0.3)
    assert 0.25 < wait <= 0.3
    await asyncio.sleep(wait)
    assert await limiter.try_acquire("k", parts, 0.3) == 0.0
    assert await limiter.try_acquire("other-key", parts, 0.3) == 0.0


async def test_memory_limiter_counts_tokens_and_takes_all_parts_or_none() -> None:
    limiter = MemoryLimiter()
    assert await limiter.try_acquire("k", [("req", 10, 1), ("tok", 100, 60)], 10) == 0.0
    assert await limiter.try_acquire("k", [("req", 10, 1), ("tok", 100, 60)], 10) > 0  # 120 > 100 tokens
    # The refused call took no request slot: 9 more requests of 1 token still fit.
    for _ in range(9):
        assert await limiter.try_acquire("k", [("req", 10, 1), ("tok", 100, 1)], 10) == 0.0
    assert await limiter.try_acquire("k", [("req", 10, 1), ("tok", 100, 1)], 10) > 0


async def test_client_never_exceeds_requests_per_window(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    sent: list[Attempt] = []
    # Windows of 2 s: each send time is taken after the limiter grants it, and on a loaded machine a grant
    # can be recorded a few hundred milliseconds late.
    rate = RateLimit(requests_per_minute=4, period_s=2.0, key="rpm-test")
    model = make_model("openai:gpt-fake", rate_limit=rate, on_attempt=sent.append)
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(10)))

    send_times = [a.started_at for a in sent]
    assert max_in_window(send_times, 1.6) <= 4
    assert max(send_times) - min(send_times) >= 3.9  # 10 requests need at least two more windows
    arrivals = [r.received_at for r in server.requests]
    assert len(arrivals) == 10
    # At the server, with slack for connection set-up and a loaded machine delaying arrivals.
    assert max_in_window(arrivals, 1.5) <= 4


async def test_client_respects_tokens_per_window(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    sent: list[Attempt] = []
    limit = RateLimit(tokens_per_minute=100, period_s=2.0, key="tpm-test")  # room for late-recorded grants
    model = make_model("openai:gpt-fake", rate_limit=limit, on_attempt=sent.append)
    # Each request reserves about 1 + 40 tokens: two fit in a window, the third waits.
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt("q", max_tokens=40)) for _ in range(4)))
    send_times = [a.started_at for a in sent]
    assert max_in_window(send_times, 1.6) <= 2
    assert max(send_times) - min(send_times) >= 1.9
    assert len(server.requests) == 4


async def test_concurrency_cap_shrinks_once_per_congestion_and_recovers_additively() -> None:
    cap = AdaptiveConcurrency(max_limit=8)
    epochs = [await cap.acquire() for _ in range(8)]
    waiter = asyncio.create_task(cap.acquire())
    await asyncio.sleep(0)
    assert not waiter.done()  # the 9th request waits for a slot

    for epoch in epochs:  # a whole cohort of capacity 429s is one congestion signal
        cap.release(epoch, Outcome.RATE_LIMITED, capacity_exhausted=True)
    assert cap.limit == 6  # 8 x 0.85, once
    new_epoch = await waiter
    cap.release(new_epoch, Outcome.RATE_LIMITED, capacity_exhausted=True)  # one from after it cuts again
    assert cap.limit == 5  # 6.8 x 0.85

    limits = []
    for _ in range(12):
        cap.release(await cap.acquire(), Outcome.OK)
        limits.append(cap.limit)
    assert limits == sorted(limits)
    assert limits[-1] == 7  # about +1 per window of ~6 successes (5.78 -> 7.6), not back to 8 at once


async def test_concurrency_cap_respects_its_floor_and_ceiling() -> None:
    cap = AdaptiveConcurrency(max_limit=3, min_limit=2)
    for _ in range(4):
        cap.release(await cap.acquire(), Outcome.RATE_LIMITED, capacity_exhausted=True)
    assert cap.limit == 2
    for _ in range(50):
        cap.release(await cap.acquire(), Outcome.OK)
    assert cap.limit == 3
    fixed = AdaptiveConcurrency(max_limit=3, adaptive=False)
    fixed.release(await fixed.acquire(), Outcome.RATE_LIMITED, capacity_exhausted=True)
    assert fixed.limit == 3


async def test_sporadic_429s_do_not_shrink_the_cap_but_repeated_ones_do() -> None:
    cap = AdaptiveConcurrency(max_limit=16)
    for number in range(200):  # one answer in ten a 429 without capacity signal: retried, not congestion
        cap.release(await cap.acquire(), Outcome.RATE_LIMITED if number % 10 == 0 else Outcome.OK)
    assert cap.limit == 16

    outcomes = [Outcome.RATE_LIMITED if number % 3 == 0 else Outcome.OK for number in range(50)]
    limits = []
    for outcome in outcomes:  # one in three: more than 30% of the last 50 answers
        cap.release(await cap.acquire(), outcome)
        limits.append(cap.limit)
    assert limits.index(13) == 45  # the 16th 429 in 50 answers cuts the cap (16 x 0.85)
    assert min(limits) == 13  # and the cut forgets the window: the next 429s are a fresh count


def storm_model(
    make_model: ModelFactory, model_id: str, limits: list[int], max_concurrency: int = 8
) -> LLMClient:
    model: LLMClient

    def watch(attempt: Attempt) -> None:
        limits.append(model.concurrency.limit)

    rate = RateLimit(max_concurrency=max_concurrency)
    model = make_model(model_id, rate_limit=rate, on_attempt=watch)
    return model


@pytest.mark.parametrize(
    ("model_id", "headers"),
    [
        # Limits this high leave Little's law's cap (see test_littles_law_*) above the storm's 8.
        ("openai:gpt-fake", {"x-ratelimit-limit-requests": "100000", "x-ratelimit-remaining-requests": "0"}),
        ("openai:gpt-fake", {"x-ratelimit-remaining-tokens": "0"}),
        ("anthropic:claude-fake", {"anthropic-ratelimit-requests-remaining": "0"}),
        (
            "anthropic:claude-fake",
            {"anthropic-ratelimit-tokens-limit": "8000000", "anthropic-ratelimit-tokens-remaining": "12"},
        ),
    ],
)
async def test_429s_with_no_capacity_left_shrink_the_clients_concurrency(
    server: FakeProviderServer, make_model: ModelFactory, model_id: str, headers: dict[str, str]
) -> None:
    # Slow 429s: the whole first cohort reaches the server before any answer frees a slot.
    storm = rate_limited(retry_after_ms=50, headers=headers).with_(latency=0.2)
    server.reset(fail_first(8, storm), default=ok(latency=0.02))
    limits: list[int] = []
    model = storm_model(make_model, model_id, limits)
    results = await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(16)))

    assert all(r.text.startswith("echo") for r in results)
    assert min(limits) == 6  # eight 429s from one cohort cut the cap once (8 x 0.85), not eight times
    assert model.concurrency.limit > 6  # successes grow it back
    assert model.concurrency.in_flight == 0


@pytest.mark.parametrize(("model_id", "status"), [("openai:gpt-fake", 503), ("anthropic:claude-fake", 529)])
async def test_overloaded_answers_shrink_the_clients_concurrency(
    server: FakeProviderServer, make_model: ModelFactory, model_id: str, status: int
) -> None:
    server.reset(
        fail_first(8, server_error(status, retry_after=0.05).with_(latency=0.2)), default=ok(latency=0.02)
    )
    limits: list[int] = []
    model = storm_model(make_model, model_id, limits)
    results = await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(16)))

    assert all(r.text.startswith("echo") for r in results)
    assert min(limits) == 6


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no rate-limit headers at all
        {"x-ratelimit-limit-requests": "100000", "x-ratelimit-remaining-requests": "42000"},
        {"x-ratelimit-remaining-requests": "7", "x-ratelimit-remaining-tokens": "90000"},
    ],
)
async def test_429s_with_capacity_left_are_retried_without_shrinking(
    server: FakeProviderServer, make_model: ModelFactory, headers: dict[str, str]
) -> None:
    server.reset(
        fail_first(8, rate_limited(retry_after_ms=50, headers=headers).with_(latency=0.2)),
        default=ok(latency=0.02),
    )
    limits: list[int] = []
    model = storm_model(make_model, "openai:gpt-fake", limits)
    results = await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(16)))

    assert all(r.text.startswith("echo") for r in results)
    assert min(limits) == 8


async def test_random_429s_keep_the_cap_and_every_request_completes_once(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    # One arrival in ten is a 429 that says nothing about capacity (no rate-limit headers).
    server.reset(randomly(0.1, rate_limited(retry_after_ms=20), seed=5), default=ok(latency=0.005))
    limits: list[int] = []
    model = storm_model(make_model, "openai:gpt-fake", limits, max_concurrency=16)
    count = 400
    results = await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(count)))

    log = server.requests
    assert sum(1 for r in log if r.status == 429) >= 20  # the 429s did happen
    assert min(limits) == 16  # and never shrank the cap
    assert sorted(r.text for r in results) == sorted(f"echo: q{i}" for i in range(count))
    answered = Counter(r.key for r in log if r.status == 200)
    assert len(answered) == count
    assert set(answered.values()) == {1}  # every request answered exactly once


@pytest.mark.parametrize(
    "bad", [{"min_concurrency": 0}, {"max_concurrency": 1, "min_concurrency": 2}, {"period_s": 0}]
)
def test_invalid_limits_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"concurrency|period"):
        RateLimit(**bad)  # type: ignore[arg-type]


async def test_requests_are_smoothed_over_a_tenth_of_the_window() -> None:
    rate = RateLimit(requests_per_minute=100, period_s=1.0)
    assert rate.window_s == pytest.approx(1.02)  # the 2% margin for sends that reach the provider late
    assert rate.costs(5) == [("req", 100, 1), ("req-smooth", 10, 1, pytest.approx(0.102))]
    limiter = MemoryLimiter()
    granted = [await limiter.try_acquire("k", rate.costs(1), rate.window_s) for _ in range(12)]
    assert granted[:10] == [0.0] * 10
    assert all(0 < wait <= 0.102 for wait in granted[10:])  # a tenth of the limit per tenth of the window
    assert RateLimit(requests_per_minute=100, smoothing=1).costs(1) == [("req", 100, 1)]
    assert RateLimit(requests_per_minute=19).costs(1) == [("req", 19, 1)]  # under 2 a share: not split
