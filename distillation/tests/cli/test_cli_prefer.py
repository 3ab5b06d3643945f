"""``distillery prefer`` against the fake provider: counts, both verdicts, TRL export, resume, budget."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from cli_fakes import STUDENT, TEACHER, cli_app, invoke, read_jsonl

from distillation.commands.render import money
from distillation.testing import FakeProviderServer
from distillation.testing.answers import preference_answer as scripted
from distillation.testing.answers import schema_name

QUESTIONS = [
    *(f"How do I reset router number {n}?" for n in range(1, 7)),
    "A tricky question about refunds",
    "Another tricky one about parcels",
    "An even question about invoices",
    "A close question about vouchers",
]


def write_prompts(path: Path) -> Path:
    path.write_text("".join(json.dumps({"prompt": q}) + "\n" for q in QUESTIONS))
    return path


def prefer_args(prompts: Path, output: Path, *extra: str) -> list[str | Path]:
    return ["prefer", prompts, "--teacher", TEACHER, "--student", STUDENT, "--output", output, *extra]


def test_prefer_writes_trl_rows_that_datasets_loads_and_records_both_orders(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    prompts = write_prompts(tmp_path / "prompts.jsonl")
    output = tmp_path / "dpo.jsonl"
    with FakeProviderServer(scripted) as server:
        result = invoke(cli_app(server), *prefer_args(prompts, output, "--concurrency", "4"))

        verdicts = [r for r in server.requests if schema_name(r) == "pairwise_verdict"]
    assert result.exit_code == 0, result.output
    assert "kept 6 of 10 pairs; rejected 4; position-inconsistent 2" in result.stdout
    assert "preferred: teacher 6" in result.stdout
    assert len(verdicts) == 20
    assert "40 requests sent, 0 answers reused" in result.stdout
    loaded = datasets.load_dataset("json", data_files=str(output), split="train")
    assert sorted(loaded.column_names) == ["chosen", "prompt", "rejected"]
    assert loaded.num_rows == 6
    assert loaded[0]["prompt"] == [{"role": "user", "content": QUESTIONS[0]}]
    assert loaded[0]["chosen"][0]["content"] == f"Teacher answer: {QUESTIONS[0]}"
    assert loaded[0]["rejected"][0]["content"] == f"Student answer: {QUESTIONS[0]}"
    provenance = read_jsonl(tmp_path / "dpo.provenance.jsonl")
    assert len(provenance) == 6
    for row in provenance:
        orders = [
            (v["order"], v["winner"], v["teacher_score"], v["student_score"])
            for v in row["metadata"]["verdicts"]
        ]
        assert orders == [("teacher-first", "A", 9, 4), ("student-first", "B", 9, 4)]
        assert row["metadata"]["teacher"]["model"] == TEACHER
        assert row["metadata"]["student"]["model"] == STUDENT
    rejected = read_jsonl(tmp_path / "dpo.rejected.jsonl")
    reasons = sorted(row["metadata"]["reason"].split(":")[0] for row in rejected)
    assert reasons == ["below margin", "position-inconsistent", "position-inconsistent", "tie"]
    assert all(len(row["metadata"]["verdicts"]) == 2 for row in rejected)


def test_a_rerun_pays_nothing_and_exports_the_same_bytes(tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "prompts.jsonl")
    output = tmp_path / "prefs.jsonl"
    args = prefer_args(prompts, output, "--format", "openai-preference")
    with FakeProviderServer(scripted) as server:
        first = invoke(cli_app(server), *args)
        written = output.read_bytes()
        sent = len(server.requests)
        second = invoke(cli_app(server), *args)

        assert len(server.requests) == sent == 40
    assert first.exit_code == second.exit_code == 0, second.output
    assert f"cost: {money(Decimal(0))} for new requests (0 requests sent, 40 answers reused" in second.stdout
    assert output.read_bytes() == written
    line = json.loads(written.splitlines()[0])
    assert line["input"] == {"messages": [{"role": "user", "content": QUESTIONS[0]}]}
    assert line["preferred_output"] == [{"role": "assistant", "content": f"Teacher answer: {QUESTIONS[0]}"}]


def test_the_budget_stops_the_run_with_exit_code_2(tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "prompts.jsonl")
    output = tmp_path / "dpo.jsonl"
    with FakeProviderServer(scripted) as server:
        result = invoke(
            cli_app(server), *prefer_args(prompts, output, "--budget", "0.004", "--concurrency", "2")
        )

    assert result.exit_code == 2, result.output
    assert "stopped early (budget_exhausted)" in result.output
    spent = result.stdout.split("cost: $", 1)[1].split(" ", 1)[0]
    assert float(spent) <= 0.004


def test_bad_options_are_clear_errors(tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "prompts.jsonl")
    app = cli_app(None)

    same = invoke(
        app, "prefer", prompts, "--teacher", TEACHER, "--student", TEACHER, "--output", tmp_path / "o.jsonl"
    )
    unknown = invoke(app, *prefer_args(prompts, tmp_path / "o.jsonl", "--format", "dpo"))

    assert same.exit_code == unknown.exit_code == 1
    assert "--student must differ from --teacher" in same.output
    assert "unknown preference format 'dpo'" in unknown.output
