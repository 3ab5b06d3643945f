"""Helpers of the job tests: settings that reach the fake provider, starting and watching jobs."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr

from app.core.config import Settings
from distillation.testing import FakeProviderServer

TEACHER, STUDENT = "openai:gpt-4o", "openai:gpt-4o-mini"


def job_settings(settings: Settings, server: FakeProviderServer, **overrides: object) -> Settings:
    """``settings`` with the fake provider as OpenAI and short leases, so tests see recovery quickly."""
    values: dict[str, object] = {
        "openai_api_key": SecretStr("sk-test-job-key"),
        "openai_base_url": server.openai_base_url,
        "job_chunk_size": 10,
        "job_lease_seconds": 6.0,
        "job_reconcile_seconds": 1.0,
        "job_call_timeout_seconds": 10.0,
        "job_task_slice_seconds": 5.0,
    }
    values.update(overrides)
    return settings.model_copy(update=values)


def generation(count: int, **overrides: Any) -> dict[str, Any]:
    """A generation request body."""
    body: dict[str, Any] = {
        "name": f"job test {count}",
        "data_type": "qa",
        "count": count,
        "domains": ["Customer Support"],
        "teacher": TEACHER,
        "student": STUDENT,
        "teacher_ratio": 0.1,
        "concurrency": 8,
        "seed": 3,
    }
    body.update(overrides)
    return body


async def wait_for(
    client: httpx.AsyncClient, job_id: str, statuses: tuple[str, ...], within: float = 120
) -> dict[str, Any]:
    """Poll the job until its status is one of ``statuses``."""
    deadline = time.monotonic() + within
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await client.get(f"/api/v1/jobs/{job_id}")
        if response.status_code == 200:
            body = response.json()
            if body["status"] in statuses:
                return body
        await asyncio.sleep(0.3)
    raise AssertionError(f"job not {statuses} after {within}s: {body}")


async def wait_until(
    client: httpx.AsyncClient, job_id: str, accepted: int, within: float = 120
) -> dict[str, Any]:
    """Poll the job until at least ``accepted`` rows are in."""
    deadline = time.monotonic() + within
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = (await client.get(f"/api/v1/jobs/{job_id}")).json()
        if body["accepted"] >= accepted or body["status"] in ("completed", "failed"):
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"job did not reach {accepted} rows: {body}")


async def ledger_totals(database_url: str, job_id: str) -> tuple[Decimal, int, int]:
    """(sum of settled costs, settled rows, rows still reserved) of a job, read straight from Postgres."""
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT coalesce(sum(cost_usd) FILTER (WHERE status = 'settled'), 0) AS cost,"
            " count(*) FILTER (WHERE status = 'settled') AS settled,"
            " count(*) FILTER (WHERE status = 'reserved') AS reserved"
            " FROM llm_calls WHERE job_id = $1",
            uuid.UUID(job_id),
        )
    finally:
        await conn.close()
    assert row is not None
    return Decimal(row["cost"]), int(row["settled"]), int(row["reserved"])


async def example_texts(client: httpx.AsyncClient, dataset_id: str) -> list[str]:
    """The text of every live example of a dataset, through the API."""
    texts: list[str] = []
    page = 1
    while True:
        body = (
            await client.get(
                f"/api/v1/datasets/{dataset_id}/examples", params={"page": page, "page_size": 500}
            )
        ).json()
        texts += [" ".join(m["content"] for m in item["messages"]) for item in body["items"]]
        if page * 500 >= body["total"]:
            return texts
        page += 1


async def what_the_job_left(database_url: str, job_id: str, dataset_id: str, texts: list[str]) -> str:
    """What a job test saw, for its assertion messages: rows, repeated texts, items by status, ledger."""
    repeated = {text[:60]: n for text, n in Counter(texts).items() if n > 1}
    conn = await asyncpg.connect(database_url)
    try:
        items = await conn.fetch(
            "SELECT stage, status, count(*) AS n, max(attempts) AS attempts, max(variant) AS variant"
            " FROM job_items WHERE job_id = $1 GROUP BY stage, status ORDER BY stage, status",
            uuid.UUID(job_id),
        )
        errors = await conn.fetch(
            "SELECT item_key, status, attempts, variant, error FROM job_items"
            " WHERE job_id = $1 AND (error IS NOT NULL OR status <> 'done') ORDER BY item_key LIMIT 20",
            uuid.UUID(job_id),
        )
        examples = await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT item_key) AS keys, count(DISTINCT content_hash) AS hashes"
            " FROM examples WHERE dataset_id = $1 AND removed_in IS NULL",
            uuid.UUID(dataset_id),
        )
    finally:
        await conn.close()
    cost, settled, reserved = await ledger_totals(database_url, job_id)
    assert examples is not None
    return (
        f"{len(texts)} texts through the API, {len(set(texts))} distinct, repeated: {repeated}; "
        f"examples: {dict(examples)}; items: {[dict(r) for r in items]}; "
        f"unfinished or erred items: {[dict(r) for r in errors]}; "
        f"ledger: cost {cost}, {settled} settled, {reserved} reserved"
    )
