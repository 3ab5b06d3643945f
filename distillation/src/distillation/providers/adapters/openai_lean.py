"""The lean path of OpenAI-compatible chat completions: one pooled aiohttp session, bytes in, bytes out.

The SDK's generic request path (request options, URL merging, header building, its httpx models over
the aiohttp transport) costs more CPU per request than everything else in the engine at 0 ms latency.
Chat completions are the bulk of traffic, so they skip it: at construction the SDK builds the request
once (its URL, its auth, organization, project, platform and custom headers), and each request then
posts the orjson body with those very headers through one aiohttp session, made by the SDK's own
aiohttp transport (its TLS context, pool size and keep-alive; the address guard's connections when
there is one). Status codes, Retry-After, rate-limit headers and error messages are read by the same
functions as on the SDK path, so both give the same errors (`tests/providers/test_lean_wire.py`).
Every other endpoint stays on the SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import aiohttp
import orjson

from distillation.providers.adapters._http import sdk_aiohttp_transport, status_error
from distillation.providers.errors import (
    ProviderConnectError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
)
from distillation.providers.guard import AddressGuard, AddressRefusedError

CHAT_PATH = "/chat/completions"
# Set per request: the SDK's header for the read timeout it was given.
_READ_TIMEOUT = "x-stainless-read-timeout"
# The transport (aiohttp here, httpx on the SDK path) sets these per request and connection, and the
# read timeout is set per request here.
_PER_REQUEST_HEADERS = frozenset({"host", "content-length", "transfer-encoding", _READ_TIMEOUT})
# Per-request settings kept for this many distinct time limits (callers use one or two).
_TIMEOUTS_KEPT = 16


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """A 2xx answer: its body and headers (case-insensitive), for the wire format to read."""

    body: bytes
    headers: Mapping[str, str]


class LeanChat:
    """Posts chat-completion bodies with the headers the SDK would send, over one pooled session.

    Args:
        url: The absolute URL of `POST /chat/completions`, as the SDK joins it to its base URL.
        headers: The SDK's headers for that request, less those set per request.
        transport: The SDK's aiohttp transport; its `get_client()` makes the session (in the loop).
    """

    def __init__(self, url: str, headers: Mapping[str, str], transport: Any) -> None:
        self.url = url
        self.headers = dict(headers)
        self._transport = transport
        self._session: aiohttp.ClientSession | None = None
        self._per_timeout: dict[float, tuple[dict[str, str], aiohttp.ClientTimeout]] = {}

    async def post(self, body: bytes, time_limit: float) -> RawAnswer:
        """Sends one request (the transport's timeouts at ``time_limit``); a non-2xx answer or a transport
        failure raises its `ProviderError`."""
        session = self._session or self._open()
        headers, limits = self._per_timeout.get(time_limit) or self._for_timeout(time_limit)
        try:
            async with session.post(self.url, data=body, headers=headers, timeout=limits) as response:
                content = await response.read()
                status, answer_headers = response.status, response.headers
        except AddressRefusedError:
            raise
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise transport_error(exc) from exc
        if 200 <= status < 300:
            return RawAnswer(content, answer_headers)
        raise status_error(status, _json_or_none(content), answer_headers)

    async def aclose(self) -> None:
        """Closes the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        self._session = self._transport.get_client()
        return self._session

    def _for_timeout(self, timeout: float) -> tuple[dict[str, str], aiohttp.ClientTimeout]:
        # The SDK's transport maps its timeout to aiohttp's connect and read timeouts alike.
        headers = {**self.headers, _READ_TIMEOUT: str(float(timeout))}
        limits = aiohttp.ClientTimeout(connect=timeout, sock_connect=timeout, sock_read=timeout)
        if len(self._per_timeout) >= _TIMEOUTS_KEPT:
            self._per_timeout.clear()
        self._per_timeout[timeout] = headers, limits
        return headers, limits


def lean_chat(
    sdk: ModuleType, client: Any, guard: AddressGuard | None, headers: Mapping[str, str]
) -> LeanChat | None:
    """The lean path of ``client`` (an ``AsyncOpenAI``), or None when this SDK lacks its aiohttp transport.

    ``headers`` are the extra headers the SDK path sends with each request (its raw-response marker).
    """
    transport = sdk_aiohttp_transport(sdk, guard)
    if transport is None:
        return None
    options = importlib.import_module(f"{sdk.__name__}._models").FinalRequestOptions
    request = client._build_request(  # the SDK's own request: its URL joining, auth and headers
        options.construct(method="post", url=CHAT_PATH, headers=dict(headers), timeout=0.0)
    )
    kept = {k: v for k, v in request.headers.items() if k.lower() not in _PER_REQUEST_HEADERS}
    return LeanChat(str(request.url), kept, transport)


def transport_error(exc: BaseException) -> ProviderError:
    """A transport failure as the SDK path reports it (a refused connection is a connection error)."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
        return ProviderConnectError(f"could not connect: {exc}")
    if isinstance(exc, TimeoutError):
        return ProviderTimeoutError("the provider did not answer in time")
    return ProviderConnectionError(f"connection failed: {exc}")


def _json_or_none(content: bytes) -> Any:
    """An error answer's JSON body (None when it is not JSON, which leaves only the status to report)."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
