"""Helpers shared by the OpenAI and Anthropic adapters (both SDKs are Stainless-generated)."""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import AsyncIterator, Mapping
from types import ModuleType
from typing import Any, TypeVar

import orjson

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
from distillation.providers.guard import AddressGuard, AddressRefusedError, guarded_session
from distillation.providers.limit_headers import parse_rate_limit_headers
from distillation.providers.retry import capacity_exhausted, parse_retry_after

T = TypeVar("T")
HTTP_CLIENTS = ("aiohttp", "httpx")
POOL_SIZE = 1000  # connections per client when the SDK sets no cap (its default is 1,000 too)


def sdk_http_client(sdk: ModuleType, kind: str, guard: AddressGuard | None = None) -> Any:
    """The SDK's HTTP client: its aiohttp transport (faster under concurrency) or its httpx one.

    Both get a pool that keeps every connection alive (the SDKs keep 100 of their 1,000): a window
    of more than 100 requests would otherwise open a new connection for most of them. With a
    ``guard``, the aiohttp transport connects only to addresses the guard allows.
    """
    if kind not in HTTP_CLIENTS:
        raise ValueError(f"http_client must be one of {HTTP_CLIENTS}, not {kind!r}")
    limits = _pool_limits(sdk)
    if guard is not None:
        return _guarded_client(sdk, limits, guard)
    if kind == "aiohttp":
        try:
            return sdk.DefaultAioHttpClient(limits=limits)
        except (AttributeError, RuntimeError):  # SDK without the aiohttp extra: fall back to httpx
            pass
    return sdk.DefaultAsyncHttpxClient(limits=limits)


def _guarded_client(sdk: ModuleType, limits: Any, guard: AddressGuard) -> Any:
    """The SDK's aiohttp client on a session whose connections go through ``guard``."""
    transport = sdk_aiohttp_transport(sdk, guard)
    if transport is None:
        raise ConfigurationError(
            f"checking provider addresses needs aiohttp: pip install '{sdk.__name__}[aiohttp]'"
        )
    return sdk.DefaultAioHttpClient(limits=limits, transport=transport)


def sdk_aiohttp_transport(sdk: ModuleType, guard: AddressGuard | None = None) -> Any | None:
    """The SDK's own aiohttp transport with a keep-alive pool (see `sdk_http_client`), or None without one.

    Its ``get_client()`` makes the aiohttp session (in the event loop): the SDK's TLS context, pool size
    and keep-alive, and with a ``guard`` a session whose connections go through it.
    """
    try:
        vendored = importlib.import_module(f"{sdk.__name__}._vendor.httpx_aiohttp")
        import aiohttp  # noqa: F401  # the transport needs it
    except ImportError:
        return None
    limits = _pool_limits(sdk)
    transport = vendored.AiohttpTransport(limits=limits)
    if guard is not None:
        # Built on the first request, inside the event loop (aiohttp needs a running loop).
        transport.client = lambda: guarded_session(
            guard,
            tls=transport.ssl_context,
            limit=limits.max_connections or POOL_SIZE,
            keepalive=limits.keepalive_expiry,
        )
    return transport


def _pool_limits(sdk: ModuleType) -> Any:
    """The SDK's default pool limits with keep-alive for every connection (its own httpx ``Limits``)."""
    default = sdk.DEFAULT_CONNECTION_LIMITS
    size = default.max_connections or POOL_SIZE
    return type(default)(
        max_connections=size, max_keepalive_connections=size, keepalive_expiry=default.keepalive_expiry
    )


def map_sdk_error(sdk: ModuleType, exc: Exception) -> ProviderError:
    """Translates a Stainless SDK exception into our typed errors."""
    refused = _refusal_behind(exc)
    if refused is not None:  # the SDK reports it as a connection error: it is not one to retry
        return refused
    if isinstance(exc, sdk.APIStatusError):
        return status_error(exc.status_code, exc.body, exc.response.headers)
    if isinstance(exc, sdk.APITimeoutError):
        # The aiohttp transport reports a refused connection as a connect timeout.
        if type(exc.__cause__).__name__.startswith("Connect"):
            return ProviderConnectError(f"could not connect: {exc.__cause__}")
        return ProviderTimeoutError("the provider did not answer in time")
    if isinstance(exc, sdk.APIConnectionError):
        if never_connected(exc):
            return ProviderConnectError(f"could not connect: {exc}")
        return ProviderConnectionError(f"connection failed: {exc}")
    if isinstance(exc, sdk.APIResponseValidationError):
        return InvalidResponseError(f"unreadable response: {exc}")
    return ProviderError(f"{type(exc).__name__}: {exc}")


def _refusal_behind(exc: BaseException) -> AddressRefusedError | None:
    seen: BaseException | None = exc
    for _ in range(10):  # the SDK and its transport wrap the cause a few times
        if seen is None or isinstance(seen, AddressRefusedError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


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


def status_error(status: int, body: Any, headers: Mapping[str, str]) -> ProviderError:
    """The typed error of a non-2xx answer: its status, the provider's short message, Retry-After and
    rate-limit headers.

    ``body`` is the parsed error body, whole or its ``error`` object (as the SDK's exception holds it);
    ``headers`` must be case-insensitive (httpx's or aiohttp's).
    """
    return error_for_status(
        status,
        _message(status, body),
        parse_retry_after(headers),
        exhausted=capacity_exhausted(headers),
        rate_limit=parse_rate_limit_headers(headers),
    )


def _message(status: int, body: Any) -> str:
    # Keep the provider's own short message; never echo a whole upstream body into our errors.
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return f"HTTP {status}: {error['message'][:300]}"
    return f"HTTP {status}"


async def within(items: AsyncIterator[T], time_limit: float, what: str) -> AsyncIterator[T]:
    """The items of a streamed answer, the whole stream bounded by `time_limit` seconds.

    Each wait is bounded by what is left of the limit (a timeout around the consumer's ``async for``
    would fire in the consumer's code); running out raises `ProviderTimeoutError`.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_limit
    iterator = aiter(items)
    while True:
        try:
            item = await asyncio.wait_for(anext(iterator), max(0.0, deadline - loop.time()))
        except StopAsyncIteration:
            return
        except TimeoutError as exc:
            raise ProviderTimeoutError(f"no whole {what} within {time_limit:.0f} s") from exc
        yield item
