"""Batch delivery: requests go through the fake server's OpenAI Batch API and cost the batch rate."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pipeline_fakes import STUDENT, TEACHER

from distillation.cost import PriceTable, TokenUsage
from distillation.pipeline import (
    Accountant,
    BatchDelivery,
    BatchProgress,
    FileBatchJournal,
    GenerationConfig,
    MemoryCache,
    MemorySink,
    PaidCalls,
    ResponseCache,
    Runner,
    RunReport,
    Stage,
    build_engine,
    close_engine,
)
from distillation.providers import Attempt, ChatRequest, RetryPolicy, get_model
from distillation.providers.adapters import google_batch
from distillation.testing import BatchPlan, FakeProviderServer, RecordedRequest, chain, server_error, when
from distillation.testing.answers import realistic_answer, schema_name
from distillation.testing.fake_wire import success_body

PRICES = PriceTable.load(None)


def delivery(journal: Path, events: list[BatchProgress] | None = None) -> BatchDelivery:
    hook = None if events is None else events.append
    return BatchDelivery(FileBatchJournal(journal), poll_s=0.02, gather_s=0.05, on_progress=hook)


async def run(
    server: FakeProviderServer,
    batch: BatchDelivery,
    cache: ResponseCache | None = None,
    count: int = 12,
    cancel: asyncio.Event | None = None,
    budget: Decimal | None = None,
) -> tuple[RunReport, Decimal]:
    config = GenerationConfig(
        data_type="qa",
        count=count,
        budget_usd=budget,
        teacher=TEACHER,
        student=STUDENT,
        concurrency=64,
        seed=7,
        domains=("Customer Support",),
    )
    engine = build_engine(
        config,
        cache=cache or MemoryCache(),
        credentials={"openai": {"api_key": "sk-test", "base_url": server.openai_base_url}},
        retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
        timeout=10.0,
        batch=batch,
    )
    booked: list[Decimal] = []

    async def ledger(stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        assert cost is not None
        booked.append(cost)

    engine.calls.on_attempt = ledger
    try:
        report = await Runner(engine, MemorySink(), cancel=cancel).run()
    finally:
        await close_engine(engine)
    return report, sum(booked, Decimal(0))


def answered(server: FakeProviderServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.api == "openai" and r.status == 200]


def priced(request: RecordedRequest) -> Decimal:
    """What the provider bills for one answered request: the batch rate for a line of a batch."""
    assert request.behavior is not None
    assert request.behavior.usage is not None
    usage = TokenUsage(*request.behavior.usage)
    cost = PRICES.cost_of(f"openai:{request.model}", usage, batch=request.batch is not None)
    assert cost is not None
    return cost


def creations(server: FakeProviderServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.api == "openai-batch" and r.path == "/v1/batches"]


async def test_a_batch_run_completes_through_the_batch_api_at_the_batch_rate(tmp_path: Path) -> None:
    events: list[BatchProgress] = []
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=0.05)) as server:
        report, booked = await run(server, delivery(tmp_path / "batches.jsonl", events))
        online = [schema_name(r) for r in answered(server) if r.batch is None]
        bill = sum(map(priced, answered(server)), Decimal(0))
        batches = len(creations(server))
    assert (report.status, report.accepted) == ("completed", 12)
    assert online == ["task_policy"]  # the one request every later stage waits for
    assert report.cost_usd == booked == bill
    levers = {lever.lever: lever.saved_usd for lever in report.levers}
    assert levers["batch"] is not None
    assert levers["batch"] > 0
    assert report.savings_usd == sum(saved or Decimal(0) for saved in levers.values())
    assert Counter(e.state for e in events)["submitted"] == batches
    last = events[-1]
    assert (last.state, last.answered) == ("completed", last.total)


async def test_requests_a_batch_failed_are_sent_online_and_the_run_completes(tmp_path: Path) -> None:
    failing = when(lambda r: r.batch is not None and r.index % 4 == 0, server_error(500))
    with FakeProviderServer(chain(failing, realistic_answer), batches=BatchPlan(delay_s=0.02)) as server:
        report, booked = await run(server, delivery(tmp_path / "batches.jsonl"))
        failed = {r.key for r in server.requests if r.batch is not None and r.status == 500}
        resent = {r.key for r in answered(server) if r.batch is None}
        bill = sum(map(priced, answered(server)), Decimal(0))
    assert (report.status, report.accepted) == ("completed", 12)
    assert failed
    assert failed <= resent  # each failed line went online, with the same body
    assert report.cost_usd == booked == bill


async def test_requests_an_expired_batch_did_not_reach_are_sent_online(tmp_path: Path) -> None:
    plan = BatchPlan(delay_s=0.02, expire=True, answered_before_expiry=2)
    with FakeProviderServer(realistic_answer, batches=plan) as server:
        report, booked = await run(server, delivery(tmp_path / "batches.jsonl"))
        in_batches = [r for r in answered(server) if r.batch is not None]
        bill = sum(map(priced, answered(server)), Decimal(0))
    assert (report.status, report.accepted) == ("completed", 12)
    assert len(in_batches) == 2 * len({r.batch for r in in_batches})
    assert report.cost_usd == booked == bill


async def test_a_rerun_resumes_the_pending_batch_instead_of_submitting_it_again(tmp_path: Path) -> None:
    journal = tmp_path / "batches.jsonl"
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=0.5)) as server:
        submitted = asyncio.Event()

        def on_progress(progress: BatchProgress) -> None:
            if progress.state == "submitted":
                submitted.set()

        first = BatchDelivery(FileBatchJournal(journal), poll_s=0.02, gather_s=0.05, on_progress=on_progress)
        task = asyncio.create_task(run(server, first))
        await submitted.wait()
        task.cancel()  # the process dies while its first batch is pending
        await asyncio.gather(task, return_exceptions=True)
        assert len(creations(server)) == 1
        report, _ = await run(server, delivery(journal))
        lines = [_custom_ids(server, r) for r in creations(server)]
    assert (report.status, report.accepted) == ("completed", 12)
    every_line = [key for batch in lines for key in batch]
    assert len(every_line) == len(set(every_line))  # no request was submitted twice


def _custom_ids(server: FakeProviderServer, creation: RecordedRequest) -> list[str]:
    file_id = creation.body["input_file_id"]
    batch = next(b for b in server.batch_api.batches.values() if b.input_file_id == file_id)
    return [str(line["custom_id"]) for line in batch.lines]


async def test_a_stopped_run_stops_waiting_for_its_batch_and_the_next_run_resumes_it(tmp_path: Path) -> None:
    journal = tmp_path / "batches.jsonl"
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=3600)) as server:
        cancel = asyncio.Event()

        def on_progress(progress: BatchProgress) -> None:
            if progress.state == "submitted":
                cancel.set()  # Ctrl-C while the batch is pending

        first = BatchDelivery(FileBatchJournal(journal), poll_s=0.02, gather_s=0.05, on_progress=on_progress)
        stopped, _ = await asyncio.wait_for(run(server, first, cancel=cancel), timeout=30)
        pending = next(iter(server.batch_api.batches.values()))
        pending.plan = server.batch_api.plan = BatchPlan()  # the provider finishes it meanwhile
        report, _ = await asyncio.wait_for(run(server, delivery(journal)), timeout=30)
        lines = [_custom_ids(server, r) for r in creations(server)]
    assert (stopped.status, stopped.accepted, stopped.rejection_reasons) == ("cancelled", 0, {})
    assert (report.status, report.accepted) == ("completed", 12)
    every_line = [key for batch in lines for key in batch]
    assert len(every_line) == len(set(every_line))


async def test_anthropic_message_batches_answer_through_the_paid_call_path(tmp_path: Path) -> None:
    """Anthropic's Message Batches: forced tool calls read back, an errored request sent online."""
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    failing = when(lambda r: r.batch is not None and "q3" in r.text, server_error(500))
    with FakeProviderServer(failing, batches=BatchPlan(delay_s=0.05)) as server:
        client = get_model(
            "anthropic:claude-haiku-4-5",
            credentials={"api_key": "sk-test", "base_url": server.url},
            retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
        )
        calls = PaidCalls(MemoryCache(), Accountant(PRICES), batch=delivery(tmp_path / "batches.jsonl"))
        requests = [ChatRequest.from_prompt(f"q{n}", max_tokens=64, response_schema=schema) for n in range(6)]
        try:
            answers = await asyncio.gather(
                *(
                    calls.send(client, request, stage=Stage.bulk, key=f"k{n}")
                    for n, request in enumerate(requests)
                )
            )
        finally:
            await client.aclose()
            assert calls.batch is not None
            await calls.batch.aclose()
        created = [
            r for r in server.requests if r.api == "anthropic-batch" and r.path == "/v1/messages/batches"
        ]
        online = [r.text for r in server.requests if r.api == "anthropic" and r.batch is None]
        bill = sum(
            map(priced_anthropic, [r for r in server.requests if r.api == "anthropic" and r.status == 200])
        )
    assert len(created) == 1
    assert online == ["q3"]
    assert [answer.answer.data for answer in answers] == [{"answer": "answer text"}] * 6
    assert [answer.answer.batch for answer in answers] == [True, True, True, False, True, True]
    assert calls.accountant.spent == bill


def priced_anthropic(request: RecordedRequest) -> Decimal:
    assert request.behavior is not None
    text = request.text
    usage = TokenUsage(max(1, len(text.split())), 2)  # the fake's word counts: the answer is "answer text"
    cost = PRICES.cost_of("anthropic:claude-haiku-4-5", usage, batch=request.batch is not None)
    assert cost is not None
    return cost


async def test_each_request_is_reserved_before_its_batch_is_sent_and_the_budget_holds(tmp_path: Path) -> None:
    budget = Decimal("0.02")  # room for the worst case of some of the 5 seed requests, not all
    with FakeProviderServer(realistic_answer, batches=BatchPlan(delay_s=0.02)) as server:
        report, booked = await run(server, delivery(tmp_path / "batches.jsonl"), count=50, budget=budget)
        first = _custom_ids(server, creations(server)[0])
    assert report.status == "budget_exhausted"
    assert 1 <= len(first) < 5  # the requests refused by the budget never joined the batch
    assert booked == report.cost_usd <= budget


GEMINI = "google:gemini-2.5-flash"
SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}


async def gemini_calls(
    server: FakeProviderServer,
    batch: BatchDelivery,
    prompts: list[str],
    cancel_after: asyncio.Event | None = None,
) -> tuple[list[Any], PaidCalls]:
    """Sends ``prompts`` to Gemini through ``batch`` (cancelled once ``cancel_after`` is set)."""
    client = get_model(
        GEMINI,
        credentials={"api_key": "test", "base_url": server.url},
        retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
    )
    calls = PaidCalls(MemoryCache(), Accountant(PRICES), batch=batch)
    requests = [ChatRequest.from_prompt(p, max_tokens=64, response_schema=SCHEMA) for p in prompts]
    sends = asyncio.gather(
        *(calls.send(client, request, stage=Stage.bulk, key=f"k{n}") for n, request in enumerate(requests))
    )
    try:
        if cancel_after is None:
            return list(await sends), calls
        await cancel_after.wait()
        sends.cancel()
        await asyncio.gather(sends, return_exceptions=True)
        return [], calls
    finally:
        await client.aclose()
        await batch.aclose()


def gemini_bill(server: FakeProviderServer) -> Decimal:
    """What Google bills for the answered generateContent requests: the batch rate for batched ones."""
    total = Decimal(0)
    for request in server.requests:
        if request.api == "gemini" and request.status == 200:
            assert request.behavior is not None
            body = success_body(request, request.behavior)
            meta = body["usageMetadata"]
            usage = TokenUsage(meta["promptTokenCount"], meta["candidatesTokenCount"])
            cost = PRICES.cost_of(GEMINI, usage, batch=request.batch is not None)
            assert cost is not None
            total += cost
    return total


def gemini_creations(server: FakeProviderServer) -> list[RecordedRequest]:
    return [
        r for r in server.requests if r.api == "gemini-batch" and r.path.endswith(":batchGenerateContent")
    ]


async def test_gemini_batches_answer_at_the_batch_rate_and_a_failed_request_goes_online(
    tmp_path: Path,
) -> None:
    failing = when(lambda r: r.batch is not None and "q3" in r.text, server_error(500))
    with FakeProviderServer(failing, batches=BatchPlan(delay_s=0.05)) as server:
        answers, calls = await gemini_calls(
            server, delivery(tmp_path / "batches.jsonl"), [f"q{n}" for n in range(6)]
        )
        online = [r.text for r in server.requests if r.api == "gemini" and r.batch is None]
        bill = gemini_bill(server)
        created = gemini_creations(server)
    assert len(created) == 1
    assert online == ["q3"]
    assert [answer.answer.batch for answer in answers] == [True, True, True, False, True, True]
    assert all(answer.answer.text for answer in answers)
    assert calls.accountant.spent == bill
    # Half of gemini-2.5-flash's online rates (genai-prices' batch variant): the batch lever is real.
    online_price, batch_price = PRICES.price_for(GEMINI), PRICES.price_for(GEMINI, batch=True)
    assert online_price is not None
    assert batch_price is not None
    assert batch_price.input_per_mtok * 2 == online_price.input_per_mtok
    assert batch_price.output_per_mtok * 2 == online_price.output_per_mtok


async def test_gemini_requests_an_expired_batch_did_not_reach_are_sent_online(tmp_path: Path) -> None:
    plan = BatchPlan(delay_s=0.02, expire=True, answered_before_expiry=2)
    with FakeProviderServer(batches=plan) as server:
        answers, calls = await gemini_calls(
            server, delivery(tmp_path / "batches.jsonl"), [f"q{n}" for n in range(5)]
        )
        bill = gemini_bill(server)
    assert [answer.answer.batch for answer in answers] == [True, True, False, False, False]
    assert calls.accountant.spent == bill


async def test_a_gemini_rerun_polls_the_pending_batch_instead_of_submitting_it_again(tmp_path: Path) -> None:
    journal = tmp_path / "batches.jsonl"
    prompts = [f"q{n}" for n in range(4)]
    with FakeProviderServer(batches=BatchPlan(delay_s=0.5)) as server:
        submitted = asyncio.Event()

        def on_progress(progress: BatchProgress) -> None:
            if progress.state == "submitted":
                submitted.set()

        first = BatchDelivery(FileBatchJournal(journal), poll_s=0.02, gather_s=0.05, on_progress=on_progress)
        await gemini_calls(server, first, prompts, cancel_after=submitted)  # dies while the batch is pending
        assert len(gemini_creations(server)) == 1
        answers, _ = await gemini_calls(server, delivery(journal), prompts)
        created = gemini_creations(server)
        polled = {r.path for r in server.requests if r.api == "gemini-batch" and r not in created}
    assert len(created) == 1
    assert polled == {"/v1beta/batches/fake-1"}
    assert [answer.answer.batch for answer in answers] == [True] * 4


async def test_a_gemini_batch_over_the_inlined_size_limit_is_sent_online(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(google_batch, "MAX_INLINED_BYTES", 1_000)
    with FakeProviderServer() as server:
        answers, calls = await gemini_calls(
            server, delivery(tmp_path / "batches.jsonl"), [f"q{n} " + "words " * 40 for n in range(4)]
        )
        created = gemini_creations(server)
        bill = gemini_bill(server)
    assert created == []
    assert [answer.answer.batch for answer in answers] == [False] * 4
    assert calls.accountant.spent == bill
