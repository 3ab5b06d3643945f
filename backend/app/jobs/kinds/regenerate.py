"""Regenerate chosen rows: the models of the job that wrote them write each one anew, as the next version.

A regenerated row keeps its item key, position and scenario (the seed stage's teacher or the bulk
stage's student writes it from the same inputs, with a request of its own); it is checked, judged and
compared for duplicates like any generated row and replaces the old row. When no new row is acceptable
within the variants allowed, the old row stays. A user's own example (seed amplification) is kept as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.datasets import service as datasets
from app.jobs import example_repository
from app.jobs.finish import finish_version
from app.jobs.items import Items, JobRuntime
from app.jobs.kinds import amplify
from app.jobs.kinds.base import Failed, StageCounts, VersionedConfig, versions
from app.jobs.planning import new_job, start_row_job
from app.jobs.repository import Lease
from app.jobs.schemas import RegenerateRequest, SeedExample
from app.models import Example, ItemStatus, Job, JobKind, JobStage, User
from app.users.quotas import check_new_job
from distillation.datatypes import TaskPolicy
from distillation.pipeline import (
    Engine,
    GenerationConfig,
    ItemResult,
    Row,
    Stage,
    validate_row,
    write_bulk,
    write_seed,
)
from distillation.providers import runs_in_process

WRITERS = (JobKind.generate, JobKind.amplify)


class RegenerateConfig(VersionedConfig):
    """The config of the job that wrote the rows (its examples too, for seed amplification), and its id."""

    source_job_id: uuid.UUID
    seed_examples: tuple[SeedExample, ...] | None = None


async def create(session: AsyncSession, user: User, body: RegenerateRequest, settings: Settings) -> Job:
    """A job that rewrites the chosen rows with the models of the job that generated the dataset."""
    dataset = await datasets.get_writable(session, user, body.dataset_id)
    datasets.ensure_idle(dataset)
    source = await example_repository.latest_job(session, dataset.id, WRITERS)
    if source is None:
        raise BadRequest(
            "only rows a generation job wrote can be regenerated; this dataset was uploaded or derived "
            "(a quality job can judge and fix its rows)"
        )
    rows = await example_repository.chosen_rows(session, dataset.id, dataset.version, body.example_ids)
    if not rows:
        raise BadRequest("none of the chosen examples is in the dataset's current version")
    await check_new_job(session, settings, user, len(rows))
    config = RegenerateConfig.model_validate(
        {
            **source.config,
            "source_job_id": str(source.id),
            "source_version": dataset.version,
            "target_version": dataset.version + 1,
        }
    )
    job = new_job(
        JobKind.regenerate,
        dataset,
        user,
        stage=JobStage.regenerate,
        config=config.model_dump(mode="json", exclude_unset=True),  # the source job's keys, as stored
        requested=len(rows),
        budget=body.budget_usd,
        policy=source.policy,
    )
    local = any(runs_in_process(model) for model in (config.teacher, config.student))
    return await start_row_job(
        session, job, dataset, rows, local=local, configured_chunk=settings.job_chunk_size
    )


def salt(job_id: uuid.UUID) -> int:
    """A number of the job's own, so two regenerations of one row send different requests."""
    return int(job_id.hex[:4], 16)


async def write(
    engine: Engine,
    config: RegenerateConfig,
    example: Example,
    key: str,
    variation: int,
    policy: TaskPolicy | None,
    seeds: Sequence[Row],
) -> ItemResult:
    """A new row for ``example``'s item (``key`` and ``variation`` make its request new)."""
    index = item_index(example.item_key, example.position)
    if config.seed_examples is not None:
        assert policy is not None
        return await amplify.write_pair(engine, policy, seeds, index, key, variation)
    if example.stage == Stage.seed or policy is None:
        answer, provenance = await write_seed(engine, index, key)
        return await validate_row(engine, key, index, Stage.seed, answer, provenance)
    answer, provenance = await write_bulk(engine, index, key, policy, seeds)
    return await validate_row(engine, key, index, Stage.bulk, answer, provenance)


def item_index(key: str, position: int) -> int:
    """The item's index within its stage (``bulk-0000005`` → 5): what the engine drew its scenario from."""
    number = key.partition("-")[2]
    return int(number) if number.isdigit() else position


def keeps_as_is(config: RegenerateConfig, example: Example) -> bool:
    """Whether the row cannot be regenerated: a user's own example of a seed-amplification job."""
    return config.seed_examples is not None and example.stage == Stage.seed


class RegenerateKind:
    """One item per chosen row: write it anew until a new row is accepted in its place, or keep it."""

    kind: ClassVar[JobKind] = JobKind.regenerate
    stages: ClassVar[tuple[JobStage, ...]] = (JobStage.regenerate,)
    versioned: ClassVar[bool] = True

    def config_of(self, job: Job) -> RegenerateConfig:
        """The job's config, validated."""
        return RegenerateConfig.model_validate(job.config)

    def model(self, stage: JobStage, config: GenerationConfig) -> str | None:
        """Items are worked as many at once as the judge allows."""
        return config.judge_model

    def after(self, stage: JobStage, counts: StageCounts) -> JobStage | Failed | None:
        """One stage: the job is complete after it."""
        return None

    async def prepare(self, items: Items, runtime: JobRuntime, job: Job) -> bool:
        """The policy and seed rows, when the source job had a bulk stage (its rows need them)."""
        await items.load_policy(runtime, job)
        return True

    async def run_item(self, items: Items, runtime: JobRuntime, lease: Lease) -> None:
        """Write one row anew until a new row is accepted in its place or the variants run out."""
        assert isinstance(runtime.config, RegenerateConfig)
        source, target = versions(runtime)
        async with items.maker() as session:
            example = await example_repository.row_at(session, runtime.dataset_id, lease.item_key, source)
        if example is None or keeps_as_is(runtime.config, example):
            verdict = "gone" if example is None else "keep"
            reason = None if example is None else "a user's own example is kept as it is"
            await items.settle(lease, ItemStatus.done, result={"verdict": verdict, "reason": reason})
            return
        await self._rewrite(items, runtime, runtime.config, lease, example, target)

    async def _rewrite(
        self,
        items: Items,
        runtime: JobRuntime,
        config: RegenerateConfig,
        lease: Lease,
        old: Example,
        target: int,
    ) -> None:
        variant, engine, own = lease.variant, runtime.engine, salt(runtime.job_id)
        while True:
            key = f"{lease.item_key}~regenerated-{own}.{variant}"
            variation = item_index(lease.item_key, lease.position) + engine.config.count * (1 + own + variant)
            written = write(engine, config, old, key, variation, runtime.policy, runtime.seeds or [])
            result = await items.calls(runtime, lease, written)
            if result is None:
                return
            reason = result.rejection.reason if result.rejection is not None else None
            if result.row is not None:
                row = result.row.model_copy(update={"key": lease.item_key})
                done = {"verdict": "fix", "score": row.score, "reason": "regenerated"}
                reason = await items.replace(runtime, lease, old, row, target, done)
                if reason is None:
                    return
            variant += 1
            if variant > items.settings.job_max_variants:
                kept = {"verdict": "keep", "reason": f"no acceptable new row: {reason}"[:500]}
                await items.settle(lease, ItemStatus.done, result=kept, variant=variant)
                return
            if not await items.next_variant(lease, variant):
                return

    async def finish(self, session: AsyncSession, job: Job) -> None:
        """The target version becomes current."""
        words = (("fix", "regenerated"), ("keep", "kept"))
        await finish_version(session, job, self.config_of(job).target_version, words)
