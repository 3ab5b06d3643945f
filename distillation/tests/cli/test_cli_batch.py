"""``distillery generate --batch``: through OpenAI's Batch API, saving more, resuming a pending batch."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from cli_fakes import JUDGE_USAGE, TEACHER, cli_app, generate_args, invoke, read_jsonl

from distillation.commands.render import money
from distillation.cost import PriceTable, TokenUsage
from distillation.testing import BatchPlan, Behavior, FakeProviderServer, RecordedRequest
from distillation.testing.answers import GOOD_SCORES, realistic_answer, schema_name
from distillation.testing.fake_wire import success_body

CHILD = Path(__file__).with_name("cli_child.py")
SAVED = re.compile(r"saved \$[\d.,]+ \(([\d.]+)%\) vs teacher-only \$([\d.,]+)")
BATCH = ("--batch", "--batch-poll", "0.05")


def reference_answers(request: RecordedRequest) -> Behavior:
    """Rows and judge replies of realistic length; the cheap judge is unsure of about one row in six."""
    unsure = request.model == "gpt-4o-mini" and int(request.key[:4], 16) % 6 == 0
    scores = {**GOOD_SCORES, "content_quality": 6, "factual_correctness": 6} if unsure else GOOD_SCORES
    return realistic_answer(request, lambda _: scores)


def creations(server: FakeProviderServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.api == "openai-batch" and r.path == "/v1/batches"]


def test_the_reference_run_with_batch_saves_at_least_90_percent(tmp_path: Path) -> None:
    """The economics issue's reference run with --batch: 200 QA rows, gpt-4o teaching gpt-4o-mini."""
    with FakeProviderServer(reference_answers, batches=BatchPlan(delay_s=0.1)) as server:
        result = invoke(cli_app(server), *generate_args(tmp_path / "qa.jsonl", 200, *BATCH))
        online = [schema_name(r) for r in server.requests if r.api == "openai" and r.batch is None]
        batched = [r for r in server.requests if r.batch is not None]
        batches = len(creations(server))

    assert result.exit_code == 0, result.output
    assert "200 of 200 rows (completed)" in result.stdout
    assert online == ["task_policy"]
    assert len(batched) >= 200
    saved = SAVED.search(result.stdout)
    assert saved, result.stdout
    assert Decimal(saved.group(1)) >= 90, result.stdout
    assert re.search(r"^  batch:\s+\$[\d.,]+ \([1-9][\d.]*%\)", result.stdout, re.MULTILINE), result.stdout
    assert len(re.findall(r"submitted, \d+ requests", result.stderr)) == batches
    assert re.search(r"(\d+) of \1 answered \(completed\)", result.stderr), result.stderr
    assert len(read_jsonl(tmp_path / "qa.jsonl")) == 200


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_run_killed_while_its_batch_is_pending_resumes_that_batch(tmp_path: Path) -> None:
    output, journal = tmp_path / "qa.jsonl", tmp_path / "qa.batches.jsonl"
    args = [str(arg) for arg in generate_args(output, 20, *BATCH)]
    with FakeProviderServer(reference_answers, batches=BatchPlan(delay_s=3600)) as server:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), server.openai_base_url, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: journal.exists() and bool(journal.read_text().strip()))
            wait_for(lambda: any(r.path.startswith("/v1/batches/") for r in server.requests))
        finally:
            child.kill()  # SIGKILL: no clean-up, the batch stays pending at the provider
            child.wait(10)
        assert len(creations(server)) == 1
        pending = next(iter(server.batch_api.batches))
        server.batch_api.batches[pending].plan = BatchPlan()  # the provider finishes it meanwhile
        server.reset(reference_answers, batches=BatchPlan(delay_s=0.05))

        resumed = invoke(cli_app(server), *generate_args(output, 20, *BATCH))

        polled = [r.path for r in server.requests if r.path == f"/v1/batches/{pending}"]
        lines = [
            str(line["custom_id"]) for batch in server.batch_api.batches.values() for line in batch.lines
        ]
    assert resumed.exit_code == 0, resumed.output
    assert f"batch {pending} (openai:gpt-4o): resumed" in resumed.stderr
    assert polled
    assert len(lines) == len(set(lines))  # no request in two batches: the pending one was not resubmitted
    assert len(read_jsonl(output)) == 20


def test_relabel_with_batch_answers_every_prompt_in_batches_at_the_batch_rate(tmp_path: Path) -> None:
    from test_cli_relabel import ANSWER_USAGE, relabel_args, teacher_answers, write_csv

    prompts, output = write_csv(tmp_path / "prompts.csv", 12), tmp_path / "answers.jsonl"
    with FakeProviderServer(teacher_answers, batches=BatchPlan(delay_s=0.05)) as server:
        result = invoke(cli_app(server), *relabel_args(prompts, output, *BATCH))
        online = [r for r in server.requests if r.api == "openai" and r.batch is None]
        batched = [r for r in server.requests if r.batch is not None]
    assert result.exit_code == 0, result.output
    assert online == []
    assert len(batched) == 24  # 12 answers, then 12 judge scores
    assert len(read_jsonl(output)) == 12
    assert "submitted, 12 requests" in result.stdout
    usage = TokenUsage(12 * (ANSWER_USAGE[0] + JUDGE_USAGE[0]), 12 * (ANSWER_USAGE[1] + JUDGE_USAGE[1]))
    total = PriceTable.load(None).cost_of(TEACHER, usage, batch=True)
    assert f"cost: {money(total)} for new requests" in result.stdout


def test_a_gemini_run_with_batch_goes_through_gemini_batch_mode(tmp_path: Path) -> None:
    """Gemini teaching Gemini with --batch: the rows come back from batchGenerateContent."""
    args = generate_args(tmp_path / "qa.jsonl", 24, *BATCH)
    args[args.index("--teacher") + 1] = "google:gemini-2.5-pro"
    args[args.index("--student") + 1] = "google:gemini-2.5-flash"
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=0.1)) as server:
        result = invoke(cli_app(server), *args)
        online = [schema_name(r) for r in server.requests if r.api == "gemini" and r.batch is None]
        batched = [r for r in server.requests if r.api == "gemini" and r.batch is not None]
        created = [r for r in server.requests if r.path.endswith(":batchGenerateContent")]
        bill = sum(
            (PRICES.cost_of(f"google:{r.model}", gemini_usage(r), batch=r.batch is not None) or Decimal(0))
            for r in server.requests
            if r.api == "gemini" and r.status == 200
        ) + Decimal(0)

    assert result.exit_code == 0, result.output
    assert "24 of 24 rows (completed)" in result.stdout
    assert online == ["task_policy"]
    assert len(batched) >= 24
    assert {r.model for r in batched} == {"gemini-2.5-pro", "gemini-2.5-flash"}
    assert len(re.findall(r"submitted, \d+ requests", result.stderr)) == len(created)
    assert f"cost: {money(bill)}" in result.stdout, result.stdout
    assert len(read_jsonl(tmp_path / "qa.jsonl")) == 24


PRICES = PriceTable.load(None)


def gemini_usage(request: RecordedRequest) -> TokenUsage:
    assert request.behavior is not None
    body = success_body(request, request.behavior)
    meta = body["usageMetadata"]
    return TokenUsage(meta["promptTokenCount"], meta["candidatesTokenCount"])
