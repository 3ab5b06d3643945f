"""Gemini through the Google Gen AI SDK (`google-genai`; `google-generativeai` is end-of-life)."""

from __future__ import annotations

import functools
import re
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from distillation.providers.adapters._http import within
from distillation.providers.adapters.google_batch import GoogleBatchAPI
from distillation.providers.base import import_sdk
from distillation.providers.credentials import Credentials
from distillation.providers.errors import (
    ConfigurationError,
    InvalidResponseError,
    ProviderConnectError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    error_for_status,
    never_connected,
)
from distillation.providers.guard import guarded_session
from distillation.providers.retry import capacity_exhausted, parse_retry_after
from distillation.providers.types import ChatRequest, Completion
from distillation.providers.wire.google import generate_params, parse_generate

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com/"
_RETRY_DELAY = re.compile(r"^([0-9.]+)s$")


class GoogleAdapter:
    """generateContent through `google-genai`, with the SDK's retries (explicit and implicit) off.

    Args:
        model: The model name, e.g. "gemini-2.5-flash".
        credentials: `api_key` (required), optional `base_url` and `headers`.

    Attributes:
        batch_api: Gemini batch mode (inlined requests; see `google_batch`).
    """

    provider = "google"
    native_schema = True

    def __init__(self, model: str, credentials: Credentials) -> None:
        self._genai = import_sdk("google.genai", self.provider, "google-genai", "google")
        self._types = import_sdk("google.genai.types", self.provider, "google-genai", "google")
        self._errors = import_sdk("google.genai.errors", self.provider, "google-genai", "google")
        self.model = model
        self._key = credentials.require_key(self.provider, "GEMINI_API_KEY")
        self._base_url = credentials.base_url or GEMINI_BASE_URL
        self._headers = dict(credentials.headers) or None
        self._guard = credentials.address_guard
        if self._guard is not None:  # an IP address is connected to without resolving
            self._guard.check_url(self._base_url)
        self._session: Any = None
        # With a guard, the client is built on the first request: its aiohttp session needs the loop.
        self._client: Any = None if self._guard is not None else self._make_client()
        self.batch_api = GoogleBatchAPI(self._types, self._errors, self._sdk_client, model, _status_error)

    def _make_client(self) -> Any:
        http_options = self._types.HttpOptions(
            base_url=self._base_url,
            # Explicit, so the SDK does not read GOOGLE_GENAI_API_VERSION; v1beta has JSON-schema output.
            api_version="v1beta",
            headers=self._headers,
            # attempts=1 also turns off the SDK's hidden retry of connection errors.
            retry_options=self._types.HttpRetryOptions(attempts=1),
            # One shared TLS context: the SDK otherwise builds three per client (~0.1 s each).
            client_args={"verify": _tls_context()},
            async_client_args={"ssl": _tls_context()},
            aiohttp_client=self._session,
        )
        # vertexai=False and an explicit key keep the SDK from reading environment variables.
        return self._genai.Client(api_key=self._key, vertexai=False, http_options=http_options)

    def _sdk_client(self) -> Any:
        if self._client is None:
            assert self._guard is not None
            self._session = guarded_session(self._guard, tls=_tls_context(), limit=0, keepalive=15.0)
            self._client = self._make_client()
        return self._client

    async def complete(self, request: ChatRequest, time_limit: float) -> Completion:
        """Sends one generateContent request (see `ProviderAdapter.complete`)."""
        contents, config = self._config(request, time_limit)
        try:
            response = await self._sdk_client().aio.models.generate_content(
                model=self.model, contents=contents, config=config
            )
        except self._errors.APIError as exc:
            raise _status_error(exc) from exc
        except ValueError as exc:  # JSON decoding and response-model validation
            raise InvalidResponseError(f"unreadable response: {exc}") from exc
        except TimeoutError as exc:
            raise ProviderTimeoutError("the provider did not answer in time") from exc
        except Exception as exc:
            if not _is_transport_error(exc):
                raise
            if never_connected(exc):
                raise ProviderConnectError(f"could not connect: {exc}") from exc
            raise ProviderConnectionError(f"connection failed: {exc}") from exc
        return parse_generate(response)

    async def stream(self, request: ChatRequest, time_limit: float) -> AsyncIterator[str | Completion]:
        """The answer's text piece by piece (`streamGenerateContent` over SSE), then the whole `Completion`.

        The finish reason and usage are those of the last piece that reports them. Closing the iterator
        closes the connection. Structured requests are not streamed: use `complete`.
        """
        if request.response_schema is not None:
            raise ConfigurationError("structured answers are not streamed; use complete()")
        contents, config = self._config(request, time_limit)
        pieces: list[str] = []
        last: Completion | None = None
        try:
            chunks = await self._sdk_client().aio.models.generate_content_stream(
                model=self.model, contents=contents, config=config
            )
            try:
                async for chunk in within(chunks, time_limit, "answer"):
                    piece = parse_generate(chunk)
                    if piece.text:
                        pieces.append(piece.text)
                        yield piece.text
                    # Each piece may repeat the usage so far; the last that reports one counts.
                    if last is not None and not piece.usage.total_tokens:
                        piece = replace(piece, usage=last.usage)
                    if last is not None and piece.raw_finish_reason is None:
                        piece = replace(
                            piece, finish_reason=last.finish_reason, raw_finish_reason=last.raw_finish_reason
                        )
                    last = piece
            finally:
                await chunks.aclose()
        except self._errors.APIError as exc:
            raise _status_error(exc) from exc
        except ValueError as exc:
            raise InvalidResponseError(f"unreadable response: {exc}") from exc
        except Exception as exc:
            if not _is_transport_error(exc):
                raise
            if never_connected(exc):
                raise ProviderConnectError(f"could not connect: {exc}") from exc
            raise ProviderConnectionError(f"connection failed: {exc}") from exc
        if last is None:
            raise InvalidResponseError("the stream ended without an answer")
        yield replace(last, text="".join(pieces))

    def _config(self, request: ChatRequest, time_limit: float) -> tuple[list[dict[str, Any]], Any]:
        """Validates the settings up front: a bad setting must not look like a retryable bad answer."""
        contents, config = generate_params(request)
        config["http_options"] = {"timeout": int((time_limit + 1) * 1000), "retry_options": {"attempts": 1}}
        try:
            return contents, self._types.GenerateContentConfig(**config)
        except ValueError as exc:
            raise ConfigurationError(f"invalid Gemini settings: {exc}") from exc

    async def aclose(self) -> None:
        """Closes the SDK's HTTP sessions (and the guarded one, which the SDK does not own)."""
        if self._client is not None:
            await self._client.aio.aclose()
        if self._session is not None:
            await self._session.close()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    import certifi  # a dependency of google-genai, so present whenever this adapter is usable

    return ssl.create_default_context(cafile=certifi.where())


def _status_error(exc: Any) -> ProviderError:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    read = dict(headers) if headers else None
    retry_after = parse_retry_after(read) or _retry_info(exc.details)
    message = f"HTTP {exc.code}: {str(exc.message)[:300]}"
    return error_for_status(int(exc.code or 500), message, retry_after, exhausted=capacity_exhausted(read))


def _retry_info(details: Any) -> float | None:
    """Reads google.rpc.RetryInfo ("retryDelay": "1.5s"), Gemini's way of saying Retry-After."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    for item in error.get("details", []) if isinstance(error, dict) else []:
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        match = _RETRY_DELAY.match(delay) if isinstance(delay, str) else None
        if match:
            return float(match.group(1))
    return None


def _is_transport_error(exc: Exception) -> bool:
    # The SDK may use aiohttp or httpx; their connection errors share no importable base class.
    names = {cls.__name__ for cls in type(exc).__mro__}
    return isinstance(exc, OSError) or bool(names & {"ClientError", "TransportError", "HTTPError"})


def make_google(model: str, credentials: Credentials, options: Mapping[str, Any]) -> GoogleAdapter:
    """Factory for `google:<model>` (no options)."""
    if options:
        raise ConfigurationError(f"unknown google options {sorted(options)}")
    return GoogleAdapter(model, credentials)
