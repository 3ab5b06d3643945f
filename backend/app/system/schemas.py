"""Health, system status and task records as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.kit.schemas import Schema
from app.models import TaskStatus

CheckStatus = Literal["ok", "down"]


class Check(Schema):
    """One dependency's state."""

    status: CheckStatus
    latency_ms: float | None = None
    detail: str | None = None


class Health(Schema):
    """Readiness: the API answers 200 only when the database and the broker do."""

    status: CheckStatus
    database: Check
    broker: Check


class WorkerInfo(Schema):
    """A worker process and when it was last seen."""

    worker: str
    hostname: str
    pid: int
    queues: list[str]
    started_at: datetime
    last_seen: datetime
    alive: bool


class Resources(Schema):
    """The host's load as the API process sees it."""

    cpu_percent: float = Field(ge=0)
    memory_percent: float = Field(ge=0, le=100)
    memory_used_bytes: int = Field(ge=0)
    memory_total_bytes: int = Field(ge=0)
    disk_percent: float = Field(ge=0, le=100)
    disk_free_bytes: int = Field(ge=0)


class SystemStatus(Schema):
    """Everything the overview page shows about the platform itself."""

    version: str
    mode: Literal["embedded", "server"]
    database_backend: str
    broker_backend: str
    health: Health
    workers: list[WorkerInfo]
    tasks_by_status: dict[str, int]
    resources: Resources


class TaskRecordRead(Schema):
    """A background task and its outcome."""

    id: uuid.UUID
    name: str
    queue: str
    status: TaskStatus
    attempts: int
    result: dict[str, Any] | None
    error: str | None
    worker: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
