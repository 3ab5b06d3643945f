"""``distillery migrate`` and ``distillery serve`` as real processes on a benchmark database."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

from bench.servers import free_port

ADMIN_EMAIL = "bench@distillery.local"
ADMIN_PASSWORD = secrets.token_urlsafe(16)
BIN = Path(sys.executable).parent
# The production pair: PostgreSQL and Redis (a database number of its own; the API only pings it here).
REDIS_URL = "redis://127.0.0.1:6379/11"


def server_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """A production configuration of the service on ``database_url``, nothing read from a .env."""
    from app.core.config import Settings

    # Only these settings count: none of the developer's own may change the numbers.
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        DATA_DIR=str(data_dir),
        FIRST_ADMIN_EMAIL=ADMIN_EMAIL,
        FIRST_ADMIN_PASSWORD=ADMIN_PASSWORD,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def migrate(env: dict[str, str], cwd: Path) -> None:
    """Create the schema and the first admin."""
    subprocess.run([str(BIN / "distillery"), "migrate"], env=env, cwd=cwd, check=True, capture_output=True)


@contextlib.contextmanager
def serve(
    env: dict[str, str], cwd: Path, log: Path, workers: int = 1
) -> Iterator[tuple[str, psutil.Process]]:
    """``distillery serve --workers N`` as users start it, in ``cwd``, output to ``log``; yields its URL and
    process (the supervisor of the API processes when N > 1)."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "distillery"), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log)
        yield base, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"distillery serve exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"distillery serve did not start:\n{log.read_text()[-3000:]}")


def tree_cpu_seconds(process: psutil.Process) -> float:
    """CPU time (user + system) used so far by a process and its children."""
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = member.cpu_times()
            total += times.user + times.system
    return total


def postgres_cpu_seconds() -> dict[int, float]:
    """CPU time (user + system) used so far by each PostgreSQL process on this machine, by pid."""
    seconds: dict[int, float] = {}
    for process in psutil.process_iter(["name", "cpu_times"]):
        times = process.info["cpu_times"]
        if process.info["name"] == "postgres" and times is not None:
            seconds[process.pid] = times.user + times.system
    return seconds


def tree_rss_mib(process: psutil.Process) -> tuple[float, float]:
    """Resident memory of a process and its children, in MiB: (all together, the largest one)."""
    sizes = [0]
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            sizes.append(member.memory_info().rss)
    return sum(sizes) / 2**20, max(sizes) / 2**20


class PeakRss:
    """Samples a process tree's RSS every few milliseconds in a thread: ``peak`` is the largest total
    seen, ``peak_process`` the largest single process (with several API processes, the one serving)."""

    def __init__(self, process: psutil.Process, interval: float = 0.02) -> None:
        self.process, self.interval = process, interval
        self.peak, self.peak_process = tree_rss_mib(process)
        self.start, self.start_process = self.peak, self.peak_process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            total, largest = tree_rss_mib(self.process)
            self.peak, self.peak_process = max(self.peak, total), max(self.peak_process, largest)
