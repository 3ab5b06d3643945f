"""Prices, costs, estimates, savings and budgets. Money is ``Decimal`` US dollars throughout.

Example:
    >>> from distillation.cost import PriceTable, TokenUsage
    >>> PriceTable.load(None).cost_of("openai:gpt-4o-mini", TokenUsage(input_tokens=2_000_000))
    Decimal('0.3')
"""

from distillation.cost.budget import Budget
from distillation.cost.estimate import (
    RunEstimate,
    SavingsReport,
    StageEstimate,
    StagePilot,
    StagePlan,
    StageSavings,
    StageUsage,
    estimate_run,
    savings_report,
)
from distillation.cost.levers import (
    Lever,
    SavingsBreakdown,
    SavingsStatement,
    combine_breakdowns,
    estimate_breakdown,
    savings_breakdown,
    tell_savings,
    with_counterfactual,
)
from distillation.cost.overrides import PriceConfigError, PriceOverride, load_overrides, parse_overrides
from distillation.cost.prices import CostQuote, PriceTable
from distillation.cost.types import ModelPrice, PriceSource, PriceTier, TokenUsage, parse_model_id

__all__ = [
    "Budget",
    "CostQuote",
    "Lever",
    "ModelPrice",
    "PriceConfigError",
    "PriceOverride",
    "PriceSource",
    "PriceTable",
    "PriceTier",
    "RunEstimate",
    "SavingsBreakdown",
    "SavingsReport",
    "SavingsStatement",
    "StageEstimate",
    "StagePilot",
    "StagePlan",
    "StageSavings",
    "StageUsage",
    "TokenUsage",
    "combine_breakdowns",
    "estimate_breakdown",
    "estimate_run",
    "load_overrides",
    "parse_model_id",
    "parse_overrides",
    "savings_breakdown",
    "savings_report",
    "tell_savings",
    "with_counterfactual",
]
