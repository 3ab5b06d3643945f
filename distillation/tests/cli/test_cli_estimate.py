"""``distillery estimate``: a pilot through the real engine, projected to the full run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_fakes import (
    EXAMPLE_USAGE,
    JUDGE_USAGE,
    POLICY_USAGE,
    SAVINGS,
    STUDENT,
    TEACHER,
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


def estimate_args(output: Path, count: int) -> list[str | Path]:
    return ["estimate", *generate_args(output, count)[1:]]


def test_estimate_matches_the_run_and_the_run_reuses_the_pilot(
    fake: FakeProviderServer, tmp_path: Path
) -> None:
    output = tmp_path / "qa.jsonl"
    estimated = invoke(cli_app(fake), *estimate_args(output, 20))

    assert estimated.exit_code == 0, estimated.output
    # The fake reports fixed usage per request kind, so the projection must be exact.
    expected = (
        cost(TEACHER, EXAMPLE_USAGE, 2)
        + cost(TEACHER, POLICY_USAGE)
        + cost(STUDENT, EXAMPLE_USAGE, 18)
        + cost(TEACHER, JUDGE_USAGE, 20)
    )
    teacher_only = expected - cost(STUDENT, EXAMPLE_USAGE, 18) + cost(TEACHER, EXAMPLE_USAGE, 18)
    assert f"estimated total: {money(expected)}" in estimated.stdout
    assert f"teacher-only: {money(teacher_only)}" in estimated.stdout
    assert SAVINGS.search(estimated.stdout)
    for stage in ("seed", "policy", "bulk", "judge"):
        assert f"\n  {stage} " in estimated.stdout
    # 2 seeds + 2 judgements, the policy, 2 bulk rows + 2 judgements.
    pilot = (
        cost(TEACHER, EXAMPLE_USAGE, 2)
        + cost(TEACHER, JUDGE_USAGE, 4)
        + cost(TEACHER, POLICY_USAGE)
        + cost(STUDENT, EXAMPLE_USAGE, 2)
    )
    assert f"pilot: 4 rows, 9 new requests, {money(pilot)}" in estimated.stdout
    assert len(fake.requests) == 9

    generated = invoke(cli_app(fake), *generate_args(output, 20))

    # The run has as many seeds as the pilot, so it sends the same policy prompt: all 9 are reused.
    assert generated.exit_code == 0, generated.output
    assert f"cost: {money(expected - pilot)} for new requests" in generated.stdout
    assert "9 answers already in qa.cache.jsonl were reused" in generated.stdout
    assert len(fake.requests) == 41


def test_a_pilot_without_any_usable_row_fails_with_the_reason(tmp_path: Path) -> None:
    def broken(request: RecordedRequest) -> Behavior:
        return ok(content="wrong_schema") if schema_name(request) == "example" else varied_answer(request)

    with FakeProviderServer(broken) as server:
        result = invoke(cli_app(server), *estimate_args(tmp_path / "qa.jsonl", 20))

    assert result.exit_code == 1
    assert "the pilot accepted no seed row" in result.output
    assert "unusable model output" in result.output
