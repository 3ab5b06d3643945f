"""Jobs finish through a Redis restart and a 10-second PostgreSQL outage (private servers, real workers)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from distillation.testing import FakeProviderServer
from tests.conftest import WorkerProcess, api_client, login, make_settings, migrate
from tests.jobs.jobkit import example_texts, generation, job_settings, wait_for, wait_until
from tests.jobs.private_services import PrivatePostgres, PrivateRedis
from tests.jobs.test_job_faults import slow_answer

# They stop and start servers and time an outage: run alone (`make test-backend`), not beside other tests.
pytestmark = pytest.mark.exclusive


async def test_job_finishes_through_a_redis_restart(
    tmp_path: Path, postgres_url: str, start_worker: Callable[..., WorkerProcess]
) -> None:
    redis = PrivateRedis().start()
    try:
        with FakeProviderServer(slow_answer) as server:
            base = make_settings(tmp_path / "data", database_url=postgres_url, redis_url=redis.url)
            settings = job_settings(base, server)
            await migrate(settings)
            start_worker(settings, "--beat")
            async with api_client(settings) as client:
                await login(client)
                job = (await client.post("/api/v1/jobs/generate", json=generation(120))).json()
                await wait_until(client, job["id"], 30)
                redis.stop()  # queued messages and rate-limit windows are gone
                await asyncio.sleep(2)
                redis.start()
                done = await wait_for(client, job["id"], ("completed", "failed"), within=240)
                texts = await example_texts(client, job["dataset_id"])
    finally:
        redis.stop()
    assert done["status"] == "completed", done
    assert len(set(texts)) == 120


async def test_job_finishes_through_a_postgres_outage_and_the_api_answers_503_meanwhile(
    tmp_path: Path, redis_url: str, start_worker: Callable[..., WorkerProcess]
) -> None:
    postgres = PrivatePostgres().init()
    try:
        with FakeProviderServer(slow_answer) as server:
            base = make_settings(tmp_path / "data", database_url=postgres.url, redis_url=redis_url)
            settings: Settings = job_settings(base, server)
            await migrate(settings)
            start_worker(settings, "--beat")
            async with api_client(settings) as client:
                await login(client)
                job = (await client.post("/api/v1/jobs/generate", json=generation(120))).json()
                await wait_until(client, job["id"], 30)
                await asyncio.to_thread(postgres.stop)
                statuses = await _statuses_for(client, job["id"], seconds=10)
                await asyncio.to_thread(postgres.start)
                done = await wait_for(client, job["id"], ("completed", "failed"), within=240)
                texts = await example_texts(client, job["dataset_id"])
    finally:
        await asyncio.to_thread(postgres.remove)
    assert statuses, "the API was not asked anything during the outage"
    assert set(statuses) == {503}, statuses
    assert done["status"] == "completed", done
    assert len(set(texts)) == 120


async def _statuses_for(client: httpx.AsyncClient, job_id: str, seconds: float) -> list[int]:
    """What the API answers while the database is down (health and a job read), for ``seconds``."""
    statuses: list[int] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        for path in ("/api/v1/health", f"/api/v1/jobs/{job_id}"):
            statuses.append((await client.get(path)).status_code)
        await asyncio.sleep(1)
    return statuses
