"""The clients keep a connection alive for every request of a wide window, so none is reopened."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from distillation.providers import ChatRequest, LLMClient, RateLimit
from distillation.testing import FakeProviderServer, ok

WINDOW = 150  # wider than the 100 connections the SDKs keep alive by default


@pytest.mark.parametrize(
    "options",
    [
        {"chat_path": "lean"},
        {"chat_path": "sdk", "http_client": "httpx"},
        {"chat_path": "sdk", "http_client": "aiohttp"},
    ],
    ids=["lean", "sdk-httpx", "sdk-aiohttp"],
)
async def test_a_window_wider_than_the_sdk_keepalive_reuses_its_connections(
    server: FakeProviderServer, make_model: Callable[..., LLMClient], options: dict[str, str]
) -> None:
    server.reset(lambda request: ok(latency=0.3))  # every request of a wave is in flight at once
    model = make_model(
        "openai:gpt-fake",
        options=options,
        rate_limit=RateLimit(max_concurrency=WINDOW),
    )
    for wave in range(2):
        prompts = [ChatRequest.from_prompt(f"wave {wave} question {i}") for i in range(WINDOW)]
        await asyncio.gather(*(model.chat(prompt) for prompt in prompts))

    assert len(server.requests) == 2 * WINDOW
    assert len({request.peer for request in server.requests}) <= WINDOW
