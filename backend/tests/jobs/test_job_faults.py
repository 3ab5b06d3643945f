"""Jobs survive what production throws at them: killed workers, 429 storms, cancels and budgets.

Each test runs real worker processes on PostgreSQL + Redis against the fake provider.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import uuid
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import asyncpg

from app.core.config import Settings
from distillation.testing import FakeProviderServer, RecordedRequest, chain, randomly, rate_limited
from distillation.testing.answers import varied_answer
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import example_texts, generation, job_settings, ledger_totals, wait_for, wait_until


def slow_answer(request: RecordedRequest):  # type: ignore[no-untyped-def]
    """Varied answers that take a little while, so a job is still running when a worker is killed."""
    return varied_answer(request).with_(latency=0.03)


async def distinct_hashes(database_url: str, dataset_id: str) -> tuple[int, int]:
    """(live examples, distinct texts among them) of a dataset."""
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT content_hash) AS d FROM examples"
            " WHERE dataset_id = $1 AND removed_in IS NULL",
            uuid.UUID(dataset_id),
        )
    finally:
        await conn.close()
    assert row is not None
    return int(row["n"]), int(row["d"])


async def test_job_survives_three_kill_9s_with_exactly_500_unique_rows(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(slow_answer) as server:
        settings = job_settings(server_settings, server, job_chunk_size=25)
        await migrate(settings)
        worker = start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            job = (await client.post("/api/v1/jobs/generate", json=generation(500, concurrency=16))).json()
            for mark in (60, 180, 300):
                await wait_until(client, job["id"], mark)
                os.killpg(worker.proc.pid, signal.SIGKILL)  # the worker and its pool child, mid-item
                worker.proc.wait(10)
                worker = start_worker(settings, "--beat")
            done = await wait_for(client, job["id"], ("completed", "failed"), within=300)
            texts = await example_texts(client, job["dataset_id"])

    assert done["status"] == "completed", done
    assert done["accepted"] == 500
    assert len(texts) == 500
    assert len(set(texts)) == 500
    rows, distinct = await distinct_hashes(settings.sqlalchemy_url.replace("+asyncpg", ""), job["dataset_id"])
    assert (rows, distinct) == (500, 500)
    cost, settled, _ = await ledger_totals(settings.sqlalchemy_url.replace("+asyncpg", ""), job["id"])
    assert settled > 0
    assert Decimal(done["spent_usd"]) == cost


async def test_job_under_a_429_storm_never_retries_before_retry_after(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    storm = chain(randomly(0.5, rate_limited(retry_after=1.0), seed=11), varied_answer)
    with FakeProviderServer(storm) as server:
        settings = job_settings(server_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            job = (await client.post("/api/v1/jobs/generate", json=generation(40))).json()
            done = await wait_for(client, job["id"], ("completed", "failed"), within=300)

    assert done["status"] == "completed", done
    assert done["accepted"] == 40
    arrivals: dict[str, list[RecordedRequest]] = defaultdict(list)
    for request in server.requests:
        arrivals[request.key].append(request)
    limited = 0
    for tries in arrivals.values():
        for previous, following in itertools.pairwise(tries):
            if previous.status == 429:
                limited += 1
                assert following.received_at - previous.received_at >= 0.95  # Retry-After: 1
    assert limited >= 20


async def test_cancel_at_half_then_resume_sends_no_answered_request_again(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(slow_answer) as server:
        settings = job_settings(server_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            job = (await client.post("/api/v1/jobs/generate", json=generation(60))).json()
            await wait_until(client, job["id"], 30)
            cancelled = await client.post(f"/api/v1/jobs/{job['id']}/cancel")
            assert cancelled.status_code == 200, cancelled.text
            await asyncio.sleep(2)  # calls in flight finish and are kept
            stopped = (await client.get(f"/api/v1/jobs/{job['id']}")).json()
            assert stopped["status"] == "cancelled"
            assert stopped["accepted"] < 60
            answered = {r.key for r in server.requests if r.status == 200}
            server.reset(slow_answer)
            resumed = await client.post(f"/api/v1/jobs/{job['id']}/resume")
            assert resumed.status_code == 200, resumed.text
            done = await wait_for(client, job["id"], ("completed", "failed"))
            texts = await example_texts(client, job["dataset_id"])

    assert done["status"] == "completed", done
    assert len(set(texts)) == 60
    assert not answered & {r.key for r in server.requests}, (
        "a request answered before the cancel was sent again"
    )


async def test_two_jobs_on_four_workers_never_pass_the_shared_budget(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(slow_answer) as server:
        settings = job_settings(server_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        for _ in range(3):
            start_worker(settings)
        async with api_client(settings) as client:
            await login(client)
            limit = Decimal("0.05")
            assert (await client.put("/api/v1/budget", json={"limit_usd": str(limit)})).status_code == 200
            jobs = [
                (await client.post("/api/v1/jobs/generate", json=generation(200, seed=s))).json()
                for s in (1, 2)
            ]
            paused = [await wait_for(client, job["id"], ("paused", "completed", "failed")) for job in jobs]
            await asyncio.sleep(1)
            budget = (await client.get("/api/v1/budget")).json()
            spent = Decimal(budget["spent_usd"]) + Decimal(budget["unknown_usd"])
            assert spent <= limit
            assert all(job["status"] == "paused" for job in paused), paused
            assert all(job["pause_reason"].startswith("budget") for job in paused)
            # Raise the limit: both jobs resume and finish.
            await client.put("/api/v1/budget", json={"limit_usd": None})
            for job in jobs:
                assert (await client.post(f"/api/v1/jobs/{job['id']}/resume")).status_code == 200
            done = [await wait_for(client, job["id"], ("completed", "failed"), within=300) for job in jobs]

    assert [job["status"] for job in done] == ["completed", "completed"]
    assert [job["accepted"] for job in done] == [200, 200]
