"""The job-kind protocol: what one kind of job declares and does; the shared machinery calls it.

A job's life, the same for every kind:

1. *plan*: the kind's ``create`` function (the request is the kind's own) checks the request, stores
   the kind's typed config and plans one item per unit of work, in the kind's first stage;
2. *run one item*: a worker leases an item (``tasks`` → ``flow``) and hands it to ``run_item``, which
   makes the model calls through ``Items.calls`` (ledger, budget, provider failures);
3. *accept or replace*: the item is settled through ``Items`` — a new row accepted
   (``Items.accept``), an old row replaced (``Items.replace``), or a verdict recorded;
4. *finish*: when a stage has no open item, ``after`` names the next stage (or ``Failed``, or None when
   the job is complete), and ``finish`` settles the dataset of a completed job.

Leases, fences, the ledger, the outbox and the Celery task never look at the kind.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal, Protocol

from pydantic import ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs.items import Items, JobRuntime
from app.jobs.repository import Lease
from app.models import Job, JobKind, JobStage
from distillation.pipeline import GenerationConfig

# Per stage, per item status: how many items (``repository.item_counts`` of one job).
StageCounts = dict[str, dict[str, int]]
# How the requests of the stages that can wait are sent: one by one, in provider batches, or in
# batches while the deadline leaves the batch window (``distillation.pipeline.batching``).
Delivery = Literal["online", "batch", "auto"]


class JobConfig(GenerationConfig):
    """A job's stored config: the engine's generation config plus what the kind adds.

    Read back with ``Kind.config_of``; keys that an older version stored and this one no longer knows
    are ignored, so old rows keep loading.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    # The stored task spec the job runs, and its version (the spec itself is in ``task``).
    task_spec_id: uuid.UUID | None = None
    task_spec_version: int | None = None
    # "batch": the requests of the seed, bulk, judge and fix stages go through the providers' batch
    # APIs at the batch rate (``app.jobs.batches``); rows stored before it existed are "online".
    delivery: Delivery = "online"
    # When the rows are due (delivery "auto").
    deadline: datetime | None = None

    def batch_deadline(self) -> datetime | None:
        """The deadline batch delivery keeps to: the job's with delivery "auto", else none."""
        return self.deadline if self.delivery == "auto" else None

    def engine_config(self) -> GenerationConfig:
        """The engine's part; its budget is enforced by the shared ledger, not in-process."""
        fields = self.model_dump(include=set(GenerationConfig.model_fields))
        return GenerationConfig.model_validate({**fields, "budget_usd": None})


class VersionedConfig(JobConfig):
    """The config of a job whose changes become the dataset's next version."""

    source_version: int
    target_version: int


def versions(runtime: JobRuntime) -> tuple[int, int]:
    """(the version a versioned job reads, the version it writes)."""
    assert isinstance(runtime.config, VersionedConfig)
    return runtime.config.source_version, runtime.config.target_version


@dataclass(frozen=True)
class Failed:
    """A stage ended so that the job cannot go on (why, in the user's words)."""

    reason: str


class Kind(Protocol):
    """One kind of job; registered in ``app.jobs.kinds.registry``."""

    kind: ClassVar[JobKind]
    # Its stages in the order they run.
    stages: ClassVar[tuple[JobStage, ...]]
    # Whether its changes land in the dataset's next version (verdicts are counted, a retry is refused).
    versioned: ClassVar[bool]

    def config_of(self, job: Job) -> JobConfig:
        """The job's config, validated."""
        ...

    def model(self, stage: JobStage, config: GenerationConfig) -> str | None:
        """The model that works the stage's items; None when they are worked one at a time."""
        ...

    def after(self, stage: JobStage, counts: StageCounts) -> JobStage | Failed | None:
        """The stage that follows a finished one; None when the job is complete."""
        ...

    async def prepare(self, items: Items, runtime: JobRuntime, job: Job) -> bool:
        """Load what the stage's items need before any is leased; False to stop (the job cannot run)."""
        ...

    async def run_item(self, items: Items, runtime: JobRuntime, lease: Lease) -> None:
        """Work one leased item and settle it through ``items``."""
        ...

    async def finish(self, session: AsyncSession, job: Job) -> None:
        """Settle the dataset of a job that just completed."""
        ...


def spec_fields(task_spec_id: uuid.UUID | None, config: GenerationConfig) -> dict[str, object]:
    """The job config's record of the stored spec it runs: its id and version (None without one)."""
    if task_spec_id is None or config.task is None:
        return {"task_spec_id": None, "task_spec_version": None}
    return {"task_spec_id": task_spec_id, "task_spec_version": int(config.task.version)}
