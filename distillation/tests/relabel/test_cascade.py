"""The student-first cascade against the fake provider: exactly the failing prompts reach the teacher.

The fake's judge scores an answer by its text ("student answer N" scores N, anything else 9), the
student is cut off on prompts about "essays", and usages are fixed, so every number of the report can
be computed by hand from the bundled prices.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from distillation.cost import PriceTable, TokenUsage
from distillation.pipeline import MemoryCache, build_engine, close_engine
from distillation.pipeline.cache import ResponseCache
from distillation.promptsets import PromptRecord, fingerprint
from distillation.providers import RetryPolicy
from distillation.relabel import (
    Cascade,
    MemoryRelabelSink,
    Relabeler,
    RelabelReport,
    pilot_cascade,
    prompt_keys,
    relabel_config,
)
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, length, ok

TEACHER, STUDENT = "openai:gpt-4o", "openai:gpt-4o-mini"
SCORES = ("content_quality", "instruction_alignment", "factual_correctness", "formatting", "training_utility")
STUDENT_USAGE, TEACHER_USAGE, JUDGE_USAGE = (30, 20), (30, 40), (50, 10)
GRADE = re.compile(r"student answer (\d+)")


def prompt(text: str, line: int) -> PromptRecord:
    messages = [{"role": "user", "content": text}]
    return PromptRecord(messages=messages, line=line, fingerprint=fingerprint(messages))


def graded(text: str, line: int, grade: int) -> PromptRecord:
    """A prompt the student answers with "student answer <grade>", which the judge scores <grade>."""
    return prompt(f"{text} [grade {grade}]", line)


def is_judge(request: RecordedRequest) -> bool:
    fmt = request.body.get("response_format") or {}
    return (fmt.get("json_schema") or {}).get("name") == "judge_scores"


def script(request: RecordedRequest) -> Behavior:
    if is_judge(request):
        if "student answer garbled" in request.text:
            return ok(text="I liked it a lot", usage=JUDGE_USAGE)
        found = GRADE.search(request.text)
        score = int(found.group(1)) if found else 9
        return ok(text=json.dumps({**dict.fromkeys(SCORES, score), "feedback": []}), usage=JUDGE_USAGE)
    question = request.body["messages"][-1]["content"]
    if request.model == "gpt-4o-mini":
        if "essay" in question:
            return length(text="student answer 9 but cut", usage=STUDENT_USAGE)
        if "[refuse]" in question:
            return ok(text="As an AI language model, I cannot help with that.", usage=STUDENT_USAGE)
        if "[garble]" in question:
            return ok(text="student answer garbled", usage=STUDENT_USAGE)
        grade = re.search(r"\[grade (\d+)\]", question)
        return ok(text=f"student answer {grade.group(1) if grade else 9}", usage=STUDENT_USAGE)
    return ok(text=f"Teacher answer to: {question}", usage=TEACHER_USAGE)


def price(model: str, usage: tuple[int, int], times: int = 1) -> Decimal:
    value = PriceTable.load(None).cost_of(model, TokenUsage(*usage))
    assert value is not None
    return value * times


def answers_to(server: FakeProviderServer, model: str) -> list[str]:
    """The last user turn of each answer request (not judging) ``model`` received."""
    return [
        r.body["messages"][-1]["content"] for r in server.requests if r.model == model and not is_judge(r)
    ]


def paid_twice(server: FakeProviderServer) -> list[str]:
    answered = Counter(r.key for r in server.requests if r.status == 200)
    return [key for key, count in answered.items() if count > 1]


PROMPTS = [
    graded("Reset my password", 1, 9),
    graded("Explain my invoice", 2, 3),  # judged low: escalated
    graded("Track my parcel", 3, 8),
    prompt("Write an essay on refunds", 4),  # the student is cut off: escalated
    graded("Change my address", 5, 6),  # below 7: escalated
    graded("Cancel my plan", 6, 7),  # exactly 7 is kept
]
FAILING = [PROMPTS[1], PROMPTS[3], PROMPTS[4]]


def engine_for(server: FakeProviderServer, cache: ResponseCache, **config: Any) -> Any:
    return build_engine(
        relabel_config(TEACHER, student=STUDENT, count=len(PROMPTS), **{"concurrency": 3, **config}),
        cache=cache,
        credentials={"openai": {"api_key": "sk-test", "base_url": server.openai_base_url}},
        retry=RetryPolicy(initial_delay=0.01, max_delay=0.05, max_attempts=1),
    )


async def cascade(
    server: FakeProviderServer, cache: ResponseCache, escalate_below: float = 7.0, **config: Any
) -> tuple[RelabelReport, MemoryRelabelSink]:
    engine = engine_for(server, cache, **config)
    sink = MemoryRelabelSink()
    try:
        report = await Relabeler(engine, sink, cascade=Cascade(escalate_below=escalate_below)).run(PROMPTS)
    finally:
        await close_engine(engine)
    return report, sink


async def test_the_teacher_answers_exactly_the_prompts_the_student_fails() -> None:
    with FakeProviderServer(script) as server:
        report, sink = await cascade(server, MemoryCache())

        to_student, to_teacher = answers_to(server, "gpt-4o-mini"), answers_to(server, "gpt-4o")
    assert sorted(to_student) == sorted(p.messages[0]["content"] for p in PROMPTS)
    assert sorted(to_teacher) == sorted(p.messages[0]["content"] for p in FAILING)
    assert report.status == "completed"
    assert (report.answered, report.rejected) == (6, 0)
    rows = {row.prompt.line: row for row in sink.rows}
    for line in (1, 3, 6):
        row = rows[line]
        assert row.messages[-1]["content"].startswith("student answer")
        assert row.provenance.model == STUDENT
        assert row.cascade is not None
        assert row.cascade.path == "student"
        assert row.to_json()["metadata"]["provenance"]["cascade"]["escalation"] is None
    assert rows[6].score == 7.0
    escalated = rows[2].to_json()["metadata"]["provenance"]
    assert escalated["model"] == TEACHER
    assert escalated["cascade"] == {
        "path": "teacher-escalated",
        "student_model": STUDENT,
        "student_score": 3.0,
        "escalation": "score 3.00 < escalate_below 7.0",
    }
    # The escalated row's cost holds the student's attempt and judging as well as the teacher's.
    assert [call["stage"] for call in escalated["calls"]] == ["relabel-student", "judge", "relabel", "judge"]
    assert rows[4].cascade is not None
    assert rows[4].cascade.escalation_kind == "unusable output"
    assert rows[4].cascade.student_score is None
    assert rows[4].messages[-1]["content"].startswith("Teacher answer to:")
    assert rows[5].cascade is not None
    assert rows[5].cascade.student_score == 6.0


async def test_the_report_gives_share_cost_saving_and_quality_as_computed_by_hand() -> None:
    with FakeProviderServer(script) as server:
        report, _ = await cascade(server, MemoryCache())

    info = report.cascade
    assert info is not None
    assert (info.prompts, info.escalated) == (6, 3)
    assert info.escalated_share == 0.5
    assert info.escalation_reasons == {"low score": 2, "unusable output": 1}
    judge, teacher = price(TEACHER, JUDGE_USAGE), price(TEACHER, TEACHER_USAGE)
    # Six student answers; five judged (the cut-off one is not); three teacher answers, each judged.
    spent = price(STUDENT, STUDENT_USAGE, 6) + judge * 5 + (teacher + judge) * 3
    assert info.cost_usd == spent == report.cost_usd
    # Teacher-only: the teacher answers and the judge scores all six (the kept prompts' teacher answer
    # priced at the student's input tokens and the teacher's mean output tokens, 40).
    assert info.teacher_only_usd == (teacher + judge) * 6
    assert info.saved_usd == (teacher + judge) * 6 - spent
    assert info.saved_share == pytest.approx(float(info.saved_usd / info.teacher_only_usd))
    assert (info.student_path.answered, info.student_path.accepted) == (6, 3)
    assert info.student_path.mean_score == pytest.approx((9 + 8 + 7) / 3)
    assert (info.teacher_path.answered, info.teacher_path.accepted) == (3, 3)
    assert info.teacher_path.mean_score == 9.0
    assert info.teacher_path.acceptance == 1.0
    # The derived numbers are part of the report as serialised (the service stores and shows it).
    dumped = report.model_dump(mode="json")["cascade"]
    assert (dumped["escalated_share"], dumped["saved_usd"]) == (0.5, str(info.saved_usd))
    assert dumped["teacher_path"]["acceptance"] == 1.0


async def test_a_rerun_on_the_same_cache_sends_nothing_and_reports_the_same_cascade() -> None:
    cache = MemoryCache()
    with FakeProviderServer(script) as server:
        first, _ = await cascade(server, cache)
        sent = len(server.requests)
        second, sink = await cascade(server, cache)

        assert len(server.requests) == sent == 6 + 5 + 3 + 3
    assert (second.requests, second.cost_usd, second.cached_answers) == (0, Decimal(0), sent)
    assert second.cascade == first.cascade
    assert len(sink.rows) == 6


def long_teacher_answers(request: RecordedRequest) -> Behavior:
    """The script, with teacher answers of 480 tokens: the escalations cost more than the budget."""
    behavior = script(request)
    if request.model == "gpt-4o" and not is_judge(request):
        return behavior.with_(usage=(TEACHER_USAGE[0], 480))
    return behavior


async def test_a_budget_stop_then_a_rerun_never_pays_twice() -> None:
    cache = MemoryCache()
    with FakeProviderServer(long_teacher_answers) as server:
        # One prompt at a time: the budget runs out during the teacher's escalated answers.
        stopped, _ = await cascade(server, cache, budget_usd=Decimal("0.015"), concurrency=1)
        resumed, sink = await cascade(server, cache)

        assert paid_twice(server) == []
        assert sorted(answers_to(server, "gpt-4o")) == sorted(p.messages[0]["content"] for p in FAILING)
    assert stopped.status == "budget_exhausted"
    assert 0 < stopped.answered < 6
    assert stopped.cost_usd <= Decimal("0.015")
    # A prompt stopped midway (its student answer paid, the teacher refused) is not in the report.
    assert stopped.cascade is not None
    assert stopped.cascade.prompts == stopped.answered + stopped.rejected
    assert resumed.status == "completed"
    assert sorted(row.prompt.line for row in sink.rows) == [1, 2, 3, 4, 5, 6]


async def test_a_judge_scoring_below_remove_below_escalates_even_under_the_threshold() -> None:
    with FakeProviderServer(script) as server:
        report, _ = await cascade(server, MemoryCache(), escalate_below=2.0)

        to_teacher = answers_to(server, "gpt-4o")
    # Score 3 is under remove_below (4): the student's answer would be removed, so it escalates.
    assert sorted(to_teacher) == sorted(p.messages[0]["content"] for p in (PROMPTS[1], PROMPTS[3]))
    assert report.cascade is not None
    assert report.cascade.escalated == 2


async def test_a_failed_check_and_an_unparsable_judging_escalate_and_say_why() -> None:
    prompts = [prompt("Tell me a secret [refuse]", 1), prompt("Rate this [garble]", 2), graded("Hi", 3, 9)]
    with FakeProviderServer(script) as server:
        engine = engine_for(server, MemoryCache())
        sink = MemoryRelabelSink()
        try:
            report = await Relabeler(engine, sink, cascade=Cascade()).run(prompts)
        finally:
            await close_engine(engine)

        to_teacher = answers_to(server, "gpt-4o")
        judged_refusal = [r for r in server.requests if is_judge(r) and "As an AI language model" in r.text]
    assert sorted(to_teacher) == ["Rate this [garble]", "Tell me a secret [refuse]"]
    assert judged_refusal == []  # an answer failing a check is not worth judging
    traces = {row.prompt.line: row.cascade for row in sink.rows}
    refused, garbled = traces[1], traces[2]
    assert refused is not None
    assert garbled is not None
    assert refused.escalation_kind == "failed checks"
    assert refused.escalation is not None
    assert "refusal" in refused.escalation
    assert garbled.escalation_kind == "judge output unparsable"
    assert report.cascade is not None
    assert report.cascade.escalation_reasons == {"failed checks": 1, "judge output unparsable": 1}


async def test_a_cheaper_judge_scores_the_student_and_the_cascade_saves() -> None:
    with FakeProviderServer(script) as server:
        report, _ = await cascade(server, MemoryCache(), judge=STUDENT)

        judges = {r.model for r in server.requests if is_judge(r)}
    assert judges == {"gpt-4o-mini"}
    judge, teacher = price(STUDENT, JUDGE_USAGE), price(TEACHER, TEACHER_USAGE)
    spent = price(STUDENT, STUDENT_USAGE, 6) + judge * 5 + (teacher + judge) * 3
    assert report.cascade is not None
    assert report.cascade.cost_usd == spent
    assert report.cascade.teacher_only_usd == (teacher + judge) * 6
    assert report.cascade.saved_usd > 0


PILOT = [
    graded("Question one", 1, 3),
    graded("Question two", 2, 5),
    graded("Question three", 3, 8),
    graded("Question four", 4, 9),
    graded("Question five", 5, 9),
    graded("Question six", 6, 4),
]


async def test_the_pilot_recommends_the_lowest_threshold_within_the_margin_of_the_teacher() -> None:
    cache = MemoryCache()
    with FakeProviderServer(script) as server:
        engine = engine_for(server, cache)
        try:
            pilot, run = await pilot_cascade(engine, PILOT, 4, margin=0.5)
        finally:
            await close_engine(engine)

        to_teacher = answers_to(server, "gpt-4o")
        # The teacher answered the pilot's four prompts, every one, and no other.
        assert sorted(to_teacher) == sorted(p.messages[0]["content"] for p in PILOT[:4])
        sent = len(server.requests)

        # The full run after the pilot reuses the pilot's answers: only prompts 5 and 6 are new.
        engine = engine_for(server, cache)
        try:
            relabeler = Relabeler(engine, MemoryRelabelSink(), cascade=Cascade(escalate_below=5.5))
            full = await relabeler.run(PILOT)
        finally:
            await close_engine(engine)

        new = server.requests[sent:]
        assert paid_twice(server) == []
    assert run.status == "completed"
    assert pilot.prompts == 4
    assert pilot.total_prompts == 6
    assert pilot.teacher_mean == 9.0
    # Student scores 3, 5, 8, 9 against the teacher's 9: kept means 6.25 (t 0-3), 7.33 (3.5-5),
    # 8.5 (5.5-8) — the first within 0.5 of 9 — then 9 (8.5-9), then none kept.
    assert pilot.option(0.0).kept_mean == pytest.approx(6.25)
    assert pilot.option(5.0).kept_mean == pytest.approx(22 / 3)
    assert pilot.recommended == 5.5
    chosen = pilot.option(5.5)
    assert chosen.escalated_share == 0.5
    assert chosen.mixed_mean == pytest.approx((8 + 9 + 9 + 9) / 4)
    assert pilot.option(10.0).kept_mean is None
    assert pilot.option(10.0).escalated_share == 1.0
    student, judge = price(STUDENT, STUDENT_USAGE), price(TEACHER, JUDGE_USAGE)
    teacher = price(TEACHER, TEACHER_USAGE) + judge
    # Per pilot prompt: the student's answer and judging; the teacher's too for the two escalated.
    assert chosen.cost_usd == ((student + judge) * 4 + teacher * 2) / 4 * 6
    assert pilot.teacher_only_usd == teacher * 4 / 4 * 6
    # Prompt 5 (score 9) is kept; prompt 6 (score 4) goes to the teacher: 2 + 2 + 1 + 1 requests.
    assert Counter(r.model for r in new) == {"gpt-4o-mini": 2, "gpt-4o": 4}
    assert answers_to_list(new, "gpt-4o") == [PILOT[5].messages[0]["content"]]
    assert full.cascade is not None
    assert full.cascade.escalated == 3


def answers_to_list(requests: list[RecordedRequest], model: str) -> list[str]:
    return [r.body["messages"][-1]["content"] for r in requests if r.model == model and not is_judge(r)]


async def test_a_pilot_whose_student_never_comes_close_recommends_the_teacher_alone() -> None:
    low = [graded(f"Question {n}", n, 2) for n in range(3)]
    with FakeProviderServer(script) as server:
        engine = engine_for(server, MemoryCache())
        try:
            pilot, _ = await pilot_cascade(engine, low, 3)
        finally:
            await close_engine(engine)

    assert pilot.recommended is None
    assert pilot.option(0.0).kept_mean == 2.0


def test_a_cascade_without_a_distinct_student_is_refused() -> None:
    credentials = {"openai": {"api_key": "sk-test"}}
    engine = build_engine(relabel_config(TEACHER), cache=MemoryCache(), credentials=credentials)
    with pytest.raises(ValueError, match="student other than the teacher"):
        Relabeler(engine, MemoryRelabelSink(), cascade=Cascade())


def test_prompt_keys_are_unchanged_by_the_cascade() -> None:
    assert prompt_keys(PROMPTS[:1]) == [f"relabel-{PROMPTS[0].fingerprint[:24]}"]
