"""Building a job's engine in a worker: its config, keys, prices, shared rate limits and ledger hooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.domains.service import domains_config
from app.jobs.batches import DbBatchJournal
from app.jobs.kinds.registry import kind_of
from app.jobs.ledger import DbResponseCache, Ledger
from app.jobs.observe import attempt_observer
from app.models import Job
from app.providers.limits import job_limits, rate_limit_of, set_concurrency, shared_limiter
from app.providers.service import resolve_credentials
from distillation.cost import PriceTable
from distillation.pipeline import BatchDelivery, Engine, GenerationConfig, build_engine
from distillation.providers import RateLimit


def _config_file(settings: Settings, name: str) -> Path | None:
    path = settings.config_dir / name
    return path if path.is_file() else None


def job_config(job: Job) -> GenerationConfig:
    """The job's generation config, read through its kind's typed config (budget: the shared ledger's)."""
    return kind_of(job.kind).config_of(job).engine_config()


@dataclass(frozen=True)
class JobEngine:
    """A job's engine, the ledger booking its attempts, and the rate limits its clients got."""

    engine: Engine
    ledger: Ledger
    rate_limits: Mapping[str, RateLimit]
    # Model id → the max concurrency set for it: how many items a worker process works on at once.
    max_concurrency: Mapping[str, int]


async def build_job_engine(
    maker: async_sessionmaker[AsyncSession], settings: Settings, job: Job
) -> JobEngine:
    """The engine that writes the job's items, with the ledger booking every attempt.

    Each model's client gets the limits set for it in Settings → Providers, else the ``.env`` defaults
    (``app.providers.limits``); models with none keep the library's defaults. A job with batch
    delivery sends the requests that can wait through the providers' batch APIs, journalled in the
    database (``app.jobs.batches``); with auto delivery, while its deadline leaves the batch window.
    """
    prices = PriceTable.load(_config_file(settings, "prices.yaml"))
    config = job_config(job)
    batch = None
    stored = kind_of(job.kind).config_of(job)
    if stored.delivery != "online":
        journal = DbBatchJournal(maker, job.id)
        batch = BatchDelivery(
            journal,
            poll_s=settings.job_batch_poll_seconds,
            on_progress=journal.progress,
            deadline=stored.batch_deadline(),
        )
    ledger = Ledger(maker, observer=attempt_observer(prices, config.teacher))
    async with maker() as session:  # keys are decrypted here, in the worker, never sent in messages
        credentials = await resolve_credentials(session, settings)
        domains = await domains_config(session, settings)
        models = (config.teacher, config.student, config.judge_model)
        limits = await job_limits(session, settings, models)
    rate_limits = {m: rate for m, found in limits.items() if (rate := rate_limit_of(found)) is not None}
    concurrency = {m: most for m, found in limits.items() if (most := set_concurrency(found)) is not None}
    engine = build_engine(
        config,
        cache=DbResponseCache(maker),
        credentials=credentials,
        prices=prices,
        domains=domains,
        rate_limits=rate_limits,
        limiter=shared_limiter(settings),
        on_attempt=ledger.settle,
        on_answer=ledger.settle_answer,
        before_attempt=ledger.reserve,
        timeout=settings.job_call_timeout_seconds,
        batch=batch,
    )
    return JobEngine(engine, ledger, rate_limits, concurrency)
