"""Cost estimates before a job starts: the library's projection, fed by what past jobs really used.

The judge is planned as the job's judge policy routes rows: a ``judge`` line (the strong judge on the
teacher's rows), ``judge: cheap`` (the cheap judge on its share of the student's rows) and
``judge: escalated`` (an expected share of those sent on to the strong judge). The teacher-only cost
is the counterfactual of :func:`distillation.cost.savings_breakdown`: the teacher writes every row
and the strong judge scores every row.

Tokens per accepted row and acceptance rates come from the ledger of finished jobs of the same data
type when there are any ("history"); otherwise from conservative defaults sized by the request's own
``max_tokens`` ("defaults"). Prices come from the same table the ledger uses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs import ledger_repository
from app.jobs.kinds.generate import stage_sizes
from app.jobs.schemas import Money
from app.kit.schemas import Schema
from app.models import ItemStatus, JobKind
from distillation.cost import PriceTable, StagePilot, StagePlan, estimate_run, with_counterfactual
from distillation.pipeline import GenerationConfig, Stage

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


class EstimateRead(Schema):
    """What a job would cost, and what the teacher alone would cost for the same rows."""

    basis: Basis
    stages: list[StageEstimateRead]
    total_usd: Money | None
    teacher_only_usd: Money | None
    savings_usd: Money | None
    savings_percent: Money | None
    unknown_models: list[str]


def _plan(config: GenerationConfig, seeds: int | None) -> list[StagePlan]:
    models: dict[str, str] = {
        Stage.seed: config.teacher,
        Stage.policy: config.teacher,
        Stage.bulk: config.student,
    }
    plan = [StagePlan(stage, models[stage], rows) for stage, rows in stage_sizes(config, seeds)]
    # The judge policy's lines: the strong judge on the teacher's rows (the user's examples are not
    # judged), the cheap judge on its share of the student's, and the escalations.
    teacher_rows = 0 if seeds is not None else config.seed_count
    student_rows = config.count if seeds is not None else config.bulk_count
    for label, model, calls in config.judge_calls(teacher_rows, student_rows):
        plan.append(StagePlan(label, model, calls))
    return plan


def _judged_rows(config: GenerationConfig) -> int:
    """The rows the teacher-only counterfactual judges: every row the job writes."""
    return config.baseline_judge_calls(config.count)


def _defaults(config: GenerationConfig) -> dict[str, StagePilot]:
    write = StagePilot(Decimal(700), Decimal(config.max_tokens) / 2, Decimal("0.9"))
    return {
        Stage.seed: write,
        Stage.bulk: StagePilot(Decimal(1100), Decimal(config.max_tokens) / 2, Decimal("0.85")),
        Stage.policy: StagePilot(Decimal(2500), Decimal(600)),
        Stage.judge: StagePilot(Decimal(800), Decimal(150)),
    }


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
    session: AsyncSession, config: GenerationConfig, prices: PriceTable, seeds: int | None = None
) -> EstimateRead:
    """Project the job's cost per stage, total and against the teacher alone.

    ``seeds``: the number of the user's examples when the job amplifies them (their seed stage is a
    trace per example).
    """
    plan = _plan(config, seeds)
    pilots = await _history(session, config.data_type, JobKind.generate if seeds is None else JobKind.amplify)
    pilots = _judge_lines(pilots)
    basis: Basis = "history" if all(stage.stage in pilots for stage in plan) else "defaults"
    if basis == "defaults":
        pilots = _judge_lines({**_defaults(config), **pilots})
    run = estimate_run(plan, pilots, prices, teacher_model_id=config.teacher)
    run = with_counterfactual(
        run, prices, judge_model_id=config.judge_model, baseline_judge_calls=_judged_rows(config)
    )
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
            )
            for s in run.stages
        ],
        total_usd=run.total,
        teacher_only_usd=run.teacher_only,
        savings_usd=run.savings,
        savings_percent=run.savings_percent,
        unknown_models=list(run.unknown_models),
    )
