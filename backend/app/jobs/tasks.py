"""Celery tasks of the jobs domain: work a chunk, and the reconciler run by beat.

A chunk task holds no state of its own: it re-reads the job, leases items, and when its time slice
ends with items left it sends its chunk back to the queue. A database that is down makes the task try
again a few seconds later; items it held come back when their leases expire.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import Task
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core.config import get_settings
from app.finetune import service as finetune
from app.jobs import planning, service
from app.jobs.flow import Worker
from app.models import JobStage
from app.provider_finetune import service as provider_finetune
from app.worker.app import celery_app
from app.worker.runtime import on_shutdown, run_async, sessionmaker, task_session

logger = logging.getLogger(__name__)
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout, ConnectionError, OSError)

_worker: Worker | None = None


def _this_worker() -> Worker:
    """This process's job worker (its engines live as long as the process)."""
    global _worker
    if _worker is None:
        _worker = Worker(sessionmaker(), get_settings())
        on_shutdown(_worker.stop)
    return _worker


@celery_app.task(name="jobs.run_chunk", bind=True, max_retries=None)
def run_chunk(self: Task[Any, Any], job_id: str, chunk: str) -> str:
    """Work a job's items, starting with ``chunk``."""
    try:
        return run_async(_run_chunk(uuid.UUID(job_id), int(chunk)))
    except DATABASE_DOWN as exc:
        logger.warning("database unavailable while working job %s: %s; retrying", job_id, exc)
        raise self.retry(countdown=5, exc=exc) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise self.retry(countdown=5, exc=exc) from exc
        raise


async def _run_chunk(job_id: uuid.UUID, chunk: int) -> str:
    outcome = await _this_worker().run_chunk(job_id, chunk)
    async with task_session() as session:
        if outcome == "finished":
            await service.advance(session, job_id)
        elif outcome == "more":
            await planning.dispatch(session, job_id, JobStage((await service.get(session, job_id)).stage))
    return outcome


@celery_app.task(name="jobs.reconcile")
def reconcile() -> dict[str, int]:
    """Free expired leases, close abandoned ledger rows, finish stages and re-send lost chunks."""
    return run_async(_reconcile())


async def _reconcile() -> dict[str, int]:
    async with task_session() as session:
        counts = await service.reconcile(session, get_settings())
        counts["finetune_requeued"] = await finetune.reconcile(session)
        counts["provider_finetune_requeued"] = await provider_finetune.reconcile(
            session, get_settings().provider_finetune_poll_seconds
        )
    if any(counts.values()):
        logger.info("job reconciler: %s", counts)
    return counts
