"""The relabel loop on the engine: judge policy, rejections with reasons, the ledger hook, the cache."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from distillation.pipeline import MemoryCache, build_engine, close_engine
from distillation.pipeline.cache import ResponseCache
from distillation.pipeline.calls import AttemptHook
from distillation.promptsets import PromptRecord, fingerprint
from distillation.providers import Attempt, RetryPolicy
from distillation.quality import QualityThresholds
from distillation.relabel import MemoryRelabelSink, Relabeler, prompt_keys, relabel_config
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

TEACHER = "openai:gpt-4o"
SCORES = ("content_quality", "instruction_alignment", "factual_correctness", "formatting", "training_utility")


def prompt(text: str, line: int, **extra: Any) -> PromptRecord:
    messages = [{"role": "user", "content": text}]
    return PromptRecord(messages=messages, line=line, fingerprint=fingerprint(messages), **extra)


def judged(request: RecordedRequest) -> Behavior:
    """Score 2 for answers to prompts about 'spam', 9 otherwise; answers quote the prompt."""
    fmt = request.body.get("response_format") or {}
    if (fmt.get("json_schema") or {}).get("name") == "judge_scores":
        score = 2 if "spam" in request.text else 9
        return ok(text=json.dumps({**dict.fromkeys(SCORES, score), "feedback": []}), usage=(50, 10))
    return ok(text=f"Sure: {request.body['messages'][-1]['content']}", usage=(30, 20))


async def relabel(
    server: FakeProviderServer,
    prompts: list[PromptRecord],
    cache: ResponseCache,
    on_attempt: AttemptHook | None = None,
    **config: Any,
) -> tuple[Any, MemoryRelabelSink]:
    engine = build_engine(
        relabel_config(TEACHER, count=len(prompts), concurrency=3, **config),
        cache=cache,
        credentials={"openai": {"api_key": "sk-test", "base_url": server.openai_base_url}},
        retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
        on_attempt=on_attempt,
    )
    sink = MemoryRelabelSink()
    try:
        report = await Relabeler(engine, sink).run(prompts)
    finally:
        await close_engine(engine)
    return report, sink


async def test_low_scores_are_removed_and_unusable_tool_prompts_rejected_with_reasons() -> None:
    tools = [{"type": "function", "function": {"parameters": {"type": "object"}}}]  # no name
    prompts = [prompt("Help with billing", 1), prompt("Write spam", 2), prompt("Call f", 3, tools=tools)]
    ledger: list[tuple[str, str, Decimal | None]] = []

    async def book(stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        ledger.append((stage, key, cost))

    with FakeProviderServer(judged) as server:
        report, sink = await relabel(server, prompts, MemoryCache(), book)

    assert report.status == "incomplete"
    assert (report.answered, report.rejected, report.judged) == (1, 2, 2)
    (row,) = sink.rows
    assert row.messages[-1] == {"role": "assistant", "content": "Sure: Help with billing"}
    assert row.prompt.line == 1
    reasons = {r.key: r.reason for r in sink.rejections}
    keys = prompt_keys(prompts)
    assert reasons[keys[1]] == "score 2.00 < remove_below 4.0"
    assert reasons[keys[2]] == "unusable prompt: tool 1 has no function name"
    # Every paid attempt reached the owner's ledger hook with its stage, item key and cost.
    assert sorted(stage for stage, _, _ in ledger) == ["judge", "judge", "relabel", "relabel"]
    assert sum(cost or 0 for _, _, cost in ledger) == report.cost_usd > 0


async def test_a_second_run_on_the_same_cache_sends_nothing() -> None:
    prompts = [prompt(f"Question {n}", n) for n in range(1, 6)]
    cache = MemoryCache()
    with FakeProviderServer(judged) as server:
        first, _ = await relabel(server, prompts, cache)
        sent = len(server.requests)
        second, sink = await relabel(server, prompts, cache)

        assert len(server.requests) == sent == 10
    assert (first.requests, second.requests, second.cached_answers) == (10, 0, 10)
    assert second.cost_usd == 0
    assert sorted(row.prompt.line for row in sink.rows) == [1, 2, 3, 4, 5]


async def test_without_auto_remove_low_scorers_are_kept_with_their_score() -> None:
    limits = QualityThresholds(auto_remove=False)
    with FakeProviderServer(judged) as server:
        report, sink = await relabel(server, [prompt("Write spam", 1)], MemoryCache(), thresholds=limits)

    assert report.status == "completed"
    assert sink.rows[0].score == 2.0
    assert sink.rows[0].provenance.decision == "keep"


def test_a_kept_repeated_prompt_gets_its_own_key_so_its_own_request() -> None:
    same = [prompt("Hi", 1), prompt("Hi", 2), prompt("Bye", 3)]

    keys = prompt_keys(same)

    assert keys[1] == f"{keys[0]}-1"
    assert len(set(keys)) == 3
    assert prompt_keys(same[2:]) == keys[2:]  # a key does not depend on the prompt's position


async def test_an_answer_outside_the_judged_sample_is_kept_and_says_so() -> None:
    with FakeProviderServer(judged) as server:
        report, sink = await relabel(server, [prompt("Write spam", 1)], MemoryCache(), judge_sample_rate=0)

        assert len(server.requests) == 1
    assert report.judged == 0
    assert sink.rows[0].score is None
    assert sink.rows[0].provenance.decision_reason == "not in the judged sample"


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def tool_calls(request: RecordedRequest) -> Behavior:
    """Judge scores 9; the teacher calls the offered tool (with broken arguments when asked to)."""
    fmt = request.body.get("response_format") or {}
    if (fmt.get("json_schema") or {}).get("name") == "judge_scores":
        return ok(text=json.dumps({**dict.fromkeys(SCORES, 9), "feedback": []}), usage=(50, 10))
    return ok(tool_call="invalid_arguments" if "broken" in request.text else "auto", usage=(30, 20))


async def test_tool_calls_are_answered_checked_judged_and_cached() -> None:
    call = {
        "id": "call_7",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": "rain", "tool_call_id": "call_7"},
        {"role": "assistant", "content": "It rains in Oslo."},
        {"role": "user", "content": "And in Rome?"},
    ]
    prompts = [
        PromptRecord(messages=history, tools=[WEATHER], line=1, fingerprint=fingerprint(history, [WEATHER])),
        prompt("A broken call please", 2, tools=[WEATHER]),
    ]
    cache = MemoryCache()
    with FakeProviderServer(tool_calls) as server:
        report, sink = await relabel(server, prompts, cache)
        answers = [
            r for r in server.requests if "judge_scores" not in json.dumps(r.body.get("response_format"))
        ]
        judged_text = next(r.text for r in server.requests if r not in answers)
        again, second = await relabel(server, prompts[:1], cache)

    assert (report.answered, report.rejected, report.judged) == (1, 1, 1)
    (row,) = sink.rows
    reply = row.messages[-1]
    assert row.messages[:-1] == history
    assert reply["content"] is None
    assert [c["function"]["name"] for c in reply["tool_calls"]] == ["get_weather"]
    assert json.loads(reply["tool_calls"][0]["function"]["arguments"]) == {"city": "city text"}
    assert row.to_json()["tools"] == [WEATHER]
    # The teacher got the tools and the earlier tool turns; the judge saw the call and the tools.
    rome = next(r for r in answers if "Rome" in r.text)
    assert rome.body["tools"] == [WEATHER]
    assert rome.body["messages"][1]["tool_calls"] == [call]
    assert "[calls get_weather with" in judged_text
    assert "Tools offered" in judged_text
    (rejection,) = sink.rejections
    assert "tool 'get_weather' has invalid arguments" in rejection.reason
    assert len([r for r in answers if "broken" in r.text]) == 3  # the answer and two re-asks
    # A rerun reads the tool calls back from the cache and pays nothing.
    assert (again.requests, again.cached_answers) == (0, 2)
    assert second.rows[0].messages == row.messages
