"""A full run against the fake provider: exact counts, provenance, cost and savings, duplicates."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pipeline_fakes import STUDENT, TEACHER, make_engine

from distillation.pipeline import GenerationConfig, MemoryCache, MemorySink, Runner, close_engine
from distillation.pipeline.validate import SAMPLED_OUT, judge_route
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok
from distillation.testing.answers import schema_name, varied_answer


async def run(server: FakeProviderServer, **config: Any) -> tuple[MemorySink, Any]:
    engine = make_engine(server, MemoryCache(), **config)
    sink = MemorySink()
    report = await Runner(engine, sink).run()
    await close_engine(engine)
    return sink, report


async def test_exactly_count_rows_with_provenance_cost_and_savings(fake: FakeProviderServer) -> None:
    sink, report = await run(fake, count=20)
    report_config = GenerationConfig(data_type="qa", count=20, teacher=TEACHER, student=STUDENT)
    assert report.status == "completed"
    assert len(sink.rows) == 20
    assert len({row.key for row in sink.rows}) == 20
    seeds = [r for r in sink.rows if r.stage == "seed"]
    bulk = [r for r in sink.rows if r.stage == "bulk"]
    assert len(seeds) == 2
    assert len(bulk) == 18
    for row in seeds:
        assert row.provenance.model == TEACHER
        assert (row.provenance.judge_route, row.provenance.judge_model) == ("strong", TEACHER)
    for row in bulk:
        p = row.provenance
        assert p.model == STUDENT
        assert p.exemplar_ids
        assert set(p.exemplar_ids) <= {s.key for s in seeds}
        assert p.scenario["domain"] == "customer_support"
        assert len(p.template_hash) == 64
        assert p.calls[0].input_tokens == 400
        assert p.calls[0].output_tokens == 80
        # The default policy: the student judges a quarter of its rows (good scores: none escalated).
        route = judge_route(report_config, row.key, "bulk")
        assert p.judge_route == route
        if route == "cheap":
            assert [c.stage for c in p.calls] == ["bulk", "judge"]
            assert p.judge_model == STUDENT
            assert p.judge_scores
            assert p.judge_scores["content_quality"] == 9
        else:
            assert [c.stage for c in p.calls] == ["bulk"]
            assert (p.judge_model, p.judge_scores, p.decision_reason) == (None, None, SAMPLED_OUT)
        assert p.cost_usd is not None
        assert p.cost_usd > 0
        assert [m["role"] for m in row.messages] == ["user", "assistant"]
    # The run's cost is the sum of every row's calls plus the policy call.
    rows_cost = sum((r.provenance.cost_usd or Decimal(0) for r in sink.rows), Decimal(0))
    assert report.cost_usd > rows_cost > 0
    assert report.teacher_only_cost_usd > report.cost_usd
    assert report.savings_percent > 0
    assert {r.provenance.judge_route for r in bulk} == {"cheap", "sampled out"}
    cheap = sum(r.provenance.judge_route == "cheap" for r in bulk)
    assert report.judging.model_dump() == {
        "strong": 2,
        "cheap": cheap,
        "escalated": 0,
        "sampled_out": 18 - cheap,
        "baseline": 20,
    }


async def test_a_near_duplicate_is_rejected_and_replaced() -> None:
    seen: list[str] = []

    def answers(request: RecordedRequest) -> Behavior:
        if (
            schema_name(request) == "example"
            and "bulk" not in seen
            and request.body["messages"][-1]["content"]
        ):
            seen.append("bulk")
        if schema_name(request) == "example" and len(seen) and request.index % 3 == 0:
            return ok(
                text=json.dumps(
                    {
                        "question": "How do I reset my router password after the firmware upgrade?",
                        "answer": "Hold the reset button for ten seconds, then log in with the label.",
                    }
                )
            )
        return varied_answer(request)

    with FakeProviderServer(answers) as server:
        sink, report = await run(server, count=12, concurrency=1)
    assert len(sink.rows) == 12
    duplicates = [r for r in sink.rejections if r.reason.startswith("near-duplicate of")]
    assert duplicates, "the repeated answer was never caught"
    assert report.stages["seed"].duplicates + report.stages["bulk"].duplicates == len(duplicates)


def test_in_process_models_take_one_request_at_a_time() -> None:
    from distillation.pipeline.build import default_rate_limit

    local = default_rate_limit("local:smollm2-135m")
    assert local is not None
    assert local.max_concurrency == 1
    assert default_rate_limit("openai:gpt-4o") is None


async def test_a_local_model_client_queues_outside_the_timeout(fake: FakeProviderServer) -> None:
    from distillation.pipeline import GenerationConfig, MemoryCache, build_engine

    engine = build_engine(
        GenerationConfig(data_type="qa", count=2, teacher="local:smollm2-135m", student="local:smollm2-135m"),
        cache=MemoryCache(),
    )
    assert engine.teacher.rate_limit.max_concurrency == 1
    assert engine.teacher is engine.student is engine.judge
    await close_engine(engine)


def test_in_process_models_are_not_timed_out_while_they_compute(fake: FakeProviderServer) -> None:
    # A local generation cannot be interrupted: a timeout would only queue a retry behind it.
    engine = make_engine(fake, MemoryCache(), teacher="local:smollm2-135m", timeout=30.0)
    assert engine.teacher.timeout >= 1800
    assert engine.student.timeout == 30.0
