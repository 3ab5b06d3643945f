"""A fine-tune run in a worker: export the dataset version, train in a thread, stream progress, evaluate.

Training is blocking (PyTorch), so it runs in a thread while the worker's loop writes the latest step,
loss and the curve to the database every second, renews the heartbeat, and passes a user's stop on
to the trainer (which saves a checkpoint: resuming continues from it).
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.datasets.example_repository import ExampleRepository
from app.finetune.ledger import EvaluationLedger
from app.finetune.repository import FinetuneRunRepository
from app.models import FinetuneRun, RunStatus
from app.models.base import utcnow
from app.providers.service import resolve_credentials
from distillation.cost import PriceTable
from distillation.evaluate import EvaluationConfig, evaluate
from distillation.finetune import FinetuneConfig, finetune


@dataclass
class _Progress:
    """What the training thread reports, read by the loop (a lock guards both sides)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    values: dict[str, Any] = field(default_factory=dict)
    curve: list[list[float | None]] = field(default_factory=list)
    grad_norm: float | None = None

    def gradient(self, step: int, norm: float) -> None:
        with self.lock:
            self.grad_norm = norm

    def step(self, step: int, total: int, loss: float, lr: float, tokens_per_s: float) -> None:
        with self.lock:
            self.values.update(step=step, total_steps=total, train_loss=loss, tokens_per_s=tokens_per_s)
            # A curve point: step, train loss, held-out loss, learning rate, gradient norm (pre-clipping).
            self.curve.append([step, loss, None, lr, self.grad_norm])

    def evaluated(self, step: int, loss: float) -> None:
        with self.lock:
            self.values["eval_loss"] = loss
            self.curve.append([step, None, loss])

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {**self.values, "curve": list(self.curve)}


def run_folder(settings: Settings, run_id: uuid.UUID) -> Path:
    """Where a run keeps its data, checkpoints, adapter, log and card."""
    return settings.data_dir / "finetune" / str(run_id)


async def _export(maker: async_sessionmaker[AsyncSession], run: FinetuneRun, path: Path) -> int:
    """Write the dataset version's rows as chat JSONL (once: a resumed run trains on the same file)."""
    return await _export_rows(maker, (run.dataset_id, run.dataset_version), path)


async def _export_rows(
    maker: async_sessionmaker[AsyncSession], dataset: tuple[uuid.UUID, int], path: Path
) -> int:
    """Write a dataset version's rows (the training set or a gold set) as chat JSONL, once.

    Returns the rows written, or -1 when the file was already there.
    """
    if await asyncio.to_thread(path.exists):
        return -1
    await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    count = 0
    async with maker() as session:
        rows = await ExampleRepository(session).stream_training_rows(*dataset)
        with partial.open("w") as out:
            async for key, messages, record, provenance in rows:
                # Provenance names each row's exemplars: the held-out split leaves those rows out.
                line = {
                    "messages": messages,
                    "metadata": {"id": key, "record": record, "provenance": provenance},
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
    partial.rename(path)
    return count


async def run(maker: async_sessionmaker[AsyncSession], settings: Settings, run_id: uuid.UUID) -> None:
    """Train and evaluate one run (idempotent: a finished or running-elsewhere run is left alone)."""
    async with maker() as session, session.begin():
        claimed = await FinetuneRunRepository(session).move(
            run_id,
            RunStatus.running,
            [RunStatus.queued],
            started_at=utcnow(),
            heartbeat_at=utcnow(),
            error=None,
        )
        current = await FinetuneRunRepository(session).get(run_id, fresh=True)
    if not claimed or current is None:
        return
    folder = run_folder(settings, run_id)
    data = folder / "data.jsonl"
    try:
        await _export(maker, current, data)
        result = await _train(maker, current, data, folder / "run")
        if result["status"] == "cancelled":
            await _finish(maker, run_id, RunStatus.cancelled, result=result)
            return
        evaluation = None
        if current.evaluation_config is not None:
            await _save(maker, run_id, status=RunStatus.evaluating, result=result)
            evaluation = await _evaluate(maker, settings, current, data, folder)
        await _finish(maker, run_id, RunStatus.completed, result=result, evaluation=evaluation)
    except Exception as exc:  # the run records why it failed; a retry starts from its last checkpoint
        await _finish(maker, run_id, RunStatus.failed, error=f"{type(exc).__name__}: {exc}"[:4000])
        raise


async def _train(
    maker: async_sessionmaker[AsyncSession], current: FinetuneRun, data: Path, out: Path
) -> dict[str, Any]:
    progress = _Progress()
    config = FinetuneConfig.model_validate(current.config)
    training = asyncio.ensure_future(
        asyncio.to_thread(
            finetune,
            data,
            out,
            config,
            on_step=progress.step,
            on_eval=progress.evaluated,
            on_grad_norm=progress.gradient,
            should_stop=progress.stop.is_set,
        )
    )
    while not training.done():
        await asyncio.wait({training}, timeout=1.0)
        snapshot = progress.snapshot()
        async with maker() as session, session.begin():
            if await FinetuneRunRepository(session).save_progress(
                current.id, heartbeat_at=utcnow(), **snapshot
            ):
                progress.stop.set()
    result = training.result()
    return result.model_dump(mode="json")


async def _evaluate(
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    current: FinetuneRun,
    data: Path,
    folder: Path,
) -> dict[str, Any]:
    """The held-out report, with the gold set's report under ``gold`` when the run has one."""
    assert current.evaluation_config is not None
    config = EvaluationConfig.model_validate(current.evaluation_config)
    async with maker() as session:
        credentials = await resolve_credentials(session, settings)
    overrides = settings.config_dir / "prices.yaml"
    prices = PriceTable.load(overrides if overrides.is_file() else None)
    run_dir = folder / "run"
    # The teacher's and judge's calls are booked in the ledger (stage "evaluate") as they are sent.
    ledger = EvaluationLedger(maker, current.id)
    book = ledger.book()
    try:
        report = await asyncio.to_thread(
            evaluate, data, run_dir, config, credentials=credentials, prices=prices, book=book
        )
        evaluation = report.model_dump(mode="json")
        if current.gold_dataset_id is not None and current.gold_dataset_version is not None:
            gold = folder / "gold.jsonl"
            await _export_rows(maker, (current.gold_dataset_id, current.gold_dataset_version), gold)
            on_gold = await asyncio.to_thread(
                evaluate, data, run_dir, config, credentials=credentials, prices=prices, gold=gold, book=book
            )
            evaluation["gold"] = on_gold.model_dump(mode="json")
    finally:
        await ledger.close()
    return evaluation


async def _save(maker: async_sessionmaker[AsyncSession], run_id: uuid.UUID, **values: Any) -> None:
    async with maker() as session, session.begin():
        await FinetuneRunRepository(session).save_progress(run_id, **values)


async def _finish(
    maker: async_sessionmaker[AsyncSession], run_id: uuid.UUID, status: RunStatus, **values: Any
) -> None:
    async with maker() as session, session.begin():
        await FinetuneRunRepository(session).move(
            run_id,
            status,
            [RunStatus.running, RunStatus.evaluating],
            finished_at=utcnow(),
            stop_requested=False,
            **values,
        )
