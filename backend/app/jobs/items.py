"""What every job kind's items share in a worker: the runtime, the provider-failure rules, the commits.

A kind's ``run_item`` writes or judges one leased item; the helpers here settle it. They know leases,
fences, the ledger's budget pause and the duplicate checks, never a kind: a provider that keeps failing,
a budget that runs out or a rejected attempt is handled the same way for every kind.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.jobs import example_repository, observe, repository, store
from app.jobs.ledger import Ledger
from app.jobs.repository import Lease
from app.models import Example, ItemStatus, Job, JobStatus
from distillation.datatypes import TaskPolicy
from distillation.pipeline import BudgetExceeded, Engine, ItemResult, Row
from distillation.providers import ProviderError
from distillation.providers.errors import AuthenticationError, ConfigurationError, RateLimitedError
from distillation.quality import NearDuplicateConfig

if TYPE_CHECKING:
    from app.jobs.kinds.base import JobConfig, Kind

logger = logging.getLogger(__name__)

FATAL = (AuthenticationError, ConfigurationError)
T = TypeVar("T")


@dataclass
class JobRuntime:
    """What a worker process keeps per job: its kind, typed config, engine, ledger, seeds and policy."""

    job_id: uuid.UUID
    dataset_id: uuid.UUID
    kind: Kind
    config: JobConfig
    engine: Engine
    ledger: Ledger
    dedup: NearDuplicateConfig
    seeds: list[Row] | None = None
    policy: TaskPolicy | None = None
    # Model id → the max concurrency set for it (Settings → Providers or .env): the items worked at once.
    max_concurrency: dict[str, int] = field(default_factory=dict)


@dataclass
class Items:
    """Settling leased items: the outcomes every kind shares."""

    maker: async_sessionmaker[AsyncSession]
    settings: Settings

    async def calls(self, runtime: JobRuntime, lease: Lease, work: Awaitable[T]) -> T | None:
        """Run the model calls of one item; on a provider failure settle the item and return None."""
        try:
            return await work
        except BudgetExceeded as exc:
            await self.give_back(lease, runtime.job_id, pause=f"budget: {exc}")
        except FATAL as exc:
            await self.give_back(lease, runtime.job_id, fail=f"{type(exc).__name__}: {exc}")
        except ProviderError as exc:  # retries exhausted: the item is tried again later, up to a cap
            await self._provider_gave_up(lease, exc)
        return None

    async def accept(
        self,
        runtime: JobRuntime,
        lease: Lease,
        result: ItemResult,
        place: int,
        *,
        extra: dict[str, Any] | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> str | None:
        """Commit an accepted row at ``place`` with its item; else the rejection reason (None when done).

        ``extra``: more of the item's result, next to the row's score (a cascade's trace);
        ``provenance``: keys added to the row's provenance.
        """
        if result.row is None:
            assert result.rejection is not None
            return result.rejection.reason
        row = result.row.model_copy(update={"key": lease.item_key})
        try:
            async with self.maker() as session, session.begin():
                kept, duplicate = await store.accept(
                    session,
                    lease,
                    runtime.dataset_id,
                    row,
                    runtime.dedup,
                    position=place,
                    result=extra,
                    provenance=provenance,
                )
                if duplicate is not None:
                    raise Duplicate(duplicate)  # rolls the item's finish back
        except Duplicate as exc:
            return exc.reason
        if kept:
            observe.accepted(lease.stage, row)
        else:
            logger.info("item %s was taken over by another worker; its row was not committed", lease.item_key)
        return None

    async def replace(
        self, runtime: JobRuntime, lease: Lease, old: Example, row: Row, version: int, result: dict[str, Any]
    ) -> str | None:
        """Finish the item with ``row`` replacing ``old`` from ``version`` on; why it repeats a row, if so."""
        try:
            async with self.maker() as session, session.begin():
                if not await repository.finish(session, lease, ItemStatus.done, result=result):
                    return None
                await repository.mark_progress(session, runtime.job_id)  # job row first (store)
                duplicate = await store.replace(session, old, row, version, runtime.dedup)
                if duplicate is not None:
                    raise Duplicate(duplicate)
        except Duplicate as exc:
            return exc.reason
        observe.accepted(row.stage, row)
        return None

    async def settle(
        self,
        lease: Lease,
        status: ItemStatus,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        variant: int | None = None,
    ) -> bool:
        """Give the item its outcome for good (its result or its error); False when the lease was lost."""
        async with self.maker() as session, session.begin():
            if not await repository.finish(
                session, lease, status, result=result, error=error, variant=variant
            ):
                return False
            await repository.mark_progress(session, lease.job_id)
        return True

    async def next_variant(self, lease: Lease, variant: int) -> bool:
        """Note that the item goes on with ``variant``; False when the lease was lost."""
        async with self.maker() as session, session.begin():
            return await repository.save_variant(session, lease, variant)

    async def give_back(
        self, lease: Lease, job_id: uuid.UUID, *, pause: str | None = None, fail: str | None = None
    ) -> None:
        """Return the item unharmed (the attempt does not count) and pause or fail the job."""
        async with self.maker() as session, session.begin():
            await repository.finish(session, lease, ItemStatus.pending, uncount_attempt=True)
            if pause is not None:
                await repository.set_status(
                    session, job_id, JobStatus.paused, only_from=[JobStatus.running], reason=pause[:200]
                )
            if fail is not None:
                await repository.set_status(
                    session, job_id, JobStatus.failed, only_from=[JobStatus.running], error=fail
                )

    async def _provider_gave_up(self, lease: Lease, exc: ProviderError) -> None:
        """The provider kept failing: wait out its Retry-After (the same request goes next), put it back."""
        if exc.retry_after is not None:
            await asyncio.sleep(min(exc.retry_after, self.settings.job_lease_seconds))
        if isinstance(exc, RateLimitedError):  # the provider's limit, not the item's fault: no attempt lost
            async with self.maker() as session, session.begin():
                await repository.finish(
                    session, lease, ItemStatus.pending, error=str(exc)[:2000], uncount_attempt=True
                )
            return
        await self.attempt_failed(lease, f"{type(exc).__name__}: {exc}")

    async def put_back(self, lease: Lease, error: str) -> None:
        """Return the item, its attempt uncounted: something outside it failed (the shared rate limits)."""
        async with self.maker() as session, session.begin():
            await repository.finish(
                session, lease, ItemStatus.pending, error=error[:2000], uncount_attempt=True
            )

    async def attempt_failed(self, lease: Lease, error: str) -> None:
        """An attempt failed: the item goes back, or fails for good after the last attempt allowed."""
        poisoned = lease.attempts >= self.settings.job_max_item_attempts
        status = ItemStatus.failed if poisoned else ItemStatus.pending
        async with self.maker() as session, session.begin():
            await repository.finish(session, lease, status, error=error[:2000])
            if poisoned:
                await repository.mark_progress(session, lease.job_id)
        if poisoned:
            observe.finished(lease.stage, "failed")

    async def seeds(self, runtime: JobRuntime) -> list[Row]:
        """The dataset's seed rows in order (read once per process)."""
        if runtime.seeds is None:
            async with self.maker() as session:
                runtime.seeds = await example_repository.seed_rows(session, runtime.dataset_id)
        return runtime.seeds

    async def load_policy(self, runtime: JobRuntime, job: Job) -> bool:
        """The job's policy and seed rows, which the student writes from; False while there is no policy."""
        if runtime.policy is None:
            if job.policy is None:
                return False
            runtime.policy = TaskPolicy.model_validate(job.policy)
        await self.seeds(runtime)
        return True


class Duplicate(Exception):
    """A row repeats a kept row: raised inside the transaction so that the item's finish rolls back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
