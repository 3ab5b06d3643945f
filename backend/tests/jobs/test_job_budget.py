"""A job's budget is spent, not merely guarded: it pauses within 10% of its limit, and never past it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from app.core.config import Settings
from distillation.testing import FakeProviderServer
from distillation.testing.answers import realistic_answer, realistic_bill
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import STUDENT, generation, job_settings, wait_for

BUDGET = Decimal("0.02")


def billed(server: FakeProviderServer) -> Decimal:
    """What the fake provider billed: every answer's usage at the bundled prices."""
    return realistic_bill(server.requests)


async def paused_on_budget(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """Start a job of 200 rows with a $0.02 budget and wait until the budget pauses it."""
    # The student also writes the seed rows: each call costs a small part of the budget.
    request = generation(200, teacher=STUDENT, budget_usd=str(BUDGET), **body)
    started = await client.post("/api/v1/jobs/generate", json=request)
    assert started.status_code == 201, started.text
    job = await wait_for(client, started.json()["id"], ("paused", "completed", "failed"))
    assert job["status"] == "paused", job
    assert (job["pause_reason"] or "").startswith("budget"), job
    for _ in range(50):  # calls still in flight when it paused settle
        if Decimal(job["reserved_usd"]) == 0:
            return job
        await asyncio.sleep(0.2)
        job = (await client.get(f"/api/v1/jobs/{job['id']}")).json()
    raise AssertionError(f"money still reserved after the pause: {job}")


async def ledger_total(client: httpx.AsyncClient, job_id: str) -> Decimal:
    calls = (await client.get(f"/api/v1/jobs/{job_id}/calls", params={"page_size": 500})).json()
    assert calls["total"] <= 500
    unsettled = [(c["status"], c["outcome"], c["error"]) for c in calls["items"] if c["status"] != "settled"]
    assert unsettled == []
    return sum((Decimal(call["cost_usd"]) for call in calls["items"]), Decimal(0))


async def test_a_job_spends_at_least_90_percent_of_its_budget_before_pausing(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(realistic_answer) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            job = await paused_on_budget(client)
            ledger = await ledger_total(client, job["id"])

    spent = Decimal(job["spent_usd"])
    assert BUDGET * Decimal("0.9") <= spent <= BUDGET
    assert ledger == spent == billed(server)
    assert Decimal(job["reserved_usd"]) == Decimal(job["unknown_usd"]) == 0


async def test_three_workers_together_spend_the_budget_and_never_pass_it(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(lambda r: realistic_answer(r).with_(latency=0.02)) as server:
        settings = job_settings(server_settings, server, job_chunk_size=5)
        await migrate(settings)
        start_worker(settings, "--beat")
        for _ in range(2):
            start_worker(settings)
        async with api_client(settings) as client:
            await login(client)
            job = await paused_on_budget(client, concurrency=16)
            ledger = await ledger_total(client, job["id"])

    spent = Decimal(job["spent_usd"])
    assert BUDGET * Decimal("0.9") <= spent <= BUDGET
    assert ledger == spent == billed(server)
