"""In-process rate limits and the adaptive concurrency cap."""

from __future__ import annotations

import asyncio
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
from distillation.testing import FakeProviderServer, fail_first, ok, rate_limited

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
    rate = RateLimit(requests_per_minute=4, period_s=0.4, key="rpm-test")
    model = make_model("openai:gpt-fake", rate_limit=rate, on_attempt=sent.append)
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(10)))

    send_times = [a.started_at for a in sent]
    assert max_in_window(send_times, 0.395) <= 4
    assert max(send_times) - min(send_times) >= 0.8  # 10 requests need at least two more windows
    arrivals = [r.received_at for r in server.requests]
    assert len(arrivals) == 10
    assert max_in_window(arrivals, 0.3) <= 4  # at the server, with slack for connection set-up


async def test_client_respects_tokens_per_window(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    sent: list[Attempt] = []
    limit = RateLimit(tokens_per_minute=100, period_s=0.3, key="tpm-test")
    model = make_model("openai:gpt-fake", rate_limit=limit, on_attempt=sent.append)
    # Each request reserves about 1 + 40 tokens: two fit in a window, the third waits.
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt("q", max_tokens=40)) for _ in range(4)))
    send_times = [a.started_at for a in sent]
    assert max_in_window(send_times, 0.295) <= 2
    assert max(send_times) - min(send_times) >= 0.3
    assert len(server.requests) == 4


async def test_concurrency_cap_halves_once_per_congestion_and_recovers_additively() -> None:
    cap = AdaptiveConcurrency(max_limit=8)
    epochs = [await cap.acquire() for _ in range(8)]
    waiter = asyncio.create_task(cap.acquire())
    await asyncio.sleep(0)
    assert not waiter.done()  # the 9th request waits for a slot

    for epoch in epochs:  # a whole cohort of 429s is one congestion signal
        cap.release(epoch, Outcome.RATE_LIMITED)
    assert cap.limit == 4
    new_epoch = await waiter
    cap.release(new_epoch, Outcome.RATE_LIMITED)  # a 429 from after the decrease halves again
    assert cap.limit == 2

    limits = []
    for _ in range(12):
        cap.release(await cap.acquire(), Outcome.OK)
        limits.append(cap.limit)
    assert limits == sorted(limits)
    assert 4 <= limits[-1] <= 6  # about +1 per window of successes, not back to 8 at once


async def test_concurrency_cap_respects_its_floor_and_ceiling() -> None:
    cap = AdaptiveConcurrency(max_limit=3, min_limit=2)
    for _ in range(4):
        cap.release(await cap.acquire(), Outcome.RATE_LIMITED)
    assert cap.limit == 2
    for _ in range(50):
        cap.release(await cap.acquire(), Outcome.OK)
    assert cap.limit == 3
    fixed = AdaptiveConcurrency(max_limit=3, adaptive=False)
    fixed.release(await fixed.acquire(), Outcome.RATE_LIMITED)
    assert fixed.limit == 3


async def test_429_storm_shrinks_the_clients_concurrency(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    # Slow 429s: the whole first cohort reaches the server before any answer frees a slot.
    storm = rate_limited(retry_after_ms=50).with_(latency=0.2)
    server.reset(fail_first(8, storm), default=ok(latency=0.02))
    limits: list[int] = []
    model: LLMClient

    def watch(attempt: Attempt) -> None:
        limits.append(model.concurrency.limit)

    model = make_model("openai:gpt-fake", rate_limit=RateLimit(max_concurrency=8), on_attempt=watch)
    results = await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(16)))

    assert all(r.text.startswith("echo") for r in results)
    assert min(limits) == 4  # eight 429s from one cohort halve the cap once, not three times
    assert model.concurrency.limit > 4  # successes grow it back
    assert model.concurrency.in_flight == 0


@pytest.mark.parametrize(
    "bad", [{"min_concurrency": 0}, {"max_concurrency": 1, "min_concurrency": 2}, {"period_s": 0}]
)
def test_invalid_limits_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"concurrency|period"):
        RateLimit(**bad)  # type: ignore[arg-type]
