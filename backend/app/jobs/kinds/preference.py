"""Preference jobs: the teacher and the student answer every prompt; a judge compares them in both orders.

One item per prompt, keyed as relabel keys it (``prompt_keys``), so the answers' requests are those of
a relabel job or a cascade on the same prompts and the shared response cache pays for none twice. Each
item is the library's ``PreferenceRun.pair`` run through the job engine's paid-call path (ledger,
budget, provider failures are ``Items.calls``'): both answers, then the pairwise judge asked twice, the
teacher's answer shown first and then the student's, and ``decide_pair``'s verdict. A kept pair is a row
whose messages are the prompt and the chosen answer (so every chat export still reads it), whose
record holds ``prompt`` / ``chosen`` / ``rejected`` (what the ``trl-dpo`` and ``openai-preference``
exports write) and whose provenance holds both verdicts. A pair that is not kept (position-inconsistent,
a tie, below the margin, an unusable answer) is a rejected item with its reason; its verdicts are kept
in the item's result, which the job read's ``preference`` summary counts.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, ClassVar

from pydantic import Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.datasets import service as datasets
from app.datasets.schemas import DatasetCreate
from app.jobs import observe, repository
from app.jobs.finish import finish_dataset
from app.jobs.items import Items, JobRuntime
from app.jobs.kinds.base import Failed, JobConfig, StageCounts
from app.jobs.planning import new_job, start_row_job
from app.jobs.repository import Lease
from app.jobs.schemas import PreferenceRequest, PreferenceSummary, ReasonCount
from app.models import DatasetStatus, ItemStatus, Job, JobKind, JobStage, User
from app.promptsets import repository as prompt_repository
from app.promptsets import service as promptsets
from app.users.quotas import check_new_job
from distillation.pipeline import Engine, GenerationConfig, ItemResult, Provenance, Row
from distillation.preference import DEFAULT_MIN_MARGIN, MemoryPreferenceSink, PreferencePair, PreferenceRun
from distillation.promptsets import PromptRecord
from distillation.providers import runs_in_process
from distillation.relabel import prompt_keys, relabel_config

DATA_TYPE = "generation"
# As in relabel: distinct prompts may rightly get similar answers; only an identical row is a duplicate.
NO_NEAR_DUPLICATES = 1.0
# The item result's key of the pair's outcome.
PAIR = "pair"
# How many rejection kinds the summary names.
MOST_REASONS = 10


class PreferenceConfig(JobConfig):
    """A preference job's config: the engine's (teacher, student, judge; no fixes), the set and the margin."""

    prompt_set_id: uuid.UUID
    # The version of the set the job answers (its items are that version's prompts, by position).
    prompt_set_version: int = 1
    min_margin: float = Field(default=DEFAULT_MIN_MARGIN, ge=0, le=10)


async def create(session: AsyncSession, user: User, body: PreferenceRequest, settings: Settings) -> Job:
    """A new dataset and the job that fills it with the preference pairs of the set's prompts."""
    prompt_set = await promptsets.get_readable(session, user, body.prompt_set_id)
    version = promptsets.check_version(prompt_set, body.prompt_set_version)
    stored = await prompt_repository.all_prompts(session, prompt_set.id, version)
    if not stored:
        raise BadRequest("the prompt set has no prompts")
    await check_new_job(session, settings, user, len(stored))
    try:
        engine_config = relabel_config(
            body.teacher,
            count=len(stored),
            judge=body.judge,
            student=body.student,
            max_tokens=body.max_tokens,
            temperature=body.temperature,
            seed=body.seed,
            concurrency=body.concurrency,
        )
        config = PreferenceConfig.model_validate(
            {
                **engine_config.model_dump(),
                "near_duplicate_threshold": NO_NEAR_DUPLICATES,
                "prompt_set_id": prompt_set.id,
                "prompt_set_version": version,
                "min_margin": body.min_margin,
            }
        )
    except (ValidationError, ValueError) as exc:
        raise BadRequest(str(exc)) from exc
    dataset = await datasets.create(
        session,
        user,
        DatasetCreate(name=body.name, description=body.description, data_type=DATA_TYPE),
        reason="preference pairs",
        status=DatasetStatus.generating,
    )
    job = new_job(
        JobKind.preference,
        dataset,
        user,
        stage=JobStage.preference,
        config=config.model_dump(mode="json"),
        requested=len(stored),
        budget=body.budget_usd,
    )
    keys = prompt_keys([promptsets.record_of(prompt) for prompt in stored])
    rows = [(key, prompt.position) for key, prompt in zip(keys, stored, strict=True)]
    local = any(runs_in_process(model) for model in (body.teacher, body.student, body.judge or body.teacher))
    return await start_row_job(
        session, job, dataset, rows, local=local, configured_chunk=settings.job_chunk_size
    )


async def pair_of(
    engine: Engine, key: str, index: int, prompt: PromptRecord, min_margin: float
) -> PreferencePair:
    """Both answers to one prompt and both verdicts: the library's per-prompt step of a preference run."""
    return await PreferenceRun(engine, MemoryPreferenceSink(), min_margin=min_margin).pair(index, key, prompt)


def outcome(pair: PreferencePair) -> dict[str, Any]:
    """What an item's result keeps of its pair: the decision and both verdicts (also when not kept)."""
    return {
        PAIR: {
            "kept": pair.kept,
            "preferred": pair.preferred,
            "margin": pair.margin,
            "reason": pair.reason,
            "teacher": pair.teacher.model_dump(mode="json"),
            "student": pair.student.model_dump(mode="json"),
            "verdicts": [verdict.model_dump(mode="json") for verdict in pair.verdicts],
        }
    }


def as_row(pair: PreferencePair, prompt_set_id: uuid.UUID) -> Row:
    """A kept pair as a dataset row: the prompt and the chosen answer, the pair in the record."""
    chosen, rejected = pair.chosen_and_rejected()
    prompt = pair.prompt
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
    chosen_model = pair.teacher.model if pair.preferred == "teacher" else pair.student.model
    provenance = Provenance(
        stage=JobStage.preference.value,
        model=chosen_model,
        template_hash="",
        scenario=scenario,
        calls=pair.calls,
        decision="keep",
        decision_reason=pair.reason,
    )
    record = {
        "prompt": prompt.messages,
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
        "source": source,
    }
    # Row's stage is one of the pipeline's row stages; a pair keeps its own, "preference".
    return Row.model_construct(
        key=pair.key,
        index=pair.index,
        stage=JobStage.preference.value,  # type: ignore[arg-type]  # see the comment above
        record=record,
        messages=[*prompt.messages, {"role": "assistant", "content": chosen}],
        score=pair.margin,
        provenance=provenance,
    )


def reason_kind(reason: str) -> str:
    """A rejection's stable key: the words before its first colon (``tie``, ``below margin``...)."""
    return reason.split(":", 1)[0].strip().lower()[:60] or "unknown"


async def summary(session: AsyncSession, job: Job) -> PreferenceSummary | None:
    """The pairs a preference job decided so far; None for other jobs."""
    if job.kind is not JobKind.preference:
        return None
    pairs = [
        result[PAIR]
        for result in await repository.finished_results(session, job.id)
        if isinstance(result.get(PAIR), dict)
    ]
    kept = [pair for pair in pairs if pair.get("kept")]
    reasons = Counter(reason_kind(str(pair.get("reason") or "")) for pair in pairs if not pair.get("kept"))
    return PreferenceSummary(
        pairs=len(pairs),
        kept=len(kept),
        rejected=len(pairs) - len(kept),
        preferred=dict(Counter(str(pair.get("preferred")) for pair in kept)),
        position_inconsistent=reasons["position-inconsistent"],
        ties=reasons["tie"],
        below_margin=reasons["below margin"],
        reasons=[ReasonCount(reason=r, count=n) for r, n in reasons.most_common(MOST_REASONS)],
    )


class PreferenceKind:
    """One item per prompt: both answers, both verdicts; a kept pair is a row, another a rejection."""

    kind: ClassVar[JobKind] = JobKind.preference
    stages: ClassVar[tuple[JobStage, ...]] = (JobStage.preference,)
    versioned: ClassVar[bool] = False

    def config_of(self, job: Job) -> PreferenceConfig:
        """The job's config, validated."""
        return PreferenceConfig.model_validate(job.config)

    def model(self, stage: JobStage, config: GenerationConfig) -> str | None:
        """The teacher answers every prompt (the student and the judge as often)."""
        return config.teacher

    def after(self, stage: JobStage, counts: StageCounts) -> JobStage | Failed | None:
        """One stage; the job fails when no pair was kept."""
        if not counts.get(stage, {}).get(ItemStatus.done):
            return Failed("no prompt gave a pair with a clear enough preference")
        return None

    async def prepare(self, items: Items, runtime: JobRuntime, job: Job) -> bool:
        """Nothing to load: each item reads its own prompt."""
        return True

    async def run_item(self, items: Items, runtime: JobRuntime, lease: Lease) -> None:
        """Decide one prompt's pair; keep it as a row or record why not."""
        config = runtime.config
        assert isinstance(config, PreferenceConfig)
        async with items.maker() as session:
            stored = await prompt_repository.prompt_at(session, config.prompt_set_id, lease.position)
        if stored is None:
            await items.settle(lease, ItemStatus.failed, error="the prompt is no longer in its prompt set")
            return
        prompt = promptsets.record_of(stored)
        work = pair_of(runtime.engine, lease.item_key, lease.position, prompt, config.min_margin)
        pair = await items.calls(runtime, lease, work)
        if pair is None:
            return
        result = outcome(pair)
        if not pair.kept:
            observe.rejected_variant(lease.stage, reason_kind(pair.reason))
            await items.settle(lease, ItemStatus.rejected, result=result, error=pair.reason)
            return
        row = ItemResult(row=as_row(pair, config.prompt_set_id))
        both = {"preference": result[PAIR]}
        reason = await items.accept(runtime, lease, row, lease.position, extra=result, provenance=both)
        if reason is not None:
            observe.rejected_variant(lease.stage, reason)
            await items.settle(lease, ItemStatus.rejected, result=result, error=reason)

    async def finish(self, session: AsyncSession, job: Job) -> None:
        """The dataset holds the kept pairs: recount them, mark it ready."""
        await finish_dataset(session, job, DatasetStatus.ready)
