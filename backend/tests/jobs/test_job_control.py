"""Job control on PostgreSQL: a cancel picked as a deadlock victim tries again in a fresh savepoint."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.jobs import control
from app.models import Job, JobStatus, User
from tests.conftest import ADMIN_EMAIL, api_client, login, migrate
from tests.jobs.jobkit import generation


async def test_a_cancel_that_loses_a_deadlock_tries_again_and_cancels(
    server_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await migrate(server_settings)
    async with api_client(server_settings) as client:
        await login(client)
        started = await client.post("/api/v1/jobs/generate", json=generation(5))  # no worker runs it
        assert started.status_code == 201, started.text
    job_id = uuid.UUID(started.json()["id"])

    real, tries = control._cancel, []

    async def deadlocked_once(session: Any, job: Job) -> bool:
        tries.append(job.id)
        if len(tries) == 1:  # what PostgreSQL does to the victim: its savepoint's work is undone
            await session.execute(update(Job).where(Job.id == job.id).values(pause_reason="half-way"))
            raise DBAPIError("UPDATE jobs ...", {}, Exception("deadlock detected"))
        return await real(session, job)

    monkeypatch.setattr(control, "_cancel", deadlocked_once)
    engine = create_engine(server_settings, pooled=False)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            admin = (await session.scalars(select(User).where(User.email == ADMIN_EMAIL))).one()
            job = await session.get(Job, job_id)
            assert job is not None
            cancelled = await control.cancel(session, admin, job_id)
            status, reason = cancelled.status, cancelled.pause_reason
    finally:
        await engine.dispose()

    assert tries == [job_id, job_id]
    assert status is JobStatus.cancelled
    assert reason == "cancelled by a user"
