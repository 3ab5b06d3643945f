"""Where a job is: queued behind others, worked on by named workers, between steps, stalled, paused."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.jobs.service import worker_name
from app.models import ItemStatus, Job, JobItem
from app.models.base import utcnow
from tests.conftest import api_client, login, migrate
from tests.jobs.jobkit import generation


async def _start(client: Any) -> str:
    started = await client.post("/api/v1/jobs/generate", json=generation(5))
    assert started.status_code == 201, started.text
    return str(started.json()["id"])


async def _change(settings: Settings, job_id: str, **values: Any) -> None:
    """Set the job's first seed item (and, with ``job=``, the job row) as a worker would have."""
    engine = create_engine(settings, pooled=False)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            job_values = values.pop("job", None)
            if job_values:
                await session.execute(update(Job).where(Job.id == uuid.UUID(job_id)).values(**job_values))
            first = await session.scalar(
                select(JobItem.id)
                .where(JobItem.job_id == uuid.UUID(job_id))
                .order_by(JobItem.position)
                .limit(1)
            )
            await session.execute(update(JobItem).where(JobItem.id == first).values(**values))
    finally:
        await engine.dispose()


async def test_a_jobs_activity_says_queued_working_stalled_waiting_and_paused(any_settings: Settings) -> None:
    await migrate(any_settings)  # no worker runs: the jobs wait in the queue
    async with api_client(any_settings) as client:
        await login(client)
        first, second = await _start(client), await _start(client)
        a = (await client.get(f"/api/v1/jobs/{first}")).json()["activity"]
        b = (await client.get(f"/api/v1/jobs/{second}")).json()["activity"]
        assert (a["state"], a["queue_position"], a["in_flight"]) == ("queued", 1, 0)
        assert (b["state"], b["queue_position"]) == ("queued", 2)
        assert "1 job ahead of it" in b["summary"]

        # A worker takes up the first job: it names the worker; the second moves up.
        soon = utcnow() + timedelta(minutes=2)
        await _change(
            any_settings,
            first,
            status=ItemStatus.leased,
            lease_owner="gpu-7/4242/ab12cd34",
            lease_expires_at=soon,
        )
        a = (await client.get(f"/api/v1/jobs/{first}")).json()["activity"]
        listed = {j["id"]: j["activity"] for j in (await client.get("/api/v1/jobs")).json()["items"]}
        assert (a["state"], a["in_flight"], a["workers"], a["queue_position"]) == (
            "working",
            1,
            ["gpu-7 (pid 4242)"],
            None,
        )
        assert a["summary"] == "1 item in flight on gpu-7 (pid 4242)."
        assert (listed[second]["state"], listed[second]["queue_position"]) == ("queued", 1)

        # The worker died long ago: its lease lapsed and nothing finished since.
        long_ago = utcnow() - timedelta(minutes=10)
        await _change(
            any_settings,
            first,
            status=ItemStatus.done,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=long_ago,
            job={"started_at": long_ago, "progressed_at": long_ago, "created_at": long_ago},
        )
        a = (await client.get(f"/api/v1/jobs/{first}")).json()["activity"]
        assert a["state"] == "stalled"
        assert a["summary"].startswith("Stalled: no worker has worked on it for 10 min")
        assert a["last_progress_at"] is not None

        # An item finished just now: between steps, not stalled.
        await _change(any_settings, first, updated_at=utcnow(), job={"progressed_at": utcnow()})
        assert (await client.get(f"/api/v1/jobs/{first}")).json()["activity"]["state"] == "waiting"

        paused = await client.post(f"/api/v1/jobs/{second}/pause")
        assert paused.status_code == 200, paused.text
        assert paused.json()["activity"]["state"] == "paused"
        assert paused.json()["activity"]["summary"].startswith("Paused")


def test_worker_names_read_host_and_process() -> None:
    assert worker_name("host-a/123/0f0f0f0f") == "host-a (pid 123)"
    assert worker_name("0123456789ab") == "0123456789ab"  # an owner from before names were kept
