"""Provider fine-tune runs: start, cancel, read; the worker follows the provider's job (see ``runner``)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import outbox
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound
from app.datasets import service as datasets
from app.datasets.example_repository import ExampleRepository
from app.models import ProviderFinetuneRun, Role, User
from app.models.base import utcnow
from app.provider_finetune.repository import ProviderFinetuneRepository
from app.provider_finetune.schemas import ProviderFinetuneRequest, ProviderFinetuneRunRead
from app.users.quotas import TaskQuota

RUN_TASK = "provider_finetune.run"
QUEUE = "default"
ENDED = ("succeeded", "failed", "cancelled")
# A run not polled for this long (nor for four poll intervals) lost its worker or its message.
LOST_AFTER = timedelta(minutes=5)


def read(run: ProviderFinetuneRun) -> ProviderFinetuneRunRead:
    """The API's view of a run (with the new model's ``provider:model`` id)."""
    return ProviderFinetuneRunRead.model_validate(run)


async def create(
    session: AsyncSession, quota: TaskQuota, user: User, body: ProviderFinetuneRequest
) -> ProviderFinetuneRun:
    """A queued run on the dataset's current version; the worker message is sent after the commit."""
    if user.role is Role.viewer:
        raise Forbidden("viewers cannot start fine-tune runs")
    dataset = await datasets.get(session, body.dataset_id)
    if await ExampleRepository(session).count_in_version(dataset.id, dataset.version) < 1:
        raise BadRequest("the dataset has no rows to train on")
    await quota.take(session, user)
    run = ProviderFinetuneRun(
        dataset_id=dataset.id,
        dataset_version=dataset.version,
        owner_id=user.id,
        name=body.name or f"{dataset.name} v{dataset.version} on {body.provider}:{body.base_model}",
        provider=body.provider,
        base_model=body.base_model,
        config={"n_epochs": body.n_epochs, "suffix": body.suffix, "seed": body.seed},
        status="queued",
        events=[],
        curve=[],
    )
    await ProviderFinetuneRepository(session).create(run)
    outbox.enqueue(session, RUN_TASK, run.id, QUEUE)
    return run


async def get(session: AsyncSession, run_id: uuid.UUID) -> ProviderFinetuneRun:
    """A run, or 404."""
    run = await ProviderFinetuneRepository(session).get(run_id)
    if run is None:
        raise NotFound(f"no provider fine-tune run {run_id}")
    return run


async def cancel(session: AsyncSession, user: User, run_id: uuid.UUID) -> ProviderFinetuneRun:
    """Cancel a run: a queued one at once, one at the provider through the provider (at the next poll)."""
    run = await get(session, run_id)
    if user.role is Role.viewer or (user.role is not Role.admin and run.owner_id != user.id):
        raise Forbidden("only the run's owner or an admin can control it")
    if run.status in ENDED:
        raise Conflict(f"a {run.status} run cannot be cancelled")
    repository = ProviderFinetuneRepository(session)
    if not await repository.cancel_queued(run_id, finished_at=utcnow()):
        await repository.save(run_id, cancel_requested=True)
    return await get(session, run_id)


async def reconcile(session: AsyncSession, poll_seconds: float) -> int:
    """Send again the runs whose worker stopped polling or whose message was lost; returns how many.

    The runner resumes a run by its stored job id, so a run sent twice follows the same job.
    """
    cutoff = utcnow() - max(LOST_AFTER, timedelta(seconds=4 * poll_seconds))
    lost = await ProviderFinetuneRepository(session).lost(cutoff)
    for run in lost:
        # One re-send per lost interval: a queued run's wait, a followed run's heartbeat starts again.
        if run.status == "queued":
            run.created_at = utcnow()
        else:
            run.heartbeat_at = utcnow()
        outbox.enqueue(session, RUN_TASK, run.id, QUEUE)
    return len(lost)
