"""Generation jobs: the teacher writes the seed rows, summarises them into the task policy, and the
student writes the bulk from it; every row is checked, judged and compared for duplicates.

The per-item steps are the library's (``write_seed`` / ``write_bulk`` + ``validate_row``,
``extract_policy``). Seed amplification (``kinds.amplify``) is this kind with its own writers.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.domains.service import domains_config
from app.finetune import service as finetune
from app.finetune.provider import TUNED
from app.jobs import repository
from app.jobs.finish import finish_dataset
from app.jobs.items import Items, JobRuntime
from app.jobs.kinds.base import Failed, JobConfig, StageCounts, spec_fields
from app.jobs.planning import chunk_size, dispatch, item_rows, new_job
from app.jobs.repository import Lease
from app.jobs.schemas import GenerationRequest
from app.models import DatasetStatus, ItemStatus, Job, JobKind, JobStage, User
from app.taskspecs import service as taskspecs
from app.users.quotas import check_new_job
from distillation.datatypes import TaskPolicy, get_datatype
from distillation.pipeline import (
    Engine,
    GenerationConfig,
    ItemResult,
    Row,
    Stage,
    extract_policy,
    resolve_domains,
    validate_row,
    write_bulk,
    write_seed,
)
from distillation.providers import runs_in_process

NEXT = {JobStage.seed: JobStage.policy, JobStage.policy: JobStage.bulk}


# Rows a wizard's preview writes with the chosen models and settings, before the full run.
PREVIEW_ROWS = 3


class GenerateConfig(JobConfig):
    """A generation job's config: the engine's config as requested (``preview``: a wizard's preview)."""

    preview: bool = False


async def request_config(
    session: AsyncSession, body: GenerationRequest, settings: Settings
) -> GenerationConfig:
    """The engine's config of a request; a config the engine refuses is a 400 with the reason."""
    values = body.model_dump(
        exclude={
            "name",
            "description",
            "seed_examples",
            "task_spec_id",
            "task_spec_version",
            "delivery",
            "deadline",
        }
    )
    if body.task_spec_id is not None:
        spec, _ = await taskspecs.for_job(session, body.task_spec_id, body.task_spec_version)
        values["task"] = spec.model_dump(mode="json")
    try:
        config = GenerationConfig.model_validate(values)
        if config.task is None:
            get_datatype(config.data_type)
        resolve_domains(await domains_config(session, settings), config.domains)
    except (ValidationError, ValueError, KeyError) as exc:
        raise BadRequest(str(exc)) from exc
    for model in {config.teacher, config.student}:
        if model.partition(":")[0] == TUNED:  # a tuned student answers from a completed run only
            await finetune.require_completed_run(session, model)
    return config


def stage_sizes(config: GenerationConfig, seeds: int | None = None) -> list[tuple[JobStage, int]]:
    """Items per stage: the teacher's seeds (or the user's ``seeds`` examples), the policy, the bulk.

    A job amplifying ``seeds`` examples keeps them all and writes ``count`` new rows on top.
    """
    if seeds is not None:
        return [(JobStage.seed, seeds), (JobStage.policy, 1), (JobStage.bulk, config.count)]
    stages = [(JobStage.seed, config.seed_count)]
    if config.bulk_count:
        stages += [(JobStage.policy, 1), (JobStage.bulk, config.bulk_count)]
    return stages


def plan(job: Job, config: GenerationConfig, size: int, seeds: int | None = None) -> list[dict[str, object]]:
    """Exactly the rows asked for plus the policy item, keyed ``seed-0000001`` and so on."""
    rows: list[dict[str, object]] = []
    for stage, count in stage_sizes(config, seeds):
        keys = ((str(stage) if stage is JobStage.policy else f"{stage}-{i:07d}", i) for i in range(count))
        rows += item_rows(job, stage, keys, size)
    return rows


async def create(session: AsyncSession, user: User, body: GenerationRequest, settings: Settings) -> Job:
    """A new dataset and the job that fills it; its first chunks are sent after the commit."""
    config = await request_config(session, body, settings)
    return await start(
        session,
        user,
        body,
        settings,
        JobKind.generate,
        GenerateConfig.model_validate(
            {
                **config.model_dump(),
                **spec_fields(body.task_spec_id, config),
                "delivery": body.delivery,
                "deadline": body.deadline,
            }
        ),
    )


async def create_preview(
    session: AsyncSession, user: User, body: GenerationRequest, settings: Settings
) -> Job:
    """A job of ``PREVIEW_ROWS`` rows as ``body`` would write them, into a hidden dataset.

    The job is an ordinary generation job (the same paid-call path, ledger and budgets); only its
    dataset is marked ``preview``: no list shows it, and it is deleted when the preview is discarded.
    """
    if body.seed_examples is not None:
        raise BadRequest("a preview writes rows from the data type and domain; amplifications have none")
    config = await request_config(session, body.model_copy(update={"count": PREVIEW_ROWS}), settings)
    stored = GenerateConfig.model_validate(config.model_dump() | {"preview": True})
    return await start(session, user, body, settings, JobKind.generate, stored, status=DatasetStatus.preview)


async def start(
    session: AsyncSession,
    user: User,
    body: GenerationRequest,
    settings: Settings,
    kind: JobKind,
    config: JobConfig,
    seeds: int | None = None,
    status: DatasetStatus = DatasetStatus.generating,
) -> Job:
    """Create the dataset, the job of ``kind`` with its stored ``config``, and its planned items."""
    await check_new_job(session, settings, user, config.count + (seeds or 0))
    dataset = await datasets.create(
        session,
        user,
        DatasetCreate(
            name=body.name,
            description=body.description,
            data_type=body.data_type,
            domain=config.domains[0] if len(config.domains) == 1 else None,
            subdomain=config.subdomain,
        ),
        reason="generated",
        status=status,
    )
    stored = config.model_dump(mode="json")
    job = new_job(
        kind,
        dataset,
        user,
        stage=JobStage.seed,
        config=stored,
        requested=config.count + (seeds or 0),
        budget=body.budget_usd,
    )
    session.add(job)
    await session.flush()
    size = chunk_size(settings.job_chunk_size, runs_in_process(config.student))
    await repository.insert_items(session, plan(job, config, size, seeds))
    await dispatch(session, job.id, JobStage.seed)
    return job


class GenerateKind:
    """Seed rows by the teacher, the policy, bulk rows by the student."""

    kind: ClassVar[JobKind] = JobKind.generate
    stages: ClassVar[tuple[JobStage, ...]] = (JobStage.seed, JobStage.policy, JobStage.bulk)
    versioned: ClassVar[bool] = False
    config_model: ClassVar[type[JobConfig]] = GenerateConfig

    def config_of(self, job: Job) -> JobConfig:
        """The job's config, validated."""
        return self.config_model.model_validate(job.config)

    def model(self, stage: JobStage, config: GenerationConfig) -> str | None:
        """The teacher writes the seeds, the student the bulk; the policy is one item."""
        return {JobStage.seed: config.teacher, JobStage.bulk: config.student}.get(stage)

    def after(self, stage: JobStage, counts: StageCounts) -> JobStage | Failed | None:
        """Seed → policy → bulk; a job of seed rows only is complete after them."""
        if stage is JobStage.seed:
            if JobStage.policy not in counts:  # the teacher writes every row
                return None
            if not counts[JobStage.seed].get(ItemStatus.done):
                return Failed("no seed row was accepted, so the student has nothing to learn")
        return NEXT.get(stage)

    async def prepare(self, items: Items, runtime: JobRuntime, job: Job) -> bool:
        """The bulk stage needs the policy and the seed rows."""
        if job.stage == JobStage.bulk:
            return await items.load_policy(runtime, job)
        return True

    async def run_item(self, items: Items, runtime: JobRuntime, lease: Lease) -> None:
        """Write the policy, or write and validate one row until one is accepted or variants run out."""
        if lease.stage == JobStage.policy:
            await self._policy(items, runtime, lease)
        else:
            await self._row(items, runtime, lease)

    async def finish(self, session: AsyncSession, job: Job) -> None:
        """The dataset holds the accepted rows: recount them, mark it ready."""
        await finish_dataset(session, job, DatasetStatus.ready)

    def offset(self, runtime: JobRuntime, stage: str) -> int:
        """Where a stage's rows start in the dataset: the bulk rows follow the seed rows."""
        return runtime.config.seed_count if stage == JobStage.bulk else 0

    def most_variants(self, items: Items, lease: Lease) -> int:
        """How often a rejected row may be written again."""
        return items.settings.job_max_variants

    async def write(self, runtime: JobRuntime, lease: Lease, key: str, variant: int) -> ItemResult:
        """Write and validate one row of the item (``key`` names the variant's request)."""
        engine = runtime.engine
        if lease.stage == JobStage.seed:
            answer, provenance = await write_seed(engine, lease.position, key)
            return await validate_row(engine, key, lease.position, Stage.seed, answer, provenance)
        assert runtime.policy is not None
        assert runtime.seeds is not None
        answer, provenance = await write_bulk(engine, lease.position, key, runtime.policy, runtime.seeds)
        return await validate_row(engine, key, lease.position, Stage.bulk, answer, provenance)

    async def extract(self, engine: Engine, seeds: list[Row]) -> TaskPolicy:
        """The teacher summarises the accepted seed rows into the policy the student follows."""
        policy, _ = await extract_policy(engine, seeds)
        return policy

    async def _row(self, items: Items, runtime: JobRuntime, lease: Lease) -> None:
        variant = lease.variant
        while True:
            key = lease.item_key if variant == 0 else f"{lease.item_key}~{variant}"
            result = await items.calls(runtime, lease, self.write(runtime, lease, key, variant))
            if result is None:
                return
            reason = await items.accept(
                runtime, lease, result, lease.position + self.offset(runtime, lease.stage)
            )
            if reason is None:
                return
            variant += 1
            if variant > self.most_variants(items, lease):
                await items.settle(lease, ItemStatus.rejected, error=reason, variant=variant)
                return
            if not await items.next_variant(lease, variant):
                return  # the lease was lost: another worker has the item now

    async def _policy(self, items: Items, runtime: JobRuntime, lease: Lease) -> None:
        seeds = await items.seeds(runtime)
        policy = await items.calls(runtime, lease, self.extract(runtime.engine, seeds))
        if policy is None:
            return
        async with items.maker() as session, session.begin():
            if await repository.finish(session, lease, ItemStatus.done):
                await repository.set_policy(session, runtime.job_id, policy.model_dump(mode="json"))
                await repository.mark_progress(session, runtime.job_id)
