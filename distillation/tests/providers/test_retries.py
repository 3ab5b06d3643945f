"""One retry layer of ours, through the real SDKs: Retry-After, 5xx, hangs, caps, no hidden SDK retries."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import pytest

from distillation.providers import (
    Attempt,
    AttemptStart,
    BadRequestError,
    ChatRequest,
    LLMClient,
    Outcome,
    ProviderConnectError,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    Usage,
)
from distillation.testing import (
    Behavior,
    FakeProviderServer,
    fail_first,
    hang,
    rate_limited,
    sequence,
    server_error,
)

ModelFactory = Callable[..., LLMClient]
PROMPT = ChatRequest.from_prompt("retry me", max_tokens=8)


@pytest.mark.parametrize(
    ("behavior", "wait"),
    [(rate_limited(retry_after=1), 1.0), (rate_limited(retry_after_ms=300), 0.3)],
    ids=["Retry-After", "retry-after-ms"],
)
async def test_429_is_retried_never_before_retry_after(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory, behavior: Behavior, wait: float
) -> None:
    server.reset(fail_first(1, behavior))
    result = await make_model(sdk_model_id).chat(PROMPT)

    first, second = server.requests
    assert second.key == first.key  # the same request, sent again
    assert first.answered_at is not None
    gap = second.received_at - first.answered_at
    assert gap >= wait
    assert gap <= wait * 1.25 + 0.3  # jitter is at most 25 % on top
    assert [a.outcome for a in result.attempts] == [Outcome.RATE_LIMITED, Outcome.OK]
    assert result.attempts[0].retry_after_s == pytest.approx(wait)
    assert result.attempts[0].status_code == 429
    assert result.attempts[0].usage == Usage()  # a 429 is not billed


async def test_5xx_is_retried(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory
) -> None:
    status = 529 if sdk_model_id.startswith("anthropic") else 503
    server.reset(fail_first(2, server_error(status)))
    result = await make_model(sdk_model_id).chat(PROMPT)

    assert [r.status for r in server.requests] == [status, status, 200]
    assert [a.outcome for a in result.attempts] == [Outcome.SERVER_ERROR, Outcome.SERVER_ERROR, Outcome.OK]


async def test_hang_times_out_is_reported_and_retried(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(fail_first(1, hang()))
    seen: list[Attempt] = []
    started = time.monotonic()
    result = await make_model(sdk_model_id, timeout=0.3, on_attempt=seen.append).chat(PROMPT)

    assert 0.3 <= time.monotonic() - started < 2.0
    assert [a.outcome for a in seen] == [Outcome.TIMEOUT, Outcome.OK]
    assert seen[0].usage is None  # the provider may still bill a timed-out call: cost unknown
    assert seen[0].latency_s == pytest.approx(0.3, abs=0.1)
    assert result.attempts == tuple(seen)
    assert len(server.requests) == 2


async def test_sdk_retries_are_off(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(default=server_error(503))
    model = make_model(sdk_model_id, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(ServerError) as info:
        await model.chat(PROMPT)
    assert len(server.requests) == 1  # an SDK retry would show here as a second request
    assert [a.outcome for a in info.value.attempts] == [Outcome.SERVER_ERROR]


async def test_attempts_are_capped_and_all_reported(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(default=rate_limited(retry_after_ms=1))
    seen: list[Attempt] = []
    model = make_model(
        "openai:gpt-fake", retry=RetryPolicy(max_attempts=4, initial_delay=0.001), on_attempt=seen.append
    )
    with pytest.raises(RateLimitedError) as info:
        await model.chat(PROMPT)
    assert len(server.requests) == 4
    assert info.value.attempts == tuple(seen)
    assert [a.number for a in seen] == [1, 2, 3, 4]
    assert {a.outcome for a in seen} == {Outcome.RATE_LIMITED}


async def test_default_policy_allows_six_attempts(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(fail_first(5, rate_limited(retry_after_ms=1)))
    fast_default = RetryPolicy(initial_delay=0.001)
    result = await make_model("openai:gpt-fake", retry=fast_default).chat(PROMPT)
    assert fast_default.max_attempts == RetryPolicy().max_attempts == 6
    assert len(result.attempts) == 6


async def test_bad_request_is_not_retried(server: FakeProviderServer, make_model: ModelFactory) -> None:
    server.reset(default=Behavior(status=400))
    with pytest.raises(BadRequestError) as info:
        await make_model("anthropic:claude-fake").chat(PROMPT)
    assert len(server.requests) == 1
    assert info.value.status_code == 400
    assert [a.outcome for a in info.value.attempts] == [Outcome.CLIENT_ERROR]


async def test_retry_after_beyond_the_cap_gives_up_at_once(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(default=rate_limited(retry_after=120))
    model = make_model("openai:gpt-fake", retry=RetryPolicy(max_retry_after=10))
    started = time.monotonic()
    with pytest.raises(RateLimitedError) as info:
        await model.chat(PROMPT)
    assert time.monotonic() - started < 1.0
    assert info.value.retry_after == 120


async def test_corrupted_bodies_are_retried(
    sdk_model_id: str, server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(sequence(Behavior(body="malformed"), Behavior(body="truncated")))
    result = await make_model(sdk_model_id).chat(PROMPT)
    outcomes = [a.outcome for a in result.attempts]
    assert outcomes[-1] is Outcome.OK
    assert len(outcomes) == 3
    assert set(outcomes[:2]) <= {Outcome.INVALID_RESPONSE, Outcome.CONNECTION_ERROR}


async def test_refused_connections_are_retried_without_hidden_sdk_retries(
    sdk_model_id: str, make_model: ModelFactory
) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}" + ("/v1" if sdk_model_id.startswith("openai") else "")
    model = make_model(
        sdk_model_id, credentials={"api_key": "k", "base_url": base}, retry=RetryPolicy(max_attempts=2)
    )
    started = time.monotonic()
    with pytest.raises(ProviderConnectError) as info:
        await model.chat(PROMPT)
    assert time.monotonic() - started < 1.5  # google-genai's implicit retry sleeps 1-10 s when left on
    # No connection was opened, so nothing was sent: booked as not sent, at no cost.
    assert [a.outcome for a in info.value.attempts] == [Outcome.NOT_SENT] * 2
    assert all(a.usage == Usage() for a in info.value.attempts)


async def test_cancelled_call_reports_its_attempt(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(default=hang())
    seen: list[Attempt] = []
    task = asyncio.create_task(make_model("openai:gpt-fake", on_attempt=seen.append).chat(PROMPT))
    for _ in range(500):  # wait until the request hangs at the server
        if server.requests:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [a.outcome for a in seen] == [Outcome.CANCELLED]
    assert seen[0].usage is None


async def test_before_attempt_sees_every_attempt_and_can_stop_the_call(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(fail_first(1, server_error(503)))
    starts: list[AttemptStart] = []
    await make_model("openai:gpt-fake", before_attempt=starts.append).chat(PROMPT)
    assert [s.number for s in starts] == [1, 2]
    assert starts[0].estimated_tokens >= 8  # covers max_tokens: what a budget reservation needs

    class BudgetExhausted(Exception):
        pass

    def refuse(start: AttemptStart) -> None:
        raise BudgetExhausted(start.fingerprint)

    server.reset()
    with pytest.raises(BudgetExhausted):
        await make_model("openai:gpt-fake", before_attempt=refuse).chat(PROMPT)
    assert server.requests == []
