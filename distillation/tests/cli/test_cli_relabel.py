"""``distillery relabel`` against the fake provider: bad lines, context, provenance, resume, OpenAI export."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from cli_fakes import (
    GOOD_SCORES,
    JUDGE_USAGE,
    TEACHER,
    cli_app,
    cost,
    invoke,
    paid_twice,
    read_jsonl,
    schema_name,
)
from test_cli_interrupt import CHILD, cached_answers, wait_for

from distillation.commands.render import money
from distillation.formats import validate_openai_dataset
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, hang, ok

ANSWER_USAGE = (120, 40)


def teacher_answers(request: RecordedRequest) -> Behavior:
    """Good judge scores; otherwise an answer that quotes the last user turn."""
    if schema_name(request) == "judge_scores":
        return ok(text=json.dumps(GOOD_SCORES), usage=JUDGE_USAGE)
    last = request.body["messages"][-1]["content"]
    return ok(text=f"Answer to: {last}", usage=ANSWER_USAGE)


def answer_requests(server: FakeProviderServer) -> list[RecordedRequest]:
    return [r for r in server.requests if schema_name(r) is None]


def write_csv(path: Path, count: int, bad_after: int | None = None) -> Path:
    """``count`` prompts; a row with a missing column after prompt ``bad_after``."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question", "topic"])
        for number in range(count):
            writer.writerow([f"How do I fix problem number {number}?", f"topic {number % 3}"])
            if number == bad_after:
                handle.write("only one column\n")
    return path


def relabel_args(prompts: Path, output: Path, *extra: str) -> list[str | Path]:
    return ["relabel", prompts, "--teacher", TEACHER, "--output", output, "--concurrency", "4", *extra]


def test_a_30_prompt_csv_with_a_bad_line_gives_30_rows_with_provenance(tmp_path: Path) -> None:
    prompts = write_csv(tmp_path / "prompts.csv", 30, bad_after=9)
    output = tmp_path / "answers.jsonl"
    with FakeProviderServer(teacher_answers) as server:
        result = invoke(cli_app(server), *relabel_args(prompts, output))

        sent = answer_requests(server)
    assert result.exit_code == 0, result.output
    assert "line 12: expected 2 columns, got 1" in result.output  # header, 10 prompts, then the bad line
    assert "30 prompts, 0 duplicates skipped, 1 bad lines" in result.stdout
    assert "answered 30 of 30 prompts; rejected 0; judged 30" in result.stdout
    total = cost(TEACHER, ANSWER_USAGE, 30) + cost(TEACHER, JUDGE_USAGE, 30)
    assert f"cost: {money(total)} for new requests" in result.stdout
    rows = read_jsonl(output)
    assert len(rows) == len(sent) == 30
    assert sorted(row["metadata"]["source"]["line"] for row in rows) == [*range(2, 12), *range(13, 33)]
    for row in rows:
        question = row["messages"][0]["content"]
        assert row["messages"] == [
            {"role": "user", "content": question},
            {"role": "assistant", "content": f"Answer to: {question}"},
        ]
        source, provenance = row["metadata"]["source"], row["metadata"]["provenance"]
        assert source["variables"]["topic"].startswith("topic ")
        assert len(source["fingerprint"]) == 64
        assert row["metadata"]["id"] == f"relabel-{source['fingerprint'][:24]}"
        assert provenance["model"] == TEACHER
        assert [call["stage"] for call in provenance["calls"]] == ["relabel", "judge"]
        assert provenance["decision"] == "keep"
        assert provenance["judge_scores"]["content_quality"] == 9
        assert Decimal(provenance["cost_usd"]) == cost(TEACHER, ANSWER_USAGE) + cost(TEACHER, JUDGE_USAGE)


def test_multi_turn_context_and_system_prompt_are_sent_as_they_are(tmp_path: Path) -> None:
    turns = [
        {"role": "system", "content": "You are a support agent for a bank."},
        {"role": "user", "content": "My card was declined."},
        {"role": "assistant", "content": "Which card, debit or credit?"},
        {"role": "user", "content": "The debit one."},
    ]
    prompts = tmp_path / "chats.jsonl"
    prompts.write_text(json.dumps({"messages": turns}) + "\n")
    output = tmp_path / "answers.jsonl"
    with FakeProviderServer(teacher_answers) as server:
        result = invoke(cli_app(server), *relabel_args(prompts, output, "--judge-sample-rate", "0"))

        sent = answer_requests(server)
    assert result.exit_code == 0, result.output
    assert [request.body["messages"] for request in sent] == [turns]
    (row,) = read_jsonl(output)
    assert row["messages"] == [*turns, {"role": "assistant", "content": "Answer to: The debit one."}]


def test_duplicates_are_answered_once_and_the_summary_says_so(tmp_path: Path) -> None:
    prompts = tmp_path / "p.jsonl"
    lines = ["Reset my password", "reset my  PASSWORD", "Close my account"]
    prompts.write_text("".join(json.dumps({"prompt": text}) + "\n" for text in lines))
    output = tmp_path / "answers.jsonl"
    with FakeProviderServer(teacher_answers) as server:
        result = invoke(cli_app(server), *relabel_args(prompts, output, "--judge-sample-rate", "0"))

        sent = answer_requests(server)
    assert result.exit_code == 0, result.output
    assert "2 prompts, 1 duplicates skipped, 0 bad lines" in result.stdout
    assert "line 2 repeats line 1" in result.stdout
    assert sorted(r.body["messages"][0]["content"] for r in sent) == ["Close my account", "Reset my password"]
    assert len(read_jsonl(output)) == 2


def test_preview_shows_the_mapped_prompts_and_sends_nothing(tmp_path: Path) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text(
        json.dumps({"ask": "Hi there", "persona": "Be brief.", "gold": "Hello", "n": 3}) + "\n"
    )
    mapping = ["--prompt-field", "ask", "--system-field", "persona", "--reference-field", "gold"]
    with FakeProviderServer(teacher_answers) as server:
        result = invoke(
            cli_app(server), *relabel_args(prompts, tmp_path / "a.jsonl", *mapping, "--preview", "5")
        )

        assert server.requests == []
    assert result.exit_code == 0, result.output
    line = next(text for text in result.stdout.splitlines() if text.startswith("line 1: "))
    assert json.loads(line.removeprefix("line 1: ")) == {
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}],
        "tools": None,
        "reference": "Hello",
        "variables": {"n": 3},
    }
    assert not (tmp_path / "a.jsonl").exists()


def test_max_errors_stops_before_any_request(tmp_path: Path) -> None:
    prompts = write_csv(tmp_path / "prompts.csv", 5, bad_after=1)
    with FakeProviderServer(teacher_answers) as server:
        result = invoke(cli_app(server), *relabel_args(prompts, tmp_path / "a.jsonl", "--max-errors", "0"))

        assert server.requests == []
    assert result.exit_code == 1
    assert "error: line 4: expected 2 columns, got 1 (more than 0 bad lines)" in result.output


def test_a_budget_stop_then_a_rerun_answers_every_prompt_exactly_once(tmp_path: Path) -> None:
    prompts = write_csv(tmp_path / "prompts.csv", 30)
    output = tmp_path / "answers.jsonl"
    with FakeProviderServer(teacher_answers) as server:
        stopped = invoke(cli_app(server), *relabel_args(prompts, output, "--budget", "0.02"))
        partial = read_jsonl(output)

        resumed = invoke(cli_app(server), *relabel_args(prompts, output))

        assert paid_twice(server) == []
        sent = answer_requests(server)
    assert stopped.exit_code == 2, stopped.output
    assert "stopped early (budget_exhausted)" in stopped.output
    assert 0 < len(partial) < 30, stopped.output
    assert resumed.exit_code == 0, resumed.output
    rows = read_jsonl(output)
    assert len(rows) == 30
    assert len({row["metadata"]["source"]["line"] for row in rows}) == 30
    assert Counter(json.dumps(r.body["messages"]) for r in sent).most_common(1)[0][1] == 1
    assert len(sent) == 30


@pytest.mark.slow
def test_a_killed_run_resumes_and_answers_every_prompt_exactly_once(tmp_path: Path) -> None:
    answered_before_kill = 7

    def answers_then_hangs(request: RecordedRequest) -> Behavior:
        return hang() if request.index >= answered_before_kill else teacher_answers(request)

    prompts = write_csv(tmp_path / "prompts.csv", 20)
    output, cache = tmp_path / "answers.jsonl", tmp_path / "answers.cache.jsonl"
    args = [str(arg) for arg in relabel_args(prompts, output, "--judge-sample-rate", "0")]
    with FakeProviderServer(answers_then_hangs) as server:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), server.openai_base_url, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: cached_answers(cache) == answered_before_kill)
        finally:
            child.kill()
            child.wait(10)
        first_run = server.requests
        server.reset(teacher_answers)

        resumed = invoke(cli_app(server), *args)

        second_run = server.requests
    assert resumed.exit_code == 0, resumed.output
    answered = {r.key for r in first_run if r.status == 200}
    assert len(answered) == answered_before_kill
    assert answered.isdisjoint(r.key for r in second_run)
    assert len(second_run) == 20 - answered_before_kill
    assert f"{answered_before_kill} answers reused" in resumed.stdout
    rows = read_jsonl(output)
    assert len(rows) == len({row["metadata"]["id"] for row in rows}) == 20


def test_openai_export_of_relabelled_rows_passes_the_checks(tmp_path: Path) -> None:
    prompts = tmp_path / "p.jsonl"
    rows = [{"prompt": f"Question {n} about invoices", "system": "Answer briefly."} for n in range(12)]
    prompts.write_text("".join(json.dumps(row) + "\n" for row in rows))
    output = tmp_path / "train.jsonl"
    with FakeProviderServer(teacher_answers) as server:
        result = invoke(cli_app(server), *relabel_args(prompts, output, "--format", "openai"))

    assert result.exit_code == 0, result.output
    exported = read_jsonl(output)
    assert len(exported) == 12
    assert all(set(example) == {"messages"} for example in exported)
    assert [m["role"] for m in exported[0]["messages"]] == ["system", "user", "assistant"]
    report = validate_openai_dataset(exported)
    assert report.ok, report.errors
    assert len(read_jsonl(tmp_path / "train.provenance.jsonl")) == 12
