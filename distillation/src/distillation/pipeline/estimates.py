"""Offline estimates: what each stage of a run is expected to use, per data type, without any request.

The token model per data type gives a row's prompt and answer sizes; the stages add what they send on
top (the bulk prompt carries the task policy and exemplar seed rows, the policy prompt lists the seed
rows, the judge prompt holds the row). Answers are capped by the run's ``max_tokens``. Acceptance rates
are conservative, so the attempts also pay for rejected rows. The expected escalation rate grows with
the policy's ``escalate_margin`` (a wider margin sends more cheap-judged rows to the strong judge).

These are assumptions, not measurements: ``distillery estimate --pilot`` measures a few real items,
and the service replaces them with the usage of its finished jobs of the same data type.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from distillation.cost import (
    PriceTable,
    RunEstimate,
    SavingsBreakdown,
    StagePilot,
    StagePlan,
    estimate_breakdown,
    estimate_run,
)
from distillation.pipeline.config import GenerationConfig

__all__ = [
    "HUMAN_COST_PER_ROW_USD",
    "JUDGE_CHEAP",
    "JUDGE_ESCALATED",
    "TOKEN_MODELS",
    "TokenModel",
    "escalation_rate",
    "human_cost",
    "offline_estimate",
    "offline_pilots",
    "offline_plan",
    "planned_items",
]

JUDGE_CHEAP, JUDGE_ESCALATED = "judge: cheap", "judge: escalated"
# What a human annotator is paid per row by default, for the comparison (seed 000's ROI report).
HUMAN_COST_PER_ROW_USD: Final = Decimal("0.50")


@dataclass(frozen=True, slots=True)
class TokenModel:
    """Typical sizes of one row of a data type, in tokens.

    Attributes:
        prompt: Input tokens of a request writing one row (instructions, schema, scenario).
        answer: Output tokens of one row (before the ``max_tokens`` cap).
    """

    prompt: int
    answer: int


TOKEN_MODELS: Final[dict[str, TokenModel]] = {
    "qa": TokenModel(prompt=650, answer=350),
    "classification": TokenModel(prompt=600, answer=120),
    "generation": TokenModel(prompt=650, answer=600),
    "code": TokenModel(prompt=750, answer=700),
    "translation": TokenModel(prompt=600, answer=300),
    "ner": TokenModel(prompt=700, answer=250),
}
_FALLBACK: Final = TokenModel(prompt=700, answer=500)
_SEED_ACCEPTANCE: Final = Decimal("0.9")
_BULK_ACCEPTANCE: Final = Decimal("0.85")
_BULK_EXTRA_PROMPT: Final = 400  # the task policy and the exemplar seed rows
_POLICY_OUTPUT: Final = 600
_JUDGE_PROMPT: Final = 450  # the rubric, on top of the row
_JUDGE_OUTPUT: Final = 150


def escalation_rate(margin: float) -> float:
    """The expected share of cheap-judged rows escalated to the strong judge, for a margin in [0, 10].

    5% of rows fail outright; each point of margin sends about 10% more (15% at the default 1.0).
    """
    return min(1.0, round(0.05 + 0.10 * margin, 4))


def offline_pilots(config: GenerationConfig) -> dict[str, StagePilot]:
    """Tokens per accepted row (per call for the policy and the judge lines) of every stage."""
    model = TOKEN_MODELS.get(config.data_type, _FALLBACK)
    answer = Decimal(min(config.max_tokens, model.answer))
    judge = StagePilot(Decimal(_JUDGE_PROMPT) + model.prompt // 3 + answer, Decimal(_JUDGE_OUTPUT))
    seeds = Decimal(min(config.seed_count, 20))
    return {
        "seed": StagePilot(Decimal(model.prompt), answer, _SEED_ACCEPTANCE),
        "bulk": StagePilot(Decimal(model.prompt + _BULK_EXTRA_PROMPT), answer, _BULK_ACCEPTANCE),
        "policy": StagePilot(Decimal(model.prompt) + seeds * answer, Decimal(_POLICY_OUTPUT)),
        "judge": judge,
        JUDGE_CHEAP: judge,
        JUDGE_ESCALATED: judge,
    }


def offline_plan(config: GenerationConfig, pilots: dict[str, StagePilot] | None = None) -> list[StagePlan]:
    """The stages of the run, the judge lines as its policy plans them for the items it will try."""
    pilots = pilots or offline_pilots(config)
    seed_items = config.seed_count / float(pilots["seed"].acceptance_rate)
    bulk_items = config.bulk_count / float(pilots["bulk"].acceptance_rate)
    plan = [StagePlan("seed", config.teacher, config.seed_count)]
    if config.bulk_count:
        plan += [StagePlan("policy", config.teacher, 1), StagePlan("bulk", config.student, config.bulk_count)]
    rate = escalation_rate(config.judge_policy.escalate_margin)
    judges = config.judge_calls(seed_items, bulk_items, rate)
    plan += [StagePlan(label, model, calls) for label, model, calls in judges]
    return plan


def planned_items(config: GenerationConfig, pilots: dict[str, StagePilot] | None = None) -> float:
    """Seed and bulk items the run is expected to try (accepted rows over the acceptance rates)."""
    pilots = pilots or offline_pilots(config)
    return config.seed_count / float(pilots["seed"].acceptance_rate) + config.bulk_count / float(
        pilots["bulk"].acceptance_rate
    )


def human_cost(rows: int, per_row: Decimal) -> Decimal:
    """What human annotators would be paid for ``rows`` rows at ``per_row`` US dollars each."""
    return per_row * rows


def offline_estimate(config: GenerationConfig, prices: PriceTable) -> tuple[RunEstimate, SavingsBreakdown]:
    """The run's projection from the data type's token model and its saving by lever; sends nothing.

    The estimate's teacher-only cost is the counterfactual of :func:`distillation.cost.savings_breakdown`
    (the teacher writes every row, the strong judge scores every row), and its unknown models include
    the counterfactual's.
    """
    pilots = offline_pilots(config)
    estimate = estimate_run(offline_plan(config, pilots), pilots, prices, teacher_model_id=config.teacher)
    breakdown = estimate_breakdown(
        estimate,
        prices,
        judge_model_id=config.judge_model,
        baseline_judge_calls=config.baseline_judge_calls(planned_items(config, pilots)),
    )
    unknown = tuple(sorted(set(estimate.unknown_models) | set(breakdown.unknown_models)))
    return replace(estimate, teacher_only=breakdown.teacher_only, unknown_models=unknown), breakdown
