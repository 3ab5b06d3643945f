"""Reaching the real services the tests use: PostgreSQL and Redis on 127.0.0.1.

Where one is missing the test is skipped with a loud reason, except under ``CI=true``, where a missing
service is a failure (``scripts/ensure-services.sh`` starts them from Debian's packages first).
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip (or fail under CI) when ``name`` is not listening."""
    if port_open(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}; run scripts/ensure-services.sh"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip("!!! SKIPPED FOR A MISSING SERVICE: " + message)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
