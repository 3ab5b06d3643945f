"""The Redis-shared limiter against a real Redis: instances and processes share one budget."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence

import pytest

from distillation.providers import Attempt, ChatRequest, LLMClient, RateLimit, RedisLimiter
from distillation.testing import FakeProviderServer

pytestmark = pytest.mark.redis
ModelFactory = Callable[..., LLMClient]


@pytest.fixture
async def limiters(redis_url: str) -> AsyncIterator[tuple[RedisLimiter, RedisLimiter]]:
    """Two independent limiters (separate connections), as two workers would have."""
    first, second = RedisLimiter(redis_url), RedisLimiter(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


@pytest.fixture
def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def max_in_window(times: Sequence[float], window: float) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + window) for start in ordered)


async def test_two_instances_share_one_window(limiters: tuple[RedisLimiter, RedisLimiter], key: str) -> None:
    first, second = limiters
    parts = [("req", 5, 1)]
    granted = [await first.try_acquire(key, parts, 10) for _ in range(3)]
    granted += [await second.try_acquire(key, parts, 10) for _ in range(2)]
    assert granted == [0.0] * 5
    wait = await second.try_acquire(key, parts, 10)
    assert 9.0 < wait <= 10.0  # the oldest entry frees its slot when the window slides past it
    assert await first.try_acquire(key, parts, 10) > 0
    await first.reset(key)
    assert await first.try_acquire(key, parts, 10) == 0.0


async def test_token_costs_are_shared_and_atomic(
    limiters: tuple[RedisLimiter, RedisLimiter], key: str
) -> None:
    first, second = limiters
    assert await first.try_acquire(key, [("req", 100, 1), ("tok", 1_000_000, 600_000)], 60) == 0.0
    assert await second.try_acquire(key, [("req", 100, 1), ("tok", 1_000_000, 600_000)], 60) > 0
    # The refused call took nothing: 99 request slots remain and 400k tokens.
    assert await second.try_acquire(key, [("req", 100, 1), ("tok", 1_000_000, 400_000)], 60) == 0.0
    await first.reset(key)


def test_a_second_process_sees_the_same_budget(redis_url: str, key: str) -> None:
    take_all = (
        "import asyncio, sys\n"
        "from distillation.providers import RedisLimiter\n"
        "async def main():\n"
        f"    limiter = RedisLimiter({redis_url!r})\n"
        "    got = 0\n"
        "    for _ in range(10):\n"
        f"        got += await limiter.try_acquire({key!r}, [('req', 7, 1)], 30) == 0.0\n"
        "    await limiter.aclose()\n"
        "    print(got)\n"
        "asyncio.run(main())\n"
    )
    runs = [subprocess.run([sys.executable, "-c", take_all], capture_output=True, text=True, check=True)]
    runs.append(subprocess.run([sys.executable, "-c", take_all], capture_output=True, text=True, check=True))
    assert [int(r.stdout) for r in runs] == [7, 0]  # the second process finds the window already full
    asyncio.run(_reset(redis_url, key))


async def _reset(redis_url: str, key: str) -> None:
    limiter = RedisLimiter(redis_url)
    await limiter.reset(key)
    await limiter.aclose()


async def test_two_clients_through_redis_stay_under_the_shared_rate(
    server: FakeProviderServer,
    make_model: ModelFactory,
    limiters: tuple[RedisLimiter, RedisLimiter],
    key: str,
) -> None:
    sent: list[Attempt] = []
    rate = RateLimit(requests_per_minute=3, period_s=0.5, key=key)
    worker_a = make_model("openai:gpt-fake", rate_limit=rate, limiter=limiters[0], on_attempt=sent.append)
    worker_b = make_model(
        "anthropic:claude-fake", rate_limit=rate, limiter=limiters[1], on_attempt=sent.append
    )
    calls = [m.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(4) for m in (worker_a, worker_b)]
    await asyncio.gather(*calls)

    send_times = [a.started_at for a in sent]
    assert max_in_window(send_times, 0.49) <= 3  # Redis's clock decides; ours may differ by a millisecond
    assert max(send_times) - min(send_times) >= 0.95  # 8 requests at 3 per window need three windows
    arrivals = [r.received_at for r in server.requests]
    assert len(arrivals) == 8
    assert max_in_window(arrivals, 0.4) <= 3
    await limiters[0].reset(key)
