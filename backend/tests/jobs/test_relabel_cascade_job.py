"""Student-first relabel jobs: the student answers, the judge scores, the low scorers go to the teacher."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from app.core.config import Settings
from distillation.cost import PriceTable, TokenUsage
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok
from distillation.testing.answers import schema_name
from tests.conftest import WorkerProcess, api_client, login, migrate
from tests.jobs.jobkit import STUDENT, TEACHER, job_settings, wait_for
from tests.jobs.test_relabel_job import SCORES, prompt_csv, relabel, upload

# Every third prompt is one the student gets wrong: exactly these four escalate.
QUESTIONS = [f"Question {i}: {'a hard one' if i % 3 == 0 else 'an easy one'}, {i} + {i}?" for i in range(12)]
HARD = {q for q in QUESTIONS if "hard" in q}
ANSWER_USAGE, JUDGE_USAGE = (30, 20), (50, 10)


def scripted(request: RecordedRequest) -> Behavior:
    """The student's answers to hard prompts score 3, every other answer 9."""
    if schema_name(request) == "judge_scores":
        score = 3 if "Student says" in request.text and "hard" in request.text else 9
        return ok(text=json.dumps({**dict.fromkeys(SCORES, score), "feedback": []}), usage=JUDGE_USAGE)
    who = "Student says" if request.model == STUDENT.split(":", 1)[1] else "Teacher says"
    return ok(text=f"{who}: {request.body['messages'][-1]['content']}", usage=ANSWER_USAGE)


def answered_by(server: FakeProviderServer, model: str) -> Counter[str]:
    """The prompts ``model`` was asked to answer (judge requests left out)."""
    return Counter(
        r.body["messages"][-1]["content"]
        for r in server.requests
        if r.status == 200 and schema_name(r) != "judge_scores" and r.model == model.split(":", 1)[1]
    )


async def test_a_cascade_escalates_exactly_the_failing_rows_and_reports_the_saving(
    any_settings: Settings, start_worker: Callable[..., WorkerProcess]
) -> None:
    with FakeProviderServer(scripted) as server:
        settings = job_settings(any_settings, server)
        await migrate(settings)
        start_worker(settings, "--beat")
        async with api_client(settings) as client:
            await login(client)
            prompt_set_id = await upload(client, prompt_csv(QUESTIONS))
            body = relabel(prompt_set_id, cascade=True, student=STUDENT, escalate_below=7)
            started = await client.post("/api/v1/jobs/relabel", json=body)
            assert started.status_code == 201, started.text
            job = await wait_for(client, started.json()["id"], ("completed", "failed"))
            examples = f"/api/v1/datasets/{job['dataset_id']}/examples"
            listed = (await client.get(examples, params={"page_size": 100})).json()["items"]
            rows = [(await client.get(f"{examples}/{row['id']}")).json() for row in listed]
            no_student = await client.post(
                "/api/v1/jobs/relabel", json=relabel(prompt_set_id, cascade=True, student=TEACHER)
            )

    assert job["status"] == "completed", job
    assert (job["requested"], job["accepted"]) == (12, 12)
    # The fake server's log: the student answered every prompt once, the teacher exactly the hard ones.
    assert answered_by(server, STUDENT) == Counter(QUESTIONS)
    assert answered_by(server, TEACHER) == Counter(HARD)
    for row in rows:
        question = row["messages"][-2]["content"]
        path = row["provenance"]["cascade"]
        if question in HARD:
            assert path["path"] == "teacher-escalated"
            assert path["student_score"] == 3
            assert path["escalation"] == "score 3.00 < escalate_below 7.0"
            assert row["messages"][-1]["content"] == f"Teacher says: {question}"
            assert row["provenance"]["model"] == TEACHER
            stages = ["relabel-student", "judge", "relabel", "judge"]
        else:
            assert path == {
                "path": "student",
                "student_model": STUDENT,
                "student_score": 9,
                "escalation": None,
            }
            assert row["messages"][-1]["content"] == f"Student says: {question}"
            assert row["provenance"]["model"] == STUDENT
            stages = ["relabel-student", "judge"]
        assert [call["stage"] for call in row["provenance"]["calls"]] == stages
        assert row["score"] == 9

    report = job["cascade"]
    prices = PriceTable.load(None)

    def price(model: str, usage: tuple[int, int]) -> Decimal:
        cost = prices.cost_of(model, TokenUsage(*usage))
        assert cost is not None
        return cost

    student_answer, teacher_answer = price(STUDENT, ANSWER_USAGE), price(TEACHER, ANSWER_USAGE)
    judging = price(TEACHER, JUDGE_USAGE)  # the teacher judges (no judge named)
    cost = 12 * (student_answer + judging) + 4 * (teacher_answer + judging)
    teacher_only = 12 * (teacher_answer + judging)
    assert report["student"] == STUDENT
    assert (report["prompts"], report["escalated"], report["escalated_share"]) == (12, 4, 4 / 12)
    assert report["escalation_reasons"] == {"low score": 4}
    assert Decimal(report["cost_usd"]) == cost == Decimal(job["spent_usd"])  # the ledger's sum
    assert Decimal(report["teacher_only_usd"]) == teacher_only
    assert Decimal(report["saved_usd"]) == teacher_only - cost > 0
    assert report["student_path"] == {"answered": 12, "accepted": 8, "mean_score": 9.0, "acceptance": 8 / 12}
    assert report["teacher_path"] == {"answered": 4, "accepted": 4, "mean_score": 9.0, "acceptance": 1.0}
    assert no_student.status_code == 422
