"""Pilot-based estimates, the savings report and the budget."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from distillation.cost import (
    Budget,
    PriceTable,
    StagePilot,
    StagePlan,
    StageUsage,
    TokenUsage,
    estimate_run,
    parse_overrides,
    savings_report,
)

TEACHER = "test:teacher"
STUDENT = "test:student"


@pytest.fixture
def prices() -> PriceTable:
    # Round prices make every expected value checkable by hand.
    return PriceTable(
        parse_overrides(
            {
                "prices": [
                    {"model": TEACHER, "input": "10", "output": "30", "cached_input": "5"},
                    {"model": STUDENT, "input": "1", "output": "2"},
                ]
            }
        )
    )


def test_pilot_from_counts_spreads_rejected_attempts_over_accepted_rows() -> None:
    pilot = StagePilot.from_counts(attempted=10, accepted=8, input_tokens=4000, output_tokens=2000)
    assert pilot.input_tokens_per_row == Decimal(500)
    assert pilot.output_tokens_per_row == Decimal(250)
    assert pilot.acceptance_rate == Decimal("0.8")


@pytest.mark.parametrize(("attempted", "accepted"), [(10, 0), (5, 6)])
def test_pilot_without_accepted_rows_cannot_be_projected(attempted: int, accepted: int) -> None:
    with pytest.raises(ValueError, match="accepted"):
        StagePilot.from_counts(attempted=attempted, accepted=accepted, input_tokens=1, output_tokens=1)


def test_pilot_rejects_an_impossible_acceptance_rate() -> None:
    with pytest.raises(ValueError, match="acceptance_rate"):
        StagePilot(Decimal(1), Decimal(1), acceptance_rate=Decimal(0))


def test_estimate_per_stage_total_and_teacher_only(prices: PriceTable) -> None:
    pilots = {
        "seed": StagePilot(Decimal(1000), Decimal(500), acceptance_rate=Decimal("0.5")),
        "bulk": StagePilot(Decimal(800), Decimal(400), acceptance_rate=Decimal("0.8")),
    }
    plan = [StagePlan("seed", TEACHER, 100), StagePlan("bulk", STUDENT, 900)]
    estimate = estimate_run(plan, pilots, prices, teacher_model_id=TEACHER)

    seed, bulk = estimate.stages
    assert seed.usage == TokenUsage(input_tokens=100_000, output_tokens=50_000)
    assert seed.attempts == 200
    assert seed.cost == Decimal("2.5")  # 0.1M × $10 + 0.05M × $30
    assert bulk.usage == TokenUsage(input_tokens=720_000, output_tokens=360_000)
    assert bulk.attempts == 1125
    assert bulk.cost == Decimal("1.44")  # 0.72M × $1 + 0.36M × $2
    assert bulk.teacher_cost == Decimal("18")  # 0.72M × $10 + 0.36M × $30
    assert estimate.total == Decimal("3.94")
    assert estimate.teacher_only == Decimal("20.5")
    assert estimate.savings == Decimal("16.56")
    assert estimate.savings_percent == Decimal("80.78")
    assert estimate.unknown_models == ()


def test_estimate_rounds_fractional_tokens_up(prices: PriceTable) -> None:
    pilots = {"s": StagePilot(Decimal("0.5"), Decimal("0.1"), acceptance_rate=Decimal("0.3"))}
    stage = estimate_run([StagePlan("s", STUDENT, 3)], pilots, prices, teacher_model_id=TEACHER).stages[0]
    assert stage.usage == TokenUsage(input_tokens=2, output_tokens=1)
    assert stage.attempts == 10


def test_estimate_reports_unknown_prices_instead_of_guessing(prices: PriceTable) -> None:
    pilots = {"a": StagePilot(Decimal(10), Decimal(10)), "b": StagePilot(Decimal(10), Decimal(10))}
    plan = [StagePlan("a", "openai-compatible:mystery", 10), StagePlan("b", STUDENT, 10)]
    estimate = estimate_run(plan, pilots, prices, teacher_model_id=TEACHER)
    assert estimate.total is None
    assert estimate.known_total == Decimal("0.0003")
    assert estimate.savings is None
    assert estimate.savings_percent is None
    assert estimate.unknown_models == ("openai-compatible:mystery",)


def test_estimate_with_unknown_teacher_has_no_baseline(prices: PriceTable) -> None:
    pilots = {"a": StagePilot(Decimal(10), Decimal(10))}
    estimate = estimate_run([StagePlan("a", STUDENT, 1)], pilots, prices, teacher_model_id="x:unknown")
    assert estimate.teacher_only is None
    assert estimate.unknown_models == ("x:unknown",)


def test_estimate_needs_a_pilot_for_every_stage(prices: PriceTable) -> None:
    with pytest.raises(KeyError, match="judge"):
        estimate_run([StagePlan("judge", STUDENT, 1)], {}, prices, teacher_model_id=TEACHER)


def test_savings_report_prices_student_tokens_at_teacher_rates(prices: PriceTable) -> None:
    usages = [
        StageUsage("seed", TEACHER, TokenUsage(100_000, 50_000, 20_000)),
        StageUsage("bulk", STUDENT, TokenUsage(500_000, 200_000)),
        StageUsage("bulk", STUDENT, TokenUsage(500_000, 200_000)),
    ]
    report = savings_report(usages, prices, teacher_model_id=TEACHER)
    seed, bulk = report.stages
    assert seed.actual_cost == seed.teacher_cost == Decimal("2.4")  # 0.08M×10 + 0.02M×5 + 0.05M×30
    assert bulk.usage == TokenUsage(1_000_000, 400_000)
    assert bulk.actual_cost == Decimal("1.8")
    assert bulk.teacher_cost == Decimal("22")
    assert report.actual_cost == Decimal("4.2")
    assert report.teacher_cost == Decimal("24.4")
    assert report.savings == Decimal("20.2")
    assert report.savings_percent == Decimal("82.79")


def test_savings_report_prefers_ledger_cost_and_can_be_negative(prices: PriceTable) -> None:
    usages = [StageUsage("bulk", STUDENT, TokenUsage(1_000_000, 0), cost=Decimal("12"))]
    report = savings_report(usages, prices, teacher_model_id=TEACHER)
    assert report.actual_cost == Decimal("12")
    assert report.teacher_cost == Decimal("10")
    assert report.savings == Decimal("-2")
    assert report.savings_percent == Decimal("-20.00")


def test_savings_report_with_unknown_cost(prices: PriceTable) -> None:
    usages = [StageUsage("bulk", "openai-compatible:unpriced", TokenUsage(10, 10))]
    report = savings_report(usages, prices, teacher_model_id=TEACHER)
    assert report.actual_cost is None
    assert report.savings is None
    assert report.teacher_cost is not None
    assert report.unknown_models == ("openai-compatible:unpriced",)


def test_savings_report_of_nothing_has_no_percentage(prices: PriceTable) -> None:
    report = savings_report([], prices, teacher_model_id=TEACHER)
    assert report.actual_cost == report.teacher_cost == Decimal(0)
    assert report.savings_percent is None


@pytest.mark.parametrize(
    ("limit", "spent", "reserved", "nxt", "exceeds"),
    [
        (None, "1000", "1000", "1000", False),
        ("1.00", "0.50", "0.25", "0.25", False),  # reaching the limit exactly is allowed
        ("1.00", "0.50", "0.25", "0.2500001", True),
        ("1.00", "0", "0", "1.01", True),
        ("0", "0", "0", "0", False),
        ("0", "0", "0", "0.000001", True),
    ],
)
def test_budget_would_exceed(limit: str | None, spent: str, reserved: str, nxt: str, exceeds: bool) -> None:
    budget = Budget(Decimal(limit) if limit is not None else None)
    assert budget.would_exceed(Decimal(spent), Decimal(reserved), Decimal(nxt)) is exceeds


def test_budget_remaining() -> None:
    assert Budget(Decimal("5")).remaining(Decimal("1"), Decimal("1.5")) == Decimal("2.5")
    assert Budget(Decimal("1")).remaining(Decimal("2"), Decimal("0")) == Decimal(0)
    assert Budget(None).remaining(Decimal("2"), Decimal("0")) is None


@pytest.mark.parametrize("limit", ["-1", "NaN", "Infinity"])
def test_budget_rejects_invalid_limits(limit: str) -> None:
    with pytest.raises(ValueError, match="budget limit"):
        Budget(Decimal(limit))


def test_estimate_uses_real_prices_from_config(tmp_path: Path) -> None:
    table = PriceTable.load(None)
    pilots = {"bulk": StagePilot(Decimal(1_000_000), Decimal(0))}
    estimate = estimate_run(
        [StagePlan("bulk", "openai:gpt-4o-mini", 1)], pilots, table, teacher_model_id="openai:gpt-4o"
    )
    assert estimate.total == Decimal("0.15")
    assert estimate.teacher_only == Decimal("2.5")


def test_a_batch_stage_is_priced_at_the_batch_rate_and_its_saving_kept() -> None:
    table = PriceTable.load(None)
    pilots = {"bulk": StagePilot(Decimal(800), Decimal(400))}
    model = "openai:gpt-4o-mini"
    online = estimate_run([StagePlan("bulk", model, 100)], pilots, table, teacher_model_id="openai:gpt-4o")
    batch = estimate_run(
        [StagePlan("bulk", model, 100, batch=True)], pilots, table, teacher_model_id="openai:gpt-4o"
    )
    (plain,), (batched,) = online.stages, batch.stages
    assert plain.cost is not None
    assert batched.cost is not None
    assert batched.cost == table.cost_of(model, batched.usage, batch=True)
    assert batched.cost < plain.cost
    assert batched.batch_saved == plain.cost - batched.cost
    assert plain.batch_saved == 0
    assert batched.teacher_cost == plain.teacher_cost  # the teacher alone would pay online rates
