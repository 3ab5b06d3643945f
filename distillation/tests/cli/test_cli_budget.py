"""``distillery generate --budget``: the budget is spent to within a call of its limit, never past it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from cli_fakes import STUDENT, TEACHER, cli_app, generate_args, invoke

from distillation.testing import FakeProviderServer
from distillation.testing.answers import realistic_answer, realistic_bill

BUDGET = Decimal("0.02")
STOPPED = re.compile(r"could cost up to \$([\d.]+); spent \$([\d.]+) \+ reserved \$([\d.]+) of the")


def billed(server: FakeProviderServer) -> Decimal:
    """What the fake provider billed: every answer's usage at the bundled prices."""
    return realistic_bill(server.requests)


def spend(tmp_path: Path, teacher: str, concurrency: int) -> tuple[Decimal, str]:
    """Run 200 rows on a $0.02 budget; what the provider billed and what the CLI printed."""
    args = generate_args(tmp_path / "qa.jsonl", 200, "--budget", str(BUDGET))
    args[args.index("--teacher") + 1] = teacher
    args[args.index("--concurrency") + 1] = str(concurrency)
    with FakeProviderServer(realistic_answer) as server:
        result = invoke(cli_app(server), *args)
        assert result.exit_code == 2, result.output
        assert "budget_exhausted" in result.output
        return billed(server), result.output


@pytest.mark.parametrize("concurrency", [1, 8, 32])
def test_a_2_cent_budget_is_spent_to_at_least_90_percent_and_never_past_it(
    tmp_path: Path, concurrency: int
) -> None:
    # The student also writes the seed rows: each call is a small part of the budget.
    paid, _ = spend(tmp_path, STUDENT, concurrency)

    assert BUDGET * Decimal("0.9") <= paid <= BUDGET


@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_gpt_4o_teacher_run_moves_on_to_the_student_and_spends_at_least_90_percent(
    tmp_path: Path, concurrency: int
) -> None:
    # gpt-4o's calls are each about a sixth of the budget: once the next seed or its judging cannot
    # fit, the run moves on to the student's bulk rows from the seeds accepted so far, whose calls
    # (about 1% of the budget each) fill what is left.
    paid, output = spend(tmp_path, TEACHER, concurrency)

    stop = STOPPED.search(output.replace("\n", " "))
    assert stop is not None, output
    least, spent, reserved = (Decimal(value) for value in stop.groups())
    assert BUDGET * Decimal("0.9") <= paid <= BUDGET
    assert spent + reserved + least > BUDGET
    assert "bulk " in output
    assert not re.search(r"\bbulk\s+0\s", output), output  # bulk rows were written
