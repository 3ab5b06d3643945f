"""What a run saved against the teacher alone, and the part each cost lever contributed.

The counterfactual is the teacher writing and validating every row with the same judge policy:

* **writing**: every row the run tried (its seed and bulk items) written by the teacher as it wrote
  its seed rows: as many calls as the run's row-writing calls, each with the run's mean seed-call
  tokens, at the teacher's rates. There is no task policy to extract (no student to instruct);
* **validating**: every row is a teacher row, and the policy has the strong judge score every teacher
  row: one strong-judge call per row validation the policy could judge (``baseline_judge_calls``),
  each with the run's mean judge-call tokens, at the strong judge's rates;
* every other call (fixes) with the same tokens at the teacher's rates.

The saving splits exactly into levers: the **student split** (writing: the run's seed, policy and
bulk calls against the teacher writing every row) and the **judge policy** (validating: the run's
judge calls against the strong judge on every row), and **batch**: what the calls sent through a
provider batch API saved against the same calls online (each usage's ``batch_saved``); the other
two levers compare the online price of the run's calls. Prompt caching is a lever too; the pipeline
does not use it yet, so it contributes nothing. Tokenizers differ between models: the
counterfactual is an approximation, not a measurement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from distillation.cost.estimate import RunEstimate, StageUsage
from distillation.cost.prices import PriceTable
from distillation.cost.types import TokenUsage

__all__ = ["Lever", "SavingsBreakdown", "estimate_breakdown", "savings_breakdown", "with_counterfactual"]

STUDENT_SPLIT, JUDGE_POLICY, BATCH, CACHING = "student split", "judge policy", "batch", "prompt caching"


@dataclass(frozen=True, slots=True)
class Lever:
    """The part of the saving one lever contributed (None when a price is unknown)."""

    name: str
    saved: Decimal | None


@dataclass(frozen=True, slots=True)
class SavingsBreakdown:
    """Actual cost, the teacher-only counterfactual, the saving and its levers.

    Attributes:
        actual: What the calls cost (None if a price is unknown).
        teacher_only: The counterfactual (None if a price is unknown).
        savings: ``teacher_only - actual``.
        savings_percent: ``savings`` as a percentage of ``teacher_only``, to two places.
        levers: Student split, judge policy, batch and prompt caching, summing to ``savings``.
        unknown_models: Models without a price, sorted.
    """

    actual: Decimal | None
    teacher_only: Decimal | None
    savings: Decimal | None
    savings_percent: Decimal | None
    levers: tuple[Lever, ...]
    unknown_models: tuple[str, ...]


def savings_breakdown(
    usages: Iterable[StageUsage],
    prices: PriceTable,
    *,
    teacher_model_id: str,
    judge_model_id: str,
    baseline_judge_calls: int,
    judge_stage: str = "judge",
    seed_stage: str = "seed",
    write_stages: tuple[str, ...] = ("seed", "bulk"),
    student_only_stages: tuple[str, ...] = ("policy",),
) -> SavingsBreakdown:
    """Compare a run's calls with the teacher-only counterfactual (see the module docstring).

    Args:
        usages: Usage, calls and cost per stage and model of every answer of the run.
        prices: The price table.
        teacher_model_id: The teacher.
        judge_model_id: The strong judge, which scores every row in the counterfactual.
        baseline_judge_calls: Strong-judge calls of the counterfactual.
        judge_stage: The stage of judge calls.
        seed_stage: The stage of the teacher's own rows, whose mean call the counterfactual repeats.
        write_stages: The stages that write a row (one counterfactual teacher call each).
        student_only_stages: Stages a teacher-only run has no need of (the task policy).
    """
    items = list(usages)
    unknown: set[str] = set()
    actual = {JUDGE_POLICY: Decimal(0), STUDENT_SPLIT: Decimal(0)}
    batch_saved = {JUDGE_POLICY: Decimal(0), STUDENT_SPLIT: Decimal(0)}
    other_baseline = Decimal(0)
    written = sum(item.calls for item in items if item.stage in write_stages)
    for item in items:
        cost = item.cost if item.cost is not None else prices.cost_of(item.model_id, item.usage)
        lever = JUDGE_POLICY if item.stage == judge_stage else STUDENT_SPLIT
        if cost is None:
            unknown.add(item.model_id)
        else:
            actual[lever] += cost
            batch_saved[lever] += item.batch_saved
        if item.stage in (judge_stage, *write_stages, *student_only_stages):
            continue
        baseline = prices.cost_of(teacher_model_id, item.usage)  # fixes: the teacher's in both runs
        if baseline is None:
            unknown.add(teacher_model_id)
        else:
            other_baseline += baseline
    seeds = [i for i in items if i.stage == seed_stage and i.model_id == teacher_model_id and i.calls]
    if seeds:
        writing = _repeated(prices, teacher_model_id, seeds, written)
    else:  # no seed call to repeat: the row-writing calls' own tokens at the teacher's rates
        writing = _repeated(prices, teacher_model_id, [i for i in items if i.stage in write_stages], None)
    judges = [item for item in items if item.stage == judge_stage]
    judging = _repeated(prices, judge_model_id, judges, baseline_judge_calls)
    if writing is None:
        unknown.add(teacher_model_id)
    if judging is None:
        unknown.add(judge_model_id)
    if unknown or writing is None or judging is None:
        levers = (Lever(STUDENT_SPLIT, None), Lever(JUDGE_POLICY, None), Lever(BATCH, None))
        return SavingsBreakdown(None, None, None, None, (*levers, *_unused()), tuple(sorted(unknown)))
    teacher_only = writing + judging + other_baseline
    total = actual[STUDENT_SPLIT] + actual[JUDGE_POLICY]
    savings = teacher_only - total
    online = {lever: actual[lever] + batch_saved[lever] for lever in actual}
    levers = (
        Lever(STUDENT_SPLIT, writing + other_baseline - online[STUDENT_SPLIT]),
        Lever(JUDGE_POLICY, judging - online[JUDGE_POLICY]),
        Lever(BATCH, batch_saved[STUDENT_SPLIT] + batch_saved[JUDGE_POLICY]),
    )
    percent = None if teacher_only == 0 else _percent(savings, teacher_only)
    return SavingsBreakdown(total, teacher_only, savings, percent, (*levers, *_unused()), ())


def estimate_breakdown(
    estimate: RunEstimate,
    prices: PriceTable,
    *,
    judge_model_id: str,
    baseline_judge_calls: int,
    judge_stage: str = "judge",
) -> SavingsBreakdown:
    """The saving of an estimate against the counterfactual of :func:`savings_breakdown`, by lever.

    Stage lines whose name starts with ``judge_stage`` (``judge: cheap``...) are judge calls; each
    line's attempts are its calls.
    """
    usages = [
        StageUsage(
            stage=judge_stage if stage.stage.startswith(judge_stage) else stage.stage,
            model_id=stage.model_id,
            usage=stage.usage,
            cost=stage.cost,
            calls=stage.attempts,
        )
        for stage in estimate.stages
    ]
    return savings_breakdown(
        usages,
        prices,
        teacher_model_id=estimate.teacher_model_id,
        judge_model_id=judge_model_id,
        baseline_judge_calls=baseline_judge_calls,
        judge_stage=judge_stage,
    )


def with_counterfactual(
    estimate: RunEstimate,
    prices: PriceTable,
    *,
    judge_model_id: str,
    baseline_judge_calls: int,
    judge_stage: str = "judge",
) -> RunEstimate:
    """The estimate with its teacher-only cost replaced by the counterfactual of :func:`savings_breakdown`.

    The per-stage teacher costs (same tokens at the teacher's rates) are left as they are.
    """
    breakdown = estimate_breakdown(
        estimate,
        prices,
        judge_model_id=judge_model_id,
        baseline_judge_calls=baseline_judge_calls,
        judge_stage=judge_stage,
    )
    unknown = tuple(sorted(set(estimate.unknown_models) | set(breakdown.unknown_models)))
    return replace(estimate, teacher_only=breakdown.teacher_only, unknown_models=unknown)


def _repeated(
    prices: PriceTable, model_id: str, items: Sequence[StageUsage], times: int | None
) -> Decimal | None:
    """``times`` calls of the items' mean tokens at ``model_id``'s rates (their own tokens when None)."""
    usage = sum((item.usage for item in items), TokenUsage())
    calls = sum(item.calls for item in items)
    if times is not None:
        if times == 0 or calls == 0:
            return Decimal(0)
        usage = TokenUsage(
            input_tokens=round(usage.input_tokens * times / calls),
            output_tokens=round(usage.output_tokens * times / calls),
        )
    return prices.cost_of(model_id, usage)


def _unused() -> tuple[Lever, ...]:
    """The levers the pipeline does not use yet: they save nothing."""
    return (Lever(CACHING, Decimal(0)),)


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
