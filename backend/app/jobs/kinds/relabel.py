"""Relabel jobs: the teacher answers every prompt of the user's prompt set; the answers become a dataset.

One item per prompt, keyed as the library keys it (``relabel-`` and the prompt's fingerprint, see
``distillation.relabel.prompt_keys``), so the same prompt is the same request and a resumed job, or a
worker that took over a killed one's item, gets its answer from the shared response cache instead of
paying again. Each item is answered by the library's ``Relabeler`` through the job engine's paid-call
path (ledger, budget, provider failures are ``Items.calls``'), checked and judged on the sampled share;
an accepted answer is a row of the ``generation`` data type whose provenance names the prompt (set,
line, fingerprint), the teacher, the call's cost and the judge's scores. An answer is never rewritten:
a low score rejects the prompt's row.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.jobs import observe
from app.jobs.finish import finish_dataset
from app.jobs.items import Items, JobRuntime
from app.jobs.kinds.base import Failed, JobConfig, StageCounts, spec_fields
from app.jobs.kinds.cascade import trace_result
from app.jobs.planning import new_job, start_row_job
from app.jobs.repository import Lease
from app.jobs.schemas import RelabelRequest
from app.models import DatasetStatus, ItemStatus, Job, JobKind, JobStage, User
from app.promptsets import repository as prompt_repository
from app.promptsets import service as promptsets
from app.taskspecs import service as taskspecs
from app.users.quotas import check_new_job
from distillation.pipeline import Engine, GenerationConfig, ItemResult, Rejection, Row
from distillation.promptsets import PromptRecord
from distillation.providers import runs_in_process
from distillation.relabel import (
    Cascade,
    CascadeTrace,
    MemoryRelabelSink,
    Relabeler,
    RelabelRow,
    prompt_keys,
    relabel_config,
)

DATA_TYPE = "generation"
# Near-duplicate answers to distinct prompts are kept: the user asked for every prompt to be answered.
# Only an identical text (the same prompt answered the same) counts as a duplicate.
NO_NEAR_DUPLICATES = 1.0


class RelabelConfig(JobConfig):
    """A relabel job's config: the engine's config (the teacher answers, no fixes) and the prompt set.

    ``cascade``: student first (the engine's student answers, the teacher re-answers the escalated).
    """

    prompt_set_id: uuid.UUID
    # The version of the set the job answers (its items are that version's prompts, by position).
    prompt_set_version: int = 1
    cascade: Cascade | None = None


async def create(session: AsyncSession, user: User, body: RelabelRequest, settings: Settings) -> Job:
    """A new dataset and the job that fills it with the teacher's answers to the set's prompts."""
    prompt_set = await promptsets.get_readable(session, user, body.prompt_set_id)
    version = promptsets.check_version(prompt_set, body.prompt_set_version)
    stored = await prompt_repository.all_prompts(session, prompt_set.id, version)
    if not stored:
        raise BadRequest("the prompt set has no prompts")
    await check_new_job(session, settings, user, len(stored))
    task = None
    if body.task_spec_id is not None:
        task, _ = await taskspecs.for_job(session, body.task_spec_id, body.task_spec_version)
    try:
        engine_config = relabel_config(
            body.teacher,
            count=len(stored),
            judge=body.judge,
            judge_sample_rate=body.judge_sample_rate,
            thresholds=body.thresholds,
            max_tokens=body.max_tokens,
            temperature=body.temperature,
            seed=body.seed,
            concurrency=body.concurrency,
            student=body.student if body.cascade else None,
            task=task,
        )
        cascade = Cascade(escalate_below=body.escalate_below) if body.cascade else None
        config = RelabelConfig.model_validate(
            {
                **engine_config.model_dump(),
                **spec_fields(body.task_spec_id, engine_config),
                "near_duplicate_threshold": NO_NEAR_DUPLICATES,
                "prompt_set_id": prompt_set.id,
                "prompt_set_version": version,
                "cascade": cascade,
            }
        )
    except (ValidationError, ValueError) as exc:
        raise BadRequest(str(exc)) from exc
    dataset = await datasets.create(
        session,
        user,
        DatasetCreate(name=body.name, description=body.description, data_type=DATA_TYPE),
        reason="relabelled",
        status=DatasetStatus.generating,
    )
    job = new_job(
        JobKind.relabel,
        dataset,
        user,
        stage=JobStage.relabel,
        config=config.model_dump(mode="json"),
        requested=len(stored),
        budget=body.budget_usd,
    )
    keys = prompt_keys([promptsets.record_of(prompt) for prompt in stored])
    rows = [(key, prompt.position) for key, prompt in zip(keys, stored, strict=True)]
    local = runs_in_process(body.teacher) or (body.cascade and runs_in_process(body.student or ""))
    return await start_row_job(
        session, job, dataset, rows, local=local, configured_chunk=settings.job_chunk_size
    )


async def answer(
    engine: Engine, key: str, index: int, prompt: PromptRecord, cascade: Cascade | None = None
) -> tuple[RelabelRow | Rejection, CascadeTrace | None]:
    """The checked (and, when sampled, judged) answer to one prompt, or why it was rejected.

    The library's per-prompt step of ``Relabeler.run``; the job runs one prompt per item, so the window,
    the sink and the report of a whole run are the job system's instead. With ``cascade`` the student
    answers first; the trace says what the prompt went through (None without a cascade).
    """
    relabeler = Relabeler(engine, MemoryRelabelSink(), cascade=cascade)
    outcome = await relabeler.answer(index, key, prompt)
    return outcome, relabeler.traces[-1] if relabeler.traces else None


def as_row(answered: RelabelRow, prompt_set_id: uuid.UUID) -> Row:
    """The answer as a dataset row: the chat, its source prompt (and the tools it offered) in the record
    and the provenance."""
    prompt = answered.prompt
    source: dict[str, Any] = {
        "prompt_set_id": str(prompt_set_id),
        "line": prompt.line,
        "fingerprint": prompt.fingerprint,
        "variables": prompt.variables,
        "reference": prompt.reference,
    }
    scenario = {
        "prompt_set_id": str(prompt_set_id),
        "line": str(prompt.line),
        "fingerprint": prompt.fingerprint,
    }
    provenance = answered.provenance.model_copy(update={"scenario": scenario})
    # Row's stage is one of the pipeline's row stages; a relabelled row keeps its own, "relabel".
    record: dict[str, Any] = {"turns": answered.messages, "source": source}
    if prompt.tools:  # the tools offered travel with the row, into the OpenAI fine-tuning export
        record["tools"] = prompt.tools
    return Row.model_construct(
        key=answered.key,
        index=answered.index,
        stage=JobStage.relabel.value,  # type: ignore[arg-type]  # see the comment above
        record=record,
        messages=answered.messages,
        score=answered.score,
        provenance=provenance,
    )


class RelabelKind:
    """One item per prompt: the teacher answers it; the answer is kept or rejected, never rewritten."""

    kind: ClassVar[JobKind] = JobKind.relabel
    stages: ClassVar[tuple[JobStage, ...]] = (JobStage.relabel,)
    versioned: ClassVar[bool] = False

    def config_of(self, job: Job) -> RelabelConfig:
        """The job's config, validated."""
        return RelabelConfig.model_validate(job.config)

    def model(self, stage: JobStage, config: GenerationConfig) -> str | None:
        """The teacher answers every prompt."""
        return config.teacher

    def after(self, stage: JobStage, counts: StageCounts) -> JobStage | Failed | None:
        """One stage; the job fails when no answer was kept."""
        if not counts.get(stage, {}).get(ItemStatus.done):
            return Failed("no prompt got an answer that was kept")
        return None

    async def prepare(self, items: Items, runtime: JobRuntime, job: Job) -> bool:
        """Nothing to load: each item reads its own prompt."""
        return True

    async def run_item(self, items: Items, runtime: JobRuntime, lease: Lease) -> None:
        """Answer one prompt; keep the row or record why it was rejected."""
        assert isinstance(runtime.config, RelabelConfig)
        prompt_set_id = runtime.config.prompt_set_id
        async with items.maker() as session:
            stored = await prompt_repository.prompt_at(session, prompt_set_id, lease.position)
        if stored is None:
            await items.settle(lease, ItemStatus.failed, error="the prompt is no longer in its prompt set")
            return
        prompt = promptsets.record_of(stored)
        work = answer(runtime.engine, lease.item_key, lease.position, prompt, runtime.config.cascade)
        answered = await items.calls(runtime, lease, work)
        if answered is None:
            return
        outcome, trace = answered
        traced = trace_result(trace)
        if isinstance(outcome, Rejection):
            observe.rejected_variant(lease.stage, outcome.reason)
            await items.settle(lease, ItemStatus.rejected, result=traced, error=outcome.reason)
            return
        result = ItemResult(row=as_row(outcome, prompt_set_id))
        path = None if trace is None else {"cascade": trace.provenance()}
        reason = await items.accept(runtime, lease, result, lease.position, extra=traced, provenance=path)
        if reason is not None:
            observe.rejected_variant(lease.stage, reason)
            await items.settle(lease, ItemStatus.rejected, result=traced, error=reason)

    async def finish(self, session: AsyncSession, job: Job) -> None:
        """The dataset holds the kept answers: recount them, mark it ready."""
        await finish_dataset(session, job, DatasetStatus.ready)
