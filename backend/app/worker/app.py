"""The Celery application: queues ``default``, ``llm`` and ``gpu``, at-least-once delivery.

Celery is only the doorbell: messages carry row ids, state lives in the database, and a periodic
reconciler re-sends what a lost message or a killed worker left behind.
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from app.core.config import Settings, get_settings

QUEUES = ("default", "llm", "gpu")
TASK_MODULES = [
    "app.system.tasks",
    "app.jobs.tasks",
    "app.datasets.tasks",
    "app.finetune.tasks",
    "app.provider_finetune.tasks",
    "app.hub.tasks",
]


def create_celery(settings: Settings) -> Celery:
    """A Celery app configured for late acks, no prefetching and DB-held state."""
    app = Celery("distillery", broker=settings.broker_url, include=TASK_MODULES)
    app.conf.update(
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue="default",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_soft_shutdown_timeout=30.0,
        worker_hijack_root_logger=False,
        task_ignore_result=True,
        task_time_limit=900,
        task_soft_time_limit=840,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings.broker_url),
        beat_schedule={
            "reconcile": {"task": "system.reconcile", "schedule": 30.0, "options": {"queue": "default"}},
            "reconcile-jobs": {
                "task": "jobs.reconcile",
                "schedule": settings.job_reconcile_seconds,
                # A reconcile that waited behind a busy pool for a few rounds is dropped, not piled up.
                "options": {"queue": "default", "expires": 5 * settings.job_reconcile_seconds + 30},
            },
        },
        # Every schedule is a plain interval: nothing to persist, so beat keeps it in memory. The shelve
        # file of the default scheduler is left corrupt by a killed process and then stops beat.
        beat_scheduler="celery.beat:Scheduler",
    )
    return app


def _transport_options(broker_url: str) -> dict[str, object]:
    if broker_url.startswith("sqla+"):
        # kombu hands these to SQLAlchemy's create_engine; wait out SQLite's short write locks.
        return {"connect_args": {"timeout": 30}}
    # Far above the longest chunk, so a running task is never handed to a second worker.
    return {"visibility_timeout": 3600}


celery_app = create_celery(get_settings())

from app.worker import signals  # noqa: E402  (signal handlers need the app above)

__all__ = ["QUEUES", "celery_app", "create_celery", "signals"]
