"""The per-item steps of a run: write a seed row, extract the task policy, write a bulk row, validate.

Each step is self-contained (it needs only the item's index and, for bulk rows, the policy and the
seed rows), so the same functions run in the CLI's in-process runner and in the service's distributed
workers. Every model call goes through ``Engine.calls`` (:mod:`distillation.pipeline.calls`), which
answers from the fingerprint cache when it can and books every attempt against the budget.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from distillation.datatypes import (
    DataType,
    PromptRenderer,
    RenderedPrompt,
    TaskPolicy,
    ValidationContext,
    policy_extraction_prompt,
    student_bulk_prompt,
    teacher_seed_prompt,
)
from distillation.pipeline.accounting import Accountant
from distillation.pipeline.cache import Answer
from distillation.pipeline.calls import PaidCalls
from distillation.pipeline.config import GenerationConfig
from distillation.pipeline.policy import fit_lengths, seed_policy
from distillation.pipeline.types import CallRecord, JudgingStats, Provenance, Rejection, Row, Stage
from distillation.providers import LLMClient
from distillation.scenarios import Scenario, ScenarioSampler

# Bulk items draw scenarios from their own index range, so they never repeat a seed's scenario.
BULK_SCENARIO_OFFSET = 1 << 24


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What one item produced: an accepted row or a rejection (never both)."""

    row: Row | None = None
    rejection: Rejection | None = None


@dataclass
class Engine:
    """Everything the steps need: the config, the data type, the models and their paid-call path.

    Attributes:
        judge: The strong judge (``config.judge_model``).
        calls: Where every request goes: cache, budget, cost (:mod:`distillation.pipeline.calls`).
        cheap_judge: The judge policy's first-tier judge (``config.cheap_judge_model``); the strong
            judge when None.
        judging: How the judge policy routed the rows validated so far (for the savings report).
    """

    config: GenerationConfig
    datatype: DataType[Any]
    sampler: ScenarioSampler
    teacher: LLMClient
    student: LLMClient
    judge: LLMClient
    calls: PaidCalls
    renderer: PromptRenderer
    cheap_judge: LLMClient | None = None
    judging: JudgingStats = field(default_factory=JudgingStats)
    context: ValidationContext = field(init=False)
    _seed_groups: tuple[int, int, _SeedGroups] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        labels = tuple(self.config.labels) if self.config.labels else None
        self.context = ValidationContext(labels=labels) if labels else ValidationContext()

    @property
    def accountant(self) -> Accountant:
        """The run's spend and budget."""
        return self.calls.accountant

    @property
    def first_judge(self) -> LLMClient:
        """The client of the judge policy's cheap judge."""
        return self.cheap_judge or self.judge

    @property
    def outline_exemplars(self) -> bool:
        """Whether the student sees exemplars by their shape only (``GenerationConfig.exemplar_style``)."""
        style = self.config.exemplar_style
        return style == "outline" or (style == "auto" and self.student.adapter.provider == "local")

    @property
    def policy_from_seeds(self) -> bool:
        """Whether the policy comes from the seeds, not a model (``GenerationConfig.policy_source``)."""
        source = self.config.policy_source
        return source == "seeds" or (source == "auto" and self.teacher.adapter.provider == "local")

    def scenario(self, index: int) -> Scenario:
        """The scenario of item ``index`` (depends only on the seed, the config and the index)."""
        return self.sampler.draw(index)

    def exemplars_for(self, index: int, scenario: Scenario, seeds: Sequence[Row]) -> list[Row]:
        """Few-shot exemplars for a bulk item: seeds of the same subdomain first, then the same domain.

        Within a group the choice is a sample seeded by the item index (the same on resume). The seeds
        are grouped once per seed list: ranking every seed for every bulk item cost O(seeds × rows).
        """
        if self._seed_groups is None or self._seed_groups[:2] != (id(seeds), len(seeds)):
            self._seed_groups = (id(seeds), len(seeds), _SeedGroups.of(seeds))
        groups = self._seed_groups[2]
        wanted, rng = self.config.exemplars, random.Random(index)
        chosen: list[Row] = []
        for group in (
            groups.by_subdomain.get((scenario.domain, scenario.subdomain), []),
            groups.by_domain.get(scenario.domain, []),
            groups.everyone,
        ):
            if len(chosen) >= wanted:
                break
            taken = {row.key for row in chosen}
            pool = [row for row in group if row.key not in taken] if taken else group
            chosen += rng.sample(pool, min(wanted - len(chosen), len(pool)))
        return chosen


@dataclass(frozen=True)
class _SeedGroups:
    """Seed rows by subdomain and by domain, for exemplar choice."""

    by_subdomain: dict[tuple[str | None, str | None], list[Row]]
    by_domain: dict[str | None, list[Row]]
    everyone: list[Row]

    @classmethod
    def of(cls, seeds: Sequence[Row]) -> _SeedGroups:
        by_subdomain: dict[tuple[str | None, str | None], list[Row]] = {}
        by_domain: dict[str | None, list[Row]] = {}
        for row in seeds:
            scenario = row.provenance.scenario
            domain, subdomain = scenario.get("domain"), scenario.get("subdomain")
            by_subdomain.setdefault((domain, subdomain), []).append(row)
            by_domain.setdefault(domain, []).append(row)
        return cls(by_subdomain, by_domain, list(seeds))


async def write_seed(engine: Engine, index: int, key: str) -> tuple[Answer, Provenance]:
    """The teacher writes the seed row of item ``index``."""
    scenario = engine.scenario(index)
    prompt = teacher_seed_prompt(
        engine.datatype,
        scenario,
        instruction=engine.config.instruction,
        labels=engine.config.labels,
        renderer=engine.renderer,
        show_example=not engine.teacher.adapter.native_schema,
    )
    call = await engine.calls.call(
        engine.teacher,
        prompt,
        stage=Stage.seed,
        key=key,
        schema=engine.datatype.json_schema(),
        schema_name="example",
    )
    return call.answer, _provenance(engine, Stage.seed, call.answer, prompt, scenario, [], call.record)


async def write_bulk(
    engine: Engine, index: int, key: str, policy: TaskPolicy, seeds: Sequence[Row]
) -> tuple[Answer, Provenance]:
    """The student writes the bulk row of item ``index`` from the policy and exemplars."""
    scenario = engine.scenario(BULK_SCENARIO_OFFSET + index)
    exemplars = engine.exemplars_for(index, scenario, seeds)
    prompt = student_bulk_prompt(
        engine.datatype,
        scenario,
        policy,
        [row.record for row in exemplars],
        instruction=engine.config.instruction,
        labels=engine.config.labels,
        renderer=engine.renderer,
        show_example=not engine.student.adapter.native_schema,
        outline=engine.outline_exemplars,
    )
    call = await engine.calls.call(
        engine.student,
        prompt,
        stage=Stage.bulk,
        key=key,
        schema=engine.datatype.json_schema(),
        schema_name="example",
    )
    exemplar_ids = [row.key for row in exemplars]
    return call.answer, _provenance(
        engine, Stage.bulk, call.answer, prompt, scenario, exemplar_ids, call.record
    )


async def extract_policy(engine: Engine, seeds: Sequence[Row]) -> tuple[TaskPolicy, CallRecord]:
    """The teacher summarises its seed rows into the task policy the student follows.

    With ``policy_source`` ``seeds`` (in-process teachers by default), no request is sent: the
    policy is derived from the seed rows, and the call record says so (no attempt, no tokens).
    """
    if engine.policy_from_seeds:
        record = CallRecord(
            stage=Stage.policy, model=engine.teacher.model_id, fingerprint="", template_hash="", attempts=0
        )
        return default_policy(engine, seeds), record
    prompt = policy_extraction_prompt(
        engine.datatype,
        [row.record for row in seeds],
        instruction=engine.config.instruction,
        renderer=engine.renderer,
    )
    call = await engine.calls.call(
        engine.teacher,
        prompt,
        stage=Stage.policy,
        key=Stage.policy,
        schema=TaskPolicy.model_json_schema(),
        schema_name="task_policy",
        max_tokens=max(engine.config.max_tokens, 768),
    )
    if call.answer.error is None:
        try:
            # Length ranges the seeds contradict are replaced by what the seeds measure.
            return fit_lengths(TaskPolicy.model_validate(call.answer.data), seeds), call.record
        except ValueError:
            pass
    return default_policy(engine, seeds), call.record


def default_policy(engine: Engine, seeds: Sequence[Row]) -> TaskPolicy:
    """A policy derived from the seeds without a model, when the teacher's policy is unusable."""
    info = engine.datatype.prompt_info()
    task = engine.config.instruction or str(info.get("description", engine.datatype.name))
    return seed_policy(seeds, task=task)


def _provenance(
    engine: Engine,
    stage: str,
    answer: Answer,
    prompt: RenderedPrompt,
    scenario: Scenario,
    exemplars: list[str],
    call: CallRecord,
) -> Provenance:
    return Provenance(
        stage=stage,
        model=answer.model_id,
        template_hash=prompt.template_hash,
        scenario=scenario.as_dict(),
        exemplar_ids=exemplars,
        calls=[call],
        task=engine.config.task_ref,
    )


def as_plain(record: BaseModel | None) -> dict[str, Any]:
    """A record as JSON-safe data."""
    return {} if record is None else record.model_dump(mode="json", exclude_none=True)
