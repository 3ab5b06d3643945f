"""Helpers: a fake provider that answers every request kind of the pipeline with varied, valid content."""

from __future__ import annotations

from typing import Any

from distillation.pipeline import Engine, GenerationConfig, JudgePolicy, ResponseCache, build_engine
from distillation.providers import RetryPolicy
from distillation.testing import FakeProviderServer

TEACHER, STUDENT = "openai:gpt-4o", "openai:gpt-4o-mini"
# The teacher judges every row (the judge policy before cheap judging): for tests of per-row judging.
TEACHER_JUDGES_ALL = JudgePolicy(cheap_judge=TEACHER, share=1.0)


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
