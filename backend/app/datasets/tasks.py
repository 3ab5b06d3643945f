"""Celery tasks of the datasets domain: the near-duplicate search."""

from __future__ import annotations

import socket
import uuid
from typing import Any

from celery import Task

from app.datasets import duplicates
from app.models import TaskStatus
from app.models.base import utcnow
from app.system.repository import TaskRecordRepository
from app.worker.app import celery_app
from app.worker.runtime import run_async, task_session


@celery_app.task(name=duplicates.FIND_TASK, bind=True)
def find_duplicates(self: Task[Any, Any], record_id: str) -> None:
    """Label a dataset's duplicate clusters (idempotent: a re-delivered message finds them again)."""
    run_async(_find(uuid.UUID(record_id), self.request.hostname or socket.gethostname()))


async def _find(record_id: uuid.UUID, worker: str) -> None:
    async with task_session() as session:
        record = await TaskRecordRepository(session).claim(record_id, worker)
        if record is None or record.status is not TaskStatus.running:
            return
        given = record.result or {}
        try:
            summary = await duplicates.find(
                session, uuid.UUID(str(given["dataset_id"])), float(given.get("threshold", 0.7))
            )
        except (KeyError, ValueError) as exc:
            record.status, record.error = TaskStatus.failed, f"bad task input: {exc}"
        else:
            record.result = summary
            record.status = TaskStatus.failed if "error" in summary else TaskStatus.succeeded
            record.error = summary.get("error")
        record.finished_at = utcnow()
