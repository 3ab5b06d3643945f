"""The worker's side of a provider fine-tune: export, upload, create the job, follow it, book its cost.

The provider's job id is saved as soon as the job exists: a worker that picks the run up again (a
redelivered message) follows that job rather than creating a second one. Every poll saves the job's
status, its events and the loss curve, and reads whether a cancel was asked for.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.datasets.example_repository import ExampleRepository
from app.models import CallStatus, LlmCall
from app.models.base import utcnow
from app.provider_finetune.repository import ProviderFinetuneRepository
from app.provider_finetune.service import ENDED, LOST_AFTER
from app.providers.service import resolve_credentials
from distillation.cost.training import TrainingPrices, training_cost
from distillation.finetune.provider import (
    ProviderEvent,
    ProviderFinetuneClient,
    ProviderFinetuneRequest,
    ProviderJob,
    prepare_training_file,
    provider_client,
)

STAGE = "finetune"


def run_folder(settings: Settings, run_id: uuid.UUID) -> Path:
    """Where a run keeps the rows it exported and the file it uploaded."""
    return settings.data_dir / "provider-finetune" / str(run_id)


async def run(maker: async_sessionmaker[AsyncSession], settings: Settings, run_id: uuid.UUID) -> None:
    """Start (or resume following) one run's job at the provider, until the job ends."""
    async with maker() as session, session.begin():
        repository = ProviderFinetuneRepository(session)
        current = await repository.get(run_id)
        if current is None or current.status in ENDED:
            return
        stale = utcnow() - LOST_AFTER
        if current.job_id is None and not await repository.claim(run_id, stale, started_at=utcnow()):
            return
        credentials = await resolve_credentials(session, settings)
        provider, job_id = current.provider, current.job_id
        dataset_id, version = current.dataset_id, current.dataset_version
        request = ProviderFinetuneRequest(base_model=current.base_model, **current.config)
    try:
        client = provider_client(provider, credentials.get(provider))
        if job_id is None:
            job_id = await _start(maker, settings, client, run_id, dataset_id, version, request)
        job = await _follow(maker, settings, client, run_id, job_id)
        await _finish(maker, settings, run_id, provider, dataset_id, job)
    except Exception as exc:  # the run says why; the job at the provider (if any) is left as it is
        async with maker() as session, session.begin():
            await ProviderFinetuneRepository(session).save(
                run_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:4000], finished_at=utcnow()
            )
        raise


async def _start(
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    client: ProviderFinetuneClient,
    run_id: uuid.UUID,
    dataset_id: uuid.UUID,
    version: int,
    request: ProviderFinetuneRequest,
) -> str:
    folder = run_folder(settings, run_id)
    rows = folder / "rows.jsonl"
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    async with maker() as session:
        lines = []
        async for _, messages, _, _ in await ExampleRepository(session).stream_training_rows(
            dataset_id, version
        ):
            lines.append(json.dumps({"messages": messages}, ensure_ascii=False))
    await asyncio.to_thread(rows.write_text, "".join(line + "\n" for line in lines))
    path, examples = await asyncio.to_thread(prepare_training_file, rows, folder / "training.jsonl")
    file_id = await asyncio.to_thread(client.upload, path)
    job = await asyncio.to_thread(client.create, file_id, request)
    async with maker() as session, session.begin():
        await ProviderFinetuneRepository(session).save(
            run_id, file_id=file_id, job_id=job.id, examples=examples, status=job.status
        )
    return job.id


async def _follow(
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    client: ProviderFinetuneClient,
    run_id: uuid.UUID,
    job_id: str,
) -> ProviderJob:
    cancelled = False
    while True:
        job = await asyncio.to_thread(client.retrieve, job_id)
        events = await asyncio.to_thread(client.events, job_id)
        async with maker() as session, session.begin():
            repository = ProviderFinetuneRepository(session)
            await repository.save(
                run_id,
                status=job.status,
                events=[_event(e) for e in events],
                curve=sorted(
                    [e.step, e.train_loss] for e in events if e.step is not None and e.train_loss is not None
                ),
                error=job.error,
                heartbeat_at=utcnow(),
            )
            current = await repository.get(run_id)
            wanted = current is not None and current.cancel_requested
        if job.ended:
            return job
        if wanted and not cancelled:
            await asyncio.to_thread(client.cancel, job_id)
            cancelled = True
            continue
        await asyncio.sleep(settings.provider_finetune_poll_seconds)


async def _finish(
    maker: async_sessionmaker[AsyncSession],
    settings: Settings,
    run_id: uuid.UUID,
    provider: str,
    dataset_id: uuid.UUID,
    job: ProviderJob,
) -> None:
    path = settings.config_dir / "prices.yaml"
    prices = await asyncio.to_thread(TrainingPrices.load, path if path.is_file() else None)
    price = prices.per_million(f"{provider}:{job.base_model}")
    cost = None if price is None or job.trained_tokens is None else training_cost(job.trained_tokens, price)
    async with maker() as session, session.begin():
        repository = ProviderFinetuneRepository(session)
        values: dict[str, Any] = {
            "status": job.status,
            "fine_tuned_model": job.fine_tuned_model,
            "trained_tokens": job.trained_tokens,
            "price_per_million": price,
            "cost_usd": cost,
            "error": job.error,
            "finished_at": utcnow(),
        }
        await repository.save(run_id, **values)
        if job.trained_tokens is not None:
            # A provider bills the tokens it trained on: one ledger row per job, priced or not.
            await repository.record_cost(
                LlmCall(
                    dataset_id=dataset_id,
                    item_key=job.id[:64],
                    stage=STAGE,
                    provider=provider,
                    model=job.base_model,
                    fingerprint=hashlib.sha256(f"{STAGE}:{provider}:{job.id}".encode()).hexdigest(),
                    status=CallStatus.settled,
                    outcome=job.status,
                    cost_usd=cost,
                    input_tokens=job.trained_tokens,
                    output_tokens=0,
                    settled_at=utcnow(),
                )
            )


def _event(event: ProviderEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "created_at": event.created_at,
        "level": event.level,
        "message": event.message,
        "step": event.step,
        "train_loss": event.train_loss,
    }
