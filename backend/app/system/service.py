"""Health checks, system status, and the diagnostic task that proves a worker runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil
from kombu import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__
from app.core import outbox
from app.core.config import Settings
from app.core.errors import NotFound
from app.models import TaskRecord, TaskStatus, User
from app.models.base import utcnow
from app.system.repository import TaskRecordRepository, WorkerHeartbeatRepository
from app.system.schemas import Check, Health, Resources, SystemStatus, WorkerInfo
from app.users.quotas import TaskQuota

CHECK_TIMEOUT_S = 3.0
WORKER_STALE_AFTER = timedelta(seconds=45)
DIAGNOSE_TASK = "system.diagnose"


async def check_database(session: AsyncSession) -> Check:
    """Whether the database answers a trivial query in time."""
    start = time.perf_counter()
    try:
        await asyncio.wait_for(TaskRecordRepository(session).ping(), CHECK_TIMEOUT_S)
    except Exception as exc:  # any failure means "down"; the reason goes to the caller
        return Check(status="down", detail=_reason(exc))
    return Check(status="ok", latency_ms=round((time.perf_counter() - start) * 1000, 2))


async def check_broker(settings: Settings) -> Check:
    """Whether the Celery broker accepts a connection in time."""
    start = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.to_thread(_connect_broker, settings.broker_url), CHECK_TIMEOUT_S)
    except Exception as exc:  # any failure means "down"; the reason goes to the caller
        return Check(status="down", detail=_reason(exc))
    return Check(status="ok", latency_ms=round((time.perf_counter() - start) * 1000, 2))


def _connect_broker(url: str) -> None:
    with Connection(url, connect_timeout=CHECK_TIMEOUT_S) as conn:
        conn.ensure_connection(max_retries=1)
        channel: Any = conn.default_channel  # kombu's stubs lack the virtual channel's methods
        channel.queue_declare("default", passive=False, durable=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {CHECK_TIMEOUT_S:g}s"
    # The exception's class and first line say what is wrong without echoing connection strings.
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300]


async def health(session: AsyncSession, settings: Settings) -> Health:
    """Both checks, run concurrently."""
    database, broker = await asyncio.gather(check_database(session), check_broker(settings))
    status = "ok" if database.status == broker.status == "ok" else "down"
    return Health(status=status, database=database, broker=broker)


async def system_status(session: AsyncSession, settings: Settings) -> SystemStatus:
    """Health, workers, task counts and host resources."""
    current = await health(session, settings)
    now = utcnow()
    workers = [
        WorkerInfo(
            worker=w.worker,
            hostname=w.hostname,
            pid=w.pid,
            queues=[q for q in w.queues.split(",") if q],
            started_at=w.started_at,
            last_seen=w.last_seen,
            alive=now - _aware(w.last_seen) < WORKER_STALE_AFTER,
        )
        for w in await WorkerHeartbeatRepository(session).list_recent()
    ]
    return SystemStatus(
        version=__version__,
        mode="embedded" if settings.embedded else "server",
        database_backend="sqlite" if settings.is_sqlite else "postgresql",
        broker_backend=settings.broker_url.split(":", 1)[0],
        health=current,
        workers=workers,
        tasks_by_status=await TaskRecordRepository(session).count_by_status(),
        resources=_resources(settings),
    )


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone=True columns; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _resources(settings: Settings) -> Resources:
    memory = psutil.virtual_memory()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    disk = psutil.disk_usage(str(settings.data_dir))
    return Resources(
        cpu_percent=psutil.cpu_percent(interval=None),
        memory_percent=memory.percent,
        memory_used_bytes=memory.used,
        memory_total_bytes=memory.total,
        disk_percent=disk.percent,
        disk_free_bytes=disk.free,
    )


async def start_diagnostic(session: AsyncSession, quota: TaskQuota, user: User) -> TaskRecord:
    """Queue a task that a worker answers with its own identity: proof that the queue works."""
    await quota.take(session, user)
    record = await TaskRecordRepository(session).add_task(DIAGNOSE_TASK, "default")
    outbox.enqueue(session, DIAGNOSE_TASK, record.id, record.queue)
    return record


async def get_task(session: AsyncSession, task_id: uuid.UUID) -> TaskRecord:
    """One task record, or 404."""
    record = await TaskRecordRepository(session).get(task_id)
    if record is None:
        raise NotFound(f"no task {task_id}")
    return record


async def requeue_stale(session: AsyncSession, older_than: timedelta = timedelta(seconds=60)) -> int:
    """Send again the queued tasks whose message seems lost; returns how many."""
    stale = await TaskRecordRepository(session).stale_queued(older_than, limit=100)
    for record in stale:
        outbox.enqueue(session, record.name, record.id, record.queue)
    return len(stale)


__all__ = ["TaskStatus", "health", "requeue_stale", "start_diagnostic", "system_status"]
