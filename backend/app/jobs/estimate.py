"""Cost estimates before a job starts: the library's projection, fed by what past jobs really used.

The judge is planned as the job's judge policy routes rows: a ``judge`` line (the strong judge on the
teacher's rows), ``judge: cheap`` (the cheap judge on its share of the student's rows) and
``judge: escalated`` (an expected share of those sent on to the strong judge). The teacher-only cost
is the counterfactual of :func:`distillation.cost.savings_breakdown`: the teacher writes every row
and the strong judge scores every row.

Tokens per accepted row and acceptance rates come from the ledger of finished jobs of the same data
type when there are any ("history"); otherwise from the library's offline token model of the data type,
capped by the request's own ``max_tokens`` ("defaults"). Prices come from the same table the ledger
uses; no provider is asked. With batch delivery the stages that can wait (seeds, bulk, judging) are
priced at the batch rate where the model's provider has a batch API, and the difference is the batch
lever; the policy stays online. The saving is itemised by lever (student split, judge policy, batch,
prompt caching), compared with human annotation at the request's rate per row, and a warning says
when the estimate exceeds the request's budget.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs import ledger_repository
from app.jobs.kinds.base import Delivery
from app.jobs.kinds.generate import stage_sizes
from app.jobs.schemas import GenerationRequest, Money
from app.kit.schemas import Schema
from app.models import ItemStatus, JobKind
from distillation.cost import PriceTable, StagePilot, StagePlan, estimate_breakdown, estimate_run
from distillation.pipeline import BATCH_STAGES, GenerationConfig, Stage, batch_in_time
from distillation.pipeline.estimates import (
    HUMAN_COST_PER_ROW_USD,
    escalation_rate,
    human_cost,
    offline_pilots,
)
from distillation.providers.batch import offers_batches

Basis = Literal["history", "defaults"]
JUDGE_CHEAP, JUDGE_ESCALATED = "judge: cheap", "judge: escalated"
# The ledger's stage names of seed amplification, as the plan's stages.
_PLAN_STAGE: dict[str, str] = {Stage.trace: Stage.seed, Stage.amplify: Stage.bulk}


class StageEstimateRead(Schema):
    """The projection of one stage."""

    stage: str
    model: str
    rows: int
    attempts: int
    input_tokens: int
    output_tokens: int
    cost_usd: Money | None
    teacher_cost_usd: Money | None
    batch: bool = Field(default=False, description="Priced at the batch rate (batch delivery).")


class LeverRead(Schema):
    """The part of the saving one cost lever contributes (null when a price is unknown)."""

    lever: str
    saved_usd: Money | None


class EstimateRequest(GenerationRequest):
    """A generation job to estimate, and the human-annotation rate to compare it with."""

    human_cost_per_row_usd: Decimal = Field(
        default=HUMAN_COST_PER_ROW_USD,
        ge=0,
        max_digits=12,
        decimal_places=6,
        description="What a human annotator costs per row, for the comparison (default $0.50).",
    )


class EstimateRead(Schema):
    """What a job would cost, what the teacher alone and human annotators would cost for the same rows."""

    basis: Basis
    stages: list[StageEstimateRead]
    total_usd: Money | None
    teacher_only_usd: Money | None
    savings_usd: Money | None
    savings_percent: Money | None
    levers: list[LeverRead] = Field(description="The saving by lever: student split, judge policy, batch...")
    human_cost_usd: Money = Field(description="The rows at ``human_cost_per_row_usd`` each.")
    human_cost_per_row_usd: Money
    warnings: list[str] = Field(description="E.g. that the estimate exceeds the job's budget.")
    unknown_models: list[str]


def _plan(config: GenerationConfig, seeds: int | None, batch: bool = False) -> list[StagePlan]:
    models: dict[str, str] = {
        Stage.seed: config.teacher,
        Stage.policy: config.teacher,
        Stage.bulk: config.student,
    }

    def line(stage: str, model: str, rows: int) -> StagePlan:
        waits = stage in BATCH_STAGES or stage.startswith(Stage.judge)
        return StagePlan(stage, model, rows, batch=batch and waits and offers_batches(model))

    plan = [line(stage, models[stage], rows) for stage, rows in stage_sizes(config, seeds)]
    # The judge policy's lines: the strong judge on the teacher's rows (the user's examples are not
    # judged), the cheap judge on its share of the student's, and the escalations.
    teacher_rows = 0 if seeds is not None else config.seed_count
    student_rows = config.count if seeds is not None else config.bulk_count
    rate = escalation_rate(config.judge_policy.escalate_margin)
    for label, model, calls in config.judge_calls(teacher_rows, student_rows, rate):
        plan.append(line(label, model, calls))
    return plan


def _judged_rows(config: GenerationConfig) -> int:
    """The rows the teacher-only counterfactual judges: every row the job writes."""
    return config.baseline_judge_calls(config.count)


def _judge_lines(pilots: dict[str, StagePilot]) -> dict[str, StagePilot]:
    """Every judge line (cheap, escalated) is measured by the judge's calls: the prompt is the same."""
    if Stage.judge not in pilots:
        return pilots
    return {**pilots, **dict.fromkeys((JUDGE_CHEAP, JUDGE_ESCALATED), pilots[Stage.judge])}


async def _history(session: AsyncSession, data_type: str, kind: JobKind) -> dict[str, StagePilot]:
    """Per stage: tokens per accepted row and acceptance over the last finished jobs of ``data_type``."""
    usage, items = await ledger_repository.recent_usage(session, data_type, kind, jobs=20)
    done: dict[str, int] = {}
    tried: dict[str, int] = {}
    for stage, status, count in items:
        tried[stage] = tried.get(stage, 0) + int(count)
        if ItemStatus(status) is ItemStatus.done:
            done[stage] = done.get(stage, 0) + int(count)
    accepted_rows = done.get(Stage.seed, 0) + done.get(Stage.bulk, 0)
    pilots: dict[str, StagePilot] = {}
    for called, input_tokens, output_tokens, calls in usage:
        stage = _PLAN_STAGE.get(called, called)
        if stage == Stage.judge and calls:  # judge lines are planned in calls, not rows
            pilots[stage] = StagePilot(
                Decimal(int(input_tokens or 0)) / calls, Decimal(int(output_tokens or 0)) / calls
            )
            continue
        rows = accepted_rows if stage == Stage.fix else done.get(stage, 0)
        if rows and stage in (Stage.seed, Stage.bulk, Stage.policy):
            pilots[stage] = StagePilot.from_counts(
                attempted=max(tried.get(stage, rows), rows),
                accepted=rows,
                input_tokens=int(input_tokens or 0),
                output_tokens=int(output_tokens or 0),
            )
    return pilots


async def estimate(
    session: AsyncSession,
    config: GenerationConfig,
    prices: PriceTable,
    seeds: int | None = None,
    human_cost_per_row: Decimal = HUMAN_COST_PER_ROW_USD,
    delivery: Delivery = "online",
    deadline: datetime | None = None,
) -> EstimateRead:
    """Project the job's cost per stage, total, by lever, against the teacher alone and against humans.

    ``seeds``: the number of the user's examples when the job amplifies them (their seed stage is a
    trace per example). ``delivery``: "batch" prices the stages that can wait at the batch rate, and so
    does "auto" while ``deadline`` leaves the batch window (else it is priced online).
    """
    batched = delivery == "batch" or (delivery == "auto" and batch_in_time(deadline, datetime.now(UTC)))
    plan = _plan(config, seeds, batch=batched)
    pilots = await _history(session, config.data_type, JobKind.generate if seeds is None else JobKind.amplify)
    pilots = _judge_lines(pilots)
    basis: Basis = "history" if all(stage.stage in pilots for stage in plan) else "defaults"
    if basis == "defaults":
        pilots = {**offline_pilots(config), **_judge_lines(pilots)}
    run = estimate_run(plan, pilots, prices, teacher_model_id=config.teacher)
    breakdown = estimate_breakdown(
        run, prices, judge_model_id=config.judge_model, baseline_judge_calls=_judged_rows(config)
    )
    unknown = sorted(set(run.unknown_models) | set(breakdown.unknown_models))
    warnings: list[str] = []
    if config.budget_usd is not None and run.total is not None and run.total > config.budget_usd:
        warnings.append(f"the estimate {_usd(run.total)} exceeds the budget {_usd(config.budget_usd)}")
    if unknown:
        warnings.append(f"no price for {', '.join(unknown)}: the total leaves them out")
    return EstimateRead(
        basis=basis,
        stages=[
            StageEstimateRead(
                stage=s.stage,
                model=s.model_id,
                rows=s.rows,
                attempts=s.attempts,
                input_tokens=s.usage.input_tokens,
                output_tokens=s.usage.output_tokens,
                cost_usd=s.cost,
                teacher_cost_usd=s.teacher_cost,
                batch=plan_line.batch,
            )
            for s, plan_line in zip(run.stages, plan, strict=True)
        ],
        total_usd=run.total,
        teacher_only_usd=breakdown.teacher_only,
        savings_usd=breakdown.savings,
        savings_percent=breakdown.savings_percent,
        levers=[LeverRead(lever=lever.name, saved_usd=lever.saved) for lever in breakdown.levers],
        human_cost_usd=human_cost(config.count, human_cost_per_row),
        human_cost_per_row_usd=human_cost_per_row,
        warnings=warnings,
        unknown_models=unknown,
    )


def _usd(value: Decimal) -> str:
    """Dollars with cents, or the significant places of an amount below a cent."""
    cents = value.quantize(Decimal("0.01"))
    if value == cents or value >= 1:
        return f"${cents:,}"
    return f"${value.normalize():f}"
