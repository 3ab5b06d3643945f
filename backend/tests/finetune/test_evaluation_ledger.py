"""An evaluation's teacher and judge calls are booked in the ledger (stage ``evaluate``, the run named in
the row's item key) and held against the global budget, from the evaluation's own thread and loop."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.finetune.ledger import EvaluationLedger, run_key
from app.jobs import ledger_repository
from app.models import CallStatus, GlobalBudget, LlmCall
from distillation.cost import PriceTable, TokenUsage
from distillation.evaluate import provider_answers
from distillation.providers import Credentials
from distillation.testing import FakeProviderServer, chain, ok, rate_limited, when
from tests.conftest import migrate

MODEL = "openai:gpt-4o-mini"
PROMPTS = [[{"role": "user", "content": f"Question {n}?"}] for n in range(3)]


@pytest.fixture
async def maker(sqlite_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await migrate(sqlite_settings)
    engine = create_engine(sqlite_settings, pooled=False)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _ask(ledger: EvaluationLedger, server: FakeProviderServer) -> list[str | None]:
    credentials = {"openai": Credentials(api_key="sk-test", base_url=server.openai_base_url)}
    answers = await asyncio.to_thread(
        provider_answers, MODEL, PROMPTS, credentials=credentials, max_tokens=16, book=ledger.book()
    )
    await ledger.close()
    return [a.error for a in answers]


async def _rows(maker: async_sessionmaker[AsyncSession]) -> tuple[list[LlmCall], GlobalBudget | None]:
    async with maker() as session:
        rows = list((await session.scalars(select(LlmCall).order_by(LlmCall.created_at))).all())
        return rows, await session.get(GlobalBudget, "global")


async def test_every_attempt_is_reserved_then_settled_at_its_cost_in_the_ledger(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    run_id = uuid.uuid4()
    script = chain(when(lambda r: r.index == 1, rate_limited(retry_after=0.01)), lambda r: ok(usage=(40, 7)))
    with FakeProviderServer(script) as server:
        ledger = EvaluationLedger(maker, run_id)
        errors = await _ask(ledger, server)
        sent = len(server.requests)
    assert errors == [None, None, None]  # the 429 was retried
    assert sent == 4
    rows, budget = await _rows(maker)
    assert len(rows) == sent  # one row per attempt sent, retries included
    assert {(r.stage, r.job_id, r.item_key) for r in rows} == {("evaluate", None, run_key(run_id))}
    assert all(r.status is not CallStatus.reserved for r in rows)
    answered = [r for r in rows if r.outcome == "ok"]
    price = PriceTable.load(None).cost_of(MODEL, TokenUsage(40, 7))
    assert price is not None
    assert len(answered) == 3
    assert [(r.input_tokens, r.output_tokens, r.cost_usd) for r in answered] == [(40, 7, price)] * 3
    limited = [r for r in rows if r.outcome == "rate_limited"]
    assert [(r.cost_usd, r.status) for r in limited] == [(Decimal(0), CallStatus.settled)]
    assert budget is not None
    assert budget.spent_usd == 3 * price
    assert budget.reserved_usd == 0


async def test_the_global_budget_refuses_evaluation_calls_before_they_are_sent(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session, session.begin():
        await ledger_repository.set_global_budget(session, Decimal("0.00000001"), "total")
    with FakeProviderServer() as server:
        errors = await _ask(EvaluationLedger(maker, uuid.uuid4()), server)
        sent = len(server.requests)
    assert sent == 0
    assert all(e is not None and "global budget" in e for e in errors)
    rows, budget = await _rows(maker)
    assert rows == []
    assert budget is not None
    assert budget.reserved_usd == budget.spent_usd == 0
