"""The lean chat-completions path puts on the wire what the SDK path does, and reads answers alike.

Each test sends the same request once through the SDK's request path (`chat_path="sdk"`) and once
through the lean one, to an OpenAI-, a Groq- and a vLLM-style fake server, and compares what the
server received (method, path, every header, the body's bytes) and what each path made of the answer:
the completion with its usage and rate-limit headers, or the typed error with its status, message,
Retry-After and capacity signal.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from distillation.providers import (
    ChatRequest,
    Completion,
    ConfigurationError,
    Credentials,
    LLMClient,
    Message,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    get_model,
)
from distillation.providers.adapters.openai import OpenAIAdapter
from distillation.testing import (
    Behavior,
    FakeProviderServer,
    RecordedRequest,
    hang,
    ok,
    rate_limited,
    server_error,
)
from distillation.testing.scripts import Dialect

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "score": {"type": "integer"}},
    "required": ["answer", "score"],
    "additionalProperties": False,
}
TOOLS = [
    {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}
]
REQUESTS = {
    "text": ChatRequest.from_prompt("Capital of France?", system="Be brief.", max_tokens=20, temperature=0.3),
    "structured": ChatRequest(
        messages=(Message(role="user", content="Rate this: ünïcode ✓"),),
        max_tokens=64,
        seed=7,
        top_p=0.9,
        stop=("\n\n",),
        response_schema=SCHEMA,
        schema_name="rating",
    ),
    "tools": ChatRequest.from_prompt("Look it up", provider_options={"tools": TOOLS, "tool_choice": "auto"}),
    "tool turns": ChatRequest(
        messages=(
            Message(role="user", content="Look it up"),
            Message(
                role="assistant",
                content="",
                tool_calls=(
                    {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}},
                ),
            ),
            Message(role="tool", content="found it", tool_call_id="c1"),
            Message(role="user", content="And again"),
        ),
        tools=tuple(TOOLS),
        tool_choice="lookup",
    ),
}
LIMIT_HEADERS = (
    ("x-ratelimit-limit-requests", "500"),
    ("x-ratelimit-remaining-requests", "499"),
    ("x-ratelimit-reset-requests", "120ms"),
    ("x-ratelimit-limit-tokens", "30000"),
    ("x-ratelimit-remaining-tokens", "29000"),
    ("x-ratelimit-reset-tokens", "6m0s"),
)
ERRORS = {
    "429 Retry-After": rate_limited(retry_after=2),
    "429 retry-after-ms, used up": rate_limited(
        retry_after_ms=300, headers={"x-ratelimit-remaining-requests": "0"}
    ),
    "429 with capacity left": rate_limited(retry_after=1, headers=dict(LIMIT_HEADERS)),
    "500": server_error(500),
    "503": server_error(503),
    "400": Behavior(status=400),
    "401": Behavior(status=401),
    "malformed body": Behavior(body="malformed"),
    "truncated body": Behavior(body="truncated"),
}


@dataclass(frozen=True)
class Style:
    """An OpenAI-compatible server and how a user points Distillery at it."""

    dialect: Dialect
    model_id: str
    credentials: dict[str, Any]


STYLES = {
    "openai": Style(
        "openai",
        "openai:gpt-fake",
        {"api_key": "sk-test", "organization": "org-1", "project": "proj-1", "headers": {"X-Team": "data"}},
    ),
    "groq": Style("groq", "openai-compatible:llama-fake", {"api_key": "gsk-test"}),
    "vllm": Style("vllm", "openai-compatible:qwen-fake", {}),  # no key: the placeholder is sent
}


@pytest.fixture(scope="module", params=list(STYLES))
def style_server(request: pytest.FixtureRequest) -> Iterator[tuple[Style, FakeProviderServer]]:
    style = STYLES[request.param]
    with FakeProviderServer(dialect=style.dialect) as server:
        yield style, server


@dataclass
class Paths:
    """The same model behind both request paths, against one server."""

    sdk: LLMClient
    lean: LLMClient
    server: FakeProviderServer

    async def both(self, request: ChatRequest, time_limit: float = 30.0) -> list[Completion | ProviderError]:
        """Each path's answer (or typed error) to ``request``, SDK path first."""
        results: list[Completion | ProviderError] = []
        for client in (self.sdk, self.lean):
            try:
                results.append(await client.adapter.complete(request, time_limit))
            except ProviderError as exc:
                results.append(exc)
        return results


@pytest.fixture
async def paths(style_server: tuple[Style, FakeProviderServer]) -> AsyncIterator[Paths]:
    style, server = style_server
    server.reset()
    credentials = Credentials(base_url=server.openai_base_url, **style.credentials)
    sdk = get_model(style.model_id, credentials=credentials, options={"chat_path": "sdk"})
    lean = get_model(style.model_id, credentials=credentials)
    yield Paths(sdk, lean, server)
    await sdk.aclose()
    await lean.aclose()


def wire(request: RecordedRequest) -> tuple[str, str, dict[str, str], str]:
    """What a provider sees of a request: route, path, headers (names in lower case), body digest."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    return request.api, request.path, headers, request.key


def error_facts(error: ProviderError) -> tuple[Any, ...]:
    return (
        type(error),
        str(error),
        error.status_code,
        error.retry_after,
        error.capacity_exhausted,
        error.rate_limit,
        error.retryable,
        error.outcome,
    )


def test_chat_completions_take_the_lean_path_unless_told_otherwise(paths: Paths) -> None:
    assert isinstance(paths.lean.adapter, OpenAIAdapter)
    assert isinstance(paths.sdk.adapter, OpenAIAdapter)
    assert paths.lean.adapter.chat_path == "lean"
    assert paths.sdk.adapter.chat_path == "sdk"


@pytest.mark.parametrize("kind", list(REQUESTS))
async def test_the_lean_path_sends_the_bytes_the_sdk_path_sends(paths: Paths, kind: str) -> None:
    await paths.both(REQUESTS[kind])

    sdk, lean = paths.server.requests
    assert wire(lean) == wire(sdk)
    headers = wire(lean)[2]
    assert headers["authorization"].startswith("Bearer ")
    assert headers["content-type"] == "application/json"
    if paths.server.dialect == "openai":
        assert (headers["openai-organization"], headers["openai-project"]) == ("org-1", "proj-1")
        assert headers["x-team"] == "data"
    if paths.server.dialect == "groq":
        assert lean.path == "/openai/v1/chat/completions"


async def test_both_paths_read_text_usage_cached_tokens_and_limits_alike(paths: Paths) -> None:
    paths.server.reset(default=ok(usage=(120, 30), cached_tokens=100, headers=LIMIT_HEADERS))
    sdk, lean = await paths.both(REQUESTS["text"])

    assert isinstance(sdk, Completion)
    assert isinstance(lean, Completion)
    # Each answer has its own id; everything else must be equal.
    assert dataclasses.replace(lean, request_id=sdk.request_id) == sdk
    assert lean.request_id is not None
    assert lean.request_id.startswith("chatcmpl-fake-")
    assert (lean.usage.input_tokens, lean.usage.output_tokens, lean.usage.cached_input_tokens) == (
        120,
        30,
        100,
    )
    assert lean.rate_limit is not None
    assert lean.rate_limit.requests_limit == 500


async def test_both_paths_read_structured_answers_alike(paths: Paths) -> None:
    sdk, lean = await paths.both(REQUESTS["structured"])

    assert isinstance(sdk, Completion)
    assert isinstance(lean, Completion)
    assert lean.text == sdk.text == '{"answer":"answer text","score":0}'
    assert (lean.usage, lean.finish_reason) == (sdk.usage, sdk.finish_reason)


@pytest.mark.parametrize("name", list(ERRORS))
async def test_both_paths_raise_the_same_errors(paths: Paths, name: str) -> None:
    paths.server.reset(default=ERRORS[name])
    sdk, lean = await paths.both(REQUESTS["text"])

    assert isinstance(sdk, ProviderError)
    assert isinstance(lean, ProviderError)
    assert error_facts(lean) == error_facts(sdk)


async def test_a_server_that_does_not_answer_in_time_is_a_timeout_on_both_paths(paths: Paths) -> None:
    paths.server.reset(default=hang())
    sdk, lean = await paths.both(REQUESTS["text"], time_limit=0.2)  # the transport gives up at 1.2 s

    assert type(sdk) is type(lean) is ProviderTimeoutError


async def test_a_refused_connection_is_a_connection_error_on_both_paths() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    credentials = Credentials(api_key="k", base_url=f"http://127.0.0.1:{port}/v1")
    clients = [
        get_model("openai:gpt-fake", credentials=credentials, options={"chat_path": p})
        for p in ("sdk", "lean")
    ]
    errors = []
    for client in clients:
        with pytest.raises(ProviderConnectionError) as info:
            await client.adapter.complete(REQUESTS["text"], 5.0)
        errors.append(info.value)
        await client.aclose()
    assert [e.outcome for e in errors] == [errors[0].outcome] * 2
    assert all(str(e).startswith("could not connect") for e in errors)


def test_an_unknown_chat_path_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ConfigurationError, match="chat_path must be one of"):
        get_model("openai:gpt-fake", credentials={"api_key": "k"}, options={"chat_path": "fast"})
