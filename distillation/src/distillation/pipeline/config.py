"""What a generation run is asked to do, and how it is planned into items."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from distillation.pipeline.types import Stage
from distillation.quality import QualityThresholds
from distillation.taskspec.spec import TaskRef, TaskSpec

LOCAL_MODEL = "local:smollm2-135m"
# Share of cheap-judged rows an estimate expects to escalate when nothing measured says otherwise.
DEFAULT_ESCALATION_RATE = 0.15


class JudgePolicy(BaseModel):
    """Who judges which rows: quality control that does not cost more than the rows themselves.

    Every row goes through the data type's programmatic checks. Beyond them:

    * every teacher (seed) row is scored by the strong judge (``GenerationConfig.judge``, the teacher
      when unset): the seeds are what the student learns from;
    * a ``share`` of the student's rows is scored by the cheap judge (``cheap_judge``, the student when
      unset); a row it scores below ``fix_below + escalate_margin`` (failing, or too close to call), or
      whose scores cannot be read, is scored again by the strong judge, whose scores decide;
    * the other student rows are not judged, and their provenance says so (``judge_route``
      ``"sampled out"``).

    Setting ``cheap_judge`` to the strong judge and ``share`` to 1 judges every row with the strong
    judge (the behaviour before the policy existed). Which rows are sampled depends only on the row's
    key, so a resumed run samples the same rows.

    Attributes:
        cheap_judge: "provider:model" of the first-tier judge of student rows; the student when unset.
        share: Share of the student's rows the cheap judge scores (0 = none, 1 = all).
        escalate_margin: Cheap scores below ``thresholds.fix_below`` plus this margin are escalated.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    cheap_judge: str | None = Field(default=None, max_length=264)
    share: float = Field(default=0.25, ge=0, le=1)
    escalate_margin: float = Field(default=1.0, ge=0, le=10)

    @classmethod
    def every_row(cls) -> JudgePolicy:
        """The strong judge on every row (quality jobs, which exist to re-judge a dataset)."""
        return cls(share=1.0)


class GenerationConfig(BaseModel):
    """A teacher→student generation run.

    Attributes:
        data_type: One of ``qa``, ``classification``, ``generation``, ``code``, ``translation``, ``ner``.
        count: How many accepted rows the run must produce.
        domains: Domain ids (or names) to draw scenarios from; all domains when empty.
        subdomain: Restrict scenarios to one subdomain of a single domain.
        instruction: What the dataset trains for, in the user's words.
        labels: Allowed labels (classification, NER).
        language: Language of the rows (a value of the ``language`` parameter).
        teacher: "provider:model" writing the seed rows and the task policy.
        student: "provider:model" writing the bulk.
        judge: "provider:model" of the strong judge: it scores the teacher's rows and the student rows
            the cheap judge escalates; the teacher when unset.
        teacher_ratio: Share of the rows the teacher writes.
        seed: Seed of scenario sampling and of the models where they accept one.
        judge_sample_rate: Share of all rows (seed rows included) eligible for any judge (1 = all, 0 =
            programmatic checks only); ``judge_policy.share`` applies within it.
        judge_policy: Which judge scores which rows (:class:`JudgePolicy`).
        thresholds: Scores below which rows are fixed or removed.
        near_duplicate_threshold: Jaccard similarity above which a row is a near-duplicate.
        exemplars: Few-shot exemplars shown to the student per prompt.
        exemplar_style: How the student sees them: ``records`` (their text, few-shot), ``outline``
            (only their shape, each field's length: a small model copies an exemplar it can read
            instead of writing for its scenario), or ``auto``: ``outline`` for in-process (local)
            students, which are small, ``records`` for the others.
        policy_source: Where the task policy comes from: ``teacher`` (the teacher summarises its seed
            rows), ``seeds`` (derived from the seed rows without a model: their lengths, the data
            type's task), or ``auto``: ``seeds`` for in-process (local) teachers, whose summaries
            copy the extraction prompt's own wording, ``teacher`` for the others.
        max_tokens: Output cap per generation request.
        temperature: Sampling temperature of generation requests.
        concurrency: Requests in flight at once.
        budget_usd: Spending limit, never exceeded: the last calls are sent with the output cap that
            fits what is left, and the run stops cleanly (and can resume) when not even a call as
            long as its prompt's answers so far fits (:mod:`distillation.pipeline.reservations`).
        max_extra_items: How many items beyond ``count`` may be tried to replace rejected rows.
        task: The user's task spec (schema, prompts, policy, rubric, validators); when set,
            ``data_type`` is the spec's name and ``instruction`` defaults to the spec's.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_type: str
    count: int = Field(ge=1, le=1_000_000)
    domains: tuple[str, ...] = ()
    subdomain: str | None = None
    instruction: str | None = Field(default=None, max_length=20_000)
    labels: tuple[str, ...] | None = None
    language: str | None = None
    teacher: str = LOCAL_MODEL
    student: str = LOCAL_MODEL
    judge: str | None = None
    teacher_ratio: float = Field(default=0.1, gt=0, le=1)
    seed: int = 0
    judge_sample_rate: float = Field(default=1.0, ge=0, le=1)
    judge_policy: JudgePolicy = Field(default_factory=JudgePolicy)
    thresholds: QualityThresholds = Field(default_factory=QualityThresholds)
    near_duplicate_threshold: float = Field(default=0.7, gt=0, le=1)
    exemplars: int = Field(default=3, ge=0, le=20)
    exemplar_style: Literal["auto", "records", "outline"] = "auto"
    policy_source: Literal["auto", "teacher", "seeds"] = "auto"
    max_tokens: int = Field(default=512, ge=16, le=32_000)
    temperature: float = Field(default=0.8, ge=0, le=2)
    concurrency: int = Field(default=8, ge=1, le=1024)
    budget_usd: Decimal | None = Field(default=None, ge=0)
    max_extra_items: int | None = Field(default=None, ge=0)
    task: TaskSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_task(cls, data: Any) -> Any:
        """A task spec names the data type and gives the instruction and labels left unset."""
        task = data.get("task") if isinstance(data, dict) else None
        if task is None:
            return data
        spec = task if isinstance(task, TaskSpec) else TaskSpec.model_validate(task)
        data = {**data, "task": spec, "data_type": spec.datatype or spec.name}
        if data.get("instruction") is None and spec.instruction:
            data["instruction"] = spec.instruction
        if data.get("labels") is None and spec.labels:
            data["labels"] = tuple(spec.labels)
        return data

    @model_validator(mode="after")
    def _single_domain_for_subdomain(self) -> GenerationConfig:
        if self.subdomain is not None and len(self.domains) != 1:
            raise ValueError("a subdomain needs exactly one domain")
        return self

    @property
    def task_ref(self) -> TaskRef:
        """The spec every row records: the user's, or the built-in data type's."""
        if self.task is not None:
            return self.task.ref
        from distillation.taskspec.datatype import BUILTIN_VERSION

        return TaskRef(name=self.data_type, version=BUILTIN_VERSION, builtin=True)

    @property
    def judge_model(self) -> str:
        """The judge's model id."""
        return self.judge or self.teacher

    @property
    def cheap_judge_model(self) -> str:
        """The model id of the cheap judge (``judge_policy.cheap_judge``, the student when unset)."""
        return self.judge_policy.cheap_judge or self.student

    def judge_calls(
        self, seed_items: float, bulk_items: float, escalation_rate: float = DEFAULT_ESCALATION_RATE
    ) -> list[tuple[str, str, int]]:
        """Judge calls the policy plans for so many seed and bulk items: (label, model, calls) per line.

        Lines: ``judge`` (the strong judge on teacher rows), ``judge: cheap`` (the cheap judge on its
        share of student rows) and ``judge: escalated`` (the strong judge again on
        ``escalation_rate`` of those); a line without calls is left out. When the cheap judge is the
        strong judge, its share is on the ``judge`` line and nothing escalates.
        """
        rate, share = self.judge_sample_rate, self.judge_policy.share
        strong = seed_items * rate
        cheap = bulk_items * rate * share
        lines: list[tuple[str, str, float]] = []
        if self.cheap_judge_model == self.judge_model:
            lines.append(("judge", self.judge_model, strong + cheap))
        else:
            lines += [
                ("judge", self.judge_model, strong),
                ("judge: cheap", self.cheap_judge_model, cheap),
                ("judge: escalated", self.judge_model, cheap * escalation_rate),
            ]
        return [(label, model, round(calls)) for label, model, calls in lines if round(calls)]

    def baseline_judge_calls(self, items: float) -> int:
        """Strong-judge calls of the teacher-only counterfactual for so many items (every row judged)."""
        return round(items * self.judge_sample_rate)

    @property
    def seed_count(self) -> int:
        """Rows the teacher writes (at least one, so the student has something to learn from)."""
        return min(self.count, max(1, math.ceil(self.count * self.teacher_ratio)))

    @property
    def bulk_count(self) -> int:
        """Rows the student writes."""
        return self.count - self.seed_count

    @property
    def extra_items(self) -> int:
        """Replacement items allowed per stage when rows are rejected."""
        if self.max_extra_items is not None:
            return self.max_extra_items
        return max(5, self.count)


def item_key(stage: Stage, index: int) -> str:
    """The stable key of the ``index``-th item of ``stage`` (the resume and uniqueness key)."""
    return f"{stage}-{index:07d}"
