"""Prompt caching: the request shapes that ask for it, the fake server's cache, and the cached rate.

OpenAI requests carry a ``prompt_cache_key`` shared by a stage's requests; Anthropic requests mark the
system block with a ``cache_control`` breakpoint. The fake server (``prompt_cache=True``) reports a
repeated prefix of at least 1,024 tokens as cached input, which is billed at genai-prices' cached rate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from distillation.cost import PriceTable, TokenUsage
from distillation.providers import ChatRequest, LLMClient, Message
from distillation.providers.wire.openai import prompt_cache_key
from distillation.testing import FakeProviderServer
from distillation.testing.answers import realistic_answer

ModelFactory = Callable[..., LLMClient]
PRICES = PriceTable.load(None)
# About 1,500 tokens as the fake server counts them (four characters a token).
LONG_SYSTEM = "You write customer-support training examples that follow a fixed policy. " * 80
MILLION = Decimal(1_000_000)


@pytest.fixture(scope="module")
def server_session() -> Iterator[FakeProviderServer]:
    """This module's server models the providers' prompt caches."""
    with FakeProviderServer(prompt_cache=True) as server:
        yield server


def ask(user: str, system: str = LONG_SYSTEM, template: str = "bulk-v1") -> ChatRequest:
    messages = (Message(role="system", content=system), Message(role="user", content=user))
    return ChatRequest(messages=messages, max_tokens=512, template_hash=template)


async def test_openai_requests_share_a_prompt_cache_key_per_template_and_system(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    model = make_model("openai:gpt-4o")
    for request in (ask("row one"), ask("row two"), ask("row one", system="Judge."), ask("x", template="j")):
        await model.chat(request)
    compatible = make_model(
        "openai-compatible:served", credentials={"api_key": "k", "base_url": server.openai_base_url}
    )
    await compatible.chat(ask("row one"))

    keys = [r.body.get("prompt_cache_key") for r in server.requests]
    assert keys[0] == keys[1] == prompt_cache_key(ask("another row"))  # the rows differ, the key does not
    assert keys[0] is not None
    assert keys[0].startswith("distillery-")
    assert len({keys[0], keys[2], keys[3]}) == 3  # another system prompt, another template: another key
    assert keys[4] is None  # an OpenAI-compatible server may refuse a field it does not know


async def test_anthropic_requests_mark_the_system_block_as_a_cache_breakpoint(
    server: FakeProviderServer, make_model: ModelFactory
) -> None:
    await make_model("anthropic:claude-sonnet-4-5").chat(ask("row one"))

    [request] = server.requests
    assert request.body["system"] == [
        {"type": "text", "text": LONG_SYSTEM, "cache_control": {"type": "ephemeral"}}
    ]
    assert "prompt_cache_key" not in request.body


@pytest.mark.parametrize("model_id", ["openai:gpt-4o", "anthropic:claude-sonnet-4-5"])
async def test_a_repeated_long_prefix_is_read_from_the_cache_and_billed_at_the_cached_rate(
    model_id: str, server: FakeProviderServer, make_model: ModelFactory
) -> None:
    server.reset(realistic_answer)  # input tokens billed as the cache model counts them
    model = make_model(model_id)
    first = await model.chat(ask("Write about refunds."))
    second = await model.chat(ask("Write about late deliveries."))
    short = [await model.chat(ask(f"row {i}", system="Be brief.")) for i in range(2)]

    assert first.usage.cached_input_tokens == 0  # the first request writes the cache
    cached = second.usage.cached_input_tokens
    assert 1024 <= cached < second.usage.input_tokens
    if model_id.startswith("openai"):
        assert cached % 128 == 0  # OpenAI caches in steps of 128 tokens
    assert [r.usage.cached_input_tokens for r in short] == [0, 0]  # under 1,024 tokens: never cached
    # The provider's cached rate (genai-prices): half the input rate for gpt-4o, a tenth for Sonnet.
    price = PRICES.price_for(model_id)
    assert price is not None
    assert price.cached_input_per_mtok is not None
    rates = {"openai:gpt-4o": ("2.5", "1.25", "10"), "anthropic:claude-sonnet-4-5": ("3", "0.3", "15")}
    assert (price.input_per_mtok, price.cached_input_per_mtok, price.output_per_mtok) == tuple(
        Decimal(rate) for rate in rates[model_id]
    )
    usage = TokenUsage(second.usage.input_tokens, second.usage.output_tokens, cached)
    expected = (
        (usage.input_tokens - cached) * price.input_per_mtok
        + cached * price.cached_input_per_mtok
        + usage.output_tokens * price.output_per_mtok
    ) / MILLION
    assert PRICES.cost_of(model_id, usage) == expected
    uncached = PRICES.cost_of(model_id, TokenUsage(usage.input_tokens, usage.output_tokens))
    assert uncached is not None
    assert uncached - expected == cached * (price.input_per_mtok - price.cached_input_per_mtok) / MILLION
