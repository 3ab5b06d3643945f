"""OpenAI and OpenAI-compatible servers (Ollama, vLLM, llama.cpp server, LM Studio, Groq, Together)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

import orjson

from distillation.providers.adapters._http import (
    keyword_names,
    map_sdk_error,
    read_json,
    sdk_http_client,
    split_params,
    within,
)
from distillation.providers.adapters.openai_batch import OpenAIBatchAPI
from distillation.providers.adapters.openai_lean import CHAT_PATH, LeanChat, lean_chat
from distillation.providers.base import import_sdk
from distillation.providers.credentials import Credentials
from distillation.providers.errors import ConfigurationError
from distillation.providers.limit_headers import parse_rate_limit_headers
from distillation.providers.types import ChatRequest, Completion
from distillation.providers.wire.openai import SchemaMode, chat_params, parse_chat

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Servers such as Ollama or vLLM ignore the key, but the SDK refuses to start without one.
PLACEHOLDER_KEY = "not-needed"
# The raw-response marker (the SDK's own `with_raw_response`) hands back the response with its headers:
# the rate-limit headers are read from every answer.
_JSON_HEADERS = {"Content-Type": "application/json", "X-Stainless-Raw-Response": "raw"}
_SCHEMA_MODES = ("json_schema", "json_object", "prompt")
CHAT_PATHS = ("lean", "sdk")


class OpenAIAdapter:
    """Chat completions through the official `openai` SDK, with the SDK's retries off.

    Args:
        model: The model name sent to the server.
        credentials: Key, base URL, organization, project, headers.
        provider: "openai" or "openai-compatible" (the id prefix, also used in error messages).
        schema_mode: "json_schema" (native), "json_object" (JSON mode, schema checked by us) or
            "prompt" (schema only in the prompt), for servers without JSON-schema support.
        http_client: The SDK's transport: "aiohttp" (default, faster under concurrency) or "httpx".
        max_tokens_field: `max_completion_tokens` for OpenAI, `max_tokens` for most other servers.
        chat_path: "lean" (default) sends chat completions through one pooled aiohttp session with
            the headers the SDK builds (see `openai_lean`); "sdk" through the SDK's request path.
            Without the SDK's aiohttp transport the SDK path is used.

    Attributes:
        batch_api: OpenAI's Batch API (None for OpenAI-compatible servers, which have none).
    """

    def __init__(
        self,
        model: str,
        credentials: Credentials,
        *,
        provider: str = "openai",
        schema_mode: SchemaMode = "json_schema",
        http_client: str = "aiohttp",
        max_tokens_field: str = "max_completion_tokens",
        chat_path: str = "lean",
    ) -> None:
        if schema_mode not in _SCHEMA_MODES:
            raise ConfigurationError(f"structured_output must be one of {_SCHEMA_MODES}, not {schema_mode!r}")
        if chat_path not in CHAT_PATHS:
            raise ConfigurationError(f"chat_path must be one of {CHAT_PATHS}, not {chat_path!r}")
        self._sdk = import_sdk("openai", provider, "openai", "openai")
        self.provider = provider
        self.model = model
        self.native_schema = schema_mode == "json_schema"
        self._schema_mode: SchemaMode = schema_mode
        self._max_tokens_field = max_tokens_field
        self._client = self._make_client(credentials, http_client)
        self._lean: LeanChat | None = None
        if chat_path == "lean":
            self._lean = lean_chat(self._sdk, self._client, credentials.address_guard, _JSON_HEADERS)
        # The path chat completions take: "sdk" when asked for, or when the SDK has no aiohttp transport.
        self.chat_path = "sdk" if self._lean is None else "lean"
        self.batch_api = (
            OpenAIBatchAPI(self._sdk, self._client, self.params) if provider == "openai" else None
        )

    def _make_client(self, credentials: Credentials, kind: str) -> Any:
        if self.provider == "openai":
            api_key = credentials.require_key(self.provider, "OPENAI_API_KEY")
            base_url = credentials.base_url or OPENAI_BASE_URL
        else:
            api_key = credentials.api_key or PLACEHOLDER_KEY
            base_url = credentials.require_base_url(self.provider, "the provider's base_url")
        if credentials.address_guard is not None:  # an IP address is connected to without resolving
            credentials.address_guard.check_url(base_url)
        # Every value is passed explicitly so that the SDK never falls back to environment variables.
        return self._sdk.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            organization=credentials.organization,
            project=credentials.project,
            default_headers=dict(credentials.headers) or None,
            max_retries=0,
            http_client=sdk_http_client(self._sdk, kind, credentials.address_guard),
        )

    def params(self, request: ChatRequest) -> dict[str, Any]:
        """The chat-completions body of `request` (online, or as a line of a batch)."""
        return chat_params(
            self.model,
            request,
            schema_mode=self._schema_mode,
            max_tokens_field=self._max_tokens_field,
            cache_key=self.provider == "openai",  # OpenAI-compatible servers may refuse unknown fields
        )

    async def complete(self, request: ChatRequest, time_limit: float) -> Completion:
        """Sends one chat-completions request (see `ProviderAdapter.complete`)."""
        body = orjson.dumps(self.params(request))
        if self._lean is not None:
            answer = await self._lean.post(body, time_limit + 1)
            content, headers = answer.body, answer.headers
        else:
            content, headers = await self._post(body, time_limit + 1)
        completion = parse_chat(read_json(content))
        limits = parse_rate_limit_headers(headers)
        return completion if limits is None else replace(completion, rate_limit=limits)

    async def stream(self, request: ChatRequest, time_limit: float) -> AsyncIterator[str | Completion]:
        """The answer's text piece by piece as the server streams it, then the whole `Completion`.

        Asks for the usage chunk (`stream_options.include_usage`); a server that sends none leaves the
        usage at zero tokens, which callers read as not reported. Closing the iterator closes the
        connection. Structured requests are not streamed (their answer is one JSON value): use `complete`.
        """
        if request.response_schema is not None:
            raise ConfigurationError("structured answers are not streamed; use complete()")
        create = self._client.chat.completions.create
        params = self.params(request) | {"stream": True, "stream_options": {"include_usage": True}}
        pieces: list[str] = []
        refusal: list[str] = []
        finish: str | None = None
        usage: dict[str, Any] = {}
        model = answer_id = None
        try:
            chunks = await create(**split_params(params, keyword_names(create)), timeout=time_limit + 1)
            try:
                async for chunk in within(chunks, time_limit, "answer"):
                    model, answer_id = chunk.model or model, chunk.id or answer_id
                    if chunk.usage is not None:
                        usage = chunk.usage.model_dump()
                    for choice in chunk.choices[:1]:
                        finish = choice.finish_reason or finish
                        if choice.delta.refusal:
                            refusal.append(choice.delta.refusal)
                        if choice.delta.content:
                            pieces.append(choice.delta.content)
                            yield choice.delta.content
            finally:
                await chunks.close()
        except self._sdk.OpenAIError as exc:
            raise map_sdk_error(self._sdk, exc) from exc
        message = {"content": "".join(pieces), "refusal": "".join(refusal) or None}
        body = {"choices": [{"message": message, "finish_reason": finish}], "usage": usage, "model": model}
        yield parse_chat(body, answer_id)

    async def _post(self, body: bytes, time_limit: float) -> tuple[bytes, Any]:
        options = {"timeout": time_limit, "headers": _JSON_HEADERS}
        try:
            # The SDK's generic `post` with the body already serialized: `chat.completions.create` would
            # walk every parameter (the JSON schema included) through its type transforms and build a
            # pydantic response, together over half of the client's CPU per request. The SDK still
            # owns auth, the endpoint, timeouts and error types; the request id comes from the body.
            raw = await self._client.post(CHAT_PATH, cast_to=bytes, content=body, options=options)
            return await raw.read(), raw.headers
        except self._sdk.OpenAIError as exc:
            raise map_sdk_error(self._sdk, exc) from exc

    async def aclose(self) -> None:
        """Closes the lean session and the SDK client with their connection pools."""
        if self._lean is not None:
            await self._lean.aclose()
        await self._client.close()


def make_openai(model: str, credentials: Credentials, options: Mapping[str, Any]) -> OpenAIAdapter:
    """Factory for `openai:<model>`; options: `http_client`, `chat_path`."""
    _check_options(options, {"http_client", "chat_path"})
    return OpenAIAdapter(model, credentials, **options)


def make_openai_compatible(model: str, credentials: Credentials, options: Mapping[str, Any]) -> OpenAIAdapter:
    """Factory for `openai-compatible:<model>` (needs `base_url`).

    Options: `structured_output` ("json_schema", "json_object", "prompt"), `http_client`, `max_tokens_field`,
    `chat_path`.
    """
    _check_options(options, {"structured_output", "http_client", "max_tokens_field", "chat_path"})
    kwargs = dict(options)
    schema_mode = kwargs.pop("structured_output", "json_schema")
    kwargs.setdefault("max_tokens_field", "max_tokens")
    return OpenAIAdapter(model, credentials, provider="openai-compatible", schema_mode=schema_mode, **kwargs)


def _check_options(options: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(options) - allowed
    if unknown:
        raise ConfigurationError(f"unknown options {sorted(unknown)}; allowed: {sorted(allowed)}")
