"""Connect-time address checks: a provider client connects only to addresses its owner allows.

A base URL checked when it is saved can lead elsewhere later: its DNS answer may change between the
check and the request (DNS rebinding). An :class:`AddressGuard` on a provider's ``Credentials`` makes
the adapter's connections resolve the host themselves, check every address it resolves to against
the guard's policy, and connect to the checked address, so no answer can change in between.

The library sets no policy of its own (a command-line user may well run a model server on their own
machine); the service builds one from its SSRF rules.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from distillation.providers.errors import ConfigurationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Why requests must not go to an address, or None when they may.
AddressPolicy = Callable[[IPAddress], str | None]
Resolve = Callable[[str, int], Awaitable[list[str]]]


class AddressRefusedError(ConfigurationError):
    """A provider's host resolves to an address the guard refuses; nothing was sent there."""


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, from the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class AddressGuard:
    """Checks each address a provider client is about to connect to.

    Attributes:
        policy: The reason an address is refused, or None when it is allowed.
        resolve: Name resolution (tests hand in their own DNS answers).
    """

    policy: AddressPolicy
    resolve: Resolve = system_resolve

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to for ``host``, every one of them allowed.

        Raises:
            AddressRefusedError: One of the addresses is refused, or the host resolves to none.
        """
        literal = _literal(host)
        if literal is not None:
            found = [literal]
        else:
            try:
                found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in await self.resolve(host, port)]
            except (OSError, ValueError) as exc:
                raise AddressRefusedError(f"cannot resolve {host}: {exc}") from None
            if not found:
                raise AddressRefusedError(f"{host} resolves to no address")
        for address in found:
            self.check(host, address)
        return found

    def check(self, host: str, address: IPAddress) -> None:
        """Raise :class:`AddressRefusedError` when the policy refuses ``address``."""
        reason = self.policy(address)
        if reason:
            shown = host if host == str(address) else f"{host} resolves to {address}, which"
            raise AddressRefusedError(f"refused to connect: {shown} is {reason}")

    def check_url(self, url: str) -> None:
        """Check a URL whose host is an IP address (those are connected to without resolving)."""
        host = (urlsplit(url).hostname or "").strip("[]")
        literal = _literal(host)
        if literal is not None:
            self.check(host, literal)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class GuardedTransport:
    """An httpx transport that sends each request to an address ``guard`` allows.

    The host is resolved and checked here, and the connection goes to that checked address; the
    request keeps its ``Host`` header and TLS still verifies the certificate for the host's name.
    For plain httpx calls (a provider's model list); the SDKs' clients use :func:`guarded_session`.
    """

    def __init__(self, guard: AddressGuard, inner: Any = None) -> None:
        import httpx

        self._guard = guard
        self._inner = inner if inner is not None else httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: Any) -> Any:
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        address = str((await self._guard.addresses(host, port))[0])
        if address != host:
            request.url = request.url.copy_with(host=address)
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> GuardedTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def guarded_session(
    guard: AddressGuard, *, tls: ssl.SSLContext | bool, limit: int, keepalive: float | None
) -> Any:
    """An aiohttp session whose every connection goes through ``guard`` (call it in the event loop)."""
    import aiohttp

    connector = aiohttp.TCPConnector(
        resolver=_GuardedResolver(guard),  # type: ignore[arg-type]  # aiohttp's resolver protocol
        use_dns_cache=False,  # each new connection resolves and checks again
        ssl=tls,
        limit=limit,
        keepalive_timeout=keepalive,
    )
    return aiohttp.ClientSession(connector=connector)


class _GuardedResolver:
    """aiohttp's resolver interface: the checked addresses are the ones aiohttp connects to."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        return [
            {
                "hostname": host,
                "host": str(address),
                "port": port,
                "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in await self._guard.addresses(host, port)
        ]

    async def close(self) -> None:
        return None
