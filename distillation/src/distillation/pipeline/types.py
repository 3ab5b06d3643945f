"""What a run produces: accepted rows with provenance, rejected rows with reasons, and the report."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from distillation.taskspec.spec import TaskRef


class Stage(StrEnum):
    """The pipeline's stages: what item keys, provenance, call records and stage reports are labelled.

    The values are the stored and wire-format strings; a member compares equal to its string.
    """

    seed = "seed"  # the teacher writes a row for a scenario
    policy = "policy"  # the teacher summarises the seed rows into the task policy
    bulk = "bulk"  # the student writes a row from the policy and exemplar seeds
    judge = "judge"  # a judge scores a row
    fix = "fix"  # a low-scoring row is rewritten
    trace = "trace"  # seed amplification: the teacher's reasoning for a user's example
    amplify = "amplify"  # seed amplification: the student writes a new pair
    relabel = "relabel"  # the teacher answers a user's prompt
    relabel_student = "relabel-student"  # a cascade's student answers a user's prompt first
    evaluate = "evaluate"  # a model answers a held-out prompt, or a judge compares two answers
    playground = "playground"  # a model answers a prompt typed in the dashboard's playground


# The stages that write a row (seed rows and bulk rows).
RowStage = Literal[Stage.seed, Stage.bulk]


class CallRecord(BaseModel):
    """One model call behind a row: which model, which template, what it cost."""

    model_config = ConfigDict(frozen=True)

    stage: str
    model: str
    fingerprint: str
    template_hash: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal | None = Decimal(0)
    attempts: int = 1
    cached: bool = False
    repaired: bool = False


class FixStep(BaseModel):
    """One rewrite of a low-scoring row."""

    model_config = ConfigDict(frozen=True)

    reason: str
    score_before: float | None
    score_after: float | None = None
    model: str


class Provenance(BaseModel):
    """Where a row came from: stage, models, templates, scenario, exemplars, tokens, cost, judging."""

    stage: str
    model: str
    template_hash: str
    scenario: dict[str, str]
    exemplar_ids: list[str] = Field(default_factory=list)
    calls: list[CallRecord] = Field(default_factory=list)
    judge_scores: dict[str, float] | None = None
    judge_feedback: str | None = None
    # The judge policy's route (``JudgeRoute``): "strong", "cheap", "escalated" or "sampled out";
    # None for rows that failed their checks before any judge, or written before the policy existed.
    judge_route: str | None = None
    # The model whose scores decided (None: not judged), and the cheap judge's score of an escalated row.
    judge_model: str | None = None
    cheap_judge_score: float | None = None
    decision: str | None = None
    decision_reason: str | None = None
    fixes: list[FixStep] = Field(default_factory=list)
    # The teacher's chain of thought for a user's seed example (seed amplification).
    reasoning: str | None = None
    # The task spec the row was made under: its name and version (a built-in data type's spec, or
    # the user's); None for rows written before specs existed.
    task: TaskRef | None = None

    @property
    def input_tokens(self) -> int:
        """Input tokens of every call behind the row."""
        return sum(c.input_tokens for c in self.calls)

    @property
    def output_tokens(self) -> int:
        """Output tokens of every call behind the row."""
        return sum(c.output_tokens for c in self.calls)

    @property
    def cost_usd(self) -> Decimal | None:
        """Cost of every call behind the row; None when a price is unknown."""
        costs = [c.cost_usd for c in self.calls]
        return None if any(c is None for c in costs) else sum((c for c in costs if c is not None), Decimal(0))


class Row(BaseModel):
    """An accepted example."""

    key: str
    index: int
    stage: RowStage
    record: dict[str, Any]
    messages: list[dict[str, str]]
    score: float | None = None
    provenance: Provenance

    def to_json(self) -> dict[str, Any]:
        """The row as written to JSONL: the chat messages first, everything else under ``metadata``."""
        provenance = self.provenance.model_dump(mode="json")
        provenance.update(
            input_tokens=self.provenance.input_tokens,
            output_tokens=self.provenance.output_tokens,
            cost_usd=None if self.provenance.cost_usd is None else str(self.provenance.cost_usd),
        )
        return {
            "messages": self.messages,
            "metadata": {
                "id": self.key,
                "record": self.record,
                "score": self.score,
                "provenance": provenance,
            },
        }


class Rejection(BaseModel):
    """A row that was not kept, with the reason and the raw model output."""

    key: str
    stage: str
    reason: str
    raw: str | None = None
    model: str | None = None
    scenario: dict[str, str] = Field(default_factory=dict)


class StageStats(BaseModel):
    """Counts, tokens and cost of one stage."""

    attempted: int = 0
    accepted: int = 0
    rejected: int = 0
    fixed: int = 0
    duplicates: int = 0
    cached_calls: int = 0
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    unknown_cost_calls: int = 0


class JudgingStats(BaseModel):
    """How the judge policy routed the rows it saw (every validation of a row counts once).

    Attributes:
        strong: Judged by the strong judge directly (teacher rows, and re-judging after a fix).
        cheap: Judged by the cheap judge, whose scores decided.
        escalated: Judged by the cheap judge, then by the strong judge (uncertain, failing, unreadable).
        sampled_out: Not judged (outside ``judge_sample_rate`` or the policy's share).
        baseline: Strong-judge calls the teacher-only counterfactual makes: one per validation within
            ``judge_sample_rate`` (in a teacher-only run every row is a teacher row, judged by the
            strong judge).
    """

    strong: int = 0
    cheap: int = 0
    escalated: int = 0
    sampled_out: int = 0
    baseline: int = 0


class LeverSaving(BaseModel):
    """What one cost lever saved against the teacher-only counterfactual.

    Attributes:
        lever: ``student split``, ``judge policy``, ``batch`` or ``prompt caching``.
        saved_usd: The part of the saving due to the lever (None when a price is unknown).
    """

    lever: str
    saved_usd: Decimal | None


RunStatus = Literal["completed", "incomplete", "budget_exhausted", "cancelled"]


class RunReport(BaseModel):
    """The outcome of a run.

    ``cost_usd`` is what this run spent on new requests. The savings compare every answer of the
    run (``run_cost_usd``: those paid now and those reused from the cache, priced as when paid) with
    the teacher-only counterfactual (:func:`distillation.cost.savings_breakdown`): the teacher writes
    and validates every row with the same judge policy. ``levers`` split the saving.
    """

    status: RunStatus
    requested: int
    accepted: int
    stages: dict[str, StageStats]
    cost_usd: Decimal
    teacher_only_cost_usd: Decimal | None
    savings_usd: Decimal | None
    savings_percent: Decimal | None
    # What every answer of the run cost when it was paid, this run's and those reused from the cache.
    run_cost_usd: Decimal | None = None
    new_requests: int = 0
    reused_answers: int = 0
    levers: list[LeverSaving] = Field(default_factory=list)
    judging: JudgingStats = Field(default_factory=JudgingStats)
    unknown_prices: list[str] = Field(default_factory=list)
    distribution: dict[str, Any] = Field(default_factory=dict)
    rejection_reasons: dict[str, int] = Field(default_factory=dict)
    elapsed_s: float = 0.0
    message: str = ""
