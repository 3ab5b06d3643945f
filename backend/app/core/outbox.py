"""Tasks are sent to Celery only after the transaction that created their rows has committed.

Services call :func:`enqueue` while they work; whoever owns the transaction (the request dependency, the
worker's task scope) calls :func:`flush` after the commit. A message that fails to send is not lost: its
``TaskRecord`` stays queued and the reconciler sends it again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from celery import Celery
from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)

_OUTBOX_KEY = "distillery.outbox"


@dataclass(frozen=True, slots=True)
class PendingTask:
    """A Celery task to send once the transaction commits; it carries only a record id."""

    name: str
    record_id: uuid.UUID
    queue: str
    args: tuple[str, ...] = ()


def enqueue(session: AsyncSession, name: str, record_id: uuid.UUID, queue: str, *args: str) -> None:
    """Remember a task to send after ``session`` commits (the record id, then ``args``)."""
    session.info.setdefault(_OUTBOX_KEY, []).append(PendingTask(name, record_id, queue, args))


async def flush(session: AsyncSession, celery: Celery) -> None:
    """Send the tasks gathered on ``session`` through ``celery``; call only after its commit."""
    pending: list[PendingTask] = session.info.pop(_OUTBOX_KEY, [])
    for task in pending:
        try:
            await asyncio.to_thread(
                celery.send_task, task.name, args=[str(task.record_id), *task.args], queue=task.queue
            )
        except Exception:  # the reconciler re-sends queued records, so a failed send is only a delay
            logger.warning("could not send %s for %s; the reconciler will retry", task.name, task.record_id)


def discard(session: AsyncSession) -> None:
    """Forget gathered tasks (the transaction rolled back)."""
    session.info.pop(_OUTBOX_KEY, None)
