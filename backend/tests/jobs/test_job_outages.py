"""Jobs finish through a Redis restart and a 10-second PostgreSQL outage (private servers, real workers)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.jobs.flow import Worker
from distillation.testing import FakeProviderServer
from tests.conftest import WorkerProcess, api_client, login, make_settings, migrate
from tests.jobs.jobkit import (
    example_texts,
    generation,
    job_settings,
    wait_for,
    wait_until,
    what_the_job_left,
)
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
                seen = await what_the_job_left(postgres_url, job["id"], job["dataset_id"], texts)
    finally:
        redis.stop()
    assert done["status"] == "completed", (done, seen)
    assert len(texts) == 120, seen
    assert len(set(texts)) == 120, seen


async def test_an_unreachable_redis_costs_no_item_an_attempt(
    server_settings: Settings, postgres_url: str
) -> None:
    """Items whose rate-limit check cannot reach Redis go back uncounted, so an outage fails none.

    Before, each such item counted an attempt and was leased again at once: a worker spun through the
    first items' five attempts within the outage and the job completed with them failed.
    """
    with FakeProviderServer(slow_answer) as server:
        settings = job_settings(server_settings, server, job_task_slice_seconds=2.0)
        await migrate(settings)
        async with api_client(settings) as client:
            await login(client)
            job = (await client.post("/api/v1/jobs/generate", json=generation(20))).json()
        down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{_closed_port()}/0"})
        engine = create_engine(down, pooled=False)
        worker = Worker(create_sessionmaker(engine), down)
        try:
            outcome = await worker.run_chunk(uuid.UUID(job["id"]), 0)
        finally:
            await worker.stop()
            await engine.dispose()
        conn = await asyncpg.connect(postgres_url)
        try:
            items = await conn.fetch(
                "SELECT item_key, status, attempts, error FROM job_items WHERE job_id = $1 ORDER BY item_key",
                uuid.UUID(job["id"]),
            )
        finally:
            await conn.close()
    assert {(row["status"], row["attempts"]) for row in items} == {("pending", 0)}, [dict(r) for r in items]
    assert any(row["error"] for row in items), "no item was tried"
    assert not server.requests, "a request went out without its rate-limit check"
    assert outcome == "more"


async def test_requests_never_sent_during_a_redis_outage_cost_no_budget(
    server_settings: Settings, postgres_url: str, start_worker: Callable[..., WorkerProcess]
) -> None:
    """An attempt reserved but never sent (its rate-limit check could not reach Redis) gives its room back.

    Before, its ledger row stayed reserved until the reconciler closed it as unknown, and its worst
    case counted against the job's and the global budget.
    """
    with FakeProviderServer(slow_answer) as server:
        settings = job_settings(server_settings, server, job_task_slice_seconds=2.0)
        await migrate(settings)
        async with api_client(settings) as client:
            await login(client)
            job = (await client.post("/api/v1/jobs/generate", json=generation(20))).json()
            down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{_closed_port()}/0"})
            engine = create_engine(down, pooled=False)
            worker = Worker(create_sessionmaker(engine), down)
            try:
                await worker.run_chunk(uuid.UUID(job["id"]), 0)
            finally:
                await worker.stop()
                await engine.dispose()
            during = await _money(postgres_url, job["id"])
            assert not server.requests, "a request went out without its rate-limit check"
            assert during["rows"].get("not_sent", 0) > 0, during
            assert set(during["rows"]) == {"not_sent"}, during  # none reserved, none unknown
            assert during["job"] == during["global"] == (0, 0, 0), during  # spent, reserved, unknown

            start_worker(settings, "--beat")
            done = await wait_for(client, job["id"], ("completed", "failed"), within=180)
            texts = await example_texts(client, done["dataset_id"])
        after = await _money(postgres_url, job["id"])
    assert done["status"] == "completed", done
    assert len(set(texts)) == 20, texts
    assert set(after["rows"]) == {"not_sent", "settled"}, after
    assert after["rows"]["settled"] == len(server.requests), after
    spent, reserved, unknown = after["job"]
    assert (reserved, unknown) == (0, 0), after
    assert spent == after["settled"] > 0, after  # the job's cost is the sum of its settled rows
    assert after["global"] == after["job"], after
    assert Decimal(done["spent_usd"]) == spent, done


async def _money(database_url: str, job_id: str) -> dict[str, Any]:
    """A job's ledger rows by status, their settled sum, and the job's and the global budget's money."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n FROM llm_calls WHERE job_id = $1 GROUP BY status", uuid.UUID(job_id)
        )
        settled = await conn.fetchval(
            "SELECT coalesce(sum(cost_usd), 0) FROM llm_calls WHERE job_id = $1 AND status = 'settled'",
            uuid.UUID(job_id),
        )
        job = await conn.fetchrow(
            "SELECT spent_usd, reserved_usd, unknown_usd FROM jobs WHERE id = $1", uuid.UUID(job_id)
        )
        budget = await conn.fetchrow("SELECT spent_usd, reserved_usd, unknown_usd FROM global_budget")
    finally:
        await conn.close()
    assert job is not None
    return {
        "rows": {row["status"]: int(row["n"]) for row in rows},
        "settled": Decimal(settled),
        "job": tuple(Decimal(v) for v in job.values()),
        "global": tuple(Decimal(v) for v in budget.values()) if budget is not None else None,
    }


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
