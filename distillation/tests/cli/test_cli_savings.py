"""What ``distillery generate`` says it saved: the reference run, its levers, cached and free runs."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli_fakes import STUDENT, TEACHER, cli_app, generate_args, invoke

from distillation.commands.render import money
from distillation.cost import PriceTable, TokenUsage
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest
from distillation.testing.answers import GOOD_SCORES, realistic_answer, schema_name

STUDENT_MODEL = STUDENT.split(":")[1]
SAVED = re.compile(r"saved \$[\d.,]+ \(([\d.]+)%\) vs teacher-only \$([\d.,]+)")


def lever(stdout: str, name: str) -> Decimal:
    found = re.search(rf"^  {name}:\s+\$[\d.,]+ \(([\d.]+)%\)", stdout, re.MULTILINE)
    assert found, stdout
    return Decimal(found.group(1))


def judged_like_a_student(request: RecordedRequest) -> dict[str, Any]:
    """Good scores, except that the cheap judge is unsure of about one row in six."""
    unsure = request.model == STUDENT_MODEL and int(request.key[:4], 16) % 6 == 0
    return {**GOOD_SCORES, "content_quality": 6, "factual_correctness": 6} if unsure else GOOD_SCORES


def reference_answers(request: RecordedRequest) -> Behavior:
    return realistic_answer(request, judged_like_a_student)


def test_the_reference_run_saves_at_least_80_percent_at_default_settings(tmp_path: Path) -> None:
    """The economics issue's reference run: 200 QA rows, gpt-4o teaching gpt-4o-mini, all defaults."""
    with FakeProviderServer(reference_answers) as server:
        args = generate_args(tmp_path / "qa.jsonl", 200)
        args[args.index("--concurrency") + 1] = "16"
        result = invoke(cli_app(server), *args)
        judge_requests = [r for r in server.requests if schema_name(r) == "judge_scores"]

    assert result.exit_code == 0, result.output
    assert "200 of 200 rows (completed)" in result.stdout
    saved = SAVED.search(result.stdout)
    assert saved, result.stdout
    percent = Decimal(saved.group(1))
    assert percent >= 80, result.stdout
    # The breakdown: each lever's part, summing to the saving; no batch, and no prefix long enough to cache.
    split, judging = lever(result.stdout, "student split"), lever(result.stdout, "judge policy")
    assert split > 0
    assert judging > 0
    assert abs(split + judging - percent) <= Decimal("0.02")
    assert "batch:          $0.00 (not used: every request went online)" in result.stdout
    assert "prompt caching: $0.00 (no input tokens were read from the prompt cache)" in result.stdout
    # Quality control is still there: every seed judged by the teacher, some rows escalated.
    judging_line = re.search(
        r"judging: strong judge on (\d+) rows, cheap judge on (\d+) \((\d+) escalated", result.stdout
    )
    assert judging_line, result.stdout
    strong, cheap, escalated = (int(group) for group in judging_line.groups())
    assert strong == 20
    assert 0 < escalated < cheap
    assert len(judge_requests) == strong + cheap + escalated


# A detailed task brief (about 1,700 tokens): every prompt of a stage starts with it.
LONG_INSTRUCTION = " ".join(
    f"Rule {i}: answer the customer's question about orders, refunds and deliveries politely, "
    "cite the policy that applies and never promise what the policy does not allow."
    for i in range(1, 41)
)


def test_prompts_sharing_a_long_prefix_save_the_caching_lever_at_the_cached_rate(tmp_path: Path) -> None:
    with FakeProviderServer(reference_answers, prompt_cache=True) as server:
        args = generate_args(tmp_path / "qa.jsonl", 30, "--instruction", LONG_INSTRUCTION)
        result = invoke(cli_app(server), *args)
        answered = [r for r in server.requests if r.status == 200]

    assert result.exit_code == 0, result.output
    hits = [r for r in answered if r.behavior is not None and r.behavior.cached_tokens]
    assert len(hits) > len(answered) // 2, result.stdout  # the first request of each prefix writes it
    # The provider's bill, cached input at genai-prices' cached rate, is what the run says it cost.
    prices, bill = PriceTable.load(None), Decimal(0)
    for request in answered:
        assert request.behavior is not None
        assert request.behavior.usage is not None
        usage = TokenUsage(*request.behavior.usage, request.behavior.cached_tokens or 0)
        cost = prices.cost_of(f"openai:{request.model}", usage)
        assert cost is not None
        bill += cost
    assert f"cost: {money(bill)} for {len(answered)} new requests" in result.stdout
    assert lever(result.stdout, "prompt caching") > 0
    saved = SAVED.search(result.stdout)
    assert saved, result.stdout
    parts = sum(lever(result.stdout, name) for name in ("student split", "judge policy", "prompt caching"))
    assert abs(parts - Decimal(saved.group(1))) <= Decimal("0.03")


def test_a_fully_cached_rerun_says_what_the_teacher_alone_would_have_cost(tmp_path: Path) -> None:
    output = tmp_path / "qa.jsonl"
    with FakeProviderServer(reference_answers) as server:
        first = invoke(cli_app(server), *generate_args(output, 20))
        sent = len(server.requests)
        again = invoke(cli_app(server), *generate_args(output, 20))
        assert len(server.requests) == sent

    assert again.exit_code == 0, again.output
    teacher_only = SAVED.search(first.stdout)
    assert teacher_only, first.stdout
    assert (
        f"all {sent} answers came from the cache (qa.cache.jsonl): $0.00 spent; "
        f"teacher-only would have cost ${teacher_only.group(2)}"
    ) in again.stdout
    assert "(the teacher costs nothing)" not in again.stdout
    # The saving is that of the run's answers, the same as when they were paid for.
    assert SAVED.search(again.stdout).group(0) == teacher_only.group(0)  # type: ignore[union-attr]


def test_a_free_run_says_there_is_nothing_to_save(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    free = [{"model": model, "input": "0", "output": "0"} for model in (TEACHER, STUDENT)]
    (config_dir / "prices.yaml").write_text(json.dumps({"prices": free}))  # JSON is YAML
    with FakeProviderServer(reference_answers) as server:
        result = invoke(cli_app(server, config_dir), *generate_args(tmp_path / "qa.jsonl", 10))

    assert result.exit_code == 0, result.output
    assert re.search(r"cost: \$0\.00 for \d+ new requests", result.stdout)
    assert "nothing to save: the teacher alone would cost nothing either" in result.stdout
    assert "vs teacher-only" not in result.stdout
    assert "student split" not in result.stdout


def test_the_judge_policy_flags_route_the_judge_requests(tmp_path: Path) -> None:
    with FakeProviderServer(reference_answers) as server:
        none = invoke(cli_app(server), *generate_args(tmp_path / "a.jsonl", 10, "--judge-share", "0"))
        only_seeds = [r.model for r in server.requests if schema_name(r) == "judge_scores"]
        server.reset(reference_answers)
        every = invoke(
            cli_app(server),
            *generate_args(tmp_path / "b.jsonl", 10, "--cheap-judge", TEACHER, "--judge-share", "1"),
        )
        all_rows = [r.model for r in server.requests if schema_name(r) == "judge_scores"]

    assert none.exit_code == every.exit_code == 0, none.output + every.output
    assert only_seeds == ["gpt-4o"]  # one seed row, always judged by the teacher
    assert (
        "judging: strong judge on 1 rows, cheap judge on 0 (0 escalated to the strong judge), 9 not judged"
        in (none.stdout)
    )
    assert all_rows == ["gpt-4o"] * 10
    assert "judge policy:   $0.00 (0.00%)" in every.stdout  # the old policy saves nothing on judging
