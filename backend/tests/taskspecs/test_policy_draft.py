"""The teacher drafts a spec's policy: what it reads, the draft returned, the call booked in the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.models import CallStatus, GlobalBudget, LlmCall
from distillation.cost import PriceTable, TokenUsage
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok
from tests.conftest import api_client, login, migrate

API = "/api/v1/task-specs"
TEACHER = "openai:gpt-4o-mini"
DRAFT = "- Answer in one sentence.\n- Name the product exactly as the user wrote it."
SPEC: dict[str, Any] = {
    "name": "support",
    "instruction": "Answer the customer's support question.",
    "output_schema": {
        "type": "object",
        "required": ["answer", "category"],
        "properties": {"answer": {"type": "string"}, "category": {"enum": ["billing", "shipping"]}},
    },
    "rubric": [{"name": "grounded", "description": "Only facts from the question."}],
    "policy": "Be polite.",
}


def drafts(request: RecordedRequest) -> Behavior:
    return ok(text=f"```\n{DRAFT}\n```", usage=(400, 60))


@pytest.fixture
async def fake() -> AsyncIterator[FakeProviderServer]:
    with FakeProviderServer(drafts) as server:
        yield server


@pytest.fixture
async def settings(sqlite_settings: Settings, fake: FakeProviderServer) -> Settings:
    values = {"openai_api_key": SecretStr("sk-test-draft"), "openai_base_url": fake.openai_base_url}
    configured = sqlite_settings.model_copy(update=values)
    await migrate(configured)
    return configured


async def policy_calls(settings: Settings) -> tuple[list[LlmCall], GlobalBudget | None]:
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        calls = list((await session.scalars(select(LlmCall).where(LlmCall.stage == "policy"))).all())
        budget = await session.get(GlobalBudget, "global")
    await engine.dispose()
    return calls, budget


async def test_the_teacher_drafts_the_policy_from_the_spec_and_examples_and_the_cost_is_booked(
    settings: Settings, fake: FakeProviderServer
) -> None:
    examples = ["Where is my parcel 1234?", "I was charged twice for order 77."]
    async with api_client(settings) as client:
        await login(client)
        drafted = await client.post(
            f"{API}/draft-policy", json={"spec": SPEC, "model": TEACHER, "examples": examples}
        )
        saved = await client.post(API, json={"spec": {**SPEC, "policy": drafted.json()["policy"]}})

    assert drafted.status_code == 200, drafted.text
    body = drafted.json()
    cost = PriceTable.load(None).cost_of(TEACHER, TokenUsage(400, 60))
    assert body["policy"] == DRAFT
    assert (body["model"], body["examples"], body["input_tokens"], body["output_tokens"]) == (
        TEACHER,
        2,
        400,
        60,
    )
    assert Decimal(body["cost_usd"]) == cost
    [request] = fake.requests
    for shown in (
        SPEC["instruction"],
        '"billing"',
        "grounded: Only facts from the question.",
        "Be polite.",
        *examples,
    ):
        assert shown in request.text
    calls, budget = await policy_calls(settings)
    [call] = calls
    assert (call.status, call.cost_usd, call.job_id, call.input_tokens) == (
        CallStatus.settled,
        cost,
        None,
        400,
    )
    if budget is not None:
        assert budget.spent_usd == cost
        assert budget.reserved_usd == 0
    assert saved.status_code == 201, saved.text
    assert saved.json()["spec"]["policy"] == DRAFT


async def test_the_draft_reads_a_prompt_sets_first_prompts(
    settings: Settings, fake: FakeProviderServer
) -> None:
    async with api_client(settings) as client:
        await login(client)
        stored = await client.post(
            "/api/v1/prompt-sets",
            files={"file": ("p.csv", b"prompt\nRefund for order 55?\nTrack parcel 99?\n")},
            data={"name": "logs"},
        )
        prompt_set_id = stored.json()["prompt_set"]["id"]
        drafted = await client.post(
            f"{API}/draft-policy", json={"spec": SPEC, "model": TEACHER, "prompt_set_id": prompt_set_id}
        )
    assert drafted.status_code == 200, drafted.text
    assert drafted.json()["examples"] == 2
    assert "Refund for order 55?" in fake.requests[0].text
    assert "Track parcel 99?" in fake.requests[0].text


async def test_a_draft_over_the_budget_or_of_a_bad_spec_sends_nothing(
    settings: Settings, fake: FakeProviderServer
) -> None:
    async with api_client(settings) as client:
        await login(client)
        bad = await client.post(f"{API}/draft-policy", json={"spec": {"name": "Bad Name"}, "model": TEACHER})
        unknown = await client.post(f"{API}/draft-policy", json={"spec": SPEC, "model": "nosuch:model"})
        limited = await client.put("/api/v1/budget", json={"limit_usd": "0.000001"})
        assert limited.status_code == 200, limited.text
        over = await client.post(f"{API}/draft-policy", json={"spec": SPEC, "model": TEACHER})
    assert bad.status_code == 400, bad.text
    assert unknown.status_code == 400, unknown.text
    assert over.status_code == 402, over.text
    assert "global budget" in over.text
    assert fake.requests == []
    assert (await policy_calls(settings))[0] == []
