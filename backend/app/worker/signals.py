"""Worker life-cycle hooks: per-process runtime, task metrics and a heartbeat the API reads for health."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from datetime import datetime
from typing import Any

from celery.signals import (
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)

from app.core.config import get_settings
from app.core.db import create_engine, create_sessionmaker
from app.models.base import utcnow
from app.observability import worker as worker_metrics
from app.worker import runtime

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 10.0
_stop = threading.Event()


@worker_process_init.connect
def _init_process(**_: Any) -> None:
    runtime.init_process()


@worker_process_shutdown.connect
def _shutdown_process(**_: Any) -> None:
    runtime.shutdown_process()
    worker_metrics.process_exited()


task_prerun.connect(worker_metrics.task_started)
task_postrun.connect(worker_metrics.task_finished)


@worker_ready.connect
def _start_heartbeat(sender: Any = None, **_: Any) -> None:
    node = getattr(sender, "hostname", None) or f"worker@{socket.gethostname()}"
    queues = ",".join(sorted(q.name for q in sender.app.amqp.queues.consume_from.values())) if sender else ""
    thread = threading.Thread(
        target=_heartbeat_loop, args=(node, queues), name="distillery-heartbeat", daemon=True
    )
    thread.start()


@worker_shutdown.connect
def _stop_heartbeat(**_: Any) -> None:
    _stop.set()


def _heartbeat_loop(node: str, queues: str) -> None:
    # Its own loop and engine: the main worker process never touches the children's runtime.
    started = utcnow()
    while not _stop.is_set():
        try:
            asyncio.run(_beat(node, queues, started))
        except Exception:  # a database outage must not kill the worker; health shows it as stale
            logger.warning("heartbeat could not be written", exc_info=True)
        _stop.wait(HEARTBEAT_SECONDS)


async def _beat(node: str, queues: str, started: datetime) -> None:
    from app.system.repository import WorkerHeartbeatRepository

    engine = create_engine(get_settings(), pooled=False)
    try:
        async with create_sessionmaker(engine)() as session:
            await WorkerHeartbeatRepository(session).upsert(
                worker=node,
                hostname=socket.gethostname(),
                pid=os.getpid(),
                queues=queues,
                started_at=started,
            )
            await session.commit()
    finally:
        await engine.dispose()
