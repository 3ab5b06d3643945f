"""Building a job's engine in a worker: its config, keys, prices, shared rate limits and ledger hooks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.domains.service import domains_config
from app.jobs.kinds.registry import kind_of
from app.jobs.ledger import DbResponseCache, Ledger
from app.jobs.observe import attempt_observer
from app.models import Job
from app.providers.service import resolve_credentials
from distillation.cost import PriceTable
from distillation.pipeline import Accountant, Engine, GenerationConfig, build_engine
from distillation.providers import Limiter, RedisLimiter


def _config_file(settings: Settings, name: str) -> Path | None:
    path = settings.config_dir / name
    return path if path.is_file() else None


def job_config(job: Job) -> GenerationConfig:
    """The job's generation config, read through its kind's typed config (budget: the shared ledger's)."""
    return kind_of(job.kind).config_of(job).engine_config()


_limiters: dict[str, Limiter] = {}


def shared_limiter(settings: Settings) -> Limiter | None:
    """Rate limits shared by every worker process through Redis (one client per process)."""
    if settings.redis_url is None:
        return None
    if settings.redis_url not in _limiters:
        _limiters[settings.redis_url] = RedisLimiter(settings.redis_url)
    return _limiters[settings.redis_url]


async def build_job_engine(
    maker: async_sessionmaker[AsyncSession], settings: Settings, job: Job
) -> tuple[Engine, Ledger]:
    """The engine that writes the job's items, with the ledger booking every attempt."""
    prices = PriceTable.load(_config_file(settings, "prices.yaml"))
    config = job_config(job)
    ledger = Ledger(maker, Accountant(prices), observer=attempt_observer(prices, config.teacher))
    async with maker() as session:  # keys are decrypted here, in the worker, never sent in messages
        credentials = await resolve_credentials(session, settings)
        domains = await domains_config(session, settings)
    engine = build_engine(
        config,
        cache=DbResponseCache(maker),
        credentials=credentials,
        prices=prices,
        domains=domains,
        limiter=shared_limiter(settings),
        on_attempt=ledger.settle,
        before_attempt=ledger.reserve,
        timeout=settings.job_call_timeout_seconds,
    )
    return engine, ledger
