"""Celery task of fine-tune runs, on the ``gpu`` queue (any worker takes it in the embedded mode)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

from celery import Task

from app.core.config import get_settings
from app.finetune import runner
from app.finetune.playground import PLAY_TASK, answer
from app.finetune.service import RUN_TASK
from app.models import TaskStatus
from app.models.base import utcnow
from app.providers.service import resolve_credentials
from app.system.repository import TaskRecordRepository
from app.worker.app import celery_app
from app.worker.runtime import run_async, sessionmaker, task_session

DAY = 24 * 3600


# Training can take hours (the run's heartbeat, not a time limit, tells the reconciler it is alive).
@celery_app.task(name=RUN_TASK, time_limit=DAY, soft_time_limit=DAY - 60)
def run(run_id: str) -> None:
    """Train and evaluate one run."""
    run_async(runner.run(sessionmaker(), get_settings(), uuid.UUID(run_id)))


@celery_app.task(name=PLAY_TASK, bind=True)
def playground(self: Task[Any, Any], record_id: str) -> None:
    """Answer one playground prompt with the run's models."""
    run_async(_play(uuid.UUID(record_id), self.request.hostname or socket.gethostname()))


async def _play(record_id: uuid.UUID, worker: str) -> None:
    settings = get_settings()
    async with task_session() as session:
        record = await TaskRecordRepository(session).claim(record_id, worker)
        if record is None or record.status is not TaskStatus.running:
            return
        given = dict(record.result or {})
        credentials = await resolve_credentials(session, settings)
    try:
        answers = await asyncio.to_thread(answer, settings, given, credentials)
    except Exception as exc:  # a missing run folder or model: the task says why
        outcome: dict[str, Any] = {
            "status": TaskStatus.failed,
            "error": f"{type(exc).__name__}: {exc}"[:2000],
        }
    else:
        outcome = {"status": TaskStatus.succeeded, "result": answers, "error": None}
    async with task_session() as session:
        done = await TaskRecordRepository(session).get(record_id)
        if done is not None:
            for key, value in outcome.items():
                setattr(done, key, value)
            done.finished_at = utcnow()
