"""A job's items worked in a worker process: lease, write, validate, commit — one item per coroutine.

The per-item steps are the library's (``write_seed`` / ``write_bulk`` + ``validate_row``,
``extract_policy``); this module only leases items, books every attempt in the ledger, answers from the
shared response cache and commits each accepted row with its item in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.jobs import amplify, observe, quality, regenerate, repository, store
from app.jobs.engines import build_job_engine
from app.jobs.ledger import ItemScope, Ledger, current_item
from app.jobs.repository import Lease
from app.models import Example, ItemStatus, Job, JobStage, JobStatus
from distillation.datatypes import TaskPolicy
from distillation.pipeline import (
    BudgetExceeded,
    Engine,
    GenerationConfig,
    ItemResult,
    Provenance,
    Row,
    Stage,
    close_engine,
    extract_policy,
    validate_row,
    write_bulk,
    write_seed,
)
from distillation.providers import ProviderError
from distillation.providers.errors import AuthenticationError, ConfigurationError, RateLimitedError
from distillation.quality import NearDuplicateConfig

logger = logging.getLogger(__name__)

FATAL = (AuthenticationError, ConfigurationError)
ChunkOutcome = Literal["finished", "more", "stopped"]
T = TypeVar("T")


@dataclass
class JobRuntime:
    """What a worker process keeps per job: the engine, the ledger hooks, the seeds and the policy."""

    job_id: uuid.UUID
    dataset_id: uuid.UUID
    engine: Engine
    ledger: Ledger
    dedup: NearDuplicateConfig
    extra: dict[str, Any] = field(default_factory=dict)
    seeds: list[Row] | None = None
    policy: TaskPolicy | None = None

    def stage_offset(self, stage: str) -> int:
        """Where a stage's rows start in the dataset: the bulk rows follow the seed rows."""
        if stage != JobStage.bulk:
            return 0
        if self.amplifying:
            return len(self.extra["seed_examples"])
        return self.engine.config.seed_count

    @property
    def amplifying(self) -> bool:
        """Whether the job amplifies the user's examples (its seed rows are theirs, traced)."""
        return self.extra.get("seed_examples") is not None


@dataclass
class Worker:
    """One worker process's view of the job system."""

    maker: async_sessionmaker[AsyncSession]
    settings: Settings
    owner: str = field(default_factory=lambda: f"{uuid.uuid4().hex[:12]}")
    _runtimes: OrderedDict[uuid.UUID, JobRuntime] = field(default_factory=OrderedDict)

    @property
    def lease(self) -> timedelta:
        """How long a lease lasts without renewal."""
        return timedelta(seconds=self.settings.job_lease_seconds)

    async def runtime(self, job: Job) -> JobRuntime:
        """The job's runtime, built once per process (engines hold clients and local models)."""
        found = self._runtimes.get(job.id)
        if found is not None:
            self._runtimes.move_to_end(job.id)
            return found
        engine, ledger = await build_job_engine(self.maker, self.settings, job)
        runtime = JobRuntime(
            job.id,
            job.dataset_id,
            engine,
            ledger,
            NearDuplicateConfig(threshold=engine.config.near_duplicate_threshold),
            extra=dict(job.config),
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
        stage = job.stage
        if stage == JobStage.bulk and not await self._load_bulk_inputs(runtime, job):
            return "stopped"
        if stage == JobStage.regenerate:  # the policy exists only when the source job had a bulk stage
            await self._load_bulk_inputs(runtime, job)
        deadline = time.monotonic() + self.settings.job_task_slice_seconds
        held: dict[uuid.UUID, Lease] = {}
        width = _width(stage, runtime.engine.config, self.settings.job_item_concurrency)
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
        self, runtime: JobRuntime, stage: str, chunk: int, deadline: float, held: dict[uuid.UUID, Lease]
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
                if stage == JobStage.policy:
                    await self._policy_item(runtime, lease)
                elif stage == JobStage.judge:
                    await self._quality_item(runtime, lease)
                elif stage == JobStage.regenerate:
                    await self._regenerate_item(runtime, lease)
                else:
                    await self._item(runtime, lease)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug or a bad row must not take the other items down with it
                logger.exception("item %s of job %s failed", lease.item_key, runtime.job_id)
                await self._attempt_failed(lease, f"{type(exc).__name__}: {exc}")
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

    async def _calls(self, runtime: JobRuntime, lease: Lease, work: Awaitable[T]) -> T | None:
        """Run the model calls of one item; on a provider failure settle the item and return None."""
        try:
            return await work
        except BudgetExceeded as exc:
            await self._give_back(lease, runtime.job_id, pause=f"budget: {exc}")
        except FATAL as exc:
            await self._give_back(lease, runtime.job_id, fail=f"{type(exc).__name__}: {exc}")
        except ProviderError as exc:  # retries exhausted: the item is tried again later, up to a cap
            await self._provider_gave_up(lease, exc)
        return None

    async def _item(self, runtime: JobRuntime, lease: Lease) -> None:
        """Write and validate one item until a row is accepted or its variants run out."""
        variant = lease.variant
        while True:
            key = lease.item_key if variant == 0 else f"{lease.item_key}~{variant}"
            result = await self._calls(runtime, lease, self._write(runtime, lease, key, variant))
            if result is None:
                return
            reason = await self._commit(runtime, lease, result)
            if reason is None:
                return
            variant += 1
            # A user's example cannot be written again: a duplicate one is rejected at once.
            amplified_seed = runtime.amplifying and lease.stage == JobStage.seed
            most = 0 if amplified_seed else self.settings.job_max_variants
            async with self.maker() as session, session.begin():
                if variant > most:
                    await repository.finish(
                        session, lease, ItemStatus.rejected, error=reason, variant=variant
                    )
                    await repository.mark_progress(session, runtime.job_id)
                    return
                if not await repository.save_variant(session, lease, variant):
                    return  # the lease was lost: another worker has the item now

    async def _write(self, runtime: JobRuntime, lease: Lease, key: str, variant: int) -> ItemResult:
        engine, stage = runtime.engine, lease.stage
        if runtime.amplifying:
            return await self._amplify(runtime, lease, key, variant)
        if stage == JobStage.seed:
            answer, provenance = await write_seed(engine, lease.position, key)
            return await validate_row(engine, key, lease.position, Stage.seed, answer, provenance)
        assert runtime.policy is not None
        assert runtime.seeds is not None
        answer, provenance = await write_bulk(engine, lease.position, key, runtime.policy, runtime.seeds)
        return await validate_row(engine, key, lease.position, Stage.bulk, answer, provenance)

    async def _amplify(self, runtime: JobRuntime, lease: Lease, key: str, variant: int) -> ItemResult:
        engine = runtime.engine
        if lease.stage == JobStage.seed:
            pair = amplify.seed_pairs(runtime.extra)[lease.position]
            return ItemResult(row=await amplify.trace_seed(engine, pair, lease.position))
        assert runtime.policy is not None
        assert runtime.seeds is not None
        variation = lease.position + variant * engine.config.count  # unique per item and variant
        return await amplify.write_pair(engine, runtime.policy, runtime.seeds, lease.position, key, variation)

    async def _commit(self, runtime: JobRuntime, lease: Lease, result: ItemResult) -> str | None:
        """Commit an accepted row with its item; the rejection reason otherwise (None when done)."""
        if result.row is None:
            assert result.rejection is not None
            return result.rejection.reason
        row = result.row.model_copy(update={"key": lease.item_key})
        try:
            async with self.maker() as session, session.begin():
                place = lease.position + runtime.stage_offset(lease.stage)
                kept, duplicate = await store.accept(
                    session, lease, runtime.dataset_id, row, runtime.dedup, position=place
                )
                if duplicate is not None:
                    raise _Duplicate(duplicate)  # rolls the item's finish back
        except _Duplicate as exc:
            return exc.reason
        if kept:
            observe.accepted(lease.stage, row)
        else:
            logger.info("item %s was taken over by another worker; its row was not committed", lease.item_key)
        return None

    async def _policy_item(self, runtime: JobRuntime, lease: Lease) -> None:
        """The teacher summarises the accepted seed rows into the policy the student follows."""
        seeds = await self._seeds(runtime)
        if runtime.amplifying:
            policy = await self._calls(runtime, lease, amplify.extract_policy(runtime.engine, seeds))
        else:
            extracted = await self._calls(runtime, lease, extract_policy(runtime.engine, seeds))
            policy = None if extracted is None else extracted[0]
        if policy is None:
            return
        async with self.maker() as session, session.begin():
            if await repository.finish(session, lease, ItemStatus.done):
                job = await session.get(Job, runtime.job_id)
                if job is not None:
                    job.policy = policy.model_dump(mode="json")
                await repository.mark_progress(session, runtime.job_id)

    async def _quality_item(self, runtime: JobRuntime, lease: Lease) -> None:
        """Judge one row of the dataset and write the verdict into the job's target version."""
        source, target = quality.versions(runtime.extra)
        async with self.maker() as session:
            example = await quality.load_row(session, runtime.dataset_id, lease.item_key, source)
        if example is None:  # removed since the job was planned
            async with self.maker() as session, session.begin():
                await repository.finish(session, lease, ItemStatus.done, result={"verdict": "gone"})
            return
        outcome = await self._calls(runtime, lease, quality.review(runtime.engine, example))
        if outcome is None:
            return
        result = {"verdict": outcome.verdict, "score": outcome.score, "reason": outcome.reason}
        async with self.maker() as session, session.begin():
            if await repository.finish(session, lease, ItemStatus.done, result=result):
                await repository.mark_progress(session, runtime.job_id)  # job row first (store)
                await quality.apply(session, example, outcome, target)
        observe.reviewed(outcome.verdict, outcome.score)

    async def _regenerate_item(self, runtime: JobRuntime, lease: Lease) -> None:
        """Write one row anew until a new row is accepted in its place or the variants run out."""
        source, target = quality.versions(runtime.extra)
        async with self.maker() as session:
            example = await quality.load_row(session, runtime.dataset_id, lease.item_key, source)
        if example is None or regenerate.keeps_as_is(runtime.extra, example):
            verdict = "gone" if example is None else "keep"
            reason = None if example is None else "a user's own example is kept as it is"
            async with self.maker() as session, session.begin():
                if await repository.finish(
                    session, lease, ItemStatus.done, result={"verdict": verdict, "reason": reason}
                ):
                    await repository.mark_progress(session, runtime.job_id)
            return
        variant, engine = lease.variant, runtime.engine
        while True:
            key = f"{lease.item_key}~regenerated-{regenerate.salt(runtime.job_id)}.{variant}"
            index = regenerate.item_index(lease.item_key, lease.position)
            variation = index + engine.config.count * (1 + regenerate.salt(runtime.job_id) + variant)
            written = regenerate.write(
                engine, runtime.extra, example, key, variation, runtime.policy, runtime.seeds or []
            )
            result = await self._calls(runtime, lease, written)
            if result is None:
                return
            reason = result.rejection.reason if result.rejection is not None else None
            if result.row is not None:
                row = result.row.model_copy(update={"key": lease.item_key})
                try:
                    async with self.maker() as session, session.begin():
                        done = {"verdict": "fix", "score": row.score, "reason": "regenerated"}
                        if not await repository.finish(session, lease, ItemStatus.done, result=done):
                            return
                        await repository.mark_progress(session, runtime.job_id)  # job row first (store)
                        duplicate = await store.replace(session, example, row, target, runtime.dedup)
                        if duplicate is not None:
                            raise _Duplicate(duplicate)
                    observe.accepted(row.stage, row)
                    return
                except _Duplicate as exc:
                    reason = exc.reason
            variant += 1
            async with self.maker() as session, session.begin():
                if variant > self.settings.job_max_variants:
                    kept = {"verdict": "keep", "reason": f"no acceptable new row: {reason}"[:500]}
                    if await repository.finish(session, lease, ItemStatus.done, result=kept, variant=variant):
                        await repository.mark_progress(session, runtime.job_id)
                    return
                if not await repository.save_variant(session, lease, variant):
                    return

    async def _give_back(
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
        await self._attempt_failed(lease, f"{type(exc).__name__}: {exc}")

    async def _attempt_failed(self, lease: Lease, error: str) -> None:
        poisoned = lease.attempts >= self.settings.job_max_item_attempts
        status = ItemStatus.failed if poisoned else ItemStatus.pending
        async with self.maker() as session, session.begin():
            await repository.finish(session, lease, status, error=error[:2000])
            if poisoned:
                await repository.mark_progress(session, lease.job_id)
        if poisoned:
            observe.finished(lease.stage, "failed")

    async def _seeds(self, runtime: JobRuntime) -> list[Row]:
        if runtime.seeds is None:
            async with self.maker() as session:
                rows = await session.scalars(
                    select(Example)
                    .where(Example.dataset_id == runtime.dataset_id, Example.stage == Stage.seed)
                    .order_by(Example.position)
                )
                runtime.seeds = [_row(example) for example in rows]
        return runtime.seeds

    async def _load_bulk_inputs(self, runtime: JobRuntime, job: Job) -> bool:
        if runtime.policy is None:
            if job.policy is None:
                return False
            runtime.policy = TaskPolicy.model_validate(job.policy)
        await self._seeds(runtime)
        return True


def _width(stage: str, config: GenerationConfig, most: int) -> int:
    """Items one process works on at once: one for in-process models (they answer one at a time)."""
    model = (
        config.teacher
        if stage in (JobStage.seed, JobStage.policy)
        else config.student
        if stage == JobStage.bulk
        else config.judge_model
    )
    if stage == JobStage.policy or model.startswith("local:"):
        return 1
    return min(most, config.concurrency)


class _Duplicate(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _row(example: Example) -> Row:
    return Row(
        key=example.item_key,
        index=example.position,
        stage=Stage.seed,
        record=example.record or {},
        messages=example.messages,
        score=example.score,
        provenance=Provenance.model_validate(example.provenance),
    )
