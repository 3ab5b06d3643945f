"""Helpers: a fake provider that answers every request kind of the pipeline with varied, valid content."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from distillation.pipeline import Engine, GenerationConfig, ResponseCache, build_engine
from distillation.providers import RetryPolicy
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

WORDS = (
    "invoice refund parcel courier warranty router firmware password subscription upgrade billing "
    "address delivery tracking replacement charger battery screen login account statement transfer "
    "deposit balance contract renewal discount voucher shipment customs insurance claim appointment "
    "prescription dosage allergy symptom schedule meeting agenda budget forecast revenue margin audit "
    "compliance policy license patent lease tenant mortgage tutor lesson exam syllabus workshop essay"
).split()

TEACHER, STUDENT = "openai:gpt-4o", "openai:gpt-4o-mini"
Scores = dict[str, Any]
GOOD_SCORES: Scores = {
    "content_quality": 9,
    "instruction_alignment": 9,
    "factual_correctness": 9,
    "formatting": 9,
    "training_utility": 9,
    "feedback": [],
}


def schema_name(request: RecordedRequest) -> str | None:
    fmt = request.body.get("response_format") or {}
    return (fmt.get("json_schema") or {}).get("name")


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def varied_answer(
    request: RecordedRequest, judge: Callable[[RecordedRequest], Scores] = lambda _: GOOD_SCORES
) -> Behavior:
    """A distinct QA record per distinct request; judge scores for judge requests."""
    name = schema_name(request)
    rng = random.Random(request.key)
    if name == "judge_scores":
        return ok(text=json.dumps(judge(request)), usage=(300, 60))
    if name == "example":
        record = {
            "question": sentence(rng, 14).capitalize() + "?",
            "answer": sentence(rng, 30).capitalize() + ".",
        }
        return ok(text=json.dumps(record), usage=(400, 80))
    return ok(usage=(500, 120))  # the task policy: the server's schema-valid default


def make_engine(
    server: FakeProviderServer, cache: ResponseCache, *, timeout: float = 10.0, **config: Any
) -> Engine:
    values: dict[str, Any] = {
        "data_type": "qa",
        "count": 10,
        "teacher": TEACHER,
        "student": STUDENT,
        "concurrency": 4,
        "seed": 7,
        "domains": ("Customer Support",),
    }
    values.update(config)
    return build_engine(
        GenerationConfig(**values),
        cache=cache,
        credentials={"openai": {"api_key": "sk-test", "base_url": server.openai_base_url}},
        retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
        timeout=timeout,
    )


def answered_keys(server: FakeProviderServer) -> set[str]:
    """Bodies the server answered with a 200: requests that were paid for."""
    return {r.key for r in server.requests if r.status == 200}
