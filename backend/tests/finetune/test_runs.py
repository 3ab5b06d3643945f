"""A fine-tune run trains the bundled model in a real worker, streams its curve and evaluates it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from app.core.config import Settings
from app.core.db import create_engine
from app.models import FinetuneRun, RunStatus
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.datasets.factories import chat, jsonl

QUESTIONS = [
    ("How do I reset my password?", "Open Settings, choose Security, then Reset password."),
    ("Where is my parcel?", "Use the tracking number in your confirmation e-mail."),
    ("Can I change my delivery address?", "Yes, until the parcel has shipped."),
    ("How do I cancel my subscription?", "Go to Account, then Subscription, then Cancel."),
    ("Do you ship abroad?", "We ship to every country in the European Union."),
    ("How long does a refund take?", "Refunds reach your account within five working days."),
    ("Is my data encrypted?", "Yes, at rest and in transit."),
    ("Can I pay by invoice?", "Business accounts can pay by invoice within 30 days."),
]


async def poll(client: httpx.AsyncClient, path: str, statuses: tuple[str, ...]) -> dict[str, Any]:
    """GET ``path`` until its status is one of ``statuses`` (training on 2 shared cores is slow)."""
    async with asyncio.timeout(900):
        while True:
            body: dict[str, Any] = (await client.get(path)).json()
            if body["status"] in statuses:
                return body
            await asyncio.sleep(1)


async def test_a_run_trains_streams_its_curve_and_evaluates_base_against_tuned(
    sqlite_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    await migrate(sqlite_settings)
    start_worker(sqlite_settings)
    rows = [{"messages": chat(q, a)} for q, a in QUESTIONS]
    async with api_client(sqlite_settings) as client:
        await login(client)
        uploaded = await client.post(
            "/api/v1/datasets/upload",
            files={"file": ("support.jsonl", jsonl(*rows))},
            data={"name": "support", "data_type": "qa"},
        )
        assert uploaded.status_code == 201, uploaded.text
        dataset_id = (
            uploaded.json()["dataset"]["id"] if "dataset" in uploaded.json() else uploaded.json()["id"]
        )
        body = {
            "dataset_id": dataset_id,
            "max_steps": 3,
            "batch_size": 2,
            "max_seq_length": 128,
            "heldout_fraction": 0.25,
            "eval_max_rows": 2,
            "eval_max_new_tokens": 16,
        }
        started = await client.post("/api/v1/finetune", json=body)
        assert started.status_code == 201, started.text
        viewer_less = await client.post("/api/v1/finetune", json={**body, "dataset_id": str(uuid.uuid4())})
        run = await poll(client, f"/api/v1/finetune/{started.json()['id']}", ("completed", "failed"))
        listed = (await client.get("/api/v1/finetune", params={"dataset_id": dataset_id})).json()
        asked = await client.post(
            f"/api/v1/finetune/{run['id']}/playground",
            json={"prompt": "Where is my parcel?", "max_new_tokens": 12},
        )
        assert asked.status_code == 202, asked.text
        task = await poll(client, f"/api/v1/tasks/{asked.json()['id']}", ("succeeded", "failed"))
    assert run["status"] == "completed", run["error"]
    assert run["step"] == run["total_steps"] == 3
    assert [point[0] for point in run["curve"] if point[1] is not None] == [1, 2, 3]
    assert run["train_loss"] is not None
    assert await asyncio.to_thread(Path(run["result"]["adapter_dir"]).is_dir)
    roles = {model["role"] for model in run["evaluation"]["models"]}
    assert roles == {"base", "tuned"}
    assert listed["total"] == 1
    assert task["status"] == "succeeded", task
    assert task["result"]["base"]
    assert task["result"]["tuned"]
    assert task["result"]["teacher"] is None
    assert viewer_less.status_code == 404


async def test_a_stop_asked_of_a_running_run_is_kept_for_the_worker(sqlite_settings: Settings) -> None:
    await migrate(sqlite_settings)
    async with api_client(sqlite_settings) as client:
        await login(client)
        rows = [{"messages": chat(q, a)} for q, a in QUESTIONS]
        uploaded = await client.post(
            "/api/v1/datasets/upload",
            files={"file": ("support.jsonl", jsonl(*rows))},
            data={"name": "support", "data_type": "qa"},
        )
        dataset_id = (
            uploaded.json()["dataset"]["id"] if "dataset" in uploaded.json() else uploaded.json()["id"]
        )
        run = (await client.post("/api/v1/finetune", json={"dataset_id": dataset_id, "max_steps": 1})).json()
        engine = create_engine(sqlite_settings, pooled=False)
        async with engine.begin() as conn:  # as a worker that has claimed the run
            await conn.execute(
                update(FinetuneRun)
                .where(FinetuneRun.id == uuid.UUID(run["id"]))
                .values(status=RunStatus.running)
            )
        await engine.dispose()
        stopping = await client.post(f"/api/v1/finetune/{run['id']}/cancel")
        again = (await client.get(f"/api/v1/finetune/{run['id']}")).json()
        resume = await client.post(f"/api/v1/finetune/{run['id']}/resume")
    assert stopping.status_code == 200, stopping.text
    assert stopping.json()["stop_requested"] is True
    assert again["stop_requested"] is True
    assert again["status"] == "running"  # the worker stops at its next step and marks it cancelled
    assert resume.status_code == 409
