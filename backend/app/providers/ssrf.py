"""Server-side request forgery checks for provider base URLs.

An admin can point an OpenAI-compatible provider at any URL, and the service then sends requests
there (connection tests, model lists, jobs). Without a check, that URL could reach the cloud's
metadata service (instance credentials) or other internal services. Rules:

* only ``http`` and ``https``, no user name or password in the URL;
* metadata and link-local addresses are always refused (169.254.0.0/16, fe80::/10, 100.100.100.200,
  fd00:ec2::254, ``metadata.google.internal`` ...), as are unspecified, multicast and reserved ones;
* private, loopback and other non-public addresses only when ``ALLOW_PRIVATE_PROVIDER_URLS`` allows
  them (local Ollama or llama.cpp servers);
* the hostname is resolved and every address it resolves to must pass;
* IPv4 addresses in the legacy forms the system resolver still reads (octal ``0177.0.0.1``, hexadecimal
  ``0x7f.1``, short ``127.1``, one number ``2130706433``) are decoded as the resolver would decode them and
  refused: what they point to is checked, and even an allowed one must be written in dotted decimal,
  because HTTP clients disagree on what these forms mean.

The check runs when a URL is saved, again before each request the API sends to it, and at connect
time in every provider client built from a stored URL (:func:`address_guard`): the client connects
only to the addresses it checked, so a DNS answer that changes after the check leads nowhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from app.core.errors import UnprocessableContent
from distillation.providers.guard import AddressGuard

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
ALWAYS_REFUSED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",  # IPv4 link-local: AWS, GCP and Azure metadata at 169.254.169.254
        "fe80::/10",  # IPv6 link-local
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "0.0.0.0/8",  # "this network": 0.0.0.0 reaches the local host on Linux
    )
)

NAT64 = ipaddress.ip_network("64:ff9b::/96")
# A host made only of numbers (decimal, octal with a leading 0, hexadecimal with 0x): inet_aton's forms.
LEGACY_IPV4 = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}")


class UnsafeProviderUrl(UnprocessableContent):
    """The base URL would make the service send requests where it must not."""

    error = "unsafe_url"


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (tests replace this to simulate DNS answers)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_base_url(url: str, *, allow_private: bool) -> str:
    """Return ``url`` without a trailing slash if requests may go there.

    Args:
        url: The base URL an admin entered.
        allow_private: Whether private and loopback addresses are acceptable.

    Raises:
        UnsafeProviderUrl: With the reason the URL is refused.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise UnsafeProviderUrl("base_url is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeProviderUrl(f"base_url must start with http:// or https://, not {parts.scheme or url!r}")
    if parts.username or parts.password:
        raise UnsafeProviderUrl("base_url must not contain a user name or password; use api_key")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeProviderUrl("base_url has no host")
    if host in METADATA_HOSTS:
        raise UnsafeProviderUrl(f"{host} is a cloud metadata service")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeProviderUrl("base_url has an invalid port") from None
    if LEGACY_IPV4.fullmatch(host) and not _is_dotted_decimal(host):
        _refuse_legacy_ipv4(host, allow_private=allow_private)
    for address in await _addresses(host, port):
        reason = refusal(address, allow_private=allow_private)
        if reason:
            shown = host if host == str(address) else f"{host} resolves to {address}, which"
            raise UnsafeProviderUrl(f"{shown} is {reason}")
    return url.strip().rstrip("/")


def address_guard(*, allow_private: bool) -> AddressGuard:
    """The connect-time check of these rules, for the provider clients of stored URLs."""
    return AddressGuard(lambda address: refusal(address, allow_private=allow_private), resolve=_resolve)


async def _resolve(host: str, port: int) -> list[str]:
    return await resolve_host(host, port)  # looked up at each call, so that tests can replace it


def refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why requests must not go to ``address``, or None when they may."""
    address = _embedded_ipv4(address) or address
    if any(address in network for network in ALWAYS_REFUSED):
        return "a link-local or cloud metadata address, never allowed"
    if address.is_multicast or address.is_unspecified or (address.is_reserved and not address.is_loopback):
        return "not a unicast address"
    if not address.is_global and not allow_private:
        kind = "a loopback" if address.is_loopback else "a private"
        return f"{kind} address; set ALLOW_PRIVATE_PROVIDER_URLS=true to allow local model servers"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), which is where it leads."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None or address.sixtofour is not None:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


async def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        resolved = await resolve_host(host, port)
    except (OSError, ValueError) as exc:  # UnicodeError is a ValueError: an invalid IDN label
        raise UnsafeProviderUrl(f"cannot resolve {host}: {exc}") from None
    if not resolved:
        raise UnsafeProviderUrl(f"{host} resolves to no address")
    # Zone ids ("fe80::1%eth0") are not part of the address.
    return [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolved]


def _is_dotted_decimal(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _refuse_legacy_ipv4(host: str, *, allow_private: bool) -> None:
    """Refuse a numeric host that is not dotted decimal, saying which address it stands for."""
    try:
        address = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        raise UnsafeProviderUrl(f"{host} is not a valid IPv4 address") from None
    shown = f"{host} means {address} (written in octal, hexadecimal or short form)"
    reason = refusal(address, allow_private=allow_private)
    raise UnsafeProviderUrl(f"{shown}, which is {reason}" if reason else f"{shown}: write it as {address}")
