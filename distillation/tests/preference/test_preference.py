"""Preference pairs against the fake provider: both orders judged, position bias caught, exports load."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from distillation.export.preference import export_preferences
from distillation.pipeline import MemoryCache, build_engine, close_engine
from distillation.pipeline.cache import ResponseCache
from distillation.preference import (
    MemoryPreferenceSink,
    PreferenceReport,
    PreferenceRun,
    Verdict,
    decide_pair,
    parse_verdict,
)
from distillation.promptsets import PromptRecord, fingerprint
from distillation.providers import RetryPolicy
from distillation.relabel import MemoryRelabelSink, Relabeler, relabel_config
from distillation.testing import FakeProviderServer
from distillation.testing.answers import preference_answer as scripted
from distillation.testing.answers import schema_name

TEACHER, STUDENT, JUDGE = "openai:gpt-4o", "openai:gpt-4o-mini", "openai:gpt-4o"


def prompt(text: str, line: int) -> PromptRecord:
    messages = [{"role": "user", "content": text}]
    return PromptRecord(messages=messages, line=line, fingerprint=fingerprint(messages))


PROMPTS = [
    *(prompt(f"How do I reset router number {n}?", n) for n in range(1, 7)),
    prompt("A tricky question about refunds", 7),
    prompt("Another tricky one about parcels", 8),
    prompt("An even question about invoices", 9),
    prompt("A close question about vouchers", 10),
]


async def prefer(
    server: FakeProviderServer, prompts: list[PromptRecord], cache: ResponseCache, **config: Any
) -> tuple[PreferenceReport, MemoryPreferenceSink]:
    engine = build_engine(
        relabel_config(TEACHER, student=STUDENT, judge=JUDGE, count=len(prompts), concurrency=3, **config),
        cache=cache,
        credentials={"openai": {"api_key": "sk-test", "base_url": server.openai_base_url}},
        retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
    )
    sink = MemoryPreferenceSink()
    try:
        report = await PreferenceRun(engine, sink, min_margin=2).run(prompts)
    finally:
        await close_engine(engine)
    return report, sink


async def test_pairs_judged_in_both_orders_keep_only_consistent_clear_wins() -> None:
    with FakeProviderServer(scripted) as server:
        report, sink = await prefer(server, PROMPTS, MemoryCache())

        verdict_requests = [r for r in server.requests if schema_name(r) == "pairwise_verdict"]
    assert report.status == "completed"
    assert (report.kept, report.rejected, report.position_inconsistent) == (6, 4, 2)
    assert report.preferred == {"teacher": 6}
    assert report.rejection_reasons == {"position-inconsistent": 2, "tie": 1, "below margin": 1}
    assert len(verdict_requests) == 20  # two orders for each of the ten prompts
    for pair in sink.kept:
        assert [v.order for v in pair.verdicts] == ["teacher-first", "student-first"]
        assert [v.winner for v in pair.verdicts] == ["A", "B"]
        assert {v.preferred for v in pair.verdicts} == {"teacher"}
        assert pair.margin == 5
        assert pair.chosen_and_rejected() == (
            f"Teacher answer: {pair.prompt.messages[0]['content']}",
            f"Student answer: {pair.prompt.messages[0]['content']}",
        )
        row = pair.to_json()
        assert row["metadata"]["teacher"]["model"] == TEACHER
        assert row["metadata"]["student"]["model"] == STUDENT
        assert [v["order"] for v in row["metadata"]["verdicts"]] == ["teacher-first", "student-first"]
        assert Decimal(row["metadata"]["cost_usd"]) > 0
    by_line = {pair.prompt.line: pair for pair in sink.rejected}
    assert [v.winner for v in by_line[7].verdicts] == ["A", "A"]
    assert [v.preferred for v in by_line[7].verdicts] == ["teacher", "student"]
    assert by_line[7].reason.startswith("position-inconsistent")
    assert by_line[9].reason.startswith("tie")
    assert by_line[10].reason == "below margin: the teacher won by 1 < min_margin 2"
    assert sum((p.cost_usd or Decimal(0)) for p in [*sink.kept, *sink.rejected]) == report.cost_usd


async def test_a_rerun_on_the_same_cache_pays_nothing() -> None:
    cache = MemoryCache()
    with FakeProviderServer(scripted) as server:
        first, _ = await prefer(server, PROMPTS, cache)
        sent = len(server.requests)
        second, _ = await prefer(server, PROMPTS, cache)

        assert len(server.requests) == sent == 40  # teacher, student and two verdicts per prompt
    assert (first.requests, second.requests, second.cached_answers) == (40, 0, 40)
    assert second.cost_usd == 0
    assert (second.kept, second.rejected) == (6, 4)


async def test_the_budget_stops_the_run_and_a_rerun_finishes_it() -> None:
    cache = MemoryCache()
    budget = Decimal("0.004")
    with FakeProviderServer(scripted) as server:
        stopped, _ = await prefer(server, PROMPTS, cache, budget_usd=budget)
        finished, _ = await prefer(server, PROMPTS, cache)

    assert stopped.status == "budget_exhausted"
    assert stopped.cost_usd <= budget
    assert stopped.kept + stopped.rejected < len(PROMPTS)
    assert finished.status == "completed"
    assert (finished.kept, finished.rejected) == (6, 4)
    assert finished.cached_answers > 0  # what the stopped run paid for is not paid again


async def test_the_trl_export_loads_with_datasets(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    with FakeProviderServer(scripted) as server:
        _, sink = await prefer(server, PROMPTS, MemoryCache())
    rows = [pair.to_json() for pair in sorted(sink.kept, key=lambda p: p.index)]
    trl = export_preferences(rows, "trl-dpo", tmp_path / "dpo.jsonl")
    again = export_preferences(rows, "trl-dpo", tmp_path / "again.jsonl")
    openai = export_preferences(rows, "openai-preference", tmp_path / "openai.jsonl")

    assert (trl.written, trl.skipped, openai.written) == (6, 0, 6)
    assert trl.path.read_bytes() == again.path.read_bytes()
    loaded = datasets.load_dataset("json", data_files=str(trl.path), split="train")
    assert loaded.column_names == ["chosen", "prompt", "rejected"]
    assert loaded.num_rows == 6
    assert loaded[0]["prompt"] == [{"role": "user", "content": "How do I reset router number 1?"}]
    assert loaded[0]["chosen"] == [
        {"role": "assistant", "content": "Teacher answer: How do I reset router number 1?"}
    ]
    line = json.loads(openai.path.read_text().splitlines()[0])
    assert sorted(line) == ["input", "non_preferred_output", "preferred_output"]
    assert line["non_preferred_output"][0]["content"].startswith("Student answer")


def test_an_unkept_row_is_skipped_by_the_export_with_its_reason(tmp_path: Path) -> None:
    rows = [{"prompt": [{"role": "user", "content": "Hi"}], "metadata": {}}]

    result = export_preferences(rows, "trl-dpo", tmp_path / "dpo.jsonl")

    assert (result.written, result.skipped) == (0, 1)
    assert "'chosen' must be a list of one assistant message" in result.warnings[0]
    with pytest.raises(ValueError, match="unknown preference format 'dpo'"):
        export_preferences(rows, "dpo", tmp_path / "x.jsonl")


def test_verdicts_are_read_leniently_and_an_unreadable_one_rejects_the_pair() -> None:
    parsed, error = parse_verdict('```json\n{"winner": "b.", "score_a": 3, "score_b": 8, "reason": "B"}\n```')
    assert error is None
    assert parsed is not None
    assert parsed.winner == "B"
    assert parse_verdict('{"winner": "C", "score_a": 3, "score_b": 8, "reason": ""}')[0] is None
    first = Verdict.read("teacher-first", '{"winner": "A", "score_a": 9, "score_b": 2, "reason": "x"}', JUDGE)
    broken = Verdict.read("student-first", "no verdict here", JUDGE)

    decision = decide_pair(first, broken, 2)

    assert not decision.kept
    assert decision.reason.startswith("judge output unparsable")


async def test_the_teachers_answers_of_a_relabel_run_on_the_same_cache_are_reused() -> None:
    cache = MemoryCache()
    with FakeProviderServer(scripted) as server:
        engine = build_engine(
            relabel_config(TEACHER, count=len(PROMPTS), judge_sample_rate=0),
            cache=cache,
            credentials={"openai": {"api_key": "sk-test", "base_url": server.openai_base_url}},
        )
        try:
            relabeled = await Relabeler(engine, MemoryRelabelSink()).run(PROMPTS)
        finally:
            await close_engine(engine)
        report, _ = await prefer(server, PROMPTS, cache)

    assert relabeled.requests == 10
    assert (report.cached_answers, report.requests) == (10, 30)  # the student's answers and the verdicts
    assert (report.kept, report.rejected) == (6, 4)
