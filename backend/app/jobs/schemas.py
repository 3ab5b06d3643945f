"""Jobs as the API shows them: what to generate, control actions, live progress and the ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, PlainSerializer, model_validator

from app.datasets.schemas import RowError
from app.kit.schemas import Schema, Seed
from app.models import JobKind, JobStatus
from app.taskspecs.schemas import MAX_SPEC_VERSION
from distillation.pipeline import LOCAL_MODEL, JudgePolicy
from distillation.preference import DEFAULT_MIN_MARGIN
from distillation.quality import QualityThresholds
from distillation.relabel import CascadeReport

# Money travels as a string, so no client rounds it through a float.
Money = Annotated[Decimal, PlainSerializer(lambda v: str(v), return_type=str, when_used="json")]


class SeedExample(Schema):
    """One of the user's input/output examples for seed amplification."""

    input: str = Field(min_length=1, max_length=20_000, description="What the user sends.")
    output: str = Field(min_length=1, max_length=20_000, description="The answer the task requires.")


class SeedExamplesText(Schema):
    """Seed examples as pasted or read from a file: JSONL, a JSON array, or CSV with input,output columns."""

    text: str = Field(min_length=1, max_length=4_000_000)


class SeedExamplesRead(Schema):
    """The usable examples of a text, and every line that is not one."""

    examples: list[SeedExample]
    errors: list[RowError]


class GenerationRequest(Schema):
    """A generation job: what to write, with which models, under which budget.

    With ``seed_examples`` the job amplifies them instead of writing its own seeds: the teacher traces
    each example, extracts the task policy, and the student writes ``count`` new pairs as single-turn
    chats (data type ``generation``) with ``instruction`` as the system prompt.
    """

    name: str = Field(min_length=1, max_length=200, description="Name of the dataset the job creates.")
    description: str = Field(default="", max_length=10_000)
    data_type: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    count: int = Field(ge=1, le=1_000_000)
    domains: list[str] = Field(default_factory=list, max_length=50)
    subdomain: str | None = Field(default=None, max_length=100)
    instruction: str | None = Field(default=None, max_length=20_000)
    labels: list[str] | None = Field(default=None, max_length=500)
    language: str | None = Field(default=None, max_length=50)
    teacher: str = Field(default=LOCAL_MODEL, max_length=264)
    student: str = Field(default=LOCAL_MODEL, max_length=264)
    judge: str | None = Field(default=None, max_length=264)
    teacher_ratio: float = Field(default=0.1, gt=0, le=1)
    seed: Seed = 0
    judge_sample_rate: float = Field(default=1.0, ge=0, le=1)
    judge_policy: JudgePolicy = Field(
        default_factory=JudgePolicy,
        description="Who judges which rows: a cheap judge on a share of student rows, escalating doubts.",
    )
    thresholds: QualityThresholds = Field(default_factory=QualityThresholds)
    near_duplicate_threshold: float = Field(default=0.7, gt=0, le=1)
    exemplars: int = Field(default=3, ge=0, le=20)
    max_tokens: int = Field(default=512, ge=16, le=32_000)
    temperature: float = Field(default=0.8, ge=0, le=2)
    concurrency: int = Field(default=8, ge=1, le=256)
    budget_usd: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=8)
    delivery: Literal["online", "batch", "auto"] = Field(
        default="online",
        description="batch: the seed, bulk, judge and fix requests go through the providers' batch APIs "
        "(half the price, answers within hours); models without a batch API are asked online. auto: "
        "batch while the deadline leaves the providers' 24-hour batch window, online after.",
    )
    deadline: AwareDatetime | None = Field(
        default=None, description="When the rows are due: required by delivery auto, refused otherwise."
    )
    task_spec_id: uuid.UUID | None = Field(
        default=None,
        description="A stored task spec the job runs (schema, prompts, policy, rubric, validators).",
    )
    task_spec_version: int | None = Field(
        default=None, ge=1, le=MAX_SPEC_VERSION, description="The spec's version; its newest when omitted."
    )
    seed_examples: list[SeedExample] | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Input/output examples to amplify (needs an instruction and data type generation).",
    )

    @model_validator(mode="after")
    def _deadline_goes_with_auto(self) -> GenerationRequest:
        if (self.delivery == "auto") != (self.deadline is not None):
            raise ValueError("delivery auto needs a deadline, and a deadline goes only with delivery auto")
        return self


class StageProgress(Schema):
    """Items of one stage by state."""

    stage: str
    total: int
    pending: int
    leased: int
    done: int
    rejected: int
    failed: int


class JobBatchRead(Schema):
    """A provider batch a job's requests wait in (batch delivery): its state at the last check."""

    batch_id: str = Field(description="The provider's id of the batch")
    model: str = Field(description="The model it runs on (provider:model)")
    state: str = Field(
        description="submitted until the first check, then the provider's word: in_progress, "
        "finalizing, completed, expired, cancelled, failed..."
    )
    total: int = Field(description="Requests in the batch")
    answered: int = Field(description="Requests answered so far")
    failed: int = Field(description="Requests the batch failed so far (they are sent online)")
    submitted_at: datetime
    checked_at: datetime = Field(description="When its state was last written")


class Verdicts(Schema):
    """What a quality job decided so far: rows kept as they were, rewritten, and removed."""

    keep: int
    fix: int
    remove: int


ActivityState = Literal["queued", "working", "waiting", "stalled", "paused", "ended"]


class JobActivity(Schema):
    """Where a job is, beyond its status: queued, worked on (by whom), between steps or stalled."""

    state: ActivityState = Field(
        description="queued: no worker has taken it up yet; working: workers hold its items now; "
        "waiting: between steps, its next part is queued; stalled: running but no worker has touched "
        "it for a while; paused; ended (completed, failed or cancelled)"
    )
    summary: str = Field(description="One sentence for people")
    in_flight: int = Field(description="Items workers hold right now")
    workers: list[str] = Field(description="The worker processes holding its items (host and process id)")
    queue_position: int | None = Field(description="1 for the next job a free worker takes up; queued only")
    last_progress_at: datetime | None = Field(description="When an item last finished")


class ReasonCount(Schema):
    """How many of a job's items ended for one reason."""

    reason: str
    count: int


class JobSummary(Schema):
    """What a job that writes new rows left, once it has ended: judged, checked by structure, flagged."""

    rows: int = Field(description="Rows the job added to its dataset")
    judged: int = Field(description="Rows a judge scored (strong, cheap or escalated)")
    structure_only: int = Field(
        description="Rows checked only by their structure: the judge policy sampled them out"
    )
    fixed: int = Field(description="Rows kept after a fix of what the judge or the checks flagged")
    removed: int = Field(description="Items that ended without a row: rejected, or failed")
    reasons: list[ReasonCount] = Field(description="Why items were removed, most frequent first")


class PreferenceSummary(Schema):
    """A preference job's pairs so far: kept, and why the others were not."""

    pairs: int = Field(description="Prompts whose pair was decided")
    kept: int = Field(description="Pairs written as rows")
    rejected: int = Field(description="Pairs not kept")
    preferred: dict[str, int] = Field(description="Kept pairs per preferred model: teacher, student")
    position_inconsistent: int = Field(description="Pairs whose two orders named different winners")
    ties: int = Field(description="Pairs both orders judged equal")
    below_margin: int = Field(description="Pairs whose winner won by less than min_margin")
    reasons: list[ReasonCount] = Field(description="Why pairs were not kept, by kind, most frequent first")


class JobRead(Schema):
    """A job with its live progress and cost."""

    id: uuid.UUID
    kind: JobKind
    status: JobStatus
    pause_reason: str | None
    error: str | None
    dataset_id: uuid.UUID
    owner_id: uuid.UUID | None
    stage: str
    requested: int
    accepted: int
    stages: list[StageProgress]
    budget_usd: Money | None
    spent_usd: Money
    reserved_usd: Money
    unknown_usd: Money
    eta_seconds: float | None
    verdicts: Verdicts | None = Field(
        description="Kept, fixed (regenerated) and removed rows; quality and regenerate jobs only."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    config: dict[str, object]
    activity: JobActivity
    preview: bool = Field(
        default=False, description="A wizard's preview: its rows are shown on the preview, in no dataset."
    )
    summary: JobSummary | None = Field(
        default=None,
        description="Judged, structure-only and removed rows; generation jobs that have ended, one job read.",
    )
    delivery: Literal["online", "batch", "auto"] = Field(
        default="online", description="How its requests that can wait are sent (config.delivery)."
    )
    deadline: datetime | None = Field(default=None, description="When its rows are due (delivery auto).")
    batches: list[JobBatchRead] = Field(
        default_factory=list,
        description="The provider batches it submitted, oldest first (batch delivery; empty online).",
    )
    preference: PreferenceSummary | None = Field(
        default=None, description="A preference job, one job read: its pairs kept and rejected, with reasons."
    )
    cascade: CascadeReport | None = Field(
        default=None,
        description="A student-first relabel job, one job read: share escalated and why, cost against "
        "teacher-only, the saving and each path's quality, over the prompts finished so far.",
    )


class JobUpdate(Schema):
    """Change a job's budget (raise it, then resume a job the budget paused)."""

    budget_usd: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=8)


class ResumeRequest(Schema):
    """Resume a paused or cancelled job, optionally with a new budget."""

    budget_usd: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=8)


class ItemRead(Schema):
    """A rejected or failed item with its reason."""

    item_key: str
    stage: str
    status: str
    attempts: int
    variant: int
    error: str | None


class CallRead(Schema):
    """One ledger row: one provider attempt."""

    id: uuid.UUID
    item_key: str | None
    stage: str
    provider: str
    model: str
    attempt: int
    status: str
    outcome: str | None
    reserved_usd: Money
    cost_usd: Money | None
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: int | None
    created_at: datetime


BudgetPeriod = Literal["total", "month"]


class BudgetRead(Schema):
    """The global budget over every job: spent, reserved and unknown count within its period."""

    limit_usd: Money | None
    spent_usd: Money
    reserved_usd: Money
    unknown_usd: Money
    period: BudgetPeriod = Field(description="total: all spending; month: each calendar month (UTC) anew.")
    period_start: datetime | None = Field(description="When the counted month began (monthly budgets).")


class BudgetUpdate(Schema):
    """Set (or clear, with null) the global spending limit and its period."""

    limit_usd: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=8)
    period: BudgetPeriod = "total"


class QualityRequest(Schema):
    """A quality job: judge every row of a dataset, fix low scorers, remove the worst, as a new version."""

    dataset_id: uuid.UUID
    example_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=10_000,
        description="Judge only these rows (a bulk re-judge); all when unset.",
    )
    judge: str = Field(default=LOCAL_MODEL, max_length=264)
    fixer: str | None = Field(
        default=None, max_length=264, description="Rewrites low scorers; the judge when unset."
    )
    thresholds: QualityThresholds = Field(default_factory=QualityThresholds)
    judge_sample_rate: float = Field(default=1.0, ge=0, le=1)
    concurrency: int = Field(default=8, ge=1, le=256)
    budget_usd: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=8)


class RegenerateRequest(Schema):
    """Regenerate chosen rows with the models of the job that wrote them, as the dataset's next version."""

    dataset_id: uuid.UUID
    example_ids: list[uuid.UUID] = Field(min_length=1, max_length=10_000)
    budget_usd: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=8)


class RelabelRequest(Schema):
    """A relabel job: the teacher answers every prompt of a prompt set, into a new dataset."""

    prompt_set_id: uuid.UUID
    prompt_set_version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The version of the prompt set to answer (default: its current one); the job answers "
        "exactly that version's prompts, whatever versions are added meanwhile.",
    )
    name: str = Field(min_length=1, max_length=200, description="Name of the dataset the job creates.")
    description: str = Field(default="", max_length=10_000)
    teacher: str = Field(default=LOCAL_MODEL, max_length=264, description="Answers the prompts.")
    judge: str | None = Field(
        default=None, max_length=264, description="Scores answers; the teacher when unset."
    )
    judge_sample_rate: float = Field(default=1.0, ge=0, le=1, description="Share of answers judged.")
    thresholds: QualityThresholds = Field(default_factory=QualityThresholds)
    max_tokens: int = Field(default=512, ge=16, le=32_000)
    temperature: float = Field(default=0.8, ge=0, le=2)
    seed: Seed = 0
    concurrency: int = Field(default=8, ge=1, le=256)
    budget_usd: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=8)
    task_spec_id: uuid.UUID | None = Field(
        default=None,
        description="A stored task spec the job runs (schema, prompts, policy, rubric, validators).",
    )
    task_spec_version: int | None = Field(
        default=None, ge=1, le=MAX_SPEC_VERSION, description="The spec's version; its newest when omitted."
    )
    cascade: bool = Field(
        default=False,
        description="Student first: the student answers each prompt, the judge scores it, and the "
        "teacher re-answers the prompts whose answer scores below escalate_below (or fails its checks).",
    )
    student: str | None = Field(
        default=None, max_length=264, description="Answers first in a cascade; required with cascade."
    )
    escalate_below: float = Field(
        default=7.0, ge=0, le=10, description="A student answer scoring below this goes to the teacher."
    )

    @model_validator(mode="after")
    def _cascade_has_a_student(self) -> RelabelRequest:
        if self.cascade and (self.student is None or self.student == self.teacher):
            raise ValueError("a cascade needs a student other than the teacher")
        return self


class PreferenceRequest(Schema):
    """A preference job: the teacher and the student answer every prompt of a prompt set, a judge compares
    the answers in both orders, and the pairs with a clear margin become prompt / chosen / rejected rows."""

    prompt_set_id: uuid.UUID
    prompt_set_version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The version of the prompt set to answer (default: its current one); the job answers "
        "exactly that version's prompts, whatever versions are added meanwhile.",
    )
    name: str = Field(min_length=1, max_length=200, description="Name of the dataset the job creates.")
    description: str = Field(default="", max_length=10_000)
    teacher: str = Field(max_length=264, description="One side of each pair: the capable model.")
    student: str = Field(
        max_length=264, description="The other side: the model being trained, or a cheap one."
    )
    judge: str | None = Field(
        default=None, max_length=264, description="Compares the two answers; the teacher when unset."
    )
    min_margin: float = Field(
        default=DEFAULT_MIN_MARGIN,
        ge=0,
        le=10,
        description="How much better (0-10) the preferred answer must score in both orders to keep the pair.",
    )
    max_tokens: int = Field(default=512, ge=16, le=32_000)
    temperature: float = Field(default=0.8, ge=0, le=2)
    seed: Seed = 0
    concurrency: int = Field(default=8, ge=1, le=256)
    budget_usd: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=8)

    @model_validator(mode="after")
    def _two_models(self) -> PreferenceRequest:
        if self.student == self.teacher:
            raise ValueError("preference pairs need a student other than the teacher")
        return self


class PreviewRow(Schema):
    """One row of a preview, with how it was checked and what it cost."""

    stage: str
    messages: list[dict[str, object]]
    score: float | None
    judged: bool = Field(description="Whether a judge scored it (else only its structure was checked)")
    decision_reason: str | None
    input_tokens: int
    output_tokens: int


class PreviewRead(Schema):
    """A preview job's rows and rejections, and what it cost from the ledger."""

    job: JobRead
    rows: list[PreviewRow]
    removed: list[ItemRead] = Field(description="Items that ended without a row, with their reasons")
    calls: int = Field(description="Provider attempts in the ledger")
    input_tokens: int
    output_tokens: int
    cost_usd: Money = Field(description="The settled cost of its ledger rows")
