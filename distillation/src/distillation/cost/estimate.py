"""Cost estimates from a pilot run, and the savings report after a run.

Both compare the mixed teacher/student run with a baseline in which the teacher does all the work. The
baseline prices the *same token counts* at the teacher's rates: tokenizers differ between models, so it
is an approximation of what the teacher alone would have cost, not a measurement.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from distillation.cost.prices import PriceTable
from distillation.cost.types import TokenUsage

__all__ = [
    "RunEstimate",
    "SavingsReport",
    "StageEstimate",
    "StagePilot",
    "StagePlan",
    "StageSavings",
    "StageUsage",
    "estimate_run",
    "savings_report",
]

_PERCENT: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class StagePilot:
    """Averages a pilot measured for one stage.

    Token counts are per *accepted* row: the tokens of rejected attempts are spread over the rows that
    were kept, so ``rows × tokens per row`` already pays for the rejects.

    Attributes:
        input_tokens_per_row: Input tokens (cached included) per accepted row.
        output_tokens_per_row: Output tokens per accepted row.
        acceptance_rate: Accepted rows / attempted rows, in (0, 1].
        cached_input_tokens_per_row: Cached input tokens per accepted row.
    """

    input_tokens_per_row: Decimal
    output_tokens_per_row: Decimal
    acceptance_rate: Decimal = Decimal(1)
    cached_input_tokens_per_row: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if not Decimal(0) < self.acceptance_rate <= 1:
            raise ValueError(f"acceptance_rate must be in (0, 1], got {self.acceptance_rate}")
        if min(self.input_tokens_per_row, self.output_tokens_per_row, self.cached_input_tokens_per_row) < 0:
            raise ValueError("token averages must be non-negative")

    @classmethod
    def from_counts(
        cls,
        *,
        attempted: int,
        accepted: int,
        input_tokens: int,
        output_tokens: int,
        cached_input_tokens: int = 0,
    ) -> StagePilot:
        """Build the averages from a pilot's raw totals.

        Raises:
            ValueError: The pilot accepted no rows, so nothing can be projected from it.
        """
        if accepted <= 0 or attempted < accepted:
            raise ValueError(f"need 0 < accepted <= attempted, got {accepted} of {attempted}")
        return cls(
            input_tokens_per_row=Decimal(input_tokens) / accepted,
            output_tokens_per_row=Decimal(output_tokens) / accepted,
            acceptance_rate=Decimal(accepted) / attempted,
            cached_input_tokens_per_row=Decimal(cached_input_tokens) / accepted,
        )


@dataclass(frozen=True, slots=True)
class StagePlan:
    """How many accepted rows a stage must produce, and with which model.

    ``batch``: its requests go through the provider's batch API, priced at the batch rate.
    """

    stage: str
    model_id: str
    rows: int
    batch: bool = False


@dataclass(frozen=True, slots=True)
class StageEstimate:
    """The projection for one stage; ``cost``/``teacher_cost`` are ``None`` when a price is unknown.

    ``batch_saved``: what sending the stage through a batch API saves against the online rates (taken
    off ``cost`` already; the teacher's cost stays at the online rates, as the teacher alone would pay).
    """

    stage: str
    model_id: str
    rows: int
    attempts: int
    usage: TokenUsage
    cost: Decimal | None
    teacher_cost: Decimal | None
    batch_saved: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class RunEstimate:
    """The projection for a whole run.

    Attributes:
        stages: One estimate per planned stage, in plan order.
        teacher_model_id: The model of the teacher-only baseline.
        total: Sum of stage costs, ``None`` if any stage's price is unknown.
        known_total: Sum of the stage costs that are known.
        teacher_only: The same tokens priced at the teacher's rates, ``None`` if unknown.
        unknown_models: Models without a price, sorted.
    """

    stages: tuple[StageEstimate, ...]
    teacher_model_id: str
    total: Decimal | None
    known_total: Decimal
    teacher_only: Decimal | None
    unknown_models: tuple[str, ...]

    @property
    def savings(self) -> Decimal | None:
        """Teacher-only cost minus the estimated cost."""
        return _difference(self.teacher_only, self.total)

    @property
    def savings_percent(self) -> Decimal | None:
        """Savings as a percentage of the teacher-only cost, to two places."""
        return _percent(self.savings, self.teacher_only)


@dataclass(frozen=True, slots=True)
class StageUsage:
    """Tokens a stage actually used with one model, and what the ledger says they cost.

    ``cost=None`` prices the usage from the table instead (at the current price). ``calls``: how many
    requests the usage sums (0 when unknown). ``batch_saved``: what the part of them sent through a
    provider batch API saved against the online rates (already taken off ``cost``).
    """

    stage: str
    model_id: str
    usage: TokenUsage
    cost: Decimal | None = None
    calls: int = 0
    batch_saved: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class StageSavings:
    """Actual and teacher-baseline cost for one (stage, model) pair."""

    stage: str
    model_id: str
    usage: TokenUsage
    actual_cost: Decimal | None
    teacher_cost: Decimal | None


@dataclass(frozen=True, slots=True)
class SavingsReport:
    """Actual cost against the same tokens written by the teacher.

    Attributes:
        stages: Per (stage, model) totals, in first-seen order.
        teacher_model_id: The baseline model.
        actual_cost: What the run cost, ``None`` if any part is unknown.
        teacher_cost: The teacher-only baseline, ``None`` if unknown.
        savings: ``teacher_cost - actual_cost``; negative when the run cost more.
        savings_percent: ``savings`` as a percentage of ``teacher_cost``, to two places.
        unknown_models: Models whose cost could not be priced, sorted.
    """

    stages: tuple[StageSavings, ...]
    teacher_model_id: str
    actual_cost: Decimal | None
    teacher_cost: Decimal | None
    savings: Decimal | None
    savings_percent: Decimal | None
    unknown_models: tuple[str, ...]


def estimate_run(
    plan: Sequence[StagePlan],
    pilots: Mapping[str, StagePilot],
    prices: PriceTable,
    *,
    teacher_model_id: str,
) -> RunEstimate:
    """Project a run's cost from pilot measurements.

    Args:
        plan: Stages with their target rows and models.
        pilots: Pilot averages keyed by stage name.
        prices: The price table.
        teacher_model_id: The teacher, for the teacher-only baseline.

    Returns:
        Per-stage and total estimates; unknown prices are reported, never guessed.

    Raises:
        KeyError: A planned stage has no pilot measurement.
    """
    stages: list[StageEstimate] = []
    for item in plan:
        if item.stage not in pilots:
            raise KeyError(f"no pilot measurement for stage {item.stage!r}")
        pilot = pilots[item.stage]
        usage = TokenUsage(
            input_tokens=_ceil(pilot.input_tokens_per_row * item.rows),
            output_tokens=_ceil(pilot.output_tokens_per_row * item.rows),
            cached_input_tokens=_ceil(pilot.cached_input_tokens_per_row * item.rows),
        )
        attempts = _ceil(Decimal(item.rows) / pilot.acceptance_rate)
        online = prices.cost_of_calls(item.model_id, usage, attempts)
        cost = prices.cost_of_calls(item.model_id, usage, attempts, batch=True) if item.batch else online
        saved = online - cost if online is not None and cost is not None else Decimal(0)
        teacher = prices.cost_of_calls(teacher_model_id, usage, attempts)
        stages.append(
            StageEstimate(item.stage, item.model_id, item.rows, attempts, usage, cost, teacher, saved)
        )
    unknown = _unknown(
        ((s.model_id, s.cost) for s in stages), teacher_model_id, [s.teacher_cost for s in stages]
    )
    return RunEstimate(
        stages=tuple(stages),
        teacher_model_id=teacher_model_id,
        total=_sum_or_none(s.cost for s in stages),
        known_total=sum((s.cost for s in stages if s.cost is not None), Decimal(0)),
        teacher_only=_sum_or_none(s.teacher_cost for s in stages),
        unknown_models=unknown,
    )


def savings_report(
    usages: Iterable[StageUsage], prices: PriceTable, *, teacher_model_id: str
) -> SavingsReport:
    """Compare what a run cost with the teacher-only baseline.

    Args:
        usages: Ledger totals (or individual calls) per stage and model; they are summed per pair.
        prices: The price table, for the baseline and for usages without a recorded cost.
        teacher_model_id: The teacher model.

    Returns:
        The report; sums that include an unknown price are ``None``.
    """
    totals: dict[tuple[str, str], tuple[TokenUsage, Decimal | None]] = {}
    for item in usages:
        cost = item.cost if item.cost is not None else prices.cost_of(item.model_id, item.usage)
        usage, so_far = totals.get((item.stage, item.model_id), (TokenUsage(), Decimal(0)))
        totals[(item.stage, item.model_id)] = (
            usage + item.usage,
            None if so_far is None or cost is None else so_far + cost,
        )
    stages = tuple(
        StageSavings(stage, model_id, usage, cost, prices.cost_of(teacher_model_id, usage))
        for (stage, model_id), (usage, cost) in totals.items()
    )
    actual = _sum_or_none(s.actual_cost for s in stages)
    teacher = _sum_or_none(s.teacher_cost for s in stages)
    savings = _difference(teacher, actual)
    return SavingsReport(
        stages=stages,
        teacher_model_id=teacher_model_id,
        actual_cost=actual,
        teacher_cost=teacher,
        savings=savings,
        savings_percent=_percent(savings, teacher),
        unknown_models=_unknown(
            ((s.model_id, s.actual_cost) for s in stages), teacher_model_id, [s.teacher_cost for s in stages]
        ),
    )


def _ceil(value: Decimal) -> int:
    return math.ceil(value)


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _difference(baseline: Decimal | None, actual: Decimal | None) -> Decimal | None:
    return None if baseline is None or actual is None else baseline - actual


def _percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or whole is None or whole == 0:
        return None
    return (part / whole * 100).quantize(_PERCENT, rounding=ROUND_HALF_EVEN)


def _unknown(
    costs: Iterable[tuple[str, Decimal | None]], teacher_model_id: str, teacher_costs: list[Decimal | None]
) -> tuple[str, ...]:
    unknown = {model_id for model_id, cost in costs if cost is None}
    if any(cost is None for cost in teacher_costs):
        unknown.add(teacher_model_id)
    return tuple(sorted(unknown))
