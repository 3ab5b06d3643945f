"""``distillery generate`` against the fake provider: exact counts, provenance, cost, savings, resume."""

from __future__ import annotations

import csv
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
    paid_twice,
    read_jsonl,
    varied_answer,
)

from distillation.commands.render import money
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest


def row_stage(row: dict[str, object]) -> str:
    metadata = row["metadata"]
    assert isinstance(metadata, dict)
    return str(metadata["provenance"]["stage"])


@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(varied_answer) as server:
        yield server


def test_writes_exactly_n_valid_rows_with_provenance_cost_and_savings(
    fake: FakeProviderServer, tmp_path: Path
) -> None:
    output = tmp_path / "qa.jsonl"
    result = invoke(cli_app(fake), *generate_args(output, 20))

    assert result.exit_code == 0, result.output
    rows = read_jsonl(output)
    assert len(rows) == 20
    assert len({row["metadata"]["id"] for row in rows}) == 20
    cheap = cheap_judged(18)
    for row in rows:
        assert [m["role"] for m in row["messages"]] == ["user", "assistant"]
        provenance = row["metadata"]["provenance"]
        assert provenance["model"] in (TEACHER, STUDENT)
        assert len(provenance["template_hash"]) == 64
        assert provenance["scenario"]["domain"] == "customer_support"
        judged = provenance["judge_route"] != "sampled out"
        assert [call["stage"] for call in provenance["calls"]][-1] == ("judge" if judged else row_stage(row))
        assert Decimal(provenance["cost_usd"]) > 0
    assert sum(row["metadata"]["provenance"]["stage"] == "seed" for row in rows) == 2
    # 2 teacher seeds judged by the teacher, the policy, 18 student rows of which the student judges
    # its sample (good scores: none escalated).
    actual = (
        cost(TEACHER, EXAMPLE_USAGE, 2)
        + cost(TEACHER, POLICY_USAGE)
        + cost(STUDENT, EXAMPLE_USAGE, 18)
        + cost(TEACHER, JUDGE_USAGE, 2)
        + cost(STUDENT, JUDGE_USAGE, cheap)
    )
    # The teacher writes all 20 rows as it wrote its seeds, and judges every one of them.
    teacher_only = cost(TEACHER, EXAMPLE_USAGE, 20) + cost(TEACHER, JUDGE_USAGE, 20)
    assert f"cost: {money(actual)} for {23 + cheap} new requests" in result.stdout
    assert f"saved {money(teacher_only - actual)} (" in result.stdout
    assert f"vs teacher-only {money(teacher_only)}" in result.stdout
    assert SAVINGS.search(result.stdout)
    judge_saving = cost(TEACHER, JUDGE_USAGE, 18) - cost(STUDENT, JUDGE_USAGE, cheap)
    assert f"judge policy:   {money(judge_saving)} (" in result.stdout
    assert "batch:          $0.00 (not used: every request went online)" in result.stdout
    assert f"judging: strong judge on 2 rows, cheap judge on {cheap} (0 escalated" in result.stdout
    assert (tmp_path / "qa.rejected.jsonl").exists()
    assert len(read_jsonl(tmp_path / "qa.cache.jsonl")) == len(fake.requests) == 23 + cheap

    validated = invoke(cli_app(None), "validate", output, "--data-type", "qa")
    assert validated.exit_code == 0, validated.output
    assert "20 rows: 20 valid, 0 invalid" in validated.stdout


def test_budget_stop_exits_2_and_a_rerun_completes_without_paying_twice(
    fake: FakeProviderServer, tmp_path: Path
) -> None:
    output = tmp_path / "qa.jsonl"
    stopped = invoke(cli_app(fake), *generate_args(output, 20, "--budget", "0.012", "--concurrency", "1"))

    assert stopped.exit_code == 2, stopped.output
    assert "budget_exhausted" in stopped.output
    assert "rerun the same command with a higher --budget" in stopped.output
    partial = read_jsonl(output)
    assert 0 < len(partial) < 20
    sent_before = len(fake.requests)

    resumed = invoke(cli_app(fake), *generate_args(output, 20))

    assert resumed.exit_code == 0, resumed.output
    rows = read_jsonl(output)
    assert len(rows) == 20
    assert len({row["metadata"]["id"] for row in rows}) == 20
    assert {row["metadata"]["id"] for row in partial} <= {row["metadata"]["id"] for row in rows}
    assert paid_twice(fake) == []
    reused = re.search(r"(\d+) answers already in qa.cache.jsonl were reused", resumed.stdout)
    assert reused is not None
    assert int(reused.group(1)) == sent_before
    assert len(fake.requests) == 23 + cheap_judged(18)  # the same requests as one uninterrupted run


def test_a_rerun_of_a_finished_run_sends_nothing_and_rewrites_the_same_rows(tmp_path: Path) -> None:
    def first_seed_is_slow(request: RecordedRequest) -> Behavior:
        # Seeds finish out of order in the first run; from the cache they come back in order.
        latency = 0.3 if request.index == 0 else 0.0
        return varied_answer(request).with_(latency=latency)

    output = tmp_path / "qa.jsonl"
    with FakeProviderServer(first_seed_is_slow) as server:
        assert invoke(cli_app(server), *generate_args(output, 20)).exit_code == 0
        first = sorted(output.read_text().splitlines())
        sent = len(server.requests)

        again = invoke(cli_app(server), *generate_args(output, 20))

        assert again.exit_code == 0, again.output
        assert len(server.requests) == sent, "the rerun paid again for answers it had"
    # Provenance says the answers came from the cache; the rows themselves are the same.
    strip = [line.replace('"cached": true', '"cached": false') for line in output.read_text().splitlines()]
    assert sorted(strip) == first


def test_other_formats_are_converted_after_the_run(fake: FakeProviderServer, tmp_path: Path) -> None:
    output = tmp_path / "qa.csv"
    result = invoke(cli_app(fake), *generate_args(output, 10, "--format", "csv"))

    assert result.exit_code == 0, result.output
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10
    assert all(row["user"] and row["assistant"] for row in rows)
    assert len(read_jsonl(tmp_path / "qa.provenance.jsonl")) == 10


def test_unknown_teacher_price_says_savings_are_unknown(fake: FakeProviderServer, tmp_path: Path) -> None:
    args = generate_args(tmp_path / "qa.jsonl", 5)
    args[args.index(TEACHER)] = "openai-compatible:house-model"
    result = invoke(cli_app(fake), *args)

    assert result.exit_code == 0, result.output
    assert "savings unknown: no price for openai-compatible:house-model" in result.stdout
    assert not SAVINGS.search(result.stdout)


def test_a_missing_key_fails_with_the_setting_to_set(tmp_path: Path) -> None:
    result = invoke(cli_app(None), *generate_args(tmp_path / "qa.jsonl", 5))

    assert result.exit_code == 1
    assert "OPENAI_API_KEY" in result.output
    assert not (tmp_path / "qa.jsonl").exists()


def test_bad_options_fail_with_a_reason(fake: FakeProviderServer, tmp_path: Path) -> None:
    subdomain = invoke(
        cli_app(fake), *generate_args(tmp_path / "a.jsonl", 5), "--domain", "Sales", "--subdomain", "x"
    )
    unknown = invoke(cli_app(fake), *generate_args(tmp_path / "b.jsonl", 5, "--data-type", "poetry"))

    assert subdomain.exit_code == 1
    assert "subdomain needs exactly one domain" in subdomain.output
    assert unknown.exit_code == 1
    assert "poetry" in unknown.output
    assert fake.requests == []
