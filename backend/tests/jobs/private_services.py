"""Private Redis and PostgreSQL servers that a test may stop and start again (the shared ones stay up).

Both come from Debian's packages (redis-server, postgresql); without them the test is skipped loudly,
or fails under ``CI=true``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.services import free_port, port_open


def _missing(what: str) -> None:
    message = f"{what} is not installed; run scripts/ensure-services.sh"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip("!!! SKIPPED FOR A MISSING SERVICE: " + message)


def _wait(port: int, up: bool, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open("127.0.0.1", port, 0.2) == up:
            return
        time.sleep(0.1)
    raise AssertionError(f"port {port} still {'down' if up else 'up'} after {timeout}s")


class PrivateRedis:
    """A redis-server of the test's own on a free port, in memory only."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            _missing("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        """Start (again) on the same port."""
        self._proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self.port, up=True)
        return self

    def stop(self) -> None:
        """Stop it (everything it held is lost, as in a crash of a Redis without persistence)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(10)
        _wait(self.port, up=False)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb), run as the ``postgres`` user on a free port."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found or shutil.which("runuser") is None:
            _missing("PostgreSQL server binaries")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        # Its own folder outside the test's (pytest's are private to root, the server runs as postgres).
        self.dir = Path(tempfile.mkdtemp(prefix="distillery-pg-"))
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *argv: str) -> None:
        command = argv if os.geteuid() != 0 else ("runuser", "-u", "postgres", "--", *argv)
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120, check=False
        )
        if done.returncode:
            raise AssertionError(f"{argv[0]} failed: {done.stderr.decode(errors='replace')[-2000:]}")

    def init(self) -> PrivatePostgres:
        """Create the cluster (trust authentication) and start it."""
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.dir / "db"), "-U", "postgres", "--auth=trust"
        )
        return self.start()

    def start(self) -> PrivatePostgres:
        """Start (again) on the same port."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.dir / "server.log")
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.dir / "db"), "-o", options, "-l", log, "-w", "start"
        )
        _wait(self.port, up=True)
        return self

    def remove(self) -> None:
        """Stop it and delete its files."""
        if port_open("127.0.0.1", self.port, 0.2):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stop(self) -> None:
        """Stop it at once (connections are cut)."""
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.dir / "db"), "-m", "immediate", "-w", "stop"
        )
        _wait(self.port, up=False)
