"""Fake provider servers in their own processes, each pinned to one core; the client on another."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

SERVER_CORE, CLIENT_CORE = 0, 1


def cores() -> int:
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0))


def pin_client() -> str:
    """Pin this process to its own core (when there are two); says where it runs."""
    if cores() >= 2:
        os.sched_setaffinity(0, {CLIENT_CORE})
        return f"client on core {CLIENT_CORE}, server on core {SERVER_CORE}"
    return "one core: client and server share it (CPU numbers include contention)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server_process(module: str, *args: str) -> Iterator[str]:
    """Run ``python -m module --port P args...`` pinned to the server core; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", module, "--port", str(port), *args]
    if shutil.which("taskset") and cores() >= 2:
        command = ["taskset", "-c", str(SERVER_CORE), *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"the fake server exited: {output}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the fake server did not listen on port {port} within {timeout:g} s")
