"""``distillery evaluate``'s summary: the pairwise table and the side-by-side answers with reasons."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console

from distillation.commands.evaluate import pairwise_table, print_side_by_side, report_table
from distillation.evaluate import (
    EvaluationReport,
    ModelEvaluation,
    PairwiseResult,
    RowVerdict,
    SideBySide,
)


def _report() -> EvaluationReport:
    verdict = RowVerdict(
        row_id="r1",
        opponent="base",
        outcome="win",
        reasons=["base shown first: B is right", "candidate shown first: A is right"],
    )
    return EvaluationReport(
        data_type="qa",
        heldout_ids=["r1", "r2"],
        models=[
            ModelEvaluation(role="base", model="local:smollm2-135m", rows=2, latency_median_s=0.5),
            ModelEvaluation(role="tuned", model="runs/qa", rows=2, latency_median_s=0.25, latency_p90_s=0.4),
        ],
        pairwise=[
            PairwiseResult(
                candidate="tuned",
                candidate_model="runs/qa",
                opponent="base",
                opponent_model="local:smollm2-135m",
                judge="openai:gpt-4o-mini",
                rows=2,
                wins=1,
                ties=1,
                position_inconsistent=1,
                win_rate=0.5,
                tie_rate=0.5,
                loss_rate=0.0,
                judge_cost_usd=Decimal("0.0002"),
            )
        ],
        side_by_side=[
            SideBySide(
                row_id="r1",
                prompt="What is 2+2?",
                reference="4",
                answers={"base": "5", "tuned": "4"},
                verdicts=[verdict],
            )
        ],
    )


def test_the_summary_shows_win_rates_latency_and_the_judges_reasons() -> None:
    console = Console(record=True, width=160)
    report = _report()

    console.print(report_table(report))
    console.print(pairwise_table(report))
    print_side_by_side(console, report)
    text = console.export_text()

    assert "latency median (s)" in text
    assert "0.25" in text
    row = next(line for line in text.splitlines() if "tuned vs base" in line and "%" in line)
    assert row.split()[3:] == ["50%", "(1)", "50%", "(1)", "0%", "(0)", "1", "0", "$0.0002"]
    assert "judged by openai:gpt-4o-mini in both orders" in text
    assert "prompt r1: What is 2+2?" in text
    assert "tuned vs base: win" in text
    assert "candidate shown first: A is right" in text
