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
judge calls against the strong judge on every row), **batch**: what the calls sent through a
provider batch API saved against the same calls online (each usage's ``batch_saved``), and **prompt
caching**: what the input tokens read from the provider's prompt cache saved against the same tokens
at the uncached input rate (online rates). The first two levers compare the online, uncached price of
the run's calls; the counterfactual caches nothing. Tokenizers differ between models: the
counterfactual is an approximation, not a measurement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

from distillation.cost.estimate import RunEstimate, StageUsage
from distillation.cost.prices import PriceTable
from distillation.cost.types import TokenUsage

__all__ = [
    "Lever",
    "SavingsBreakdown",
    "SavingsStatement",
    "combine_breakdowns",
    "estimate_breakdown",
    "savings_breakdown",
    "tell_savings",
    "with_counterfactual",
]

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
    cache_saved = {JUDGE_POLICY: Decimal(0), STUDENT_SPLIT: Decimal(0)}
    other_baseline = Decimal(0)
    written = sum(item.calls for item in items if item.stage in write_stages)
    for item in items:
        cost = (
            item.cost
            if item.cost is not None
            else prices.cost_of_calls(item.model_id, item.usage, item.calls)
        )
        lever = JUDGE_POLICY if item.stage == judge_stage else STUDENT_SPLIT
        if cost is None:
            unknown.add(item.model_id)
        else:
            actual[lever] += cost
            batch_saved[lever] += item.batch_saved
            cache_saved[lever] += _cache_saved(prices, item)
        if item.stage in (judge_stage, *write_stages, *student_only_stages):
            continue
        # Fixes: the teacher's in both runs (the counterfactual's uncached).
        uncached = replace(item.usage, cached_input_tokens=0)
        baseline = prices.cost_of_calls(teacher_model_id, uncached, item.calls)
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
        levers = tuple(Lever(name, None) for name in (STUDENT_SPLIT, JUDGE_POLICY, BATCH, CACHING))
        return SavingsBreakdown(None, None, None, None, levers, tuple(sorted(unknown)))
    teacher_only = writing + judging + other_baseline
    total = actual[STUDENT_SPLIT] + actual[JUDGE_POLICY]
    savings = teacher_only - total
    online = {lever: actual[lever] + batch_saved[lever] + cache_saved[lever] for lever in actual}
    levers = (
        Lever(STUDENT_SPLIT, writing + other_baseline - online[STUDENT_SPLIT]),
        Lever(JUDGE_POLICY, judging - online[JUDGE_POLICY]),
        Lever(BATCH, batch_saved[STUDENT_SPLIT] + batch_saved[JUDGE_POLICY]),
        Lever(CACHING, cache_saved[STUDENT_SPLIT] + cache_saved[JUDGE_POLICY]),
    )
    percent = None if teacher_only == 0 else _percent(savings, teacher_only)
    return SavingsBreakdown(total, teacher_only, savings, percent, levers, ())


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
            batch_saved=stage.batch_saved,
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
    if times is None:
        return prices.cost_of_calls(model_id, usage, calls)
    if times == 0 or calls == 0:
        return Decimal(0)
    usage = TokenUsage(
        input_tokens=round(usage.input_tokens * times / calls),
        output_tokens=round(usage.output_tokens * times / calls),
    )
    return prices.cost_of_calls(model_id, usage, times)


def _cache_saved(prices: PriceTable, item: StageUsage) -> Decimal:
    """What the item's cached input tokens saved: the same calls uncached less cached (online rates)."""
    if not item.usage.cached_input_tokens:
        return Decimal(0)
    uncached = replace(item.usage, cached_input_tokens=0)
    full = prices.cost_of_calls(item.model_id, uncached, item.calls or 1)
    cached = prices.cost_of_calls(item.model_id, item.usage, item.calls or 1)
    return Decimal(0) if full is None or cached is None else full - cached


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


SavingsKind = Literal["saved", "cost_more", "free", "cached", "nothing", "unknown"]


@dataclass(frozen=True, slots=True)
class SavingsStatement:
    """What a run's saving was, in words that hold for free, cached and unpriced runs.

    Attributes:
        kind: ``saved`` (cheaper than the teacher alone), ``cost_more`` (dearer), ``free`` (the
            models cost nothing, nor would the teacher), ``cached`` (no call was paid: every answer
            came from the answer cache), ``nothing`` (no call at all), ``unknown`` (a price is missing).
        headline: One sentence for people.
        lever_percents: Each lever's share of the teacher-only cost, in the breakdown's order; ``None``
            where it has no meaning (nothing to compare with, or a price unknown).
    """

    kind: SavingsKind
    headline: str
    lever_percents: tuple[Decimal | None, ...]


def tell_savings(breakdown: SavingsBreakdown, *, calls: int, cached_items: int = 0) -> SavingsStatement:
    """Say what a run saved against the teacher alone, without dividing by nothing.

    Args:
        breakdown: The run's :func:`savings_breakdown` (or several runs', :func:`combine_breakdowns`).
        calls: Provider calls the run made (paid or free).
        cached_items: Rows whose answer came from the answer cache, so no call was made for them.
    """
    blank = tuple(None for _ in breakdown.levers)
    if breakdown.unknown_models:
        names = ", ".join(breakdown.unknown_models)
        return SavingsStatement("unknown", f"The saving is unknown: no price for {names}.", blank)
    if calls == 0:
        if cached_items:
            rows = _plural(cached_items, "row")
            text = (
                f"Nothing was paid: the answers of all {rows} came from the answer cache (paid for before)."
            )
            return SavingsStatement("cached", text, blank)
        return SavingsStatement("nothing", "No model was called, so nothing was spent or saved.", blank)
    actual, teacher = breakdown.actual or Decimal(0), breakdown.teacher_only or Decimal(0)
    cached = (
        f" The answers of {_plural(cached_items, 'row')} came from the answer cache at no cost; "
        "the comparison covers the calls this run made."
        if cached_items
        else ""
    )
    if teacher == 0:
        if actual == 0:
            text = "Free run: the models used cost nothing (local models), and so would the teacher alone."
            return SavingsStatement("free", text + cached, blank)
        text = f"The run cost {_usd(actual)}; the teacher alone would have cost nothing (its model is free)."
        return SavingsStatement("cost_more", text + cached, blank)
    percents = tuple(
        None if lever.saved is None else _percent(lever.saved, teacher) for lever in breakdown.levers
    )
    savings = breakdown.savings if breakdown.savings is not None else teacher - actual
    if savings < 0:
        text = f"The run cost {_usd(actual)}, {_usd(-savings)} more than the teacher alone ({_usd(teacher)})."
        return SavingsStatement("cost_more", text + cached, percents)
    text = (
        f"Saved {_usd(savings)} ({_percent(savings, teacher)}%): the run cost {_usd(actual)} where the "
        f"teacher alone, writing and validating every row, would have cost {_usd(teacher)}."
    )
    return SavingsStatement("saved", text + cached, percents)


def combine_breakdowns(breakdowns: Iterable[SavingsBreakdown]) -> SavingsBreakdown:
    """Several runs' breakdowns as one: sums, lever by lever; unknown when any run's is."""
    items = list(breakdowns)
    unknown = tuple(sorted({model for b in items for model in b.unknown_models}))
    names = [lever.name for lever in (items[0].levers if items else ())] or [
        STUDENT_SPLIT,
        JUDGE_POLICY,
        BATCH,
        CACHING,
    ]
    if unknown:
        levers = tuple(Lever(name, None) for name in names)
        return SavingsBreakdown(None, None, None, None, levers, unknown)
    actual = sum((b.actual or Decimal(0) for b in items), Decimal(0))
    teacher = sum((b.teacher_only or Decimal(0) for b in items), Decimal(0))
    savings = teacher - actual
    levers = tuple(Lever(name, sum((_lever(b, name) for b in items), Decimal(0))) for name in names)
    percent = None if teacher == 0 else _percent(savings, teacher)
    return SavingsBreakdown(actual, teacher, savings, percent, levers, ())


def _lever(breakdown: SavingsBreakdown, name: str) -> Decimal:
    return next((lever.saved or Decimal(0) for lever in breakdown.levers if lever.name == name), Decimal(0))


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _usd(value: Decimal) -> str:
    """Dollars with cents from $1 up, else up to six places (as the CLI's ``money``)."""
    if value == 0:
        return "$0.00"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    return f"${value:.6f}".rstrip("0")
