"""Analytics as the API shows them: cost by a dimension, cost per day, savings, quality."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from app.jobs.schemas import Money
from app.kit.schemas import Schema

CostDimension = Literal["provider", "model", "stage", "dataset", "day"]
SeriesDimension = Literal["provider", "model", "stage"]


class CostRow(Schema):
    """Spend and tokens of one group of ledger rows."""

    key: str
    label: str | None = Field(
        default=None, description="What a person calls the key: the dataset's name when grouped by dataset"
    )
    calls: int
    failed_calls: int
    unknown_cost_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Money


class CostReport(Schema):
    """Spend grouped by one dimension, with the total."""

    group_by: CostDimension
    since: date | None
    until: date | None
    rows: list[CostRow]
    total_usd: Money


class DailyPoint(Schema):
    """Spend of one series on one day."""

    day: str
    key: str
    cost_usd: Money
    calls: int
    input_tokens: int = 0
    output_tokens: int = 0


class StageQuality(Schema):
    """Items of one stage by outcome."""

    stage: str
    accepted: int
    rejected: int
    failed: int
    pass_rate: float | None


class QualityReport(Schema):
    """Judge scores and outcomes over the examples and items in range."""

    score_histogram: dict[str, int]
    average_score: float | None
    stages: list[StageQuality]
    rejection_reasons: dict[str, int]


class Summary(Schema):
    """The platform at a glance, for the overview page."""

    datasets: int
    examples: int = Field(description="Rows in the current versions of every dataset.")
    month_start: date = Field(description="First day (UTC) of the month the spend counts from.")
    spent_this_month_usd: Money
    budget_limit_usd: Money | None = Field(description="The global budget; none when unset.")
    budget_spent_usd: Money = Field(description="Spend counted against the global budget.")
    average_score: float | None = Field(description="Mean judge score of every scored row.")
    running_jobs: int
