"""Fault scenarios: no row lost, no paid request sent twice, every attempt's tokens counted."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from pipeline_fakes import TEACHER_JUDGES_ALL, answered_keys, make_engine

from distillation.pipeline import (
    JsonlCache,
    MemoryCache,
    MemorySink,
    Progress,
    Runner,
    RunReport,
    close_engine,
)
from distillation.testing import (
    Behavior,
    FakeProviderServer,
    RecordedRequest,
    hang,
    rate_limited,
    server_error,
)
from distillation.testing.answers import (
    GOOD_SCORES,
    realistic_answer,
    realistic_bill,
    schema_name,
    varied_answer,
)


async def run(
    server: FakeProviderServer, cache: object | None = None, cancel_after: int | None = None, **config: object
) -> tuple[MemorySink, RunReport]:
    engine = make_engine(server, cache if cache is not None else MemoryCache(), **config)  # type: ignore[arg-type]
    sink, stop = MemorySink(), asyncio.Event()

    def progress(p: Progress) -> None:
        if cancel_after is not None and len(sink.rows) >= cancel_after:
            stop.set()

    report = await Runner(engine, sink, on_progress=progress, cancel=stop).run()
    await close_engine(engine)
    return sink, report


def billed_tokens(server: FakeProviderServer) -> tuple[int, int]:
    """What the provider billed: usage of every 200 answer."""
    rows = [r for r in server.requests if r.status == 200]
    usage = [varied_answer(r).usage or (0, 0) for r in rows]
    return sum(u[0] for u in usage), sum(u[1] for u in usage)


def stage_tokens(report: RunReport) -> tuple[int, int]:
    return (
        sum(s.input_tokens for s in report.stages.values()),
        sum(s.output_tokens for s in report.stages.values()),
    )


async def test_429_storm_honours_retry_after_and_loses_nothing() -> None:
    rng = random.Random(3)

    def storm(request: RecordedRequest) -> Behavior:
        if rng.random() < 0.5:
            return rate_limited(retry_after=0.3)
        return varied_answer(request)

    with FakeProviderServer(storm) as server:
        sink, report = await run(server, count=10)
    assert report.status == "completed"
    assert len(sink.rows) == 10
    arrivals: dict[str, list[tuple[float, int | None]]] = defaultdict(list)
    for r in server.requests:
        arrivals[r.key].append((r.received_at, r.status))
    retried = 0
    for attempts in arrivals.values():
        for (at, status), (next_at, _) in itertools.pairwise(attempts):
            if status == 429:
                retried += 1
                assert next_at - at >= 0.3 - 0.01, "retried before Retry-After"
    assert retried > 5
    assert stage_tokens(report) == billed_tokens(server)


async def test_5xx_and_hangs_are_retried_and_counted() -> None:
    counts: dict[str, int] = defaultdict(int)

    def flaky(request: RecordedRequest) -> Behavior:
        counts[request.key] += 1
        if counts[request.key] == 1 and request.index % 4 == 1:
            return server_error(503)
        if counts[request.key] == 1 and request.index % 4 == 2:
            return hang()
        return varied_answer(request)

    with FakeProviderServer(flaky) as server:
        sink, report = await run(server, count=8, timeout=0.5)
    assert report.status == "completed"
    assert len(sink.rows) == 8
    assert any(r.status == 503 for r in server.requests)
    assert any(r.behavior is not None and r.behavior.hang for r in server.requests), "no request hung"
    assert stage_tokens(report) == billed_tokens(server)


async def test_malformed_output_is_repaired_or_reasked_with_every_attempt_counted() -> None:
    def garbled(request: RecordedRequest) -> Behavior:
        answer = varied_answer(request)
        if schema_name(request) == "example" and request.index % 3 == 0:
            return answer.with_(content="invalid_json", text=None)
        return answer

    with FakeProviderServer(garbled) as server:
        sink, report = await run(server, count=8)
    assert len(sink.rows) == 8
    example_requests = [r for r in server.requests if schema_name(r) == "example"]
    items = report.stages["seed"].attempted + report.stages["bulk"].attempted
    assert len(example_requests) > items, "no prose answer was re-asked"
    # Prose answers were paid for too: their tokens are in the report.
    paid = [r for r in server.requests if r.status == 200]
    assert stage_tokens(report)[0] == sum((garbled(r).usage or (0, 0))[0] for r in paid)


async def test_interrupted_run_resumes_without_paying_twice(cache_path: Path) -> None:
    with FakeProviderServer(varied_answer) as server:
        first_sink, first = await run(server, JsonlCache(cache_path), cancel_after=5, count=14)
        assert first.status == "cancelled"
        assert 5 <= len(first_sink.rows) < 14
        paid_before = answered_keys(server)
        server.reset(varied_answer)
        second_sink, second = await run(server, JsonlCache(cache_path), count=14)
        paid_after = answered_keys(server)
    assert second.status == "completed"
    assert len(second_sink.rows) == 14
    assert paid_before
    assert not (paid_before & paid_after), "a paid request was sent again"
    # The rows of the first run come back identical from the cache.
    again = {r.key: r.record for r in second_sink.rows}
    for row in first_sink.rows:
        assert again[row.key] == row.record
    assert second.stages["bulk"].cached_calls > 0


async def test_budget_stops_cleanly_and_resumes_with_a_larger_one(cache_path: Path) -> None:
    with FakeProviderServer(varied_answer) as server:
        sink, report = await run(server, JsonlCache(cache_path), count=30, budget_usd=Decimal("0.02"))
        assert report.status == "budget_exhausted"
        assert report.cost_usd <= Decimal("0.02")
        assert len(sink.rows) < 30
        paid_before = answered_keys(server)
        server.reset(varied_answer)
        more_sink, more = await run(server, JsonlCache(cache_path), count=30, budget_usd=Decimal("1"))
        paid_after = answered_keys(server)
    assert more.status == "completed"
    assert len(more_sink.rows) == 30
    assert not (paid_before & paid_after)


async def test_unparseable_judge_marks_the_row_and_never_stops_the_run() -> None:
    def bad_judge(request: RecordedRequest) -> Behavior:
        if schema_name(request) == "judge_scores":
            return Behavior(text="I think this example is rather nice, maybe a seven?", content="auto")
        return varied_answer(request)

    with FakeProviderServer(bad_judge) as server:
        sink, report = await run(server, count=6, judge_policy=TEACHER_JUDGES_ALL)
    assert report.status == "completed"
    assert len(sink.rows) == 6
    for row in sink.rows:
        assert row.score is None
        assert row.provenance.decision == "keep"
        assert "could not be parsed" in (row.provenance.decision_reason or "")


async def test_low_scores_are_fixed_and_very_low_scores_removed_and_replaced() -> None:
    judged = itertools.count()

    def judge(request: RecordedRequest) -> dict[str, object]:
        # The first judgements, whatever their requests' bytes: one very low, two low, then good ones
        # (a fixed row's second judgement among them).
        turn = next(judged)
        if turn == 0:
            return {**GOOD_SCORES, **dict.fromkeys(list(GOOD_SCORES)[:5], 1), "feedback": ["wrong facts"]}
        if turn < 3:
            return {**GOOD_SCORES, **dict.fromkeys(list(GOOD_SCORES)[:5], 5), "feedback": ["too short"]}
        return GOOD_SCORES

    with FakeProviderServer(lambda r: varied_answer(r, judge)) as server:
        sink, report = await run(server, count=12)
    assert report.status == "completed"
    assert len(sink.rows) == 12
    removed = [r for r in sink.rejections if "remove_below" in r.reason]
    assert removed
    assert all(r.raw for r in removed)
    fixed = [r for r in sink.rows if r.provenance.fixes]
    assert fixed
    for row in fixed:
        assert row.provenance.fixes[0].score_before == 5
        assert "fix" in [c.stage for c in row.provenance.calls]
    assert report.rejection_reasons
    assert json.dumps(report.model_dump(mode="json"))


async def test_a_budget_the_teacher_seeds_exhaust_is_filled_with_the_students_bulk_rows() -> None:
    # gpt-4o's seed and judge calls are each about a sixth of $0.02: when the next one cannot fit,
    # the bulk stage writes rows with the student from the seeds accepted so far.
    with FakeProviderServer(realistic_answer) as server:
        sink, report = await run(server, count=200, budget_usd=Decimal("0.02"))
        billed = realistic_bill(server.requests)
        bulk = [r for r in server.requests if r.status == 200 and r.model == "gpt-4o-mini"]
    assert report.status == "budget_exhausted"
    assert report.stages["seed"].accepted >= 1
    assert report.stages["seed"].accepted < 20  # the seed stage did not finish
    assert report.stages["bulk"].accepted >= 5
    assert bulk
    assert Decimal("0.018") <= billed == report.cost_usd <= Decimal("0.02")
    assert len(sink.rows) == report.stages["seed"].accepted + report.stages["bulk"].accepted


async def test_no_bulk_row_is_written_when_the_budget_stops_the_seeds_before_one_is_accepted() -> None:
    with FakeProviderServer(realistic_answer) as server:
        sink, report = await run(server, count=200, budget_usd=Decimal("0.005"), concurrency=1)
        students = [r for r in server.requests if r.model == "gpt-4o-mini"]
    assert report.status == "budget_exhausted"
    assert report.stages["seed"].accepted == 0
    assert sink.rows == []
    assert students == []
    assert report.cost_usd <= Decimal("0.005")
