"""The fake provider server itself: scripts, request log, lifecycle and speed."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from typing import Any

import aiohttp
import pytest

from distillation.testing import (
    Behavior,
    FakeProviderServer,
    RecordedRequest,
    ServerLimits,
    chain,
    every,
    fail_first,
    hang,
    jittered,
    ok,
    randomly,
    rate_limited,
    server_error,
    when,
)
from distillation.testing.fake_wire import example_for


async def post_openai(session: aiohttp.ClientSession, server: FakeProviderServer, text: str) -> int:
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    async with session.post(f"{server.openai_base_url}/chat/completions", json=body) as response:
        await response.read()
        return response.status


async def statuses(server: FakeProviderServer, texts: list[str]) -> list[int]:
    async with aiohttp.ClientSession() as session:
        return [await post_openai(session, server, text) for text in texts]


async def test_every_kth_and_fail_first_and_content_scripts(server: FakeProviderServer) -> None:
    server.reset(chain(fail_first(1, rate_limited(retry_after=1)), every(3, server_error(502))))
    assert await statuses(server, ["a", "b", "c", "d", "e", "f"]) == [429, 200, 502, 200, 200, 502]

    server.reset(when(lambda r: "poison" in r.text, server_error(500)))
    assert await statuses(server, ["ok", "poison pill", "fine"]) == [200, 500, 200]


async def test_fail_first_per_request_counts_each_body_separately(server: FakeProviderServer) -> None:
    server.reset(fail_first(2, server_error(503), per_request=True))
    assert await statuses(server, ["a", "b", "a", "b", "a", "b"]) == [503, 503, 503, 503, 200, 200]
    log = server.requests
    assert [r.attempt for r in log] == [1, 1, 2, 2, 3, 3]
    assert len(server.arrivals(log[0].key)) == 3


async def test_random_script_is_deterministic_and_near_its_rate(server: FakeProviderServer) -> None:
    texts = [f"q{i}" for i in range(200)]
    server.reset(randomly(0.5, rate_limited(retry_after=1), seed=3))
    first = await statuses(server, texts)
    server.reset(randomly(0.5, rate_limited(retry_after=1), seed=3))
    assert await statuses(server, list(reversed(texts))) == list(reversed(first))  # order-independent
    assert 70 <= first.count(429) <= 130


async def test_jittered_latency_spreads_around_its_mean_and_counts_from_arrival(
    server: FakeProviderServer,
) -> None:
    server.reset(jittered(0.04, 0.02, seed=5))
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(post_openai(session, server, f"q{i}") for i in range(60)))
    log = server.requests
    waited = [r.answered_at - r.received_at for r in log if r.answered_at is not None]
    assert len(waited) == 60
    assert all(0.02 <= w < 0.5 for w in waited), waited  # never shorter than drawn; a busy machine adds
    drawn = [r.behavior.latency for r in log if r.behavior is not None]
    assert len(drawn) == 60
    assert 0.02 <= min(drawn) <= max(drawn) <= 0.06
    assert 0.034 < statistics.mean(drawn) < 0.046
    server.reset(jittered(0.04, 0.02, seed=5))
    again = [behavior.latency for r in log if (behavior := jittered(0.04, 0.02, seed=5)(r)) is not None]
    assert again == drawn  # a request's latency depends on the request, not on arrival order
    with pytest.raises(ValueError, match="spread"):
        jittered(0.1, 0.2)


async def test_error_answers_carry_retry_headers(server: FakeProviderServer) -> None:
    server.reset(fail_first(1, rate_limited(retry_after=2, retry_after_ms=1500)))
    async with aiohttp.ClientSession() as session:
        body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
        async with session.post(f"{server.url}/v1/messages", json=body) as response:
            payload = await response.json()
            assert response.status == 429
            assert response.headers["Retry-After"] == "2"
            assert response.headers["retry-after-ms"] == "1500"
    assert payload["error"]["type"] == "rate_limit_error"


async def test_unknown_routes_are_404(server: FakeProviderServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.url}/v2/nothing", json={}) as response,
    ):
        assert response.status == 404
    assert server.requests == []


def test_sync_start_stop_releases_hanging_requests() -> None:
    server = FakeProviderServer(default=hang()).start()
    outcome: list[Any] = []

    def call() -> None:
        outcome.append(asyncio.run(statuses(server, ["hang"])))

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    caller.join(5)
    assert time.monotonic() - started < 3
    assert not caller.is_alive()
    assert server.requests[0].behavior == hang()


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "array", "items": {"type": "integer", "minimum": 3}, "minItems": 2}, [3, 3]),
        ({"enum": ["b", "a"]}, "b"),
        ({"type": "STRING", "minLength": 12, "maxLength": 14}, "value textxx"),
        (
            {
                "$defs": {"X": {"type": "boolean"}},
                "type": "object",
                "properties": {"x": {"$ref": "#/$defs/X"}},
            },
            {"x": True},
        ),
        ({"anyOf": [{"type": "null"}, {"type": "number", "maximum": -2}]}, -2.0),
    ],
)
def test_generated_answers_follow_the_schema(schema: dict[str, Any], expected: Any) -> None:
    assert example_for(schema) == expected


async def test_server_overhead_is_under_a_millisecond(server: FakeProviderServer) -> None:
    server.reset(default=Behavior())

    async def worker(session: aiohttp.ClientSession, n: int) -> None:
        for i in range(n):
            await post_openai(session, server, f"load {i}")

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session, 25) for _ in range(16)))
    log: list[RecordedRequest] = server.requests
    assert len(log) == 400
    handling = [r.answered_at - r.received_at for r in log if r.answered_at is not None]
    assert statistics.median(handling) < 0.001


async def test_server_limits_refuse_past_the_window_with_headers(server: FakeProviderServer) -> None:
    server.reset(limits=ServerLimits(requests=2, period_s=0.5))
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    headers: list[dict[str, str]] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            async with session.post(f"{server.openai_base_url}/chat/completions", json=body) as response:
                await response.read()
                headers.append({k.lower(): v for k, v in response.headers.items()})
        await asyncio.sleep(0.5)
        assert await post_openai(session, server, "after the window") == 200
    assert [h["x-ratelimit-remaining-requests"] for h in headers] == ["1", "0", "0"]
    assert [r.status for r in server.requests] == [200, 200, 429, 200]
    assert 0 < float(headers[2]["retry-after"]) <= 0.5
    assert headers[2]["x-ratelimit-limit-requests"] == "2"


async def test_server_limits_refuse_above_the_in_flight_cap(server: FakeProviderServer) -> None:
    server.reset(default=ok(latency=0.3), limits=ServerLimits(max_in_flight=2))
    async with aiohttp.ClientSession() as session:
        codes = await asyncio.gather(*(post_openai(session, server, f"q{i}") for i in range(4)))
    assert sorted(codes) == [200, 200, 429, 429]
    refused = [r for r in server.requests if r.status == 429]
    assert all(
        r.behavior is not None and ("x-ratelimit-remaining-requests", "0") in r.behavior.headers
        for r in refused
    )
