"""A generation job runs in real worker processes: exactly N unique rows, every attempt in the ledger."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from app.core.config import Settings
from distillation.testing import FakeProviderServer
from distillation.testing.answers import varied_answer
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import example_texts, generation, job_settings, wait_for


async def test_generation_job_writes_exactly_the_requested_rows(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(varied_answer) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            started = await client.post("/api/v1/jobs/generate", json=generation(30))
            assert started.status_code == 201, started.text
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            assert job["status"] == "completed", job
            assert job["accepted"] == 30
            texts = await example_texts(client, job["dataset_id"])
            examples = f"/api/v1/datasets/{job['dataset_id']}/examples"
            listed = (await client.get(examples, params={"page_size": 100})).json()["items"]
            dataset = (await client.get(f"/api/v1/datasets/{job['dataset_id']}")).json()
            calls = (await client.get(f"/api/v1/jobs/{job['id']}/calls", params={"page_size": 500})).json()

    assert len(texts) == 30
    assert len(set(texts)) == 30
    # Each row has its own place in the dataset: the teacher's seed rows first, then the student's.
    assert [row["position"] for row in listed] == list(range(30))
    assert [row["stage"] for row in listed] == ["seed"] * 3 + ["bulk"] * 27
    assert dataset["status"] == "ready"
    assert dataset["example_count"] == 30
    # One ledger row per provider attempt, every one settled, adding up to the job's spend.
    assert calls["total"] == len([r for r in server.requests if r.status == 200])
    assert all(call["status"] == "settled" for call in calls["items"])
    assert sum(Decimal(call["cost_usd"]) for call in calls["items"]) == Decimal(job["spent_usd"])
    assert Decimal(job["spent_usd"]) > 0
    assert Decimal(job["reserved_usd"]) == 0
