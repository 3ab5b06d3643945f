"""Who may read ``/metrics``: an optional bearer token and an optional list of allowed networks.

Both are off by default (the API binds to loopback). With ``METRICS_TOKEN`` set, a scrape must send
``Authorization: Bearer <token>`` (Prometheus: ``authorization: {credentials_file: ...}``); with
``METRICS_ALLOWED_NETWORKS`` set, the client's address must fall in one of them. The API and every
worker's metrics endpoint apply the same rule.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from app.core.config import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a scrape was refused, as an HTTP status and a reason."""

    status: int
    reason: str


def check_scrape(settings: Settings, client_host: str | None, authorization: str | None) -> Refusal | None:
    """``None`` when this scrape may read the metrics, else why not."""
    networks = settings.metrics_networks
    if networks and not _address_in(client_host, networks):
        return Refusal(403, f"{client_host or 'this client'} is not in METRICS_ALLOWED_NETWORKS")
    token = settings.metrics_token
    if token is not None:
        scheme, _, given = (authorization or "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            return Refusal(401, "a bearer token (METRICS_TOKEN) is required")
    return None


def _address_in(host: str | None, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
