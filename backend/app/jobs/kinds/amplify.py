"""Seed amplification as a job: the user's input/output examples become the seed rows (each traced by the
teacher), the teacher summarises them into the task policy, and the student writes new pairs from it.

The steps are the library's (``distillation.amplify.steps``); here they send their requests through the
job engine's paid-call path (``engine.calls``), so every call is answered from the shared response cache
or booked in the ledger, and every new pair is checked, judged and fixed like any generated row. Rows
are single-turn chats of the ``generation`` data type with the instruction as system prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import BadRequest
from app.jobs.items import Items, JobRuntime
from app.jobs.kinds import generate
from app.jobs.kinds.base import JobConfig, spec_fields
from app.jobs.repository import Lease
from app.jobs.schemas import GenerationRequest, SeedExample
from app.models import Job, JobKind, JobStage, User
from distillation.amplify import steps
from distillation.amplify.seeds import Pair
from distillation.datatypes import TaskPolicy
from distillation.pipeline import (
    Answer,
    Engine,
    ItemResult,
    Provenance,
    Rejection,
    Row,
    Stage,
    validate_row,
)

DATA_TYPE = "generation"


def seed_pairs(examples: Sequence[SeedExample]) -> list[Pair]:
    """The user's examples of an amplification job, keyed ``seed-0000``, ``seed-0001``..."""
    return [
        Pair(f"seed-{index:04d}", example.input, example.output) for index, example in enumerate(examples)
    ]


def instruction(engine: Engine) -> str:
    """The task's instruction: the system prompt of every row."""
    return (engine.config.instruction or "").strip()


def chat_record(pair: Pair) -> dict[str, Any]:
    """A pair as a ``generation`` record: one user turn, one assistant turn."""
    return {"turns": [{"role": "user", "content": pair.input}, {"role": "assistant", "content": pair.output}]}


def pair_of(row: Row) -> Pair:
    """A seed row back as the pair the steps take (with its traced reasoning)."""
    turns = row.record.get("turns") or []
    text = {turn.get("role"): str(turn.get("content", "")) for turn in turns}
    return Pair(row.key, text.get("user", ""), text.get("assistant", ""), row.provenance.reasoning)


def _with_system(engine: Engine, messages: list[dict[str, str]]) -> list[dict[str, str]]:
    if messages and messages[0].get("role") == "system":
        return messages
    return [{"role": "system", "content": instruction(engine)}, *messages]


async def trace_seed(engine: Engine, pair: Pair, index: int) -> Row:
    """The user's example as a seed row, with the teacher's chain of thought in its provenance.

    A trace the teacher could not write is noted; the example is kept all the same.
    """
    traced = await steps.trace_seed(engine.calls, engine.teacher, instruction(engine), pair, engine.renderer)
    note = "the user's example" if traced.error is None else f"the user's example (no trace: {traced.error})"
    records = [] if traced.call is None else [traced.call.record]
    provenance = Provenance(
        stage=Stage.seed,
        model=engine.teacher.model_id,
        template_hash=records[-1].template_hash if records else "",
        scenario={},
        calls=records,
        decision="keep",
        decision_reason=note[:500],
        reasoning=traced.pair.reasoning,
    )
    return Row(
        key=pair.key,
        index=index,
        stage=Stage.seed,
        record=chat_record(pair),
        messages=pair.messages(instruction(engine)),
        provenance=provenance,
    )


async def extract_policy(engine: Engine, seeds: Sequence[Row]) -> TaskPolicy:
    """The teacher's policy for the traced seeds (measured from them for an in-process teacher)."""
    pairs = [pair_of(row) for row in seeds]
    if engine.policy_from_seeds:
        return steps.measured_policy(instruction(engine), pairs)
    policy, _, _ = await steps.extract_policy(
        engine.calls, engine.teacher, instruction(engine), pairs, engine.renderer
    )
    return policy


async def write_pair(
    engine: Engine, policy: TaskPolicy, seeds: Sequence[Row], index: int, key: str, variation: int
) -> ItemResult:
    """Write new pair ``variation`` from the policy and rotating seeds, then check and judge it."""
    pairs = [pair_of(row) for row in seeds]
    shown = max(1, engine.config.exemplars)
    written = await steps.write_pair(
        engine.calls,
        engine.student,
        instruction(engine),
        policy,
        pairs,
        variation,
        exemplars=shown,
        max_tokens=engine.config.max_tokens,
        response_model=None,
        renderer=engine.renderer,
    )
    record = written.call.record
    chosen = [pairs[(variation + offset) % len(pairs)].key for offset in range(min(shown, len(pairs)))]
    provenance = Provenance(
        stage=Stage.bulk,
        model=engine.student.model_id,
        template_hash=record.template_hash,
        scenario={},
        exemplar_ids=chosen,
        calls=[record],
    )
    if written.pair is None:
        reason = written.error or "the student wrote no pair"
        rejection = Rejection(
            key=key, stage=Stage.bulk, reason=reason, raw=written.call.answer.text, model=provenance.model
        )
        return ItemResult(rejection=rejection)
    answer = Answer(
        model_id=written.call.answer.model_id,
        fingerprint=written.call.answer.fingerprint,
        text=written.call.answer.text,
        data=chat_record(written.pair),
    )
    result = await validate_row(engine, key, index, Stage.bulk, answer, provenance)
    if result.row is None:
        return result
    return ItemResult(
        row=result.row.model_copy(update={"messages": _with_system(engine, result.row.messages)})
    )


class AmplifyConfig(JobConfig):
    """An amplification job's config: the engine's config and the user's examples."""

    seed_examples: tuple[SeedExample, ...] = Field(min_length=1)


def check_request(body: GenerationRequest) -> None:
    """Refuse a request whose examples cannot be amplified (400 with the reason)."""
    if not (body.instruction or "").strip():
        raise BadRequest("seed amplification needs an instruction: the task the examples show")
    if body.data_type != DATA_TYPE:
        raise BadRequest(f"seed examples are amplified into chat rows: data_type must be {DATA_TYPE!r}")


async def create(session: AsyncSession, user: User, body: GenerationRequest, settings: Settings) -> Job:
    """A new dataset and the job that amplifies the request's examples into it."""
    assert body.seed_examples is not None
    check_request(body)
    config = await generate.request_config(session, body, settings)
    stored = AmplifyConfig.model_validate(
        {
            **config.model_dump(),
            **spec_fields(body.task_spec_id, config),
            "seed_examples": body.seed_examples,
            "delivery": body.delivery,
            "deadline": body.deadline,
        }
    )
    seeds = len(body.seed_examples)
    return await generate.start(session, user, body, settings, JobKind.amplify, stored, seeds)


class AmplifyKind(generate.GenerateKind):
    """A generation job whose seed rows are the user's examples, traced by the teacher."""

    kind: ClassVar[JobKind] = JobKind.amplify
    config_model: ClassVar[type[JobConfig]] = AmplifyConfig

    def offset(self, runtime: JobRuntime, stage: str) -> int:
        """The new pairs follow the user's examples."""
        return len(_examples(runtime)) if stage == JobStage.bulk else 0

    def most_variants(self, items: Items, lease: Lease) -> int:
        """A user's example cannot be written again: a duplicate one is rejected at once."""
        return 0 if lease.stage == JobStage.seed else items.settings.job_max_variants

    async def write(self, runtime: JobRuntime, lease: Lease, key: str, variant: int) -> ItemResult:
        """Trace the user's example, or write new pair ``lease.position`` (its variant's own request)."""
        engine = runtime.engine
        if lease.stage == JobStage.seed:
            pair = seed_pairs(_examples(runtime))[lease.position]
            return ItemResult(row=await trace_seed(engine, pair, lease.position))
        assert runtime.policy is not None
        assert runtime.seeds is not None
        variation = lease.position + variant * engine.config.count  # unique per item and variant
        return await write_pair(engine, runtime.policy, runtime.seeds, lease.position, key, variation)

    async def extract(self, engine: Engine, seeds: list[Row]) -> TaskPolicy:
        """The teacher's policy for the traced examples."""
        return await extract_policy(engine, seeds)


def _examples(runtime: JobRuntime) -> tuple[SeedExample, ...]:
    assert isinstance(runtime.config, AmplifyConfig)
    return runtime.config.seed_examples
