"""A cancelled run sends no new call: calls already sent finish, queued ones are never sent."""

from __future__ import annotations

import asyncio
import time

from pipeline_fakes import STUDENT, TEACHER

from distillation.pipeline import (
    GenerationConfig,
    MemoryCache,
    MemorySink,
    Progress,
    Runner,
    build_engine,
    close_engine,
)
from distillation.providers import RateLimit, RetryPolicy
from distillation.testing import FakeProviderServer, RecordedRequest
from distillation.testing.answers import varied_answer


def slow(request: RecordedRequest) -> object:
    return varied_answer(request).with_(latency=0.1)


async def test_calls_queued_when_the_run_is_cancelled_are_never_sent() -> None:
    config = GenerationConfig(
        data_type="qa", count=30, teacher=TEACHER, student=STUDENT, concurrency=6, seed=7
    )
    cache, sink, cancel = MemoryCache(), MemorySink(), asyncio.Event()
    cancelled_at: list[float] = []

    def progress(report: Progress) -> None:
        if report.stage == "bulk" and report.accepted == 4 and not cancel.is_set():
            cancel.set()
            cancelled_at.append(time.monotonic())

    with FakeProviderServer(slow) as server:  # type: ignore[arg-type]
        engine = build_engine(
            config,
            cache=cache,
            credentials={"openai": {"api_key": "sk-test", "base_url": server.openai_base_url}},
            # The student takes one request at a time, as an in-process model does: the other items
            # wait in its queue.
            rate_limits={STUDENT: RateLimit(max_concurrency=1, adaptive=False)},
            retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
        )
        report = await Runner(engine, sink, on_progress=progress, cancel=cancel).run()
        await close_engine(engine)

    assert report.status == "cancelled"
    assert 4 <= len(sink.rows) < 30
    after = [r for r in server.requests if r.received_at > cancelled_at[0]]
    # At most the student's one request that was already on its way; no queued item, no judge call.
    assert len(after) <= 1, [r.body.get("model") for r in after]
    assert all(r.status == 200 for r in server.requests), "a sent call was cut off"
    assert not sink.rejections
