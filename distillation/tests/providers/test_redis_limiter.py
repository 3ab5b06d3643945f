"""The Redis-shared limiter against a real Redis: instances and processes share one budget."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence

import pytest

from distillation.providers import Attempt, ChatRequest, LLMClient, RateLimit, RedisLimiter
from distillation.providers.ratelimit import Part
from distillation.testing import FakeProviderServer, ServerLimits, ok

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
    # Windows of 2 s: the times below are taken in this process after Redis grants each request, and on a
    # loaded machine a grant can be recorded a few hundred milliseconds late.
    rate = RateLimit(requests_per_minute=3, period_s=2.0, key=key)
    worker_a = make_model("openai:gpt-fake", rate_limit=rate, limiter=limiters[0], on_attempt=sent.append)
    worker_b = make_model(
        "anthropic:claude-fake", rate_limit=rate, limiter=limiters[1], on_attempt=sent.append
    )
    calls = [m.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(4) for m in (worker_a, worker_b)]
    await asyncio.gather(*calls)

    send_times = [a.started_at for a in sent]
    assert max_in_window(send_times, 1.6) <= 3  # Redis's clock decides; ours records each grant later
    assert max(send_times) - min(send_times) >= 3.9  # 8 requests at 3 per window need three windows
    arrivals = [r.received_at for r in server.requests]
    assert len(arrivals) == 8
    assert max_in_window(arrivals, 1.6) <= 3
    await limiters[0].reset(key)


async def test_learned_limits_are_shared_through_a_redis_hash(
    limiters: tuple[RedisLimiter, RedisLimiter], key: str, redis_url: str
) -> None:
    first, second = limiters
    assert await second.learned(key) is None
    await first.publish_learned(key, {"rpm": 500, "tpm": 200_000})
    learned = await second.learned(key)
    assert learned is not None
    assert (learned["rpm"], learned["tpm"]) == (500, 200_000)
    assert abs(learned["updated_at"] - time.time()) < 60

    from redis.asyncio import Redis

    raw = Redis.from_url(redis_url)
    name = f"distillation:ratelimit:{{{key}}}:learned"  # what the dashboard reads
    assert await raw.hget(name, "rpm") == b"500"
    assert 0 < await raw.ttl(name) <= 86_400
    await raw.aclose()
    await first.publish_learned(key, {"rpm": 900})
    assert await second.learned(key) == {"rpm": 900, "updated_at": pytest.approx(time.time(), abs=60)}
    await first.reset(key)


async def test_a_pause_holds_every_instance(limiters: tuple[RedisLimiter, RedisLimiter], key: str) -> None:
    first, second = limiters
    assert await second.try_acquire(key, [], 60) == 0.0
    await first.pause(key, 0.5)
    await first.pause(key, 0.1)  # a shorter pause does not cut the longer one
    wait = await second.try_acquire(key, [("req", 10, 1)], 60)
    assert 0.3 < wait <= 0.5
    assert await second.try_acquire(f"{key}-other", [("req", 10, 1)], 60) == 0.0
    await asyncio.sleep(wait + 0.02)
    assert await second.try_acquire(key, [("req", 10, 1)], 60) == 0.0  # the refused call took nothing
    await first.reset(key)
    await first.reset(f"{key}-other")


async def test_limits_learned_by_one_worker_hold_another_through_redis(
    server: FakeProviderServer,
    make_model: ModelFactory,
    limiters: tuple[RedisLimiter, RedisLimiter],
    key: str,
) -> None:
    server.reset(limits=ServerLimits(requests=3, period_s=2.0, enforce=False))
    learner = make_model("openai:gpt-fake", rate_limit=RateLimit(period_s=2.0, key=key), limiter=limiters[0])
    await learner.chat(ChatRequest.from_prompt("learn"))
    server.reset(default=ok())  # the second worker never sees a header
    other = make_model(
        "anthropic:claude-fake", rate_limit=RateLimit(period_s=2.0, key=key), limiter=limiters[1]
    )
    await asyncio.gather(*(other.chat(ChatRequest.from_prompt(f"q{i}")) for i in range(7)))
    assert other.limits.requests_source == "learned"
    arrivals = [r.received_at for r in server.requests]
    assert len(arrivals) == 7
    # A window well inside the period: a loaded machine delays arrivals, never the limiter's grants.
    assert max_in_window(arrivals, 1.6) <= 3
    await limiters[0].reset(key)


WORKER = """
import asyncio, sys
from distillation.providers import ChatRequest, RateLimit, RedisLimiter, get_model
async def main(url, redis_url, key, worker, count):
    limiter = RedisLimiter(redis_url)
    rate = RateLimit(requests_per_minute=4, period_s=2.0, key=key)
    model = get_model("openai:gpt-fake", credentials={"api_key": "k", "base_url": url},
                      rate_limit=rate, limiter=limiter)
    await asyncio.gather(*(model.chat(ChatRequest.from_prompt(f"w{worker}-{i}")) for i in range(count)))
    await model.aclose()
    await limiter.aclose()
asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
"""


@pytest.mark.slow
def test_requests_per_window_hold_across_processes(
    server: FakeProviderServer, redis_url: str, key: str
) -> None:
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, server.openai_base_url, redis_url, key, str(n), "4"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(3)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
    arrivals = [r.received_at for r in server.requests]
    assert len(arrivals) == 12
    assert {r.status for r in server.requests} == {200}
    # 4 per 2 s over all three processes (2 s windows leave room for an arrival late on a loaded machine)
    assert max_in_window(arrivals, 1.6) <= 4
    assert max(arrivals) - min(arrivals) >= 3.9  # 12 requests need three windows
    asyncio.run(_reset(redis_url, key))


async def test_a_part_with_its_own_window(limiters: tuple[RedisLimiter, RedisLimiter], key: str) -> None:
    first, second = limiters
    parts: list[Part] = [("req", 100, 1), ("req-smooth", 2, 1, 2.0)]
    began = time.monotonic()
    assert [await first.try_acquire(key, parts, 60) for _ in range(2)] == [0.0, 0.0]
    wait = await second.try_acquire(key, parts, 60)
    # The short window, not the minute, decides: the wait is what is left of its 2 s (however long the
    # calls above took on a loaded machine).
    assert 2.0 - (time.monotonic() - began) - 0.05 <= wait <= 2.0
    await asyncio.sleep(wait + 0.02)
    assert await second.try_acquire(key, parts, 60) == 0.0
    await first.reset(key)
