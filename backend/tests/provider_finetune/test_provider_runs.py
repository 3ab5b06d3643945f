"""A provider fine-tune in a real worker: upload, job, events, succeeded, its model as a job's student."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.models import LlmCall
from app.models.base import utcnow
from app.provider_finetune import runner, service
from app.provider_finetune.repository import ProviderFinetuneRepository
from distillation.testing import FakeProviderServer, FinetunePlan
from distillation.testing.answers import varied_answer
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.datasets.factories import chat, jsonl
from tests.jobs.jobkit import generation, job_settings, wait_for

ROWS = [
    {"messages": chat(f"How do I fix error {n}?", f"Restart the service, then retry step {n}.")}
    for n in range(12)
]
BASE = "gpt-4o-mini-2024-07-18"


async def upload(client: httpx.AsyncClient) -> str:
    uploaded = await client.post(
        "/api/v1/datasets/upload",
        files={"file": ("support.jsonl", jsonl(*ROWS))},
        data={"name": "support", "data_type": "qa"},
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    return str(body["dataset"]["id"] if "dataset" in body else body["id"])


async def poll(client: httpx.AsyncClient, run_id: str, statuses: tuple[str, ...]) -> dict[str, Any]:
    async with asyncio.timeout(120):
        while True:
            body: dict[str, Any] = (await client.get(f"/api/v1/finetune/provider/{run_id}")).json()
            if body["status"] in statuses:
                return body
            await asyncio.sleep(0.2)


async def finetune_calls(settings: Settings) -> list[LlmCall]:
    engine = create_engine(settings, pooled=False)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(LlmCall).where(LlmCall.stage == "finetune"))
            return list(rows.all())  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def test_a_provider_fine_tune_succeeds_and_its_model_writes_rows_in_a_job(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(varied_answer, finetunes=FinetunePlan(steps=3)) as server:
        settings = job_settings(any_settings, server, provider_finetune_poll_seconds=0.05)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            dataset_id = await upload(client)
            started = await client.post(
                "/api/v1/finetune/provider",
                json={"dataset_id": dataset_id, "base_model": BASE, "n_epochs": 2},
            )
            assert started.status_code == 201, started.text
            assert started.json()["status"] == "queued"
            run = await poll(client, started.json()["id"], ("succeeded", "failed", "cancelled"))
            assert run["status"] == "succeeded", run["error"]
            listed = (await client.get("/api/v1/finetune/provider", params={"dataset_id": dataset_id})).json()
            models = (await client.get("/api/v1/providers/openai/models", params={"remote": False})).json()
            student = run["model_id"]
            job = await client.post("/api/v1/jobs/generate", json=generation(10, student=student))
            assert job.status_code == 201, job.text
            done = await wait_for(client, job.json()["id"], ("completed", "failed"))
        uploads = [r for r in server.requests if r.path == "/v1/files"]
        tuned_calls = [r for r in server.requests if r.api == "openai" and r.model == run["fine_tuned_model"]]
    assert len(uploads) == 1
    assert run["examples"] == len(ROWS)
    assert run["job_id"].startswith("ftjob-")
    assert run["fine_tuned_model"] == f"ft:{BASE}:distillery::{run['job_id'].removeprefix('ftjob-')}"
    assert student == f"openai:{run['fine_tuned_model']}"
    assert [step for step, _ in run["curve"]] == [1, 2, 3]
    messages = [event["message"] for event in run["events"]]
    assert messages[0].startswith("Created fine-tuning job")
    assert "The job has successfully completed" in messages
    assert run["trained_tokens"] > 0
    assert Decimal(run["price_per_million"]) == Decimal("3")
    assert Decimal(run["cost_usd"]) == (Decimal(run["trained_tokens"]) * 3 / Decimal(1_000_000)).quantize(
        Decimal("0.000001")
    )
    assert [r["id"] for r in listed["items"]] == [run["id"]]
    assert {"id": student, "source": "fine_tuned"}.items() <= next(
        m for m in models["models"] if m["id"] == student
    ).items()
    # The ledger books the training once, under the fine-tune stage.
    calls = await finetune_calls(settings)
    assert len(calls) == 1
    assert calls[0].provider == "openai"
    assert calls[0].model == BASE
    assert Decimal(calls[0].cost_usd or 0) == Decimal(run["cost_usd"])
    assert calls[0].input_tokens == run["trained_tokens"]
    # The new model is the job's student: it wrote the bulk rows.
    assert done["status"] == "completed", done
    assert done["accepted"] == 10
    assert tuned_calls


async def test_a_provider_fine_tune_is_cancelled_and_a_failed_job_says_why(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(finetunes=FinetunePlan(steps=100_000)) as server:
        settings = job_settings(sqlite_settings, server, provider_finetune_poll_seconds=0.05)
        await migrate(settings)
        start_worker(settings)
        async with api_client(settings) as client:
            await login(client)
            dataset_id = await upload(client)
            body = {"dataset_id": dataset_id, "base_model": BASE}
            started = (await client.post("/api/v1/finetune/provider", json=body)).json()
            running = await poll(client, started["id"], ("running",))
            cancelled = await client.post(f"/api/v1/finetune/provider/{started['id']}/cancel")
            assert cancelled.status_code == 200, cancelled.text
            assert cancelled.json()["cancel_requested"] is True
            ended = await poll(client, started["id"], ("cancelled", "failed", "succeeded"))
            again = await client.post(f"/api/v1/finetune/provider/{started['id']}/cancel")
            job = server.finetunes.jobs[ended["job_id"]]
            cancels = [r for r in server.requests if r.path.endswith("/cancel")]
            server.reset(finetunes=FinetunePlan(steps=5, fail_at_step=2))
            failing = (await client.post("/api/v1/finetune/provider", json=body)).json()
            failed = await poll(client, failing["id"], ("cancelled", "failed", "succeeded"))
    assert running["curve"] == [] or running["curve"][0][0] == 1
    assert ended["status"] == "cancelled"
    assert ended["fine_tuned_model"] is None
    assert ended["cost_usd"] is None
    assert job.status == "cancelled"
    assert len(cancels) == 1
    assert again.status_code == 409
    assert failed["status"] == "failed"
    assert "internal error" in failed["error"]
    assert failed["fine_tuned_model"] is None
    assert await finetune_calls(settings) == []


async def test_a_redelivered_task_follows_the_same_job_instead_of_creating_another(
    sqlite_settings: Settings,
) -> None:
    """A worker killed mid-run leaves its message to be delivered again: the job id stored makes it resume."""
    with FakeProviderServer(finetunes=FinetunePlan(steps=2)) as server:
        settings = job_settings(sqlite_settings, server, provider_finetune_poll_seconds=0.01)
        await migrate(settings)
        async with api_client(settings) as client:  # no worker: the run stays queued
            await login(client)
            dataset_id = await upload(client)
            body = {"dataset_id": dataset_id, "base_model": BASE}
            run_id = uuid.UUID((await client.post("/api/v1/finetune/provider", json=body)).json()["id"])
        engine = create_engine(settings, pooled=False)
        maker = create_sessionmaker(engine)
        try:
            # The first worker claimed the run and died before the provider created a job.
            async with maker() as session, session.begin():
                await ProviderFinetuneRepository(session).save(
                    run_id, status="validating_files", started_at=utcnow() - timedelta(hours=1)
                )
            await runner.run(maker, settings, run_id)
            async with maker() as session:
                first = await ProviderFinetuneRepository(session).get(run_id)
            assert first is not None
            # The second died while following: the run says running, its job has already ended.
            async with maker() as session, session.begin():
                await ProviderFinetuneRepository(session).save(run_id, status="running", finished_at=None)
            await runner.run(maker, settings, run_id)
            async with maker() as session:
                again = await ProviderFinetuneRepository(session).get(run_id)
        finally:
            await engine.dispose()
        creations = [r for r in server.requests if r.path == "/v1/fine_tuning/jobs"]
    assert first.status == "succeeded"
    assert first.job_id is not None
    assert len(creations) == 1
    assert again is not None
    assert again.status == "succeeded"
    assert again.job_id == first.job_id
    assert again.fine_tuned_model == first.fine_tuned_model
    assert len(await finetune_calls(settings)) == 1  # the cost is booked once


async def test_a_together_style_fine_tune_runs_on_a_named_server_and_its_model_is_a_student(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    """``together`` is the OpenAI-compatible server an admin named so: its key and URL serve both APIs."""
    with FakeProviderServer(varied_answer, finetunes=FinetunePlan(steps=2)) as server:
        settings = job_settings(
            sqlite_settings, server, provider_finetune_poll_seconds=0.05, allow_private_provider_urls=True
        )
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            saved = await client.put(
                "/api/v1/providers/together",
                json={"api_key": "tg-test-key-1234", "base_url": server.openai_base_url},
            )
            assert saved.status_code == 200, saved.text
            dataset_id = await upload(client)
            body = {
                "dataset_id": dataset_id,
                "provider": "together",
                "base_model": "meta-llama/Llama-3-8b-Reference",
            }
            started = await client.post("/api/v1/finetune/provider", json=body)
            assert started.status_code == 201, started.text
            run = await poll(client, started.json()["id"], ("succeeded", "failed", "cancelled"))
            assert run["status"] == "succeeded", run["error"]
            models = (await client.get("/api/v1/providers/together/models", params={"remote": False})).json()
            job = await client.post("/api/v1/jobs/generate", json=generation(6, student=run["model_id"]))
            assert job.status_code == 201, job.text
            done = await wait_for(client, job.json()["id"], ("completed", "failed"))
        uploads = [r for r in server.requests if r.path == "/v1/files/upload"]
        tuned_calls = [r for r in server.requests if r.api == "openai" and r.model == run["fine_tuned_model"]]
    assert len(uploads) == 1
    assert uploads[0].headers.get("Authorization") == "Bearer tg-test-key-1234"
    assert run["model_id"].startswith("together:distillery/Llama-3-8b-Reference-")
    assert [step for step, _ in run["curve"]] == [1, 2]
    assert run["cost_usd"] is None  # no training price for this model: booked without one
    assert run["model_id"] in [m["id"] for m in models["models"]]
    assert len(await finetune_calls(settings)) == 1
    assert done["status"] == "completed", done
    assert done["accepted"] == 6
    assert tuned_calls


async def test_the_reconciler_sends_again_runs_whose_worker_or_message_was_lost(
    sqlite_settings: Settings,
) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await login(client)
        dataset_id = await upload(client)
        body = {"dataset_id": dataset_id, "base_model": BASE}
        ids = [
            uuid.UUID((await client.post("/api/v1/finetune/provider", json=body)).json()["id"])
            for _ in range(4)
        ]
    engine = create_engine(sqlite_settings, pooled=False)
    maker = create_sessionmaker(engine)
    long_ago = utcnow() - timedelta(hours=1)
    try:
        async with maker() as session, session.begin():
            repository = ProviderFinetuneRepository(session)
            # Lost message; worker gone while following; worker gone before the job (left to redelivery);
            # and one polled a moment ago.
            await repository.save(ids[0], created_at=long_ago)
            await repository.save(ids[1], status="running", job_id="ftjob-1", heartbeat_at=long_ago)
            await repository.save(ids[2], status="validating_files", started_at=long_ago)
            await repository.save(ids[3], status="running", job_id="ftjob-2", heartbeat_at=utcnow())
        async with maker() as session, session.begin():
            sent = await service.reconcile(session, poll_seconds=15)
            pending = [task.record_id for task in session.info.get("distillery.outbox", [])]
        async with maker() as session, session.begin():
            again = await service.reconcile(session, poll_seconds=15)
    finally:
        await engine.dispose()
    assert sent == 2
    assert sorted(pending) == sorted(ids[:2])
    assert again == 0  # one re-send per lost interval
