"""Anthropic Messages API through the official `anthropic` SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from distillation.providers.adapters._http import (
    keyword_names,
    map_sdk_error,
    read_json,
    sdk_http_client,
    split_params,
    within,
)
from distillation.providers.adapters.anthropic_batch import AnthropicBatchAPI
from distillation.providers.base import import_sdk
from distillation.providers.credentials import Credentials
from distillation.providers.errors import ConfigurationError
from distillation.providers.limit_headers import parse_rate_limit_headers
from distillation.providers.types import ChatRequest, Completion
from distillation.providers.wire.anthropic import message_params, parse_message

ANTHROPIC_BASE_URL = "https://api.anthropic.com"


class AnthropicAdapter:
    """Messages through the official SDK with its retries off; schemas through a forced tool call.

    Args:
        model: The model name, e.g. "claude-sonnet-4-5".
        credentials: `api_key` (required), optional `base_url` and `headers`.
        default_max_tokens: Sent when the request has no `max_tokens` (the API requires one).
        http_client: "aiohttp" (default) or "httpx".

    Attributes:
        batch_api: Anthropic's Message Batches.
    """

    provider = "anthropic"
    native_schema = True

    def __init__(
        self,
        model: str,
        credentials: Credentials,
        *,
        default_max_tokens: int = 4096,
        http_client: str = "aiohttp",
    ) -> None:
        self._sdk = import_sdk("anthropic", self.provider, "anthropic", "anthropic")
        self.model = model
        self._default_max_tokens = default_max_tokens
        base_url = credentials.base_url or ANTHROPIC_BASE_URL
        if credentials.address_guard is not None:  # an IP address is connected to without resolving
            credentials.address_guard.check_url(base_url)
        # Key and URL are explicit so that the SDK never reads environment variables or profiles.
        self._client = self._sdk.AsyncAnthropic(
            api_key=credentials.require_key(self.provider, "ANTHROPIC_API_KEY"),
            base_url=base_url,
            default_headers=dict(credentials.headers) or None,
            max_retries=0,
            http_client=sdk_http_client(self._sdk, http_client, credentials.address_guard),
        )
        self._known = keyword_names(self._client.messages.create)
        self.batch_api = AnthropicBatchAPI(self._sdk, self._client, self.params, parse_message)

    def params(self, request: ChatRequest) -> dict[str, Any]:
        """The messages body of `request` (online, or as a request of a message batch)."""
        return message_params(self.model, request, default_max_tokens=self._default_max_tokens)

    async def complete(self, request: ChatRequest, time_limit: float) -> Completion:
        """Sends one messages request (see `ProviderAdapter.complete`)."""
        params = self.params(request)
        try:
            kwargs = split_params(params, self._known)
            raw = await self._client.messages.with_raw_response.create(**kwargs, timeout=time_limit + 1)
        except self._sdk.AnthropicError as exc:
            raise map_sdk_error(self._sdk, exc) from exc
        body = read_json(raw.http_response.content)
        completion = parse_message(body, request, raw.headers.get("request-id"))
        limits = parse_rate_limit_headers(raw.headers)
        return completion if limits is None else replace(completion, rate_limit=limits)

    async def stream(self, request: ChatRequest, time_limit: float) -> AsyncIterator[str | Completion]:
        """The answer's text piece by piece (`text_delta` events), then the whole `Completion`.

        The usage comes from `message_start` (input and cache reads) and `message_delta` (output).
        Closing the iterator closes the connection. Structured requests (a forced tool call) are not
        streamed: use `complete`.
        """
        if request.response_schema is not None:
            raise ConfigurationError("structured answers are not streamed; use complete()")
        kwargs = split_params(self.params(request), self._known)
        pieces: list[str] = []
        body: dict[str, Any] = {"stop_reason": None, "usage": {}}
        try:
            events = await self._client.messages.create(**kwargs, stream=True, timeout=time_limit + 1)
            try:
                async for event in within(events, time_limit, "answer"):
                    if event.type == "message_start":
                        body.update(id=event.message.id, model=event.message.model)
                        body["usage"].update(event.message.usage.model_dump(exclude_none=True))
                    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                        pieces.append(event.delta.text)
                        yield event.delta.text
                    elif event.type == "message_delta":
                        body["stop_reason"] = event.delta.stop_reason
                        body["usage"].update(event.usage.model_dump(exclude_none=True))
            finally:
                await events.close()
        except self._sdk.AnthropicError as exc:
            raise map_sdk_error(self._sdk, exc) from exc
        body["content"] = [{"type": "text", "text": "".join(pieces)}]
        yield parse_message(body, request, body.get("id"))

    async def aclose(self) -> None:
        """Closes the SDK client and its connection pool."""
        await self._client.close()


def make_anthropic(model: str, credentials: Credentials, options: Mapping[str, Any]) -> AnthropicAdapter:
    """Factory for `anthropic:<model>`; options: `default_max_tokens`, `http_client`."""
    unknown = set(options) - {"default_max_tokens", "http_client"}
    if unknown:
        raise ConfigurationError(f"unknown anthropic options {sorted(unknown)}")
    return AnthropicAdapter(model, credentials, **options)
