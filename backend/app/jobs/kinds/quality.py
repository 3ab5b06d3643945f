"""Quality jobs: each item judges one row of a dataset, then keeps it, rewrites it or removes it.

The changes land in the dataset's next version (fixed rows are new rows, removed rows are closed),
which becomes the current version when the job finishes; kept rows get their new scores in place.
Rows that carry a typed record go through the library's full validation (structure, judge, fix);
rows without one (uploaded chat rows) are judged on their messages and kept or removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.datasets import service as datasets
from app.datasets.service import search_text
from app.jobs import example_repository, observe, repository
from app.jobs.finish import finish_version
from app.jobs.items import Items, JobRuntime
from app.jobs.kinds.base import Failed, StageCounts, VersionedConfig, versions
from app.jobs.planning import new_job, start_row_job
from app.jobs.repository import Lease
from app.jobs.schemas import QualityRequest
from app.models import Example, ItemStatus, Job, JobKind, JobStage, User
from app.models.base import utcnow
from app.users.quotas import check_new_job
from distillation.datatypes import get_datatype
from distillation.pipeline import (
    Answer,
    Engine,
    GenerationConfig,
    JudgePolicy,
    Provenance,
    Row,
    RowStage,
    Stage,
    judge_row,
    validate_row,
)
from distillation.providers import runs_in_process
from distillation.quality import Decision, aggregate_score, decide

Verdict = Literal["keep", "fix", "remove"]


@dataclass(frozen=True)
class Review:
    """What the judge decided about one row."""

    verdict: Verdict
    score: float | None
    scores: dict[str, float] | None
    reason: str | None
    row: Row | None = None


def _provenance(example: Example) -> Provenance:
    try:
        provenance = Provenance.model_validate(example.provenance)
    except ValueError:
        provenance = Provenance(stage=example.stage, model="", template_hash="", scenario={})
    return provenance.model_copy(update={"calls": [], "fixes": list(provenance.fixes)})


def _typed(engine: Engine, example: Example) -> dict[str, Any] | None:
    record = example.record
    if not record or ("metadata" in record and len(record) == 1):
        return None
    return record if engine.datatype.check(record, engine.context).record is not None else None


async def review(engine: Engine, example: Example) -> Review:
    """Judge one row (and rewrite it when it scores low and has a typed record)."""
    key, index, provenance = example.item_key, example.position, _provenance(example)
    stage: RowStage = Stage.seed if example.stage == Stage.seed else Stage.bulk
    record = _typed(engine, example)
    if record is not None:
        answer = Answer(
            model_id="dataset", fingerprint=f"row:{example.id}", text=json.dumps(record), data=record
        )
        result = await validate_row(engine, key, index, stage, answer, provenance)
        if result.row is None:
            assert result.rejection is not None
            return Review("remove", None, provenance.judge_scores, result.rejection.reason)
        row = result.row
        verdict: Verdict = "fix" if len(row.provenance.fixes) > len(_provenance(example).fixes) else "keep"
        return Review(verdict, row.score, row.provenance.judge_scores, row.provenance.decision_reason, row)
    scores, feedback = await judge_row(engine, key, {"messages": example.messages}, provenance)
    score = aggregate_score(scores) if scores is not None else None
    thresholds = engine.config.thresholds
    decision = decide(score, thresholds, structure_ok=True, fix_attempts=thresholds.max_fix_attempts)
    verdict = "remove" if decision.decision is Decision.REMOVE else "keep"
    return Review(verdict, score, scores.criteria() if scores else None, feedback or decision.reason)


async def apply(session: AsyncSession, example: Example, outcome: Review, target: int) -> None:
    """Write the verdict into the target version."""
    if outcome.verdict == "keep":
        await example_repository.rescore(session, example.id, outcome.score, outcome.scores)
        return
    await example_repository.retire(session, example.id, target)
    if outcome.verdict == "fix" and outcome.row is not None:
        row = outcome.row
        fixed = Example(
            dataset_id=example.dataset_id,
            item_key=example.item_key,
            position=example.position,
            added_in=target,
            stage=example.stage,
            messages=row.messages,
            record=row.record,
            score=row.score,
            scores=row.provenance.judge_scores,
            provenance={**row.provenance.model_dump(mode="json"), "fixed_from": str(example.id)},
            cluster=example.cluster,
            search_text=search_text(row.messages),
            content_hash=None,
            created_at=utcnow(),
        )
        await example_repository.add(session, fixed, bands=())


class QualityConfig(VersionedConfig):
    """A quality job's config: the judge (as the engine's judge, teacher and student) and the versions.

    A quality job exists to judge every row: its judge policy is the strong judge on every row, also
    for jobs stored before judge policies existed.
    """

    judge_policy: JudgePolicy = Field(default_factory=JudgePolicy.every_row)


async def create(session: AsyncSession, user: User, body: QualityRequest, settings: Settings) -> Job:
    """A job that judges every current row of a dataset; its verdicts become the next version."""
    dataset = await datasets.get_writable(session, user, body.dataset_id)
    datasets.ensure_idle(dataset)
    rows = await example_repository.chosen_rows(session, dataset.id, dataset.version, body.example_ids)
    if not rows:
        raise BadRequest("the dataset has no examples to judge")
    await check_new_job(session, settings, user, len(rows))
    try:
        get_datatype(dataset.data_type)
        config = GenerationConfig(
            data_type=dataset.data_type,
            count=len(rows),
            teacher=body.fixer or body.judge,
            student=body.judge,
            judge=body.judge,
            thresholds=body.thresholds,
            judge_sample_rate=body.judge_sample_rate,
            judge_policy=JudgePolicy.every_row(),
            concurrency=body.concurrency,
        )
    except (ValidationError, ValueError, KeyError) as exc:
        raise BadRequest(str(exc)) from exc
    bounds = {"source_version": dataset.version, "target_version": dataset.version + 1}
    stored = QualityConfig.model_validate({**config.model_dump(), **bounds})
    job = new_job(
        JobKind.quality,
        dataset,
        user,
        stage=JobStage.judge,
        config=stored.model_dump(mode="json"),
        requested=len(rows),
        budget=body.budget_usd,
    )
    local = runs_in_process(body.judge)
    return await start_row_job(
        session, job, dataset, rows, local=local, configured_chunk=settings.job_chunk_size
    )


class QualityKind:
    """One item per row: judge it, then keep it (new scores), fix it (a new row) or remove it."""

    kind: ClassVar[JobKind] = JobKind.quality
    stages: ClassVar[tuple[JobStage, ...]] = (JobStage.judge,)
    versioned: ClassVar[bool] = True

    def config_of(self, job: Job) -> QualityConfig:
        """The job's config, validated."""
        return QualityConfig.model_validate(job.config)

    def model(self, stage: JobStage, config: GenerationConfig) -> str | None:
        """The judge works every item."""
        return config.judge_model

    def after(self, stage: JobStage, counts: StageCounts) -> JobStage | Failed | None:
        """One stage: the job is complete after it."""
        return None

    async def prepare(self, items: Items, runtime: JobRuntime, job: Job) -> bool:
        """Nothing to load: each item reads its own row."""
        return True

    async def run_item(self, items: Items, runtime: JobRuntime, lease: Lease) -> None:
        """Judge one row of the dataset and write the verdict into the job's target version."""
        source, target = versions(runtime)
        async with items.maker() as session:
            example = await example_repository.row_at(session, runtime.dataset_id, lease.item_key, source)
        if example is None:  # removed since the job was planned
            async with items.maker() as session, session.begin():
                await repository.finish(session, lease, ItemStatus.done, result={"verdict": "gone"})
            return
        outcome = await items.calls(runtime, lease, review(runtime.engine, example))
        if outcome is None:
            return
        result = {"verdict": outcome.verdict, "score": outcome.score, "reason": outcome.reason}
        async with items.maker() as session, session.begin():
            if await repository.finish(session, lease, ItemStatus.done, result=result):
                await repository.mark_progress(session, runtime.job_id)  # job row first (store)
                await apply(session, example, outcome, target)
        observe.reviewed(outcome.verdict, outcome.score)

    async def finish(self, session: AsyncSession, job: Job) -> None:
        """The target version becomes current."""
        words = (("keep", "kept"), ("fix", "fixed"), ("remove", "removed"))
        await finish_version(session, job, self.config_of(job).target_version, words)
