"""Helpers shared by the OpenAI and Anthropic adapters (both SDKs are Stainless-generated)."""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any

import orjson

from distillation.providers.errors import (
    InvalidResponseError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    error_for_status,
)
from distillation.providers.retry import parse_retry_after

HTTP_CLIENTS = ("aiohttp", "httpx")


def sdk_http_client(sdk: ModuleType, kind: str) -> Any:
    """The SDK's aiohttp transport (faster under concurrency) or None for its default httpx one."""
    if kind not in HTTP_CLIENTS:
        raise ValueError(f"http_client must be one of {HTTP_CLIENTS}, not {kind!r}")
    if kind == "httpx":
        return None
    try:
        return sdk.DefaultAioHttpClient()
    except (AttributeError, RuntimeError):  # SDK without the aiohttp extra: fall back to httpx
        return None


def map_sdk_error(sdk: ModuleType, exc: Exception) -> ProviderError:
    """Translates a Stainless SDK exception into our typed errors."""
    if isinstance(exc, sdk.APIStatusError):
        retry_after = parse_retry_after(dict(exc.response.headers))
        return error_for_status(exc.status_code, _message(exc), retry_after)
    if isinstance(exc, sdk.APITimeoutError):
        # The aiohttp transport reports a refused connection as a connect timeout.
        if type(exc.__cause__).__name__.startswith("Connect"):
            return ProviderConnectionError(f"could not connect: {exc.__cause__}")
        return ProviderTimeoutError("the provider did not answer in time")
    if isinstance(exc, sdk.APIConnectionError):
        return ProviderConnectionError(f"connection failed: {exc}")
    if isinstance(exc, sdk.APIResponseValidationError):
        return InvalidResponseError(f"unreadable response: {exc}")
    return ProviderError(f"{type(exc).__name__}: {exc}")


def keyword_names(method: Any) -> frozenset[str]:
    """The keyword arguments an SDK method declares."""
    return frozenset(inspect.signature(method).parameters)


def split_params(params: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """SDK keyword arguments, with fields the SDK does not declare moved to `extra_body`.

    Newer SDKs drop fields (e.g. sampling settings) that the API may still accept, and
    `provider_options` may name fields the SDK has never heard of: they go on the wire unchanged and
    the provider, not the SDK, decides.
    """
    kwargs = {k: v for k, v in params.items() if k in known}
    extra = {k: v for k, v in params.items() if k not in known}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


def read_json(content: bytes) -> Any:
    """Parses a 2xx response body; malformed or truncated bodies become `InvalidResponseError`."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise InvalidResponseError(f"malformed JSON body ({len(content)} bytes): {exc}") from exc


def _message(exc: Any) -> str:
    # Keep the provider's own short message; never echo a whole upstream body into our errors.
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return f"HTTP {exc.status_code}: {error['message'][:300]}"
    return f"HTTP {exc.status_code}"
