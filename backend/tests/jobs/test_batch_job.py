"""Generation jobs with batch delivery: through the API, real workers and the fake server's Batch API.

The requests of the stages that can wait go in provider batches at the batch rate; the batches are
journalled in ``job_batches``, so a worker killed while its batch is pending is followed by one that
polls the same batch instead of submitting its requests again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.jobs.kinds.generate import GenerateConfig
from distillation.cost import PriceTable, TokenUsage
from distillation.testing import BatchPlan, FakeProviderServer, RecordedRequest, chain, server_error, when
from distillation.testing.answers import realistic_answer, schema_name
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import example_texts, generation, job_settings, ledger_totals, wait_for

PRICES = PriceTable.load(None)


def batch_settings(settings: Settings, server: FakeProviderServer) -> Settings:
    """Job settings with a pending batch checked every few hundredths of a second."""
    return job_settings(settings, server, job_batch_poll_seconds=0.05, job_batch_item_concurrency=64)


def answered(server: FakeProviderServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.api == "openai" and r.status == 200]


def billed(server: FakeProviderServer, requests: list[RecordedRequest] | None = None) -> Decimal:
    """What the provider bills: every answered request, a line of a batch at the batch rate.

    Each request's cost is rounded as the ledger's money column stores it (8 places).
    """
    total = Decimal(0)
    for request in answered(server) if requests is None else requests:
        assert request.behavior is not None
        assert request.behavior.usage is not None
        usage = TokenUsage(*request.behavior.usage)
        cost = PRICES.cost_of(f"openai:{request.model}", usage, batch=request.batch is not None)
        assert cost is not None
        total += cost.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
    return total


def billed_online(requests: list[RecordedRequest]) -> Decimal:
    """What the requests would have cost sent online."""
    total = Decimal(0)
    for request in requests:
        assert request.behavior is not None
        assert request.behavior.usage is not None
        cost = PRICES.cost_of(f"openai:{request.model}", TokenUsage(*request.behavior.usage))
        assert cost is not None
        total += cost
    return total


def submitted_lines(server: FakeProviderServer) -> list[str]:
    """The custom id (request fingerprint) of every line of every batch created, in order."""
    return [str(line["custom_id"]) for batch in server.batch_api.batches.values() for line in batch.lines]


async def until(condition: Callable[[], Any], within: float = 60) -> Any:
    """Poll ``condition`` until it returns something truthy."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"not true after {within}s")


async def settled_batches(client: httpx.AsyncClient, job_id: str) -> list[dict[str, Any]]:
    """The job's batches once every one of them has ended (their last check is written after the job)."""
    ended = ("completed", "expired", "cancelled", "failed")
    deadline = time.monotonic() + 30
    batches: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        batches = (await client.get(f"/api/v1/jobs/{job_id}")).json()["batches"]
        if batches and all(b["state"] in ended for b in batches):
            return batches
        await asyncio.sleep(0.1)
    raise AssertionError(f"the job's batches did not end: {batches}")


async def test_a_batch_job_answers_every_row_in_batches_at_the_batch_rate(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=0.2)) as server:
        settings = batch_settings(server_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            response = await client.post("/api/v1/jobs/generate", json=generation(20, delivery="batch"))
            assert response.status_code == 201, response.text
            job = response.json()
            done = await wait_for(client, job["id"], ("completed", "failed"), within=180)
            batches = await settled_batches(client, job["id"])
            texts = await example_texts(client, job["dataset_id"])
            savings = (await client.get(f"/api/v1/jobs/{job['id']}/savings")).json()
        online = [schema_name(r) for r in answered(server) if r.batch is None]
        in_batches = [r for r in answered(server) if r.batch is not None]
        bill = billed(server)
        batch_saved = billed_online(in_batches) - billed(server, in_batches)
        lines = submitted_lines(server)

    assert done["status"] == "completed", done
    assert (done["accepted"], len(texts)) == (20, 20)
    assert done["delivery"] == "batch"
    assert online == ["task_policy"]  # the one request every later stage waits for
    assert len(in_batches) == len(lines)
    assert {b["batch_id"] for b in batches} == set(server.batch_api.batches)
    assert all(b["state"] == "completed" and b["answered"] == b["total"] > 0 for b in batches), batches
    cost, settled, reserved = await ledger_totals(settings.sqlalchemy_url.replace("+asyncpg", ""), job["id"])
    assert reserved == 0
    assert settled == len(answered(server))
    assert cost == bill  # each batched answer booked at the batch rate
    assert Decimal(done["spent_usd"]) == cost
    assert Decimal(done["unknown_usd"]) == 0
    # The savings give the batch lever what the batched answers would have cost online, less their bill.
    lever = next(Decimal(item["saved_usd"]) for item in savings["levers"] if item["lever"] == "batch")
    assert batch_saved > 0
    assert abs(lever - batch_saved) < Decimal("0.000001")
    assert Decimal(savings["actual_usd"]) == cost


async def test_requests_a_batch_failed_are_sent_online(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    failing = when(lambda r: r.batch is not None and r.index % 3 == 0, server_error(500))
    with FakeProviderServer(chain(failing, realistic_answer), batches=BatchPlan(delay_s=0.1)) as server:
        settings = batch_settings(server_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            job = (await client.post("/api/v1/jobs/generate", json=generation(12, delivery="batch"))).json()
            done = await wait_for(client, job["id"], ("completed", "failed"), within=180)
            batches = await settled_batches(client, job["id"])
        failed = {r.key for r in server.requests if r.batch is not None and r.status == 500}
        resent = {r.key for r in answered(server) if r.batch is None}
        bill = billed(server)

    assert done["status"] == "completed", done
    assert done["accepted"] == 12
    assert failed
    assert failed <= resent  # each failed line went online with the same body
    assert sum(b["failed"] for b in batches) == len(failed)
    cost, _, reserved = await ledger_totals(settings.sqlalchemy_url.replace("+asyncpg", ""), job["id"])
    assert reserved == 0
    assert cost == bill == Decimal(done["spent_usd"])


async def test_a_worker_killed_while_its_batch_is_pending_is_followed_by_one_polling_that_batch(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=3600)) as server:
        settings = batch_settings(server_settings, server)
        await migrate(settings)
        worker = start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            job = (await client.post("/api/v1/jobs/generate", json=generation(20, delivery="batch"))).json()

            async def pending() -> list[dict[str, Any]]:
                read = (await client.get(f"/api/v1/jobs/{job['id']}")).json()
                return [b for b in read["batches"] if b["state"] == "in_progress"]

            deadline = time.monotonic() + 60
            shown: list[dict[str, Any]] = []
            while not shown:
                assert time.monotonic() < deadline, "no batch was shown in progress"
                shown = await pending()
                await asyncio.sleep(0.1)
            (batch,) = shown
            os.killpg(worker.proc.pid, signal.SIGKILL)  # the worker and its pool child, batch pending
            worker.proc.wait(10)
            killed_at = time.monotonic()
            start_worker(settings, "--beat")
            path = f"/v1/batches/{batch['batch_id']}"
            await until(lambda: [r for r in server.requests if r.path == path and r.received_at > killed_at])
            server.batch_api.plan = BatchPlan(delay_s=0.1)  # later batches end soon
            server.batch_api.batches[batch["batch_id"]].plan = BatchPlan()  # the provider finishes it
            done = await wait_for(client, job["id"], ("completed", "failed"), within=180)
            texts = await example_texts(client, job["dataset_id"])
        creations = [r for r in server.requests if r.api == "openai-batch" and r.path == "/v1/batches"]
        lines = submitted_lines(server)
        first = [str(line["custom_id"]) for line in server.batch_api.batches[batch["batch_id"]].lines]

    assert done["status"] == "completed", done
    assert (done["accepted"], len(texts)) == (20, 20)
    assert len(lines) == len(set(lines))  # no request was submitted twice
    assert sum(1 for line in lines if line in first) == len(first) == batch["total"]
    assert len(creations) == len(server.batch_api.batches)
    assert batch["batch_id"] in {b["batch_id"] for b in done["batches"]}


async def test_delivery_is_a_typed_choice_and_the_estimate_prices_batches_at_the_batch_rate(
    sqlite_settings: Settings,
) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await login(client)
        online = (await client.post("/api/v1/jobs/estimate", json=generation(200))).json()
        batch = (await client.post("/api/v1/jobs/estimate", json=generation(200, delivery="batch"))).json()
        unknown = await client.post("/api/v1/jobs/estimate", json=generation(200, delivery="later"))
        refused = await client.post("/api/v1/jobs/generate", json=generation(5, delivery="later"))
        created = (await client.post("/api/v1/jobs/generate", json=generation(5, delivery="batch"))).json()
        plain = (await client.post("/api/v1/jobs/generate", json=generation(5))).json()
        read = (await client.get(f"/api/v1/jobs/{created['id']}")).json()

    assert (unknown.status_code, refused.status_code) == (422, 422)
    assert (read["delivery"], read["config"]["delivery"], read["batches"]) == ("batch", "batch", [])
    assert plain["delivery"] == "online"
    lines = {line["stage"]: line for line in batch["stages"]}
    assert not lines["policy"]["batch"]  # every later stage waits for it: online
    assert all(line["batch"] for stage, line in lines.items() if stage != "policy")
    assert not any(line["batch"] for line in online["stages"])
    for stage, line in lines.items():  # the same tokens, at half the rate (OpenAI's batch price)
        (same,) = [o for o in online["stages"] if o["stage"] == stage]
        factor = Decimal(1) if stage == "policy" else Decimal(2)
        assert abs(Decimal(line["cost_usd"]) * factor - Decimal(same["cost_usd"])) < Decimal("0.000001")
    levers = {lever["lever"]: Decimal(lever["saved_usd"]) for lever in batch["levers"]}
    assert levers["batch"] == Decimal(online["total_usd"]) - Decimal(batch["total_usd"]) > 0
    assert sum(levers.values()) == Decimal(batch["savings_usd"])
    assert batch["teacher_only_usd"] == online["teacher_only_usd"]


def test_a_config_stored_before_delivery_existed_is_online() -> None:
    stored = generation(5) | {"domains": ["Customer Support"]}
    stored.pop("name")
    assert GenerateConfig.model_validate(stored).delivery == "online"
    assert GenerateConfig.model_validate(stored | {"delivery": "batch"}).delivery == "batch"


def due_in(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def test_auto_delivery_needs_a_deadline_and_is_priced_as_batch_only_when_it_leaves_the_window(
    sqlite_settings: Settings,
) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await login(client)

        async def estimate(**body: Any) -> httpx.Response:
            return await client.post("/api/v1/jobs/estimate", json=generation(200, **body))

        online, batch = (await estimate()).json(), (await estimate(delivery="batch")).json()
        far = (await estimate(delivery="auto", deadline=due_in(48))).json()
        near = (await estimate(delivery="auto", deadline=due_in(3))).json()
        refused = [
            await estimate(delivery="auto"),
            await estimate(delivery="batch", deadline=due_in(48)),
            await estimate(delivery="auto", deadline="2030-01-01T00:00:00"),  # no time zone
        ]
        deadline = due_in(30)
        created = await client.post(
            "/api/v1/jobs/generate", json=generation(5, delivery="auto", deadline=deadline)
        )
        assert created.status_code == 201, created.text
        read = (await client.get(f"/api/v1/jobs/{created.json()['id']}")).json()

    assert [r.status_code for r in refused] == [422, 422, 422]
    assert far["total_usd"] == batch["total_usd"]
    assert near["total_usd"] == online["total_usd"]
    assert (read["delivery"], read["config"]["delivery"]) == ("auto", "auto")
    assert datetime.fromisoformat(read["deadline"]) == datetime.fromisoformat(deadline)


@pytest.mark.parametrize(("hours", "batched"), [(48, True), (3, False)])
async def test_an_auto_job_batches_only_while_its_deadline_leaves_the_batch_window(
    server_settings: Settings, start_worker: Callable[..., WorkerProcess], hours: float, batched: bool
) -> None:
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=0.1)) as server:
        settings = batch_settings(server_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            body = generation(10, delivery="auto", deadline=due_in(hours))
            job = (await client.post("/api/v1/jobs/generate", json=body)).json()
            done = await wait_for(client, job["id"], ("completed", "failed"), within=180)
        in_batches = [r for r in answered(server) if r.batch is not None]

    assert done["status"] == "completed", done
    assert done["accepted"] == 10
    assert bool(in_batches) is batched
    assert bool(server.batch_api.batches) is batched
