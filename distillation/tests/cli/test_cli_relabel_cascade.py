"""``distillery relabel --student --cascade`` and ``--pilot`` against the fake provider.

The student answers "student answer N" to a prompt tagged "[grade N]" and the fake judge scores that
answer N (anything else 9), so which prompts escalate, and what everything costs, is known in advance.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_fakes import (
    JUDGE_USAGE,
    STUDENT,
    TEACHER,
    cli_app,
    cost,
    invoke,
    paid_twice,
    read_jsonl,
    schema_name,
)

from distillation.commands.render import money
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

STUDENT_USAGE, TEACHER_USAGE = (30, 20), (30, 40)
GRADES = (3, 5, 8, 9, 9, 4)


def script(request: RecordedRequest) -> Behavior:
    if schema_name(request) == "judge_scores":
        found = re.search(r"student answer (\d+)", request.text)
        score = int(found.group(1)) if found else 9
        scores = dict.fromkeys(
            (
                "content_quality",
                "instruction_alignment",
                "factual_correctness",
                "formatting",
                "training_utility",
            ),
            score,
        )
        return ok(text=json.dumps({**scores, "feedback": []}), usage=JUDGE_USAGE)
    question = request.body["messages"][-1]["content"]
    if request.model == STUDENT.split(":")[1]:
        grade = re.search(r"\[grade (\d+)\]", question)
        return ok(text=f"student answer {grade.group(1) if grade else 9}", usage=STUDENT_USAGE)
    return ok(text=f"Teacher answer to: {question}", usage=TEACHER_USAGE)


def write_prompts(path: Path) -> Path:
    lines = [json.dumps({"prompt": f"Question {n} [grade {grade}]"}) for n, grade in enumerate(GRADES)]
    path.write_text("\n".join(lines) + "\n")
    return path


def teacher_answers(server: FakeProviderServer) -> list[str]:
    model = TEACHER.split(":")[1]
    return [
        r.body["messages"][-1]["content"]
        for r in server.requests
        if r.model == model and schema_name(r) is None
    ]


def args(prompts: Path, output: Path, *extra: str) -> list[str | Path]:
    return ["relabel", prompts, "--teacher", TEACHER, "--output", output, "--concurrency", "3", *extra]


def test_cascade_flags_send_only_the_failing_prompts_to_the_teacher_and_report_the_saving(
    tmp_path: Path,
) -> None:
    prompts, output = write_prompts(tmp_path / "p.jsonl"), tmp_path / "out.jsonl"
    flags = ["--student", STUDENT, "--cascade", "--escalate-below", "6"]
    with FakeProviderServer(script) as server:
        result = invoke(cli_app(server), *args(prompts, output, *flags))

        escalated = teacher_answers(server)
        rerun = invoke(cli_app(server), *args(prompts, output, *flags))

        assert paid_twice(server) == []
        assert teacher_answers(server) == escalated  # the rerun sent nothing
    assert result.exit_code == 0, result.output
    assert sorted(escalated) == ["Question 0 [grade 3]", "Question 1 [grade 5]", "Question 5 [grade 4]"]
    judge, teacher = cost(TEACHER, JUDGE_USAGE), cost(TEACHER, TEACHER_USAGE)
    spent = cost(STUDENT, STUDENT_USAGE, 6) + judge * 6 + (teacher + judge) * 3
    teacher_only = (teacher + judge) * 6
    saved = teacher_only - spent
    assert "escalated 3 (50.0%) to the teacher (escalate below 6): low score ×3" in result.stdout
    assert "kept 3 (mean score 8.67)" in result.stdout
    assert "teacher rows: 3 of 3 escalated prompts accepted (100.0%; mean score 9.00)" in result.stdout
    share = f"{float(saved / teacher_only):.1%}"
    line = (
        f"cascade cost: {money(spent)} vs teacher-only {money(teacher_only)}: saved {money(saved)} ({share})"
    )
    assert line in result.stdout
    assert f"cost: {money(spent)} for new requests" in result.stdout
    assert rerun.exit_code == 0, rerun.output
    assert line in rerun.stdout  # the cascade's cost is the dataset's, cached answers priced as paid
    rows = {row["messages"][0]["content"]: row for row in read_jsonl(output)}
    assert len(rows) == 6
    kept = rows["Question 2 [grade 8]"]["metadata"]["provenance"]
    assert kept["model"] == STUDENT
    assert kept["cascade"] == {
        "path": "student",
        "student_model": STUDENT,
        "student_score": 8.0,
        "escalation": None,
    }
    up = rows["Question 1 [grade 5]"]["metadata"]["provenance"]["cascade"]
    assert up == {
        "path": "teacher-escalated",
        "student_model": STUDENT,
        "student_score": 5.0,
        "escalation": "score 5.00 < escalate_below 6.0",
    }


def test_the_pilot_prints_its_table_and_recommendation_and_writes_no_rows(tmp_path: Path) -> None:
    prompts, output = write_prompts(tmp_path / "p.jsonl"), tmp_path / "out.jsonl"
    with FakeProviderServer(script) as server:
        result = invoke(cli_app(server), *args(prompts, output, "--student", STUDENT, "--pilot", "4"))

        to_teacher = teacher_answers(server)
    assert result.exit_code == 0, result.output
    assert sorted(to_teacher) == [f"Question {n} [grade {g}]" for n, g in enumerate(GRADES[:4])]
    assert (
        "pilot: 4 prompts answered by the student and the teacher; teacher mean score 9.00" in result.stdout
    )
    assert "recommended: --escalate-below 5.5 (50.0% escalated" in result.stdout
    table = [line.split("|") for line in result.stdout.splitlines() if line.count("|") == 4]
    shares = [cells[1].strip() for cells in table[1:]]
    assert shares == ["0.0%", "25.0%", "50.0%", "75.0%", "100.0%"]
    assert "no rows written" in result.stdout
    assert not output.exists()


def test_pilot_then_run_uses_the_recommendation_and_reuses_the_pilots_answers(tmp_path: Path) -> None:
    prompts, output = write_prompts(tmp_path / "p.jsonl"), tmp_path / "out.jsonl"
    flags = ["--student", STUDENT, "--pilot", "4", "--pilot-then-run"]
    with FakeProviderServer(script) as server:
        result = invoke(cli_app(server), *args(prompts, output, *flags))

        assert paid_twice(server) == []
        to_teacher = teacher_answers(server)
    assert result.exit_code == 0, result.output
    assert "running the cascade with --escalate-below 5.5" in result.stdout
    # The pilot's four prompts, then only prompt 5 (grade 4) of the two left.
    assert sorted(to_teacher) == sorted(
        [f"Question {n} [grade {g}]" for n, g in enumerate(GRADES[:4])] + ["Question 5 [grade 4]"]
    )
    assert "escalated 3 (50.0%) to the teacher (escalate below 5.5)" in result.stdout
    assert len(read_jsonl(output)) == 6


def test_a_cascade_without_a_student_is_refused_before_any_request(tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "p.jsonl")
    with FakeProviderServer(script) as server:
        result = invoke(cli_app(server), *args(prompts, tmp_path / "o.jsonl", "--cascade"))

        assert server.requests == []
    assert result.exit_code == 1
    assert "--cascade and --pilot need --student provider:model" in result.output
