"""Small students see exemplars by their shape only: they copy a record they can read."""

from __future__ import annotations

import json

from pipeline_fakes import make_engine

from distillation.pipeline import LOCAL_MODEL, MemoryCache, MemorySink, Runner, close_engine
from distillation.testing import FakeProviderServer
from distillation.testing.answers import schema_name, varied_answer


async def bulk_prompts(style: str) -> tuple[list[str], list[str]]:
    """The seed rows' texts and the bulk prompts the student got, in a run with ``style``."""
    with FakeProviderServer(varied_answer) as server:
        engine = make_engine(server, MemoryCache(), count=10, exemplar_style=style, judge_sample_rate=0)
        sink = MemorySink()
        await Runner(engine, sink).run()
        await close_engine(engine)
    seeds = [row.record["question"] for row in sink.rows if row.stage == "seed"]
    prompts = [
        r.text for r in server.requests if schema_name(r) == "example" and r.model.endswith("gpt-4o-mini")
    ]
    assert len(sink.rows) == 10
    return seeds, prompts


async def test_outlined_exemplars_show_each_field_length_and_none_of_the_text() -> None:
    seeds, prompts = await bulk_prompts("outline")
    assert prompts
    for prompt in prompts:
        assert not any(seed in prompt for seed in seeds)
        assert "- Example 1: question: " in prompt
        assert " words; answer: " in prompt


async def test_records_show_the_exemplars_text() -> None:
    seeds, prompts = await bulk_prompts("records")
    assert all(any(json.dumps(seed)[1:-1] in prompt for seed in seeds) for prompt in prompts)


def test_auto_outlines_for_in_process_students_only() -> None:
    with FakeProviderServer(varied_answer) as server:
        local = make_engine(server, MemoryCache(), student=LOCAL_MODEL)
        remote = make_engine(server, MemoryCache())
    assert local.outline_exemplars
    assert not remote.outline_exemplars
    assert make_engine(server, MemoryCache(), exemplar_style="outline").outline_exemplars
