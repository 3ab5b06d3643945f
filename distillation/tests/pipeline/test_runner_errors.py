"""An unexpected error (a bug, a failing sink) ends the run without leaving item tasks behind."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from pipeline_fakes import TEACHER_JUDGES_ALL, make_engine

import distillation.pipeline.validate as validate_module
from distillation.pipeline import MemoryCache, MemorySink, Row, Runner, close_engine
from distillation.quality import parse_judge_output
from distillation.testing import FakeProviderServer, RecordedRequest, server_error
from distillation.testing.answers import schema_name, varied_answer


def slow(request: RecordedRequest) -> Any:
    """Answers after 0.05-0.35 s, so items end at different times and others are in flight."""
    latency = 0.05 + random.Random(request.key).random() * 0.3
    return varied_answer(request).with_(latency=latency)


class FailingSink(MemorySink):
    """Accepts ``good`` rows, then fails as a full disk would."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good

    async def write(self, row: Row) -> None:
        if len(self.rows) >= self.good:
            raise OSError("no space left on device")
        await super().write(row)


def item_tasks(before: set[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() - before if not task.done()]


async def run_until_error(server: FakeProviderServer, sink: MemorySink) -> MemoryCache:
    cache = MemoryCache()
    engine = make_engine(server, cache, count=12, concurrency=4, judge_policy=TEACHER_JUDGES_ALL)
    before = asyncio.all_tasks()
    try:
        with pytest.raises((RuntimeError, OSError)):
            await Runner(engine, sink).run()
        assert item_tasks(before) == [], "item tasks outlived the run"
    finally:
        await close_engine(engine)
    return cache


async def test_a_bug_inside_an_item_cancels_the_others_and_keeps_the_paid_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []

    def parse_then_fail(text: str) -> Any:
        parsed.append(text)
        if len(parsed) == 6:
            raise RuntimeError("a bug in the judge parser")
        return parse_judge_output(text)

    monkeypatch.setattr(validate_module, "parse_judge_output", parse_then_fail)
    sink = MemorySink()
    with FakeProviderServer(slow) as server:
        cache = await run_until_error(server, sink)
        sent = len(server.requests)
    assert 0 < len(sink.rows) < 6
    # Every item that reached the parser has its row and its judgement cached (the policy too),
    # the failing one included: a rerun does not pay for them again.
    assert len(cache) >= 2 * len(parsed) + 1
    for row in sink.rows:
        for call in row.provenance.calls:
            assert await cache.get(call.fingerprint) is not None
    assert sent < 12 * 2 + 1, "items kept being started after the error"


async def test_a_failing_sink_stops_the_run_without_orphaned_items() -> None:
    sink = FailingSink(good=3)
    with FakeProviderServer(slow) as server:
        await run_until_error(server, sink)
    assert len(sink.rows) == 3


async def test_an_item_whose_calls_all_fail_is_rejected_under_its_own_key() -> None:
    def student_refused(request: RecordedRequest) -> Any:
        if request.model == "gpt-4o-mini":
            return server_error(400)
        return varied_answer(request)

    sink = MemorySink()
    with FakeProviderServer(student_refused) as server:
        engine = make_engine(server, MemoryCache(), count=4, max_extra_items=1)
        report = await Runner(engine, sink).run()
        await close_engine(engine)
    assert report.status == "incomplete"
    keys = [rejection.key for rejection in sink.rejections]
    assert keys
    assert all(key.startswith("bulk-") for key in keys), keys
    assert all("HTTP 400" in rejection.reason for rejection in sink.rejections)


async def test_a_policy_call_that_keeps_failing_falls_back_to_the_seeds_policy() -> None:
    def policy_down(request: RecordedRequest) -> Any:
        if schema_name(request) == "task_policy":
            return server_error(503)
        return varied_answer(request)

    sink = MemorySink()
    with FakeProviderServer(policy_down) as server:
        engine = make_engine(server, MemoryCache(), count=10, judge_sample_rate=0)
        report = await Runner(engine, sink).run()
        await close_engine(engine)
    assert report.status == "completed"
    assert len(sink.rows) == 10
    assert report.stages["policy"].rejected == 1
    assert report.rejection_reasons == {"policy: servererror": 1}
    assert any(r.status == 503 for r in server.requests)
