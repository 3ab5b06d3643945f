"""The teacher's answers and the judge's win rate, through the real SDKs against the fake provider server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from distillation.cost import PriceTable
from distillation.datatypes import get_datatype
from distillation.evaluate import (
    EvaluationConfig,
    judge_answers,
    provider_answers,
    read_answer,
    score_model,
    win_rate,
)
from distillation.finetune import TrainingRow
from distillation.providers import Credentials, RateLimit
from distillation.testing import FakeProviderServer, ok, when

TEACHER = "openai:gpt-4o-mini"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as fake:
        yield fake


def _rows() -> list[TrainingRow]:
    pairs = [("What is 2+2?", "4"), ("What is 3+3?", "6")]
    return [
        TrainingRow(
            f"r{i}",
            0,
            [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
            {"question": q, "answer": a},
        )
        for i, (q, a) in enumerate(pairs)
    ]


def _credentials(server: FakeProviderServer) -> dict[str, Credentials]:
    return {"openai": Credentials(api_key="test-key", base_url=server.openai_base_url)}


def test_teacher_answers_are_scored_and_priced_per_1000(server: FakeProviderServer) -> None:
    server.reset(
        when(lambda r: "2+2" in r.text, ok(text="4", usage=(20, 3))), default=ok(text="7", usage=(20, 3))
    )
    rows = _rows()
    prompts = [[m for m in row.messages if m["role"] == "user"] for row in rows]
    answers = provider_answers(TEACHER, prompts, credentials=_credentials(server), max_tokens=32)

    entry, read = score_model(
        "teacher", TEACHER, get_datatype("qa"), rows, answers, price_id=TEACHER, prices=PriceTable.load(None)
    )
    assert [a.text for a in answers] == ["4", "7"]
    assert entry.exact_match == 0.5
    assert entry.format_validity == 1.0
    # gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    assert entry.cost_per_1000 == Decimal("0.0048")
    assert all(item is not None and item.valid for item in read)


def test_the_judge_scores_valid_answers_and_invalid_ones_lose(server: FakeProviderServer) -> None:
    criteria = ("content_quality", "instruction_alignment", "factual_correctness", "formatting")
    high = json.dumps({**dict.fromkeys(criteria, 8), "training_utility": 8, "feedback": []})
    low = json.dumps({**dict.fromkeys(criteria, 2), "training_utility": 2, "feedback": ["wrong"]})
    server.reset(when(lambda r: "2+2" in r.text, ok(text=high)), default=ok(text=low))
    datatype = get_datatype("qa")
    tuned = [read_answer(datatype, row.record or {}, "4") for row in _rows()]
    base = [None, read_answer(datatype, {"question": "What is 2+2?", "answer": "4"}, " ")]

    tuned_scores = judge_answers(TEACHER, datatype, tuned, credentials=_credentials(server))
    base_scores = judge_answers(TEACHER, datatype, base, credentials=_credentials(server))

    assert tuned_scores == [8.0, 2.0]
    assert base_scores == [0.0, 0.0]  # no valid record: scored 0 without asking the judge
    assert len(server.requests) == 2
    assert win_rate(tuned_scores, base_scores) == 1.0


def test_the_teachers_requests_keep_to_its_rate_limit(server: FakeProviderServer) -> None:
    server.reset(default=ok(text="4"))
    prompts = [[{"role": "user", "content": f"What is {i}+{i}?"}] for i in range(4)]
    limit = RateLimit(requests_per_minute=2, period_s=2.0)  # long enough that a late arrival cannot blur it
    answers = provider_answers(
        TEACHER, prompts, credentials=_credentials(server), max_tokens=8, concurrency=4, rate_limit=limit
    )
    assert [a.error for a in answers] == [None] * 4
    arrivals = sorted(r.received_at for r in server.requests)
    assert arrivals[2] - arrivals[0] >= 1.6  # two per window: the third waits for the first to leave it
    assert arrivals[3] - arrivals[1] >= 1.6


def test_evaluation_limits_come_from_its_config() -> None:
    limit = EvaluationConfig(rpm=100, tpm=5000, concurrency=3).rate_limit()
    assert (limit.requests_per_minute, limit.tokens_per_minute, limit.max_concurrency) == (100, 5000, 3)
    assert EvaluationConfig().rate_limit().requests_per_minute is None  # learned from the headers
