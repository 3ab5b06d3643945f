"""Background task records and worker heartbeats: what the system is doing, kept in the database."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin, utcnow


class TaskStatus(enum.StrEnum):
    """Life of a background task."""

    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class TaskRecord(IdMixin, Base):
    """One background task sent to Celery; the message carries only this row's id."""

    __tablename__ = "task_records"

    name: Mapped[str] = mapped_column(String(100), index=True)
    queue: Mapped[str] = mapped_column(String(50))
    status: Mapped[TaskStatus] = mapped_column(
        Enum(TaskStatus, native_enum=False, length=16), default=TaskStatus.queued, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    worker: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class WorkerHeartbeat(Base):
    """Last sign of life of one worker process, written by the worker itself."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(255), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    queues: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]
    last_seen: Mapped[datetime] = mapped_column(index=True)
