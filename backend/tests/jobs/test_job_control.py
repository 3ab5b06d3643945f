"""Job control on PostgreSQL: one lock order for workers and control actions; a cancel picked as a deadlock
victim tries again in a fresh savepoint."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import DBAPIError

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.jobs import control, repository, store
from app.models import Job, JobStatus, User
from distillation.pipeline import Provenance, Row
from distillation.quality import NearDuplicateConfig
from tests.conftest import ADMIN_EMAIL, api_client, login, migrate
from tests.jobs.jobkit import generation


async def test_a_cancel_that_loses_a_deadlock_tries_again_and_cancels(
    server_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = await _job_no_worker_runs(server_settings)

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


async def test_accepting_a_row_and_cancelling_lock_the_job_first(server_settings: Settings) -> None:
    """One lock order (job row, then dataset) for workers and control actions: no deadlock cycle."""
    job_id = await _job_no_worker_runs(server_settings)
    engine = create_engine(server_settings, pooled=False)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        maker = create_sessionmaker(engine)
        async with maker() as session, session.begin():
            job = await session.get(Job, job_id)
            assert job is not None
            held = await repository.claim(session, job_id, "seed", 0, "lock-order-test", timedelta(minutes=1))
            assert held is not None
            statements.clear()
            kept, duplicate = await store.accept(
                session, held, job.dataset_id, _row(), NearDuplicateConfig(), position=0
            )
            assert (kept, duplicate) == (True, None)
        accepting = _first_writes(statements)
        async with maker() as session, session.begin():
            admin = (await session.scalars(select(User).where(User.email == ADMIN_EMAIL))).one()
            statements.clear()
            await control.cancel(session, admin, job_id)
        cancelling = _first_writes(statements)
    finally:
        await engine.dispose()

    assert accepting[0] == "jobs", accepting
    assert accepting.index("jobs") < accepting.index("datasets"), accepting
    assert cancelling.index("jobs") < cancelling.index("datasets"), cancelling


def _first_writes(statements: list[str]) -> list[str]:
    """The job and dataset locks a transaction takes, in order (row updates and the advisory lock)."""
    order: list[str] = []
    for statement in statements:
        if statement.startswith("UPDATE jobs "):
            name = "jobs"
        elif statement.startswith("UPDATE datasets ") or "pg_advisory_xact_lock" in statement:
            name = "datasets"
        else:
            continue
        if name not in order:
            order.append(name)
    return order


def _row() -> Row:
    provenance = Provenance(stage="seed", model="openai:gpt-4o", template_hash="abc", scenario={})
    messages = [
        {"role": "user", "content": "Where is my parcel, ordered a week ago?"},
        {"role": "assistant", "content": "It left the depot yesterday and arrives tomorrow."},
    ]
    return Row(key="seed-0", index=0, stage="seed", record={}, messages=messages, provenance=provenance)


async def _job_no_worker_runs(settings: Settings) -> uuid.UUID:
    """A five-row generation job that no worker picks up: its rows stay as the test sets them."""
    await migrate(settings)
    async with api_client(settings) as client:
        await login(client)
        started = await client.post("/api/v1/jobs/generate", json=generation(5))
        assert started.status_code == 201, started.text
    return uuid.UUID(started.json()["id"])
