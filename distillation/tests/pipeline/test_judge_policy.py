"""The judge policy: who judges which row, proven by the fake provider's requests; provenance; savings."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

from pipeline_fakes import STUDENT, TEACHER, make_engine

from distillation.pipeline import (
    JudgePolicy,
    MemoryCache,
    MemorySink,
    Row,
    Runner,
    RunReport,
    Stage,
    close_engine,
)
from distillation.pipeline.validate import SAMPLED_OUT, escalates, judge_route
from distillation.providers import Attempt
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok
from distillation.testing.answers import GOOD_SCORES, schema_name, sentence, varied_answer

# Each row carries a mark the cheap judge scores it by: confident, within the margin, failing.
MARKS = {"MARKHIGH": 9.0, "MARKEDGE": 7.5, "MARKLOW": 5.0}
TEACHER_MODEL, STUDENT_MODEL = TEACHER.split(":")[1], STUDENT.split(":")[1]


def scores(value: float) -> dict[str, Any]:
    return {**GOOD_SCORES, **dict.fromkeys(list(GOOD_SCORES)[:5], value)}


def mark_of(text: str) -> str:
    return next(mark for mark in MARKS if mark in text)


def marked_answers(request: RecordedRequest) -> Behavior:
    """Rows with a random mark; the cheap judge (the student) scores by the mark, the teacher gives 9."""
    name = schema_name(request)
    if name == "example":
        rng = random.Random(request.key)
        question = f"{rng.choice(list(MARKS))} {sentence(rng, 12)}?"
        return ok(text=json.dumps({"question": question, "answer": sentence(rng, 25) + "."}))
    if name == "judge_scores":
        value = MARKS[mark_of(request.text)] if request.model == STUDENT_MODEL else 9.0
        return ok(text=json.dumps(scores(value)))
    return varied_answer(request)


async def run(server: FakeProviderServer, **config: Any) -> tuple[list[Row], RunReport, Decimal]:
    engine = make_engine(server, MemoryCache(), **config)
    booked: list[Decimal] = []

    async def ledger(stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        assert cost is not None
        booked.append(cost)

    engine.calls.on_attempt = ledger
    sink = MemorySink()
    report = await Runner(engine, sink).run()
    await close_engine(engine)
    return sink.rows, report, sum(booked, Decimal(0))


def judged_questions(server: FakeProviderServer, model: str, rows: list[Row]) -> list[str]:
    """The rows' questions, once per judge request the server got from ``model``."""
    questions = [row.record["question"] for row in rows]
    return [
        next(q for q in questions if q in request.text)
        for request in server.requests
        if schema_name(request) == "judge_scores" and request.model == model
    ]


async def test_uncertain_and_failing_cheap_scores_escalate_and_only_those() -> None:
    with FakeProviderServer(marked_answers) as server:
        rows, report, _ = await run(server, count=40, judge_policy=JudgePolicy(share=0.5))
        to_teacher = judged_questions(server, TEACHER_MODEL, rows)
        to_student = judged_questions(server, STUDENT_MODEL, rows)
    assert report.status == "completed"
    assert len(rows) == 40
    config = make_config(share=0.5)
    seeds = [row for row in rows if row.stage == Stage.seed]
    cheap = [
        row for row in rows if row.stage == Stage.bulk and judge_route(config, row.key, "bulk") == "cheap"
    ]
    doubtful = [row for row in cheap if mark_of(row.record["question"]) != "MARKHIGH"]
    assert {mark_of(row.record["question"]) for row in cheap} == set(MARKS), "the run must see every mark"
    # Exactly the sampled student rows went to the cheap judge, once each; exactly the seeds and the
    # doubtful ones (within the margin or failing) went to the teacher, once each.
    assert sorted(to_student) == sorted(row.record["question"] for row in cheap)
    assert sorted(to_teacher) == sorted(row.record["question"] for row in seeds + doubtful)
    assert report.judging.model_dump() == {
        "strong": len(seeds),
        "cheap": len(cheap) - len(doubtful),
        "escalated": len(doubtful),
        "sampled_out": 36 - len(cheap),
        "baseline": 40,
    }
    for row in doubtful:
        p = row.provenance
        assert (p.judge_route, p.judge_model, row.score) == ("escalated", TEACHER, 9.0)
        assert p.cheap_judge_score == MARKS[mark_of(row.record["question"])]
        assert [(c.stage, c.model) for c in p.calls] == [
            ("bulk", STUDENT),
            ("judge", STUDENT),
            ("judge", TEACHER),
        ]
    for row in cheap:
        if row not in doubtful:
            assert (row.provenance.judge_route, row.provenance.judge_model, row.score) == (
                "cheap",
                STUDENT,
                9.0,
            )


async def test_every_seed_row_is_judged_by_the_strong_judge_and_unjudged_rows_say_so() -> None:
    with FakeProviderServer(marked_answers) as server:
        rows, report, _ = await run(server, count=20, judge_policy=JudgePolicy(share=0.0))
        to_teacher = judged_questions(server, TEACHER_MODEL, rows)
        to_student = judged_questions(server, STUDENT_MODEL, rows)
    seeds = [row for row in rows if row.stage == Stage.seed]
    assert len(seeds) == 2
    assert sorted(to_teacher) == sorted(row.record["question"] for row in seeds)  # whatever their mark
    assert to_student == []
    for row in seeds:
        assert (row.provenance.judge_route, row.provenance.judge_model) == ("strong", TEACHER)
        assert row.provenance.judge_scores
    for row in rows:
        if row.stage == Stage.bulk:
            p = row.provenance
            assert (p.judge_route, p.judge_model, p.judge_scores, row.score) == (
                "sampled out",
                None,
                None,
                None,
            )
            assert (p.decision, p.decision_reason) == ("keep", SAMPLED_OUT)
            assert [c.stage for c in p.calls] == ["bulk"]
    assert report.judging.sampled_out == 18


async def test_a_row_outside_judge_sample_rate_is_not_judged_even_as_a_seed() -> None:
    with FakeProviderServer(marked_answers) as server:
        rows, report, _ = await run(server, count=10, judge_sample_rate=0.0)
        judge_requests = [r for r in server.requests if schema_name(r) == "judge_scores"]
    assert judge_requests == []
    assert {row.provenance.judge_route for row in rows} == {"sampled out"}
    assert report.judging.baseline == 0


async def test_the_cheap_judge_as_the_strong_judge_on_every_row_is_the_old_behaviour() -> None:
    with FakeProviderServer(marked_answers) as server:
        rows, report, _ = await run(
            server, count=10, judge_policy=JudgePolicy(cheap_judge=TEACHER, share=1.0)
        )
        judge_models = {r.model for r in server.requests if schema_name(r) == "judge_scores"}
    assert judge_models == {TEACHER_MODEL}
    assert {row.provenance.judge_route for row in rows} == {"strong"}
    assert report.judging.strong == report.judging.baseline == 10


async def test_the_ledger_equals_the_cost_and_the_levers_sum_to_the_saving(fake: FakeProviderServer) -> None:
    _, report, booked = await run(fake, count=20)
    assert report.cost_usd == booked == report.run_cost_usd
    assert report.teacher_only_cost_usd is not None
    assert report.savings_usd is not None
    assert report.teacher_only_cost_usd - report.cost_usd == report.savings_usd
    levers = {lever.lever: lever.saved_usd for lever in report.levers}
    assert set(levers) == {"student split", "judge policy", "batch", "prompt caching"}
    assert levers["batch"] == levers["prompt caching"] == 0
    assert sum(saved or Decimal(0) for saved in levers.values()) == report.savings_usd
    assert levers["student split"] is not None
    assert levers["student split"] > 0
    assert levers["judge policy"] is not None
    assert levers["judge policy"] > 0


async def test_a_rerun_from_the_cache_spends_nothing_but_tells_what_the_answers_cost(
    fake: FakeProviderServer,
) -> None:
    cache = MemoryCache()
    first_engine = make_engine(fake, cache, count=12)
    first = await Runner(first_engine, MemorySink()).run()
    await close_engine(first_engine)
    again_engine = make_engine(fake, cache, count=12)
    again = await Runner(again_engine, MemorySink()).run()
    await close_engine(again_engine)
    assert (again.cost_usd, again.new_requests) == (Decimal(0), 0)
    assert again.reused_answers == first.new_requests
    assert again.run_cost_usd == first.run_cost_usd == first.cost_usd
    assert again.teacher_only_cost_usd == first.teacher_only_cost_usd
    assert again.savings_percent == first.savings_percent


def test_escalation_is_below_fix_below_plus_the_margin_or_unreadable() -> None:
    config = make_config()
    assert escalates(config, None)
    assert escalates(config, 7.99)
    assert escalates(config, 3.0)
    assert not escalates(config, 8.0)
    assert not escalates(make_config(margin=0.0), 7.0)


def make_config(share: float = 0.25, margin: float = 1.0) -> Any:
    from distillation.pipeline import GenerationConfig

    policy = JudgePolicy(share=share, escalate_margin=margin)
    return GenerationConfig(data_type="qa", count=10, teacher=TEACHER, student=STUDENT, judge_policy=policy)
