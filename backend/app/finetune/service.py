"""Fine-tune runs: start, stop, resume, and the reconciler's share (runs whose worker or message was lost)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import outbox
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound
from app.datasets import service as datasets
from app.datasets.example_repository import ExampleRepository
from app.finetune.repository import FinetuneRunRepository
from app.finetune.schemas import FinetuneRequest
from app.models import Dataset, FinetuneRun, Role, RunStatus, User
from app.models.base import utcnow
from app.users.quotas import TaskQuota
from distillation.evaluate import EvaluationConfig
from distillation.finetune import FinetuneConfig

RUN_TASK = "finetune.run"
QUEUE = "gpu"
LOST_AFTER = timedelta(minutes=5)
CONFIG_FIELDS = (
    "max_steps",
    "epochs",
    "learning_rate",
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "batch_size",
    "gradient_accumulation",
    "max_seq_length",
    "heldout_fraction",
    "seed",
    "merge",
)


async def create(session: AsyncSession, quota: TaskQuota, user: User, body: FinetuneRequest) -> FinetuneRun:
    """A queued run on the dataset's current version (one of the user's tasks a minute); the worker
    message is sent after the commit."""
    if user.role is Role.viewer:
        raise Forbidden("viewers cannot start fine-tune runs")
    dataset = await datasets.get(session, body.dataset_id)
    if await ExampleRepository(session).count_in_version(dataset.id, dataset.version) < 2:
        raise BadRequest("the dataset needs at least 2 rows: some to train on and some held out")
    try:
        config = FinetuneConfig(**body.model_dump(include=set(CONFIG_FIELDS)))
        evaluation = (
            EvaluationConfig(
                heldout_fraction=body.heldout_fraction,
                seed=body.seed,
                max_rows=body.eval_max_rows,
                max_new_tokens=body.eval_max_new_tokens,
                teacher=body.teacher,
                judge=body.judge,
            )
            if body.evaluate
            else None
        )
    except (ValidationError, ValueError) as exc:
        raise BadRequest(str(exc)) from exc
    gold = await _gold(session, body)
    await quota.take(session, user)
    run = FinetuneRun(
        dataset_id=dataset.id,
        dataset_version=dataset.version,
        gold_dataset_id=None if gold is None else gold.id,
        gold_dataset_version=None if gold is None else gold.version,
        owner_id=user.id,
        name=body.name or f"{dataset.name} v{dataset.version}",
        status=RunStatus.queued,
        config=config.model_dump(mode="json"),
        evaluation_config=None if evaluation is None else evaluation.model_dump(mode="json"),
        curve=[],
    )
    await FinetuneRunRepository(session).create(run)
    outbox.enqueue(session, RUN_TASK, run.id, QUEUE)
    return run


async def _gold(session: AsyncSession, body: FinetuneRequest) -> Dataset | None:
    """The gold set asked for, checked: another dataset than the one trained on, with rows."""
    if body.gold_dataset_id is None:
        return None
    if body.gold_dataset_id == body.dataset_id:
        raise BadRequest("the gold set must be another dataset: the run trains on this one's rows")
    if not body.evaluate:
        raise BadRequest("a gold set needs evaluate=true")
    gold = await datasets.get(session, body.gold_dataset_id)
    if await ExampleRepository(session).count_in_version(gold.id, gold.version) < 1:
        raise BadRequest("the gold set has no rows")
    return gold


async def get(session: AsyncSession, run_id: uuid.UUID) -> FinetuneRun:
    """A run, or 404."""
    run = await FinetuneRunRepository(session).get(run_id, fresh=True)
    if run is None:
        raise NotFound(f"no fine-tune run {run_id}")
    return run


def _ensure_owner(user: User, run: FinetuneRun) -> None:
    if user.role is Role.viewer or (user.role is not Role.admin and run.owner_id != user.id):
        raise Forbidden("only the run's owner or an admin can control it")


async def cancel(session: AsyncSession, user: User, run_id: uuid.UUID) -> FinetuneRun:
    """Stop a run: a queued one at once, a training one at its next step (it saves a checkpoint)."""
    run = await get(session, run_id)
    _ensure_owner(user, run)
    if run.status is RunStatus.queued:
        await FinetuneRunRepository(session).move(
            run_id, RunStatus.cancelled, [RunStatus.queued], finished_at=utcnow()
        )
    elif run.status in (RunStatus.running, RunStatus.evaluating):
        # Flushed before the read below refreshes the run from the database.
        await FinetuneRunRepository(session).update(run, {"stop_requested": True})
    else:
        raise Conflict(f"a {run.status.value} run cannot be cancelled")
    return await get(session, run_id)


async def resume(session: AsyncSession, quota: TaskQuota, user: User, run_id: uuid.UUID) -> FinetuneRun:
    """Queue a cancelled or failed run again (one of the user's tasks a minute); it continues from its
    last checkpoint."""
    run = await get(session, run_id)
    _ensure_owner(user, run)
    if run.status in (RunStatus.cancelled, RunStatus.failed):
        await quota.take(session, user)
    moved = await FinetuneRunRepository(session).move(
        run_id,
        RunStatus.queued,
        [RunStatus.cancelled, RunStatus.failed],
        stop_requested=False,
        finished_at=None,
        error=None,
    )
    if not moved:
        raise Conflict(f"a {run.status.value} run cannot be resumed")
    outbox.enqueue(session, RUN_TASK, run_id, QUEUE)
    return await get(session, run_id)


async def reconcile(session: AsyncSession) -> int:
    """Queue again runs whose worker stopped (no heartbeat) or whose message was lost; returns how many."""
    cutoff = utcnow() - LOST_AFTER
    lost = await FinetuneRunRepository(session).lost(cutoff)
    for run in lost:
        run.status, run.heartbeat_at, run.created_at = RunStatus.queued, None, utcnow()
        outbox.enqueue(session, RUN_TASK, run.id, QUEUE)
    return len(lost)
