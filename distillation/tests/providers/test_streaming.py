"""Streamed answers through the real openai, anthropic and google-genai SDKs against the fake server."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from distillation.providers import ChatRequest, Completion, LLMClient, Usage
from distillation.providers.errors import ProviderTimeoutError, RateLimitedError
from distillation.testing import FakeProviderServer, ok, rate_limited, sequence

TEXT = "Paris is the capital of France and its largest city."


async def _read(client: LLMClient, request: ChatRequest) -> tuple[list[tuple[float, str]], Completion]:
    pieces: list[tuple[float, str]] = []
    completion: Completion | None = None
    async for item in client.adapter.stream(request, 10.0):  # type: ignore[attr-defined]
        if isinstance(item, str):
            pieces.append((time.perf_counter(), item))
        else:
            completion = item
    assert completion is not None
    return pieces, completion


async def test_text_arrives_in_several_deltas_before_the_end_with_exact_usage(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    server.reset(sequence(ok(usage=(123, 45), text=TEXT, chunk_delay=0.05)))
    request = ChatRequest.from_prompt("Capital of France?", max_tokens=60)

    pieces, completion = await _read(make_model(sdk_model_id), request)

    assert "".join(p for _, p in pieces) == TEXT == completion.text
    assert len(pieces) >= 5
    assert pieces[-1][0] - pieces[0][0] > 0.3  # 10 gaps of 0.05 s: read as they come, not at the end
    assert completion.usage == Usage(input_tokens=123, output_tokens=45)
    assert completion.finish_reason == "stop"
    [sent] = server.requests
    if sent.api == "gemini":
        assert sent.path == "/v1beta/models/gemini-fake:streamGenerateContent"
    else:
        assert sent.body["stream"] is True
    if sent.api == "openai":
        assert sent.body["stream_options"] == {"include_usage": True}


async def test_cut_at_max_tokens_and_cached_input_are_reported(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    server.reset(sequence(ok(usage=(200, 9), cached_tokens=150, text="one two three", finish="length")))
    _, completion = await _read(make_model(sdk_model_id), ChatRequest.from_prompt("Count", max_tokens=9))
    assert completion.finish_reason == "length"
    assert completion.usage.output_tokens == 9
    if not sdk_model_id.startswith("google"):  # the fake reports no Gemini cache reads
        assert completion.usage.cached_input_tokens == 150


async def test_a_429_before_the_stream_is_a_rate_limit_error(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    server.reset(sequence(rate_limited(retry_after=7)))
    with pytest.raises(RateLimitedError) as caught:
        await _read(make_model(sdk_model_id), ChatRequest.from_prompt("hi"))
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 7


async def test_a_stream_slower_than_the_time_limit_stops_with_a_timeout(
    sdk_model_id: str, server: FakeProviderServer, make_model: Callable[..., LLMClient]
) -> None:
    server.reset(sequence(ok(text=TEXT, chunk_delay=0.3)))
    client = make_model(sdk_model_id)
    seen: list[str] = []

    async def read() -> None:
        async for item in client.adapter.stream(ChatRequest.from_prompt("hi"), 1.2):  # type: ignore[attr-defined]
            if isinstance(item, str):
                seen.append(item)

    with pytest.raises(ProviderTimeoutError):
        await read()
    assert 0 < len(seen) < len(TEXT.split())
