"""``distillery estimate``: a pilot through the real engine, projected to the full run."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cli_fakes import (
    EXAMPLE_USAGE,
    JUDGE_USAGE,
    POLICY_USAGE,
    SAVINGS,
    STUDENT,
    TEACHER,
    cheap_judged,
    cli_app,
    cost,
    generate_args,
    invoke,
    schema_name,
    varied_answer,
)

from distillation.commands.render import money
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok


@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(varied_answer) as server:
        yield server


def estimate_args(output: Path, count: int, *extra: str) -> list[str | Path]:
    return ["estimate", *generate_args(output, count)[1:], "--pilot", *extra]


def test_estimate_matches_the_run_and_the_run_reuses_the_pilot(
    fake: FakeProviderServer, tmp_path: Path
) -> None:
    output = tmp_path / "qa.jsonl"
    estimated = invoke(cli_app(fake), *estimate_args(output, 20))

    assert estimated.exit_code == 0, estimated.output
    # The fake reports fixed usage per request kind, so the projection must be exact: the teacher
    # judges its 2 seeds, the student a quarter of its 18 rows (the pilot escalated none of its own).
    cheap_planned = round(18 * 0.25)
    expected = (
        cost(TEACHER, EXAMPLE_USAGE, 2)
        + cost(TEACHER, POLICY_USAGE)
        + cost(STUDENT, EXAMPLE_USAGE, 18)
        + cost(TEACHER, JUDGE_USAGE, 2)
        + cost(STUDENT, JUDGE_USAGE, cheap_planned)
    )
    # The counterfactual: the teacher writes all 20 rows as its seeds and judges every one.
    teacher_only = cost(TEACHER, EXAMPLE_USAGE, 20) + cost(TEACHER, JUDGE_USAGE, 20)
    assert f"estimated total: {money(expected)}" in estimated.stdout
    assert f"teacher-only: {money(teacher_only)}" in estimated.stdout
    assert SAVINGS.search(estimated.stdout)
    for stage in ("seed", "policy", "bulk", "judge", "judge: cheap"):
        assert f"\n  {stage} " in estimated.stdout
    assert "judge: escalated" not in estimated.stdout  # no pilot row escalated
    # 2 seeds + 2 judgements by the teacher, the policy, 2 bulk rows + 2 judgements by the student
    # (the pilot's cheap judge scores every pilot row, to measure it).
    pilot = (
        cost(TEACHER, EXAMPLE_USAGE, 2)
        + cost(TEACHER, JUDGE_USAGE, 2)
        + cost(TEACHER, POLICY_USAGE)
        + cost(STUDENT, EXAMPLE_USAGE, 2)
        + cost(STUDENT, JUDGE_USAGE, 2)
    )
    assert f"pilot: 4 rows, 9 new requests, {money(pilot)}" in estimated.stdout
    assert len(fake.requests) == 9

    generated = invoke(cli_app(fake), *generate_args(output, 20))

    # The run has as many seeds as the pilot, so it sends the same policy prompt: the pilot's answers
    # are reused, its cheap judgements only of the rows the run's policy samples.
    cheap = cheap_judged(18)
    sampled_pilot_rows = cheap_judged(2)
    reused = 7 + sampled_pilot_rows
    run = (
        expected
        - cost(STUDENT, JUDGE_USAGE, cheap_planned)
        + cost(STUDENT, JUDGE_USAGE, cheap)
        - pilot
        + cost(STUDENT, JUDGE_USAGE, 2 - sampled_pilot_rows)
    )
    assert generated.exit_code == 0, generated.output
    assert f"cost: {money(run)} for {23 + cheap - reused} new requests" in generated.stdout
    assert f"{reused} answers already in qa.cache.jsonl were reused" in generated.stdout
    assert len(fake.requests) == 9 + 23 + cheap - reused


def test_a_pilot_without_any_usable_row_fails_with_the_reason(tmp_path: Path) -> None:
    def broken(request: RecordedRequest) -> Behavior:
        return ok(content="wrong_schema") if schema_name(request) == "example" else varied_answer(request)

    with FakeProviderServer(broken) as server:
        result = invoke(cli_app(server), *estimate_args(tmp_path / "qa.jsonl", 20))

    assert result.exit_code == 1
    assert "the pilot accepted no seed row" in result.output
    assert "unusable model output" in result.output


def offline_args(output: Path, count: int, *extra: str) -> list[str | Path]:
    return ["estimate", *generate_args(output, count)[1:], *extra]


def test_the_default_estimate_needs_no_key_and_sends_nothing(
    fake: FakeProviderServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.endswith("_API_KEY")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")  # the whole table, stage names unshortened

    with_server = invoke(cli_app(fake), *offline_args(tmp_path / "qa.jsonl", 2000))
    without_key = invoke(cli_app(None), *offline_args(tmp_path / "qa.jsonl", 2000))

    assert with_server.exit_code == 0, with_server.output
    assert fake.requests == []
    assert not (tmp_path / "qa.cache.jsonl").exists()
    assert without_key.exit_code == 0, without_key.output
    assert without_key.stdout == with_server.stdout
    out = without_key.stdout
    assert "no request sent" in out
    for stage in ("seed", "policy", "bulk", "judge", "judge: cheap", "judge: escalated"):
        assert f"\n  {stage} " in out
    total = Decimal(re.search(r"estimated total: \$([\d.,]+)", out)[1].replace(",", ""))  # type: ignore[index]
    assert total > 0
    assert SAVINGS.search(out)
    assert re.search(r"student split: +\$[\d.,]+ \([\d.]+%\)", out)
    assert re.search(r"judge policy: +\$[\d.,]+ \([\d.]+%\)", out)
    assert re.search(r"batch: +\$0\.00 \(not used yet\)", out)
    assert re.search(r"prompt caching: +\$0\.00 \(not estimated\)", out)
    assert "human annotation at $0.50/row: $1,000.00 for 2000 rows; the estimate is" in out
    assert "warning" not in out


def test_the_offline_estimate_follows_the_judge_policy_and_the_human_rate(tmp_path: Path) -> None:
    def total(*extra: str) -> Decimal:
        result = invoke(cli_app(None), *offline_args(tmp_path / "qa.jsonl", 1000, *extra))
        assert result.exit_code == 0, result.output
        return Decimal(re.search(r"estimated total: \$([\d.,]+)", result.stdout)[1].replace(",", ""))  # type: ignore[index]

    default = total()
    assert total("--judge-share", "1") > default
    assert total("--escalate-margin", "3") > default
    result = invoke(cli_app(None), *offline_args(tmp_path / "qa.jsonl", 1000, "--human-rate", "2"))
    assert "human annotation at $2.00/row: $2,000.00 for 1000 rows" in result.stdout


def test_an_estimate_over_the_budget_warns(tmp_path: Path) -> None:
    result = invoke(cli_app(None), *offline_args(tmp_path / "qa.jsonl", 2000, "--budget", "0.5"))

    assert result.exit_code == 0, result.output
    total = re.search(r"estimated total: (\$[\d.,]+)", result.stdout)[1]  # type: ignore[index]
    assert f"warning: the estimate {total} exceeds the budget $0.50" in result.stdout


def test_the_pilot_warns_over_the_budget_too(fake: FakeProviderServer, tmp_path: Path) -> None:
    result = invoke(cli_app(fake), *estimate_args(tmp_path / "qa.jsonl", 200, "--budget", "0.0001"))

    assert result.exit_code == 0, result.output
    assert fake.requests  # the pilot was paid for
    assert "warning: the estimate $" in result.stdout
    assert "exceeds the budget $0.0001" in result.stdout
