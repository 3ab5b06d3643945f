"""After a killed call: no ledger row stays reserved once its item moved on; attempts keep counting; an
answer the ledger settled is never paid for again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.jobs import ledger_repository, repository, service
from app.jobs.engines import build_job_engine
from app.jobs.ledger import ItemScope, Ledger, current_item
from app.jobs.repository import Lease
from app.models import CallStatus, ItemStatus, Job, JobItem, JobStatus, LlmCall
from app.models.base import utcnow
from distillation.cost import ModelPrice, PriceTable
from distillation.datatypes import RenderedPrompt
from distillation.pipeline import Accountant, BudgetExceeded, Need
from distillation.providers import Attempt, AttemptStart, Outcome, Usage
from distillation.testing import FakeProviderServer, ok
from tests.conftest import api_client, login, migrate
from tests.jobs.jobkit import TEACHER, generation, job_settings

FINGERPRINT = "f" * 64
LEASE = timedelta(seconds=60)
Maker = async_sessionmaker[AsyncSession]
T = TypeVar("T")


@asynccontextmanager
async def planned_job(settings: Settings, count: int) -> AsyncIterator[tuple[Job, Maker]]:
    """A running job of ``count`` items that no worker works on (the test plays the workers)."""
    await migrate(settings)
    async with api_client(settings) as client:
        await login(client)
        created = await client.post("/api/v1/jobs/generate", json=generation(count))
        assert created.status_code == 201, created.text
    engine = create_engine(settings, pooled=False)
    maker = create_sessionmaker(engine)
    try:
        async with maker() as session:
            job = await service.get(session, uuid.UUID(created.json()["id"]))
        assert job.status is JobStatus.running
        yield job, maker
    finally:
        await engine.dispose()


async def claim(maker: Maker, job: Job, owner: str) -> Lease:
    async with maker() as session, session.begin():
        lease = await repository.claim(session, job.id, job.stage, 0, owner, LEASE)
    assert lease is not None
    return lease


async def send(ledger: Ledger, job: Job, lease: Lease, *, answered: bool) -> None:
    """One attempt of the item's request: reserved, and settled unless its worker is killed mid-call."""
    token = current_item.set(ItemScope(job.id, job.dataset_id, lease.id, lease.item_key))
    try:
        start = AttemptStart(TEACHER, FINGERPRINT, number=1, estimated_tokens=1000, input_tokens=500)
        await ledger.reserve(start, Accountant(PriceTable.load(None)).need(start))
        if answered:
            usage = Usage(input_tokens=10, output_tokens=20)
            attempt = Attempt(TEACHER, FINGERPRINT, 1, Outcome.OK, usage, 0.1, 0.0)
            await ledger.settle("seed", lease.item_key, attempt, Decimal("0.001"))
    finally:
        current_item.reset(token)


async def finish_all(maker: Maker, job: Job, lease: Lease) -> str | None:
    """Finish ``lease`` and every other item of the job, stage after stage, as the service moves it on."""
    async with maker() as session, session.begin():
        assert await repository.finish(session, lease, ItemStatus.done)
    stage: str | None = job.stage
    while stage not in (None, "completed", "failed"):
        async with maker() as session, session.begin():
            while (other := await repository.claim(session, job.id, stage, 0, "other", LEASE)) is not None:
                await repository.finish(session, other, ItemStatus.done)
        async with maker() as session, session.begin():
            stage = await service.advance(session, job.id)
    return stage


async def calls(maker: Maker, job: Job) -> list[LlmCall]:
    async with maker() as session:
        rows = select(LlmCall).where(LlmCall.job_id == job.id).order_by(LlmCall.attempt)
        return list(await session.scalars(rows))


def ledger(maker: Maker) -> Ledger:
    """The ledger of one worker process."""
    return Ledger(maker)


async def test_a_killed_call_is_abandoned_when_its_lease_expires_and_the_retry_is_attempt_2(
    any_settings: Settings,
) -> None:
    async with planned_job(any_settings, 2) as (job, maker):
        killed = await claim(maker, job, "killed-worker")
        await send(ledger(maker), job, killed, answered=False)  # the worker dies mid-call
        async with maker() as session, session.begin():
            await session.execute(
                update(JobItem).where(JobItem.id == killed.id).values(lease_expires_at=utcnow() - LEASE)
            )
        async with maker() as session, session.begin():
            counts = await service.reconcile(session, any_settings)
        after_reconcile = await calls(maker, job)

        retry = await claim(maker, job, "next-worker")
        await send(ledger(maker), job, retry, answered=True)  # a new process: the library counts from 1
        outcome = await finish_all(maker, job, retry)
        rows = await calls(maker, job)
        async with maker() as session:
            finished = await service.get(session, job.id)

    assert retry.id == killed.id
    assert counts["abandoned"] == 1
    assert [(c.status, c.outcome) for c in after_reconcile] == [(CallStatus.unknown, "abandoned")]
    assert outcome == "completed"
    assert [c.attempt for c in rows] == [1, 2]
    assert [c.status for c in rows] == [CallStatus.unknown, CallStatus.settled]
    assert finished.reserved_usd == 0
    assert finished.unknown_usd == rows[0].reserved_usd > 0  # the killed call's worst case stays counted


async def test_a_job_never_completes_with_a_call_still_reserved(any_settings: Settings) -> None:
    async with planned_job(any_settings, 1) as (job, maker):
        stopped = await claim(maker, job, "stopping-worker")
        await send(ledger(maker), job, stopped, answered=False)
        async with maker() as session, session.begin():
            await repository.release_owner(session, "stopping-worker")  # shut down while the call hung
        # No reconciler pass in between: the next worker takes the item and finishes the job.
        outcome = await finish_all(maker, job, await claim(maker, job, "next-worker"))
        rows = await calls(maker, job)
        async with maker() as session:
            finished = await service.get(session, job.id)

    assert outcome == "completed"
    assert [(c.status, c.outcome) for c in rows] == [(CallStatus.unknown, "abandoned")]
    assert finished.reserved_usd == 0
    assert finished.unknown_usd == rows[0].reserved_usd > 0


class Killed(BaseException):
    """The worker process dies here: nothing after this point runs (no ``except Exception`` sees it)."""


def dying_worker(engine: AsyncEngine, moment: str) -> Maker:
    """A worker's sessions: the worker dies at ``moment`` of the first commit that settles a ledger row.

    ``before_commit``: the settle never reaches the database. ``after_commit``: it is there, and nothing
    the worker meant to do after that commit happens.
    """

    class Dying(Session):
        pass

    def note(state: ORMExecuteState) -> None:
        if state.is_update and state.bind_mapper is not None and state.bind_mapper.class_ is LlmCall:
            state.session.info["settles"] = True

    def die(session: Session) -> None:
        if session.info.pop("settles", False):
            raise Killed

    event.listen(Dying, "do_orm_execute", note)
    event.listen(Dying, moment, die)
    return async_sessionmaker(engine, sync_session_class=Dying, expire_on_commit=False, autoflush=False)


async def answer(maker: Maker, settings: Settings, job: Job, lease: Lease) -> None:
    """The item's one teacher request, through the paid-call path a worker process builds for the job."""
    built = await build_job_engine(maker, settings, job)
    messages = [{"role": "user", "content": "Name a colour."}]
    prompt = RenderedPrompt(template="seed", template_hash="ab" * 32, messages=messages)
    token = current_item.set(ItemScope(job.id, job.dataset_id, lease.id, lease.item_key))
    try:
        calls, teacher = built.engine.calls, built.engine.teacher
        await calls.call(teacher, prompt, stage="seed", key=lease.item_key, schema=None, schema_name="row")
    finally:
        current_item.reset(token)
        await teacher.aclose()


@pytest.mark.parametrize(
    ("moment", "sent", "booked"),
    [
        ("after_commit", 1, [CallStatus.settled]),
        ("before_commit", 2, [CallStatus.unknown, CallStatus.settled]),
    ],
)
async def test_a_worker_killed_as_its_answer_is_settled_never_pays_for_it_again(
    any_settings: Settings, moment: str, sent: int, booked: list[CallStatus]
) -> None:
    with FakeProviderServer(default=ok(text="Blue.", usage=(30, 20))) as server:
        settings = job_settings(any_settings, server)
        async with planned_job(settings, 1) as (job, maker):
            killed = await claim(maker, job, "killed-worker")
            engine = create_engine(settings, pooled=False)
            try:
                with pytest.raises(Killed):
                    await answer(dying_worker(engine, moment), settings, job, killed)
            finally:
                await engine.dispose()
            async with maker() as session, session.begin():
                await session.execute(
                    update(JobItem).where(JobItem.id == killed.id).values(lease_expires_at=utcnow() - LEASE)
                )
            async with maker() as session, session.begin():
                await service.reconcile(session, settings)
            await answer(maker, settings, job, await claim(maker, job, "next-worker"))  # a new process
            rows = await calls(maker, job)
            async with maker() as session:
                after = await service.get(session, job.id)

    # Sent again only when the kill came before the settle was committed: that call is booked as
    # unknown (its worst case counted), never as a second paid answer.
    assert len(server.requests) == sent
    assert [c.status for c in rows] == booked
    assert after.reserved_usd == 0
    assert after.spent_usd == sum(c.cost_usd or 0 for c in rows) > 0


PRICE = ModelPrice(TEACHER, Decimal("2.5"), Decimal("10"))
NEED = Need(PRICE, input_tokens=400, max_tokens=512, min_tokens=100)


async def as_item(job: Job, lease: Lease, work: Callable[[], Awaitable[T]]) -> T:
    """``work`` done for the leased item (its attempts are booked to it)."""
    token = current_item.set(ItemScope(job.id, job.dataset_id, lease.id, lease.item_key))
    try:
        return await work()
    finally:
        current_item.reset(token)


def attempt(number: int) -> AttemptStart:
    return AttemptStart(TEACHER, FINGERPRINT, number=number, estimated_tokens=912, input_tokens=400)


async def test_workers_cap_the_last_calls_to_the_room_left_and_wait_for_the_calls_in_flight(
    any_settings: Settings,
) -> None:
    async with planned_job(any_settings, 30) as (job, maker):
        async with maker() as session, session.begin():
            await session.execute(update(Job).where(Job.id == job.id).values(budget_usd=Decimal("0.004")))
        leases = [await claim(maker, job, f"worker-{n}") for n in range(3)]
        workers = [
            Ledger(maker, room_wait_s=5.0),
            Ledger(maker, room_wait_s=5.0),
            Ledger(maker, room_wait_s=0.5),
        ]
        # $0.004 cannot hold a whole call ($0.00612): $0.001 of input leaves room for 300 tokens.
        first = await as_item(job, leases[0], lambda: workers[0].reserve(attempt(1), NEED))
        second = asyncio.create_task(as_item(job, leases[1], lambda: workers[1].reserve(attempt(2), NEED)))
        await asyncio.sleep(0.5)
        waited = not second.done()  # no room left, but the first call will give some back
        answered = Attempt(TEACHER, FINGERPRINT, 1, Outcome.OK, Usage(400, 100), 0.1, 0.0)
        await as_item(
            job, leases[0], lambda: workers[0].settle("seed", leases[0].item_key, answered, Decimal("0.002"))
        )
        capped = await asyncio.wait_for(second, 10)
        with pytest.raises(BudgetExceeded, match="the job's budget"):  # waits half a second at most
            await as_item(job, leases[2], lambda: workers[2].reserve(attempt(3), NEED))
        async with maker() as session:
            held = await service.get(session, job.id)

    assert (first, waited, capped) == (300, True, 100)  # $0.002 left: 100 tokens, the least worth it
    assert (held.spent_usd, held.reserved_usd) == (Decimal("0.002"), Decimal("0.002"))


async def test_an_attempt_never_sent_closes_its_row_as_not_sent_and_gives_its_room_back(
    any_settings: Settings,
) -> None:
    async with planned_job(any_settings, 1) as (job, maker):
        async with maker() as session:
            before = await ledger_repository.get_global_budget(session)
            budget_before = (before.spent_usd, before.reserved_usd, before.unknown_usd)
        lease = await claim(maker, job, "worker")
        books = ledger(maker)
        await as_item(job, lease, lambda: books.reserve(attempt(1), NEED))
        async with maker() as session:
            held = await service.get(session, job.id)
        assert held.reserved_usd > 0
        unsent = Attempt(TEACHER, FINGERPRINT, 1, Outcome.NOT_SENT, Usage(), 0.0, 0.0, error="not sent")
        await as_item(job, lease, lambda: books.settle("seed", lease.item_key, unsent, Decimal(0)))
        async with maker() as session, session.begin():  # the reconciler leaves a closed row alone
            await ledger_repository.close_job_calls(session, job.id)
        rows = await calls(maker, job)
        async with maker() as session:
            after = await service.get(session, job.id)
            budget = await ledger_repository.get_global_budget(session)

    assert [(c.status, c.outcome, c.cost_usd) for c in rows] == [
        (CallStatus.not_sent, "not_sent", Decimal(0))
    ]
    assert (after.spent_usd, after.reserved_usd, after.unknown_usd) == (Decimal(0),) * 3
    assert (budget.spent_usd, budget.reserved_usd, budget.unknown_usd) == budget_before
