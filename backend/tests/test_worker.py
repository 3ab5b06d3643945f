"""A task enqueued through the API runs in a real worker process, embedded and on PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from app.core.config import Settings
from tests.conftest import WorkerProcess, api_client, login, migrate


async def wait_for_task(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    """Poll the task until it has finished (at most a minute)."""
    async with asyncio.timeout(60):
        while True:
            body: dict[str, Any] = (await client.get(f"/api/v1/tasks/{task_id}")).json()
            if body["status"] in ("succeeded", "failed"):
                return body
            await asyncio.sleep(0.25)


async def test_diagnostic_task_runs_in_a_worker_process(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    await migrate(any_settings)
    worker = start_worker(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        queued = await client.post("/api/v1/system/diagnostics")
        assert queued.status_code == 202, queued.text
        assert queued.json()["status"] == "queued"

        done = await wait_for_task(client, queued.json()["id"])

    assert done["status"] == "succeeded", done
    assert done["attempts"] == 1
    # The answer comes from the worker's child process, not from the API process or the test.
    assert done["result"]["pid"] not in (worker.proc.pid, None)
    assert done["result"]["bundled_model_installed"] is True
    assert done["worker"].startswith("celery@")


async def test_worker_heartbeat_shows_in_system_status(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    await migrate(any_settings)
    start_worker(any_settings)
    async with api_client(any_settings) as client:
        await login(client)
        deadline = time.monotonic() + 30
        workers: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not workers:
            workers = (await client.get("/api/v1/system/status")).json()["workers"]
            await asyncio.sleep(0.5)
    assert workers, "no worker heartbeat within 30 s"
    assert workers[0]["alive"] is True
    assert set(workers[0]["queues"]) == {"default", "llm", "gpu"}


async def test_a_task_queued_while_no_worker_runs_is_done_when_one_starts(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await login(client)
        queued = (await client.post("/api/v1/system/diagnostics")).json()
        start_worker(sqlite_settings)
        done = await wait_for_task(client, queued["id"])
    assert done["status"] == "succeeded"
