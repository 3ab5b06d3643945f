"""Requests per second and client CPU per request: our stack against a raw ``AsyncOpenAI`` loop.

Both send the same structured-output chat request (a QA record schema) through a window of
``CONCURRENCY`` requests; every request is distinct, so our fingerprint cache never answers one.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import openai

from distillation.datatypes import RenderedPrompt, get_datatype
from distillation.pipeline import GenerationConfig, MemoryCache, build_engine, close_engine
from distillation.providers import Credentials, RateLimit

REQUESTS, CONCURRENCY = 2_000, 64
MODEL = "openai:gpt-4o-mini"
SYSTEM = "You write one realistic customer-support question and a helpful answer."
USER = "Write a question about a delayed parcel and the answer a support agent would give."
Send = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Measurement:
    """One load run: wall time and this process's CPU time for ``requests`` requests."""

    name: str
    requests: int
    seconds: float
    cpu_seconds: float
    errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_per_1000(self) -> float:
        return self.cpu_seconds / self.requests * 1000


async def measure(
    name: str, send: Send, requests: int = REQUESTS, concurrency: int = CONCURRENCY
) -> Measurement:
    """Warm up (one window of requests), then time ``requests`` requests, ``concurrency`` in flight."""
    window = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        async with window:
            await send(index)

    await asyncio.gather(*(one(-1 - i) for i in range(concurrency)))
    cpu, wall = time.process_time(), time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(requests)), return_exceptions=True)
    seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        print(f"  {name}: {len(errors)} errors, e.g. {errors[0]!r}")
    return Measurement(name, requests, seconds, cpu_seconds, len(errors))


def _messages(index: int) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"{USER} (item {index})"}]


async def ours(base_url: str, requests: int = REQUESTS) -> Measurement:
    """The paid-call path: ``PaidCalls.call`` (cache lookup, budget, pricing) over ``LLMClient``."""
    config = GenerationConfig(data_type="qa", count=1, teacher=MODEL, student=MODEL, concurrency=CONCURRENCY)
    engine = build_engine(
        config,
        cache=MemoryCache(),
        credentials={"openai": Credentials(api_key="bench", base_url=f"{base_url}/v1")},
        rate_limits={MODEL: RateLimit(max_concurrency=CONCURRENCY)},
    )
    schema = engine.datatype.json_schema()

    async def send(index: int) -> None:
        prompt = RenderedPrompt(template="bench", template_hash="0" * 64, messages=_messages(index))
        call = await engine.calls.call(
            engine.teacher, prompt, stage="seed", key=f"item-{index}", schema=schema, schema_name="example"
        )
        if call.answer.error is not None:
            raise RuntimeError(call.answer.error)

    try:
        return await measure("ours (PaidCalls.call)", send, requests)
    finally:
        await close_engine(engine)


async def baseline(base_url: str, *, aiohttp: bool = False, requests: int = REQUESTS) -> Measurement:
    """A raw ``AsyncOpenAI`` loop: the same request, the SDK's parsed response, ``json.loads``."""
    http_client: Any = openai.DefaultAioHttpClient() if aiohttp else None
    client = openai.AsyncOpenAI(
        api_key="bench", base_url=f"{base_url}/v1", max_retries=0, http_client=http_client
    )
    schema = get_datatype("qa").json_schema()
    response_format: Any = {"type": "json_schema", "json_schema": {"name": "example", "schema": schema}}

    async def send(index: int) -> None:
        response = await client.chat.completions.create(
            model=MODEL.split(":", 1)[1],
            messages=_messages(index),  # type: ignore[arg-type]
            max_completion_tokens=512,
            temperature=0.8,
            seed=index,
            response_format=response_format,
        )
        json.loads(response.choices[0].message.content or "")

    name = "AsyncOpenAI + aiohttp" if aiohttp else "AsyncOpenAI (httpx)"
    try:
        return await measure(name, send, requests)
    finally:
        await client.close()


async def floor(base_url: str, requests: int = REQUESTS) -> Measurement:
    """The same request with aiohttp alone, no SDK and no parsing into types: what this machine and
    the fake server allow any client (the loopback, the server's own time, timer wake-ups)."""
    schema = get_datatype("qa").json_schema()
    response_format = {"type": "json_schema", "json_schema": {"name": "example", "schema": schema}}
    url = f"{base_url}/v1/chat/completions"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def send(index: int) -> None:
            body = {
                "model": MODEL.split(":", 1)[1],
                "messages": _messages(index),
                "max_completion_tokens": 512,
                "response_format": response_format,
            }
            async with session.post(url, json=body) as response:
                response.raise_for_status()
                json.loads(await response.read())

        return await measure("aiohttp alone (floor)", send, requests)


async def retry_loop(base_url: str, requests: int = REQUESTS) -> Measurement:
    """A bare aiohttp loop that retries a 429 after its ``Retry-After``: what a sporadic 429 costs
    any client (the baseline of line (c))."""
    schema = get_datatype("qa").json_schema()
    response_format = {"type": "json_schema", "json_schema": {"name": "example", "schema": schema}}
    url = f"{base_url}/v1/chat/completions"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def send(index: int) -> None:
            body = {
                "model": MODEL.split(":", 1)[1],
                "messages": _messages(index),
                "max_completion_tokens": 512,
                "seed": index,
                "response_format": response_format,
            }
            while True:
                async with session.post(url, json=body) as response:
                    if response.status == 429:
                        await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                        continue
                    response.raise_for_status()
                    json.loads(await response.read())
                    return

        return await measure("aiohttp retry loop", send, requests)
