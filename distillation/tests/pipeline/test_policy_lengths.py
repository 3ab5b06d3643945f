"""The task policy's length ranges are checked against the seed rows the teacher wrote."""

from __future__ import annotations

import re

from pipeline_fakes import make_engine

from distillation.datatypes import LengthRange, TaskPolicy
from distillation.pipeline import LOCAL_MODEL, MemoryCache, MemorySink, Provenance, Row, Runner, close_engine
from distillation.pipeline.policy import fit_lengths, measured_lengths
from distillation.testing import FakeProviderServer
from distillation.testing.answers import schema_name, varied_answer


def row(question_words: int, answer_words: int) -> Row:
    messages = [
        {"role": "user", "content": " ".join(["ask"] * question_words)},
        {"role": "assistant", "content": " ".join(["tell"] * answer_words)},
    ]
    provenance = Provenance(stage="seed", model="openai:gpt-4o", template_hash="0" * 64, scenario={})
    return Row(key="seed", index=0, stage="seed", record={}, messages=messages, provenance=provenance)


def policy(inputs: tuple[int, int], outputs: tuple[int, int]) -> TaskPolicy:
    return TaskPolicy(
        task="Answer support questions.",
        input_format="a question",
        output_format="an answer",
        reasoning_style="direct",
        constraints=[],
        input_length=LengthRange(min_words=inputs[0], max_words=inputs[1]),
        output_length=LengthRange(min_words=outputs[0], max_words=outputs[1]),
    )


def ranges(value: TaskPolicy) -> tuple[tuple[int, int], tuple[int, int]]:
    return (
        (value.input_length.min_words, value.input_length.max_words),
        (value.output_length.min_words, value.output_length.max_words),
    )


def test_ranges_the_seeds_contradict_are_replaced_and_plausible_ones_kept() -> None:
    seeds = [row(12, 40), row(20, 65), row(15, 52)]
    assert [(r.min_words, r.max_words) for r in measured_lengths(seeds)] == [(12, 20), (40, 65)]

    # A small teacher's "3-3 words" for 12-20 word questions; a plausible answer range is kept.
    assert ranges(fit_lengths(policy((3, 3), (30, 80)), seeds)) == ((12, 20), (30, 80))
    assert ranges(fit_lengths(policy((10, 25), (90, 120)), seeds)) == ((10, 25), (40, 65))
    assert ranges(fit_lengths(policy((25, 10), (50, 60)), seeds)) == ((12, 20), (50, 60))  # inverted
    assert ranges(fit_lengths(policy((3, 3), (1, 1)), [])) == ((3, 3), (1, 1))  # nothing to check


async def test_the_student_is_told_the_lengths_the_seeds_have() -> None:
    with FakeProviderServer(varied_answer) as server:  # the fake's policy says 0-0 words
        engine = make_engine(server, MemoryCache(), count=10, judge_sample_rate=0)
        sink = MemorySink()
        await Runner(engine, sink).run()
        await close_engine(engine)
    seeds = [r for r in sink.rows if r.stage == "seed"]
    (low, high), _ = ranges(fit_lengths(policy((0, 0), (0, 0)), seeds))
    bulk = [r.text for r in server.requests if schema_name(r) == "example" and "Policy" in r.text]
    assert bulk
    for text in bulk:
        assert re.search(rf"Input length: {low}-{high} words", text), text


async def test_a_policy_from_the_seeds_sends_no_request_and_is_the_default_for_local_teachers() -> None:
    with FakeProviderServer(varied_answer) as server:
        engine = make_engine(server, MemoryCache(), count=10, judge_sample_rate=0, policy_source="seeds")
        sink = MemorySink()
        report = await Runner(engine, sink).run()
        await close_engine(engine)
        local = make_engine(server, MemoryCache(), teacher=LOCAL_MODEL)
        remote = make_engine(server, MemoryCache())
    assert report.status == "completed"
    assert len(sink.rows) == 10
    assert not [r for r in server.requests if schema_name(r) == "task_policy"]
    assert report.stages["policy"].input_tokens == 0
    assert local.policy_from_seeds
    assert not remote.policy_from_seeds
