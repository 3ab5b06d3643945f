"""Celery tasks of the Hub domain: push a dataset version, push a fine-tune run."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from celery import Task

from app.core.config import get_settings
from app.hub import service
from app.models import TaskStatus
from app.models.base import utcnow
from app.system.repository import TaskRecordRepository
from app.worker.app import celery_app
from app.worker.runtime import run_async, task_session

Push = Callable[[Any, Any, dict[str, Any]], Awaitable[dict[str, Any]]]


@celery_app.task(name=service.PUSH_TASK, bind=True)
def push_dataset(self: Task[Any, Any], record_id: str) -> None:
    """Push a dataset version to the Hub (a re-delivered message pushes the same files again)."""
    run_async(_push(uuid.UUID(record_id), self.request.hostname or socket.gethostname(), service.run_push))


@celery_app.task(name=service.MODEL_PUSH_TASK, bind=True)
def push_model(self: Task[Any, Any], record_id: str) -> None:
    """Push a fine-tune run's outputs to a Hub model repo (a re-delivered message pushes them again)."""
    worker = self.request.hostname or socket.gethostname()
    run_async(_push(uuid.UUID(record_id), worker, service.run_model_push))


async def _push(record_id: uuid.UUID, worker: str, push: Push) -> None:
    async with task_session() as session:
        record = await TaskRecordRepository(session).claim(record_id, worker)
        if record is None or record.status is not TaskStatus.running:
            return
        given = dict(record.result or {})
        try:
            summary = await push(session, get_settings(), given)
        except (KeyError, ValueError) as exc:
            record.status, record.error = TaskStatus.failed, f"bad task input: {exc}"
        else:
            record.result = {**given, **summary}
            record.status = TaskStatus.failed if "error" in summary else TaskStatus.succeeded
            record.error = summary.get("error")
        record.finished_at = utcnow()
