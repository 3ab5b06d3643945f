"""Fine-tune runs: start, stop, resume, and the reconciler's share (runs whose worker or message was lost)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import outbox
from app.core.config import Settings
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound
from app.datasets import service as datasets
from app.datasets.example_repository import ExampleRepository
from app.finetune import base_models, files
from app.finetune.provider import tuned_run_dir
from app.finetune.repository import FinetuneRunRepository
from app.finetune.schemas import BaseModelList, BaseModelRead, FinetuneRequest, RunFile
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
    "gguf",
    "quantize",
    "gradient_checkpointing",
)
# Rows read to estimate a dataset's tokens, and characters per token of the estimate.
SAMPLE_ROWS = 200
CHARS_PER_TOKEN = 4


async def create(
    session: AsyncSession, settings: Settings, quota: TaskQuota, user: User, body: FinetuneRequest
) -> FinetuneRun:
    """A queued run on the dataset's current version (one of the user's tasks a minute); the worker
    message is sent after the commit."""
    if user.role is Role.viewer:
        raise Forbidden("viewers cannot start fine-tune runs")
    dataset = await datasets.get(session, body.dataset_id)
    if await ExampleRepository(session).count_in_version(dataset.id, dataset.version) < 2:
        raise BadRequest("the dataset needs at least 2 rows: some to train on and some held out")
    reference = base_models.resolve(settings, body.base_model)
    _check_gpu_options(body)
    try:
        config = FinetuneConfig(
            **body.model_dump(include=set(CONFIG_FIELDS)),
            base_model=reference,
            device="cuda" if body.bf16 else "auto",
        )
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


def _check_gpu_options(body: FinetuneRequest) -> None:
    """Refuse the options that need a CUDA GPU when this machine has none (rather than ignore them)."""
    gpu = base_models.accelerator()
    if body.quantize == "4bit" and not gpu.qlora:
        raise BadRequest("QLoRA (quantize: 4bit) needs a CUDA GPU and bitsandbytes; this machine has none")
    if body.gradient_checkpointing and not gpu.cuda:
        raise BadRequest("gradient checkpointing is offered on a CUDA GPU only; this machine has none")
    if body.bf16 and not gpu.bf16:
        raise BadRequest("bf16 training needs a CUDA GPU that supports bfloat16; this machine has none")


async def list_base_models(
    session: AsyncSession,
    settings: Settings,
    dataset_id: uuid.UUID | None,
    *,
    epochs: float,
    batch_size: int,
    max_seq_length: int,
) -> BaseModelList:
    """The base models on offer, each with its size and estimates (for the dataset when one is given)."""
    tokens = None
    if dataset_id is not None:
        dataset = await datasets.get(session, dataset_id)
        tokens = int(await _dataset_tokens(session, dataset.id, dataset.version) * epochs)
    listed = []
    for entry in base_models.entries(settings):
        info = await base_models.describe(entry, batch_size, max_seq_length)
        if info is None:
            continue
        seconds = None if tokens is None else info.estimate_seconds(tokens)
        listed.append(
            BaseModelRead(
                id=entry.id, label=entry.label, estimate_seconds=seconds,
                **info.model_dump(include=set(BaseModelRead.model_fields) - {"id", "label"}),
            )
        )  # fmt: skip
    gpu = base_models.accelerator()
    return BaseModelList(models=listed, cuda=gpu.cuda, bf16=gpu.bf16, qlora=gpu.qlora, dataset_tokens=tokens)


async def _dataset_tokens(session: AsyncSession, dataset_id: uuid.UUID, version: int) -> int:
    """Rough tokens of one pass over the version: rows x the mean length of the first rows (chars / 4)."""
    repository = ExampleRepository(session)
    rows = await repository.count_in_version(dataset_id, version)
    chars, seen = 0, 0
    async for _, messages, _, _ in await repository.stream_training_rows(dataset_id, version):
        chars += sum(len(str(m.get("content") or "")) for m in messages)
        seen += 1
        if seen >= SAMPLE_ROWS:
            break
    return 0 if seen == 0 else round(rows * chars / seen / CHARS_PER_TOKEN)


async def get(session: AsyncSession, run_id: uuid.UUID) -> FinetuneRun:
    """A run, or 404."""
    run = await FinetuneRunRepository(session).get(run_id, fresh=True)
    if run is None:
        raise NotFound(f"no fine-tune run {run_id}")
    return run


async def require_completed_run(session: AsyncSession, model_id: str) -> FinetuneRun:
    """The completed run ``tuned:<run id>`` names.

    Raises:
        BadRequest: ``model_id`` is not ``tuned:<run id>``.
        NotFound: No completed run has that id.
    """
    try:
        run_id = uuid.UUID(model_id.partition(":")[2])
    except ValueError as exc:
        raise BadRequest(f"tuned models are named tuned:<run id>, not {model_id!r}") from exc
    run = await FinetuneRunRepository(session).get(run_id)
    if run is None or run.status is not RunStatus.completed:
        raise NotFound(f"{model_id} is not a completed fine-tune run")
    return run


async def get_controlled(session: AsyncSession, user: User, run_id: uuid.UUID) -> FinetuneRun:
    """A run its owner or an admin may control (download, push); 404 or 403 otherwise."""
    run = await get(session, run_id)
    _ensure_owner(user, run)
    return run


def _ensure_owner(user: User, run: FinetuneRun) -> None:
    if user.role is Role.viewer or (user.role is not Role.admin and run.owner_id != user.id):
        raise Forbidden("only the run's owner or an admin can control it")


async def run_files(
    session: AsyncSession, settings: Settings, user: User, run_id: uuid.UUID
) -> list[RunFile]:
    """The run's outputs with their sizes (its owner or an admin only)."""
    run = await get(session, run_id)
    _ensure_owner(user, run)
    found = await asyncio.to_thread(files.outputs, tuned_run_dir(settings, str(run.id)))
    return await asyncio.to_thread(lambda: [output.read() for output in found])


async def run_file(
    session: AsyncSession, settings: Settings, user: User, run_id: uuid.UUID, name: str
) -> files.Output:
    """The run's output called ``name`` (its owner or an admin only); 404 when it has none of that name."""
    run = await get(session, run_id)
    _ensure_owner(user, run)
    output = await asyncio.to_thread(files.find, tuned_run_dir(settings, str(run.id)), name)
    if output is None:
        raise NotFound(f"run {run_id} has no file {name!r}; GET /finetune/{run_id}/files lists them")
    return output


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
