"""``distillery serve --workers 2``: two API processes on one port, /metrics the sum over both."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from app.core.config import Settings
from tests.conftest import BIN, make_settings, migrate, settings_env
from tests.observability.promql import sample_value
from tests.services import free_port

pytestmark = pytest.mark.slow
REQUESTS = 8


def start_api(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    """The API as two processes sharing one port, started as users start it."""
    command = [str(BIN / "distillery"), "serve", "--workers", "2"]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*command, "--port", str(port)], env=settings_env(settings), stdout=out, stderr=subprocess.STDOUT
        )


def tail(log: Path) -> str:
    """The end of a process's output, for a failure message."""
    return log.read_text()[-3000:]


async def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``url`` until it answers."""
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"the API exited:\n{tail(log)}")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError(f"the API did not start:\n{tail(log)}")


async def test_an_api_of_several_processes_counts_every_request_once(tmp_path: Path) -> None:
    files = tmp_path / "api-metrics"
    files.mkdir()
    settings: Settings = make_settings(tmp_path / "data", prometheus_multiproc_dir=files)
    await migrate(settings)
    port = free_port()
    log = tmp_path / "api.log"
    proc = start_api(settings, port, log)
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_until_up(f"{base}/api/v1/health", proc, log)
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(REQUESTS):  # new connections, so both processes get some
                assert (await client.get("/openapi.json", headers={"Connection": "close"})).status_code == 200
            text = (await client.get("/metrics")).text
        serving = [child.pid for child in psutil.Process(proc.pid).children() if child.is_running()]
        folders = [folder for folder in files.iterdir() if any(folder.glob("counter_*.db"))]
    finally:
        proc.terminate()
        proc.wait(30)
    assert len(serving) >= 2, serving
    assert sample_value(text, "distillery_http_requests_total", route="/openapi.json") == REQUESTS
    assert sample_value(text, "distillery_metrics_source_up", source="database") == 1
    assert sample_value(text, "distillery_jobs", kind="generate", status="running") == 0
    assert len(folders) == 1, folders  # the API's own folder of this run ...
    assert not folders[0].exists()  # ... removed when it stopped
