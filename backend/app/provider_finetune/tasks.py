"""Celery task of provider fine-tunes, on the ``default`` queue (the work is waiting on the provider)."""

from __future__ import annotations

import uuid

from app.core.config import get_settings
from app.provider_finetune import runner
from app.provider_finetune.service import RUN_TASK
from app.worker.app import celery_app
from app.worker.runtime import run_async, sessionmaker

DAY = 24 * 3600


# A provider's job can queue for hours; the task polls it until it ends.
@celery_app.task(name=RUN_TASK, time_limit=3 * DAY, soft_time_limit=3 * DAY - 60)
def run(run_id: str) -> None:
    """Follow one provider fine-tune run to its end."""
    run_async(runner.run(sessionmaker(), get_settings(), uuid.UUID(run_id)))
