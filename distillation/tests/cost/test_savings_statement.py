"""Savings told in words: saved, dearer, free, fully cached, no call, unknown price; and summed runs."""

from __future__ import annotations

from decimal import Decimal

from distillation.cost import (
    Lever,
    PriceTable,
    SavingsBreakdown,
    StageUsage,
    TokenUsage,
    combine_breakdowns,
    savings_breakdown,
    tell_savings,
)

PRICES = PriceTable.load(None)
TEACHER, STUDENT, LOCAL = "openai:gpt-4o", "openai:gpt-4o-mini", "local:smollm2-135m"


def breakdown(actual: str, teacher: str, levers: tuple[str, ...] = ("0", "0", "0", "0")) -> SavingsBreakdown:
    names = ("student split", "judge policy", "batch", "prompt caching")
    a, t = Decimal(actual), Decimal(teacher)
    percent = None if t == 0 else ((t - a) / t * 100).quantize(Decimal("0.01"))
    return SavingsBreakdown(
        a, t, t - a, percent, tuple(Lever(n, Decimal(v)) for n, v in zip(names, levers, strict=True)), ()
    )


def test_a_saving_is_told_with_its_share_and_each_lever_share() -> None:
    said = tell_savings(breakdown("2", "10", ("5", "3", "0", "0")), calls=40)

    assert said.kind == "saved"
    assert said.headline == (
        "Saved $8.00 (80.00%): the run cost $2.00 where the teacher alone, writing and validating every "
        "row, would have cost $10.00."
    )
    assert said.lever_percents == (Decimal("50.00"), Decimal("30.00"), Decimal("0.00"), Decimal("0.00"))


def test_a_free_run_is_not_a_hundred_percent_saving() -> None:
    usages = [
        StageUsage("seed", LOCAL, TokenUsage(300, 200), None, 2),
        StageUsage("bulk", LOCAL, TokenUsage(900, 600), None, 6),
        StageUsage("judge", LOCAL, TokenUsage(900, 100), None, 8),
    ]
    result = savings_breakdown(
        usages, PRICES, teacher_model_id=LOCAL, judge_model_id=LOCAL, baseline_judge_calls=8
    )

    said = tell_savings(result, calls=16)

    assert (result.actual, result.teacher_only, result.savings_percent) == (Decimal(0), Decimal(0), None)
    assert said.kind == "free"
    assert "%" not in said.headline
    assert "Free run" in said.headline
    assert said.lever_percents == (None, None, None, None)


def test_a_fully_cached_run_says_nothing_was_paid_and_why() -> None:
    result = savings_breakdown(
        [], PRICES, teacher_model_id=TEACHER, judge_model_id=TEACHER, baseline_judge_calls=20
    )

    said = tell_savings(result, calls=0, cached_items=20)

    assert said.kind == "cached"
    assert (
        said.headline
        == "Nothing was paid: the answers of all 20 rows came from the answer cache (paid for before)."
    )
    assert "saved" not in said.headline.lower()


def test_a_partly_cached_run_says_what_the_comparison_covers() -> None:
    said = tell_savings(breakdown("1", "4"), calls=10, cached_items=1)

    assert said.kind == "saved"
    assert said.headline.endswith(
        "The answers of 1 row came from the answer cache at no cost; "
        "the comparison covers the calls this run made."
    )


def test_no_call_and_no_row_is_said_plainly() -> None:
    said = tell_savings(breakdown("0", "0"), calls=0)

    assert (said.kind, said.headline) == ("nothing", "No model was called, so nothing was spent or saved.")


def test_a_run_dearer_than_the_teacher_says_how_much_more() -> None:
    said = tell_savings(breakdown("3", "2", ("-1", "0", "0", "0")), calls=4)

    assert said.kind == "cost_more"
    assert said.headline == "The run cost $3.00, $1.00 more than the teacher alone ($2.00)."


def test_a_paid_student_under_a_free_teacher_costs_more_without_a_percentage() -> None:
    said = tell_savings(breakdown("0.004", "0"), calls=3)

    assert said.kind == "cost_more"
    assert (
        said.headline == "The run cost $0.004; the teacher alone would have cost nothing (its model is free)."
    )


def test_an_unknown_price_is_named_and_nothing_is_guessed() -> None:
    usages = [StageUsage("seed", "openai-compatible:mine", TokenUsage(10, 10), None, 1)]
    result = savings_breakdown(
        usages,
        PRICES,
        teacher_model_id="openai-compatible:mine",
        judge_model_id=TEACHER,
        baseline_judge_calls=1,
    )

    said = tell_savings(result, calls=1)

    assert said.kind == "unknown"
    assert said.headline == "The saving is unknown: no price for openai-compatible:mine."


def test_runs_combine_lever_by_lever_and_an_unknown_run_makes_the_sum_unknown() -> None:
    total = combine_breakdowns([breakdown("2", "10", ("5", "3", "0", "0")), breakdown("0", "0")])

    expected = (Decimal(2), Decimal(10), Decimal(8), Decimal("80.00"))
    assert (total.actual, total.teacher_only, total.savings, total.savings_percent) == expected
    assert [lever.saved for lever in total.levers] == [5, 3, 0, 0]

    unknown = SavingsBreakdown(None, None, None, None, (), ("openai-compatible:mine",))
    assert combine_breakdowns([breakdown("1", "2"), unknown]).teacher_only is None
    assert combine_breakdowns([]).teacher_only == 0
