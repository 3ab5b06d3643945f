"""Regenerating chosen rows: the generating job's models write them anew, as the dataset's next version."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from app.core.config import Settings
from distillation.testing import FakeProviderServer
from distillation.testing.answers import schema_name, varied_answer
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import TEACHER, generation, job_settings, wait_for
from tests.jobs.test_amplify_job import SEEDS, amplification


async def _rows(client: httpx.AsyncClient, dataset_id: str) -> dict[str, dict[str, Any]]:
    """The current version's rows by item key."""
    body = (await client.get(f"/api/v1/datasets/{dataset_id}/examples", params={"page_size": 100})).json()
    return {row["item_key"]: row for row in body["items"]}


async def _finished(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    started = await client.post("/api/v1/jobs/generate", json=body)
    assert started.status_code == 201, started.text
    job = await wait_for(client, started.json()["id"], ("completed", "failed"))
    assert job["status"] == "completed", job
    return job


async def test_regenerated_rows_replace_the_chosen_ones_in_a_new_version(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(varied_answer) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            job = await _finished(client, generation(10, teacher_ratio=0.2))
            dataset_id = job["dataset_id"]
            before = await _rows(client, dataset_id)
            requests_before = len([r for r in server.requests if r.status == 200])
            chosen = ["seed-0000001", "bulk-0000000", "bulk-0000005"]
            ids = [before[key]["id"] for key in chosen]
            started = await client.post(
                "/api/v1/jobs/regenerate", json={"dataset_id": dataset_id, "example_ids": ids}
            )
            assert started.status_code == 201, started.text
            assert started.json()["kind"] == "regenerate"
            again = await wait_for(client, started.json()["id"], ("completed", "failed"))
            after = await _rows(client, dataset_id)
            dataset = (await client.get(f"/api/v1/datasets/{dataset_id}")).json()
            versions = (await client.get(f"/api/v1/datasets/{dataset_id}/versions")).json()
            old = (await client.get(f"/api/v1/datasets/{dataset_id}/examples/{ids[1]}")).json()

    assert again["status"] == "completed", again
    assert again["verdicts"] == {"keep": 0, "fix": 3, "remove": 0}
    assert dataset["version"] == 2
    assert dataset["example_count"] == 10
    assert set(after) == set(before)  # same items, same positions
    for key in chosen:
        assert after[key]["id"] != before[key]["id"]
        assert after[key]["messages"] != before[key]["messages"]
        assert after[key]["stage"] == before[key]["stage"]
        assert after[key]["position"] == before[key]["position"]
    for key in set(before) - set(chosen):
        assert after[key]["id"] == before[key]["id"]
    assert versions["items"][0]["reason"] == "regenerate job: 3 regenerated, 0 kept"
    assert old["removed_in"] == 2  # the replaced row stays in version 1
    # Three new rows, each one new request to its stage's model (the fake provider answers each once),
    # and the judge calls the judge policy routes them to: the teacher judges the seed row, the
    # student may judge the others.
    new = [r for r in server.requests if r.status == 200][requests_before:]
    judges = [r.body.get("model") for r in new if schema_name(r) == "judge_scores"]
    assert len([r for r in new if schema_name(r) == "example"]) == 3
    assert len(new) == 3 + len(judges)
    assert judges.count(TEACHER.split(":")[1]) == 1
    assert len(judges) <= 3


async def test_regenerate_refuses_uploaded_rows_and_keeps_a_users_example(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(varied_answer) as server:
        settings = job_settings(sqlite_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            turns = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
            chat = json.dumps({"messages": turns}).encode() + b"\n"
            upload = await client.post(
                "/api/v1/datasets/upload",
                files={"file": ("rows.jsonl", chat)},
                data={"name": "uploaded", "data_type": "generation"},
            )
            assert upload.status_code == 201, upload.text
            uploaded = upload.json()["dataset"]["id"]
            uploaded_ids = [row["id"] for row in (await _rows(client, uploaded)).values()]
            refused = await client.post(
                "/api/v1/jobs/regenerate", json={"dataset_id": uploaded, "example_ids": uploaded_ids}
            )

            job = await _finished(client, amplification(4, SEEDS[:2]))
            rows = await _rows(client, job["dataset_id"])
            started = await client.post(
                "/api/v1/jobs/regenerate",
                json={"dataset_id": job["dataset_id"], "example_ids": [r["id"] for r in rows.values()]},
            )
            again = await wait_for(client, started.json()["id"], ("completed", "failed"))
            after = await _rows(client, job["dataset_id"])

    assert refused.status_code == 400
    assert "uploaded" in refused.json()["detail"]
    assert again["status"] == "completed", again
    assert again["verdicts"] == {"keep": 2, "fix": 4, "remove": 0}
    for key, row in rows.items():
        if row["stage"] == "seed":
            assert after[key]["id"] == row["id"]  # the user's example, as it was
        else:
            assert after[key]["id"] != row["id"]
            assert after[key]["messages"][0]["role"] == "system"
