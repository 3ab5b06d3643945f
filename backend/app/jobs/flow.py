"""A job's items worked in a worker process: lease, hand to the job's kind, renew — one item per coroutine.

What an item does is its kind's (``app.jobs.kinds``); this module only leases the current stage's items,
keeps their leases alive, and isolates a failing item from the others. The settling rules every kind
shares (ledger, budget, provider failures, commits) are ``app.jobs.items``'.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.jobs import repository
from app.jobs.engines import build_job_engine
from app.jobs.items import Items, JobRuntime
from app.jobs.kinds.registry import kind_of
from app.jobs.ledger import ItemScope, current_item
from app.jobs.repository import Lease
from app.models import Job, JobStage, JobStatus
from distillation.pipeline import GenerationConfig, close_engine
from distillation.providers import runs_in_process
from distillation.providers.batch import offers_batches
from distillation.quality import NearDuplicateConfig

logger = logging.getLogger(__name__)

ChunkOutcome = Literal["finished", "more", "stopped"]
# Redis (the rate limits every worker shares) unreachable: no item's fault, so no item's attempt.
SHARED_STORE_DOWN = (RedisConnectionError, RedisTimeoutError)
SHARED_STORE_WAIT_S = 1.0  # how long a coroutine waits after giving its item back, so none spins


@dataclass
class Worker:
    """One worker process's view of the job system."""

    maker: async_sessionmaker[AsyncSession]
    settings: Settings
    # Host and process in the lease owner, so a job's page can say which worker holds its items.
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}")
    _runtimes: OrderedDict[uuid.UUID, JobRuntime] = field(default_factory=OrderedDict)

    @property
    def lease(self) -> timedelta:
        """How long a lease lasts without renewal."""
        return timedelta(seconds=self.settings.job_lease_seconds)

    @property
    def items(self) -> Items:
        """The settling rules the kinds share."""
        return Items(self.maker, self.settings)

    async def runtime(self, job: Job) -> JobRuntime:
        """The job's runtime, built once per process (engines hold clients and local models)."""
        found = self._runtimes.get(job.id)
        if found is not None:
            self._runtimes.move_to_end(job.id)
            return found
        kind = kind_of(job.kind)
        config = kind.config_of(job)
        built = await build_job_engine(self.maker, self.settings, job)
        engine = built.engine
        runtime = JobRuntime(
            job.id,
            job.dataset_id,
            kind,
            config,
            engine,
            built.ledger,
            NearDuplicateConfig(threshold=engine.config.near_duplicate_threshold),
            max_concurrency=dict(built.max_concurrency),
        )
        self._runtimes[job.id] = runtime
        while len(self._runtimes) > 4:
            _, old = self._runtimes.popitem(last=False)
            await close_engine(old.engine)
        return runtime

    async def stop(self) -> None:
        """Process shutdown: hand back every item still leased (no attempt counted), close the engines."""
        async with self.maker() as session, session.begin():
            await repository.release_owner(session, self.owner)
        while self._runtimes:
            _, old = self._runtimes.popitem()
            await close_engine(old.engine)

    async def _job(self, job_id: uuid.UUID) -> Job | None:
        async with self.maker() as session:
            return await repository.get_job(session, job_id)

    async def run_chunk(self, job_id: uuid.UUID, chunk: int) -> ChunkOutcome:
        """Work the job's current stage, starting with ``chunk``, until no item is left or time is up."""
        job = await self._job(job_id)
        if job is None or job.status is not JobStatus.running:
            return "stopped"
        runtime = await self.runtime(job)
        stage = JobStage(job.stage)
        if not await runtime.kind.prepare(self.items, runtime, job):
            return "stopped"
        deadline = time.monotonic() + self.settings.job_task_slice_seconds
        held: dict[uuid.UUID, Lease] = {}
        model = runtime.kind.model(stage, runtime.engine.config)
        most = runtime.max_concurrency.get(model or "")
        width = _width(model, runtime.engine.config, self.settings.job_item_concurrency, most)
        if _batched(runtime, model, stage):  # every item waits for a batch: gather them into one
            width = self.settings.job_batch_item_concurrency
        renewer = asyncio.create_task(self._renew(held))
        try:
            await asyncio.gather(*(self._loop(runtime, stage, chunk, deadline, held) for _ in range(width)))
        finally:
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)
        async with self.maker() as session:
            left = await repository.open_items(session, job_id, stage)
            job_now = await repository.get_job(session, job_id)
        if job_now is None or job_now.status is not JobStatus.running:
            return "stopped"
        return "finished" if left == 0 else "more"

    async def _loop(
        self, runtime: JobRuntime, stage: JobStage, chunk: int, deadline: float, held: dict[uuid.UUID, Lease]
    ) -> None:
        while time.monotonic() < deadline:
            async with self.maker() as session, session.begin():
                job = await repository.get_job(session, runtime.job_id)
                if job is None or job.status is not JobStatus.running or job.stage != stage:
                    return
                lease = await repository.claim(session, runtime.job_id, stage, chunk, self.owner, self.lease)
            if lease is None:
                return
            held[lease.id] = lease
            token = current_item.set(ItemScope(runtime.job_id, runtime.dataset_id, lease.id, lease.item_key))
            try:
                await runtime.kind.run_item(self.items, runtime, lease)
            except asyncio.CancelledError:
                raise
            except SHARED_STORE_DOWN as exc:
                logger.warning("shared rate limits unreachable (%s); item %s goes back", exc, lease.item_key)
                await self.items.put_back(lease, f"rate limits unreachable: {type(exc).__name__}: {exc}")
                await asyncio.sleep(min(SHARED_STORE_WAIT_S, max(0.0, deadline - time.monotonic())))
            except Exception as exc:  # a bug or a bad row must not take the other items down with it
                logger.exception("item %s of job %s failed", lease.item_key, runtime.job_id)
                await self.items.attempt_failed(lease, f"{type(exc).__name__}: {exc}")
            finally:
                current_item.reset(token)
                held.pop(lease.id, None)

    async def _renew(self, held: dict[uuid.UUID, Lease]) -> None:
        while True:
            await asyncio.sleep(self.settings.job_lease_seconds / 3)
            if held:
                try:
                    async with self.maker() as session, session.begin():
                        await repository.renew(session, list(held.values()), self.owner, self.lease)
                except Exception:  # the lease may lapse; the fence keeps a late commit out
                    logger.warning("could not renew %d lease(s)", len(held), exc_info=True)


def _batched(runtime: JobRuntime, model: str | None, stage: JobStage) -> bool:
    """Whether the stage's items wait for a provider batch (batch delivery, a model that has one).

    With auto delivery, only while the deadline leaves the batch window.
    """
    batch = runtime.engine.calls.batch
    if batch is None or model is None:
        return False
    return stage in batch.stages and offers_batches(model) and batch.in_time()


def _width(model: str | None, config: GenerationConfig, most: int, limit: int | None = None) -> int:
    """Items one process works on at once: one for in-process models (they answer one at a time).

    ``limit`` is the model's max concurrency set in Settings → Providers or ``.env``: when given, it
    replaces both the job's concurrency and ``JOB_ITEM_CONCURRENCY`` (the operator chose it for this
    provider); else the smaller of those two applies.
    """
    if model is None or runs_in_process(model):
        return 1
    if limit is not None:
        return limit
    return min(most, config.concurrency)
