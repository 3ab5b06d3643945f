"""Request fingerprints: stable across processes and releases, sensitive to everything that matters."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from distillation.providers import ChatRequest, Message, fingerprint

MODEL = "openai:gpt-4o-mini"


def request(**changes: Any) -> ChatRequest:
    base: dict[str, Any] = {
        "messages": (
            Message(role="system", content="You label reviews."),
            Message(role="user", content="Classify: great product"),
        ),
        "temperature": 0.0,
        "max_tokens": 32,
        "response_schema": {"type": "object", "properties": {"label": {"type": "string"}}},
        "template_hash": "t-1",
    }
    base.update(changes)
    return ChatRequest(**base)


# Pinned: a change here silently invalidates every cache and resume key in existing deployments.
GOLDEN = "b6fd035ce75ce2bf8564efbac655cab669cd6bb372b16c031bf7bf43043c4817"


def test_fingerprint_is_pinned() -> None:
    assert fingerprint(request(), MODEL) == GOLDEN


def test_fingerprint_is_the_same_in_another_process() -> None:
    code = (
        "from distillation.providers import ChatRequest, fingerprint;"
        "r = ChatRequest.from_prompt('Classify: great product', system='You label reviews.',"
        " temperature=0.0, max_tokens=32, template_hash='t-1',"
        " response_schema={'properties': {'label': {'type': 'string'}}, 'type': 'object'});"
        f"print(fingerprint(r, {MODEL!r}))"
    )
    env = {"PYTHONHASHSEED": "12345"}  # a different str-hash seed must not matter
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == GOLDEN


@pytest.mark.parametrize(
    "changed",
    [
        {"temperature": 0.7},
        {"max_tokens": 33},
        {"seed": 1},
        {"stop": ("\n",)},
        {"template_hash": "t-2"},
        {"messages": (Message(role="user", content="Classify: great product"),)},
        {"response_schema": {"type": "object", "properties": {"label": {"type": "integer"}}}},
        {"schema_name": "label"},
        {"provider_options": {"reasoning_effort": "low"}},
    ],
)
def test_every_part_changes_the_fingerprint(changed: dict[str, Any]) -> None:
    assert fingerprint(request(**changed), MODEL) != GOLDEN


def test_model_changes_the_fingerprint() -> None:
    assert fingerprint(request(), "openai:gpt-4o") != GOLDEN


def test_key_order_and_unset_settings_do_not_matter() -> None:
    reordered = request(response_schema={"properties": {"label": {"type": "string"}}, "type": "object"})
    assert fingerprint(reordered, MODEL) == GOLDEN
    assert fingerprint(request(top_p=None, seed=None), MODEL) == GOLDEN
    a = request(provider_options={"x": 1, "y": 2})
    b = request(provider_options={"y": 2, "x": 1})
    assert fingerprint(a, MODEL) == fingerprint(b, MODEL)
