"""Shared fixtures: one fake provider server per session, reset before every test."""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from distillation.providers import LLMClient, MemoryLimiter, RetryPolicy, get_model
from distillation.testing import FakeProviderServer

FAST_RETRY = RetryPolicy(initial_delay=0.01, max_delay=0.05)
ModelFactory = Callable[..., LLMClient]


@pytest.fixture(scope="session")
def server_session() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture(params=["openai:gpt-fake", "anthropic:claude-fake", "google:gemini-fake"])
def sdk_model_id(request: pytest.FixtureRequest) -> str:
    """Runs a test once per official SDK (openai, anthropic, google-genai)."""
    return str(request.param)


@pytest.fixture
def schema() -> dict[str, Any]:
    """A small JSON schema for structured-output tests."""
    return {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "score": {"type": "integer", "minimum": 0, "maximum": 10},
        },
        "required": ["answer", "score"],
        "additionalProperties": False,
    }


@pytest.fixture
def server(server_session: FakeProviderServer) -> FakeProviderServer:
    server_session.reset()
    return server_session


def base_url(model_id: str, server: FakeProviderServer) -> str:
    """Where each SDK expects the fake server: OpenAI paths include /v1, the others add their own."""
    return server.openai_base_url if model_id.startswith("openai") else server.url


@pytest.fixture
async def make_model(server: FakeProviderServer) -> AsyncIterator[ModelFactory]:
    """Builds clients pointed at the fake server (seeded jitter, fast backoff) and closes them.

    Each client gets its own in-process limiter unless the test passes one: the process-wide default
    would carry windows, pauses and learned limits from one test into the next.
    """
    created: list[LLMClient] = []

    def factory(model_id: str, **kwargs: Any) -> LLMClient:
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("limiter", MemoryLimiter())
        default_credentials = {"api_key": "test-key", "base_url": base_url(model_id, server)}
        credentials = kwargs.pop("credentials", default_credentials)
        client = get_model(model_id, credentials=credentials, **kwargs)
        client._rng = random.Random(0)
        created.append(client)
        return client

    yield factory
    for client in created:
        await client.aclose()


def limiter_redis_db() -> int:
    """The Redis database of this process's limiter tests, clear of every other test process's.

    The backend's suite takes ``DISTILLERY_TEST_REDIS_DB`` (13 by default) plus the pytest-xdist worker's
    index; the limiter tests take the numbers above all the workers' (the next but one without xdist).
    """
    base = int(os.environ.get("DISTILLERY_TEST_REDIS_DB", "13"))
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
    return (base + max(workers, 2) + index) % 16


@pytest.fixture
def redis_url() -> str:
    """Real Redis on 127.0.0.1:6379; skipped loudly when absent, a failure when CI=true."""
    url = f"redis://127.0.0.1:6379/{limiter_redis_db()}"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:
        reason = f"REDIS NOT REACHABLE at 127.0.0.1:6379 ({exc!r}): the shared rate limiter is NOT tested"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return url
