"""The playground's endpoint against the fake provider: several models on one SSE stream, each call
booked in the ledger as playground spend, errors kept to their column, bad models refused up front."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.finetune.runner import run_folder
from app.models import CallStatus, FinetuneRun, GlobalBudget, LlmCall, Role, RunStatus
from app.playground import service
from app.playground.schemas import PlaygroundChat
from distillation.cost import PriceTable, TokenUsage
from distillation.finetune import FinetuneConfig, finetune
from distillation.testing import FakeProviderServer, RecordedRequest, chain, ok, rate_limited, when
from distillation.testing.tiny_models import chat_rows, save_tiny
from tests.clients import bearer_client, token_of
from tests.conftest import api_client, login, migrate
from tests.datasets.factories import seed_dataset

CHEAP, BUSY, SLOW = "openai:gpt-4o-mini", "openai:gpt-4o", "openai:gpt-4.1-mini"
ANSWER = "Bees make honey from nectar."
# One SSE event: its name, its JSON data, a blank line.
EVENT = re.compile(r"event: (\w+)\ndata: (.*)\n\n")


def _script(request: RecordedRequest) -> Any:
    return chain(
        when(lambda r: r.model == "gpt-4o", rate_limited(retry_after=30)),
        when(lambda r: r.model == "gpt-4.1-mini", ok(latency=30)),
        lambda r: ok(text=ANSWER, usage=(12, 5), latency=0.05),
    )(request)


@pytest.fixture
async def fake() -> AsyncIterator[FakeProviderServer]:
    with FakeProviderServer(_script) as server:
        yield server


@pytest.fixture
async def settings(sqlite_settings: Settings, fake: FakeProviderServer) -> Settings:
    values = {"openai_api_key": SecretStr("sk-test-playground"), "openai_base_url": fake.openai_base_url}
    configured = sqlite_settings.model_copy(update=values)
    await migrate(configured)
    return configured


def _events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The stream's events; fails unless the whole body is well-framed events."""
    found = [(m.group(1), json.loads(m.group(2))) for m in EVENT.finditer(text)]
    assert "".join(m.group(0) for m in EVENT.finditer(text)) == text, text
    return found


def _body(*models: str, **options: Any) -> dict[str, Any]:
    turns = [{"role": "user", "content": "What do bees make?"}]
    return {
        "system": "Answer in one sentence.",
        "columns": [{"model": m, "messages": turns} for m in models],
        "options": {"max_tokens": 64, **options},
    }


async def _playground_calls(settings: Settings) -> list[LlmCall]:
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        calls = list((await session.scalars(select(LlmCall).where(LlmCall.stage == "playground"))).all())
        budget = await session.get(GlobalBudget, "global")
    await engine.dispose()
    spent = sum((c.cost_usd or Decimal(0) for c in calls), Decimal(0))
    if budget is not None:
        assert budget.spent_usd == spent
        assert budget.reserved_usd == 0
    return calls


async def test_models_stream_side_by_side_each_error_in_its_column_and_the_cost_booked(
    settings: Settings, fake: FakeProviderServer
) -> None:
    async with api_client(settings) as client:
        await login(client)
        body = _body(CHEAP, BUSY, "anthropic:claude-sonnet-4-5")
        response = await client.post("/api/v1/playground/chat", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    assert events[-1] == ("end", {})
    by_column: dict[int, list[tuple[str, dict[str, Any]]]] = {0: [], 1: [], 2: []}
    for name, data in events[:-1]:
        by_column[data["column"]].append((name, data))

    names = [name for name, _ in by_column[0]]
    assert names[0] == "start"
    assert names[-1] == "done"
    assert "delta" in names
    done = by_column[0][-1][1]
    assert "".join(d["text"] for n, d in by_column[0] if n == "delta") == done["text"] == ANSWER
    expected = PriceTable.load(None).cost_of(CHEAP, TokenUsage(12, 5))
    assert expected is not None
    assert Decimal(done["cost_usd"]) == expected
    assert (done["input_tokens"], done["output_tokens"]) == (12, 5)
    assert 0 < done["ttft_ms"] <= done["total_ms"]

    assert [n for n, _ in by_column[1]] == ["start", "error"]
    assert by_column[1][1][1]["status"] == 429  # one attempt: shown, not retried behind the answer
    assert [n for n, _ in by_column[2]] == ["start", "error"]
    assert "no API key for anthropic" in by_column[2][1][1]["message"]
    assert sorted(r.model for r in fake.requests) == ["gpt-4o", "gpt-4o-mini"]

    calls = {f"{c.provider}:{c.model}": c for c in await _playground_calls(settings)}
    assert set(calls) == {CHEAP, BUSY}
    assert calls[CHEAP].job_id is None
    assert calls[CHEAP].cost_usd == expected
    assert (calls[CHEAP].input_tokens, calls[CHEAP].output_tokens) == (12, 5)
    assert calls[BUSY].outcome == "rate_limited"
    assert not calls[BUSY].cost_usd


async def test_a_second_turn_sends_the_columns_conversation_and_the_decoding_options(
    settings: Settings, fake: FakeProviderServer
) -> None:
    turns = [
        {"role": "user", "content": "What do bees make?"},
        {"role": "assistant", "content": ANSWER},
        {"role": "user", "content": "And wasps?"},
    ]
    body = {
        "system": "Be brief.",
        "columns": [{"model": CHEAP, "messages": turns}],
        "options": {"temperature": 0.7, "top_p": 0.9, "top_k": 40, "max_tokens": 32, "seed": 7},
    }
    async with api_client(settings) as client:
        await login(client)
        response = await client.post("/api/v1/playground/chat", json=body)
        greedy = await client.post("/api/v1/playground/chat", json=_body(CHEAP, greedy=True, temperature=1.5))
    events = _events(response.text)
    assert events[0][1]["notes"] == ["top-k is not sent: this model's API takes none here"]
    sent = fake.requests[0].body
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "user"]
    assert sent["messages"][2]["content"] == ANSWER
    decoding = (sent["temperature"], sent["top_p"], sent["seed"], sent["max_completion_tokens"])
    assert decoding == (0.7, 0.9, 7, 32)
    assert "top_k" not in sent
    assert greedy.status_code == 200
    assert fake.requests[1].body["temperature"] == 0
    assert len(await _playground_calls(settings)) == 2


async def test_the_global_budget_holds_playground_calls(settings: Settings, fake: FakeProviderServer) -> None:
    async with api_client(settings) as client:
        await login(client)
        limited = await client.put("/api/v1/budget", json={"limit_usd": "0.000001"})
        assert limited.status_code == 200, limited.text
        response = await client.post("/api/v1/playground/chat", json=_body(CHEAP))
    error = dict(_events(response.text))["error"]
    assert error["status"] == 402
    assert "global budget" in error["message"]
    assert fake.requests == []
    assert await _playground_calls(settings) == []


@pytest.mark.parametrize(
    ("model", "status"),
    [
        ("gpt-4o-mini", 422),  # not provider:model
        ("nosuch:model", 400),
        ("local:not-bundled", 400),
        ("tuned:not-a-run-id", 400),
        ("tuned:0b5e1f2a-7c43-4d8e-9a61-3f2c8d7e4b90", 404),  # fixed: xdist workers must collect the same ids
    ],
)
async def test_a_bad_model_is_refused_before_anything_is_sent(
    settings: Settings, fake: FakeProviderServer, model: str, status: int
) -> None:
    async with api_client(settings) as client:
        await login(client)
        response = await client.post("/api/v1/playground/chat", json=_body(CHEAP, model))
    assert response.status_code == status, response.text
    assert fake.requests == []


async def test_only_signed_in_editors_may_spend(settings: Settings, fake: FakeProviderServer) -> None:
    async with api_client(settings) as anonymous:
        assert (await anonymous.post("/api/v1/playground/chat", json=_body(CHEAP))).status_code == 401
        assert (await anonymous.get("/api/v1/playground/models")).status_code == 401
    _, viewer = await token_of(settings, Role.viewer, scope="read")
    async with bearer_client(settings, viewer) as client:
        assert (await client.post("/api/v1/playground/chat", json=_body(CHEAP))).status_code == 403
        offered = (await client.get("/api/v1/playground/models")).json()
    assert offered[0] == {
        "id": "local:smollm2-135m", "group": "bundled", "label": "Bundled model",
        "input_per_mtok": None, "output_per_mtok": None,
    }  # fmt: skip
    assert any(m["id"] == CHEAP and m["input_per_mtok"] is not None for m in offered)
    _, editor = await token_of(settings, Role.editor, scope="write")
    async with bearer_client(settings, editor) as client:
        assert (await client.post("/api/v1/playground/chat", json=_body(CHEAP))).status_code == 200
    assert len(fake.requests) == 1


async def test_closing_the_stream_stops_the_calls_and_keeps_their_worst_case_counted(
    settings: Settings, fake: FakeProviderServer
) -> None:
    async with api_client(settings) as client:
        await login(client)
        assert (await client.put("/api/v1/budget", json={"limit_usd": "5"})).status_code == 200
    body = PlaygroundChat.model_validate(_body(SLOW))
    engine = create_engine(settings, pooled=False)
    maker = create_sessionmaker(engine)
    try:
        async with maker() as session:
            plans = await service.plan(session, settings, body)
        events = service.events(maker, PriceTable.load(None), plans)
        assert (await anext(events)).startswith("event: start")
        for _ in range(100):  # until the request is at the provider
            if fake.requests:
                break
            await asyncio.sleep(0.05)
        await events.aclose()  # what the server does when the browser stops reading
    finally:
        await engine.dispose()
    [call] = await _playground_calls(settings)
    assert call.status is CallStatus.unknown
    assert call.outcome == "cancelled"
    assert call.reserved_usd > 0
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        budget = await session.get(GlobalBudget, "global")
    await engine.dispose()
    assert budget is not None
    assert budget.reserved_usd == 0
    assert budget.unknown_usd == call.reserved_usd


@pytest.mark.slow
async def test_a_tuned_run_streams_its_answer_in_the_playground_at_no_cost(
    settings: Settings, tmp_path: Path
) -> None:
    dataset_id = await seed_dataset(settings)
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        run = FinetuneRun(
            dataset_id=dataset_id, dataset_version=1, name="done", status=RunStatus.completed, config={}
        )
        session.add(run)
        await session.commit()
    await engine.dispose()
    config = FinetuneConfig(
        base_model=str(save_tiny(tmp_path / "tiny-llama", "llama")), max_steps=2, batch_size=4,
        max_seq_length=64, heldout_fraction=0, learning_rate=1e-3, lora_r=4, lora_alpha=8, device="cpu",
    )  # fmt: skip
    assert finetune(chat_rows(), run_folder(settings, run.id) / "run", config).status == "completed"

    model = f"tuned:{run.id}"
    async with api_client(settings) as client:
        await login(client)
        offered = [m["id"] for m in (await client.get("/api/v1/playground/models")).json()]
        response = await client.post("/api/v1/playground/chat", json=_body(model, max_tokens=12))
    assert model in offered
    events = _events(response.text)
    deltas = [data["text"] for name, data in events if name == "delta"]
    done = next(data for name, data in events if name == "done")
    assert len(deltas) > 1  # token by token (random weights: the answer runs to max_tokens)
    assert "".join(deltas) == done["text"]
    assert done["output_tokens"] == 12
    assert Decimal(done["cost_usd"]) == 0
    [call] = await _playground_calls(settings)
    assert (call.provider, call.model, call.cost_usd) == ("tuned", str(run.id), Decimal(0))


@pytest.mark.parametrize("model", [CHEAP, "anthropic:claude-sonnet-4-5", "google:gemini-2.5-flash"])
async def test_a_provider_model_streams_its_answer_in_several_deltas_and_books_the_streamed_usage(
    settings: Settings, fake: FakeProviderServer, model: str
) -> None:
    settings = settings.model_copy(update={"allow_private_provider_urls": True})
    fake.reset(lambda r: ok(text=ANSWER, usage=(14, 6), chunk_delay=0.06))
    async with api_client(settings) as client:
        await login(client)
        name = model.split(":")[0]
        if name != "openai":  # the stored provider points the SDK at the fake server
            stored = {"api_key": "k-test-" + "x" * 32, "base_url": fake.url}
            assert (await client.put(f"/api/v1/providers/{name}", json=stored)).status_code == 200
        response = await client.post("/api/v1/playground/chat", json=_body(model))
    events = _events(response.text)
    names = [n for n, _ in events]
    assert names[0] == "start"
    assert names[-2:] == ["done", "end"], names
    deltas = [d["text"] for n, d in events if n == "delta"]
    done = events[-2][1]
    assert len(deltas) >= 4  # word by word, as the provider sent them, not one piece at the end
    assert "".join(deltas) == done["text"] == ANSWER
    assert (done["input_tokens"], done["output_tokens"]) == (14, 6)
    # The first token came while the rest was still being written (several 0.06 s gaps later).
    assert done["total_ms"] - done["ttft_ms"] >= 150
    expected = PriceTable.load(None).cost_of(model, TokenUsage(14, 6))
    assert expected is not None
    assert Decimal(done["cost_usd"]) == expected
    [sent] = fake.requests
    assert sent.body.get("stream") is True or sent.path.endswith(":streamGenerateContent")
    [call] = await _playground_calls(settings)
    assert call.status == CallStatus.settled
    assert (call.input_tokens, call.output_tokens, call.cost_usd) == (14, 6, expected)
    assert call.latency_ms is not None
    assert call.latency_ms >= done["total_ms"] - 50


async def test_a_stream_that_reports_no_usage_leaves_the_cost_unknown_not_free(
    settings: Settings, fake: FakeProviderServer
) -> None:
    fake.reset(lambda r: ok(text=ANSWER, usage=(0, 0)))  # a server that ignores include_usage
    async with api_client(settings) as client:
        await login(client)
        response = await client.post("/api/v1/playground/chat", json=_body(CHEAP))
    done = dict(_events(response.text))["done"]
    assert done["text"] == ANSWER
    assert done["cost_usd"] is None
    [call] = await _playground_calls(settings)
    assert call.status == CallStatus.unknown
    assert call.cost_usd is None
    assert call.reserved_usd > 0  # its worst case stays counted against the global budget
