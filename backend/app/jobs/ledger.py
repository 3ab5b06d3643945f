"""The cost ledger and the response cache of jobs, on the database shared by every worker.

Every provider attempt gets a ledger row *before* it is sent: the row reserves the attempt's worst-case
cost against the job's budget and the global budget in one conditional update, so the spend plus the
reservations of every worker process can never pass a budget. The worst case is that of the request as
sent: when a budget's last room cannot cover the attempt's full output cap, the attempt is sent with
the largest cap that fits, if answers to its prompt so far fit in it (``Need.fit``); else it waits for
the calls in flight, in any worker, to settle, and the job pauses only when none is left to. After the
attempt the row is settled from the provider's usage; an attempt whose usage never comes back (a
timeout, a killed worker) keeps an "unknown" row whose worst case stays counted against the budget.
An attempt that never left the worker (its rate-limit check failed, e.g. Redis was unreachable, or it
was cancelled before it was sent) closes its row as "not_sent" at once: $0, its reservation given back.

Answers are cached by request fingerprint in the same database, so a job resumed after a crash, a
pause or a cancellation never pays for a request twice. The attempt that brought an answer is settled
in the same transaction that caches the answer (:meth:`Ledger.settle_answer`): no answer is booked as
paid without being in the cache, whenever a worker is killed.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs import ledger_repository, repository
from app.models import CallStatus, JobStatus
from distillation.pipeline import Answer, BudgetExceeded, Need
from distillation.providers import Attempt, AttemptStart, Outcome

# How often a call waiting for room reads the budgets again, and for how long at most.
ROOM_POLL_S = 0.2
ROOM_WAIT_S = 30.0
CENT_MILLIONTH = Decimal("0.00000001")  # the scale of the ledger's money columns


@dataclass(frozen=True, slots=True)
class ItemScope:
    """The job item a coroutine is working on; attempts made under it are booked to it."""

    job_id: uuid.UUID
    dataset_id: uuid.UUID
    item_id: uuid.UUID | None
    item_key: str


# Called after each settled attempt with (stage, item, attempt, cost): the metrics hook.
AttemptObserver = Callable[[str, ItemScope, Attempt, Decimal | None], None]

current_item: contextvars.ContextVar[ItemScope] = contextvars.ContextVar("distillery_job_item")


class _Raced(Exception):
    """Another worker took the room between reading the budgets and reserving: read them again."""


class _Wait(Exception):
    """No room now, but calls in flight hold some that their settling gives back."""


@dataclass
class Ledger:
    """Reserves before and settles after every attempt of one worker process's jobs."""

    maker: async_sessionmaker[AsyncSession]
    observer: AttemptObserver | None = None
    room_wait_s: float = ROOM_WAIT_S
    _open: dict[tuple[str, int], tuple[uuid.UUID, Decimal]] = field(default_factory=dict)

    async def reserve(self, start: AttemptStart, need: Need) -> int | None:
        """Book the attempt's worst case; the lower output cap it must be sent with, if any.

        Raises:
            BudgetExceeded: Not even the least cap worth sending fits the job's or the global budget,
                and no call in flight is left to give room back (nothing is sent then).
        """
        scope = current_item.get()
        deadline = time.monotonic() + self.room_wait_s
        races = 0
        while True:
            # A database whose arithmetic is not the library's (SQLite's floats) may refuse a cap that
            # fits to the last digit: each refusal leaves one more cent-millionth aside.
            slack = CENT_MILLIONTH * races
            try:
                async with self.maker() as session, session.begin():
                    last = time.monotonic() >= deadline
                    return await self._book(session, scope, start, need, last=last, slack=slack)
            except _Raced:
                races += 1
            except _Wait:
                await asyncio.sleep(ROOM_POLL_S)

    async def _book(
        self,
        session: AsyncSession,
        scope: ItemScope,
        start: AttemptStart,
        need: Need,
        *,
        last: bool,
        slack: Decimal,
    ) -> int | None:
        """Reserve the largest cap that fits, or raise :class:`_Wait` while calls in flight may free room."""
        found = await ledger_repository.budget_rooms(session, scope.job_id)
        if found is None:
            raise BudgetExceeded("the job was deleted")
        rooms = [replace(room, left=max(room.left - slack, Decimal(0))) for room in found]
        left = min((room.left for room in rooms), default=None)
        cap = need.fit(left)
        if cap is None:
            short = [room for room in rooms if need.cost(need.min_tokens) > room.left]
            if not last and all(room.reserved > 0 for room in short) and await _running(session, scope):
                raise _Wait()
            room = short[0]
            raise BudgetExceeded(
                f"the next call could cost up to ${need.cost(need.min_tokens):.6f}; {room.name} budget of "
                f"${room.limit} has ${room.left:.6f} left"
            )
        # Rounded up to what the ledger's columns keep, so the row holds no less than the worst case.
        amount = need.cost(cap).quantize(CENT_MILLIONTH, rounding=ROUND_CEILING)
        if await ledger_repository.reserve_budget(session, scope.job_id, amount) is not None:
            raise _Raced()  # rolls back what was held
        call_id = await ledger_repository.insert_call(
            session,
            job_id=scope.job_id,
            dataset_id=scope.dataset_id,
            item_id=scope.item_id,
            item_key=scope.item_key,
            model_id=start.model_id,
            fingerprint=start.fingerprint,
            attempt=await ledger_repository.next_attempt(
                session, scope.job_id, scope.item_key, start.fingerprint
            ),
            reserved=amount,
        )
        self._open[(start.fingerprint, start.number)] = (call_id, amount)
        return None if left is None else cap

    async def settle(self, stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        """Record what the attempt cost (its provider-reported usage), releasing its reservation."""
        await self._close(stage, attempt, cost, None)

    async def settle_answer(
        self, stage: str, key: str, attempt: Attempt, cost: Decimal | None, answer: Answer
    ) -> None:
        """Settle the attempt that brought ``answer`` and cache the answer, in one transaction.

        A worker killed at any moment has then either booked the answer as paid *and* kept it, so the
        next worker takes it from the cache, or done neither: the row stays reserved until the
        reconciler closes it as unknown, and the request is sent again.
        """
        await self._close(stage, attempt, cost, answer)

    async def _close(self, stage: str, attempt: Attempt, cost: Decimal | None, answer: Answer | None) -> None:
        # A row missing here was reserved by a process that died; the reconciler closes it.
        opened = self._open.pop((attempt.fingerprint, attempt.number), None)
        if opened is None and answer is None:
            return
        scope = current_item.get()
        async with self.maker() as session, session.begin():
            if opened is not None:
                await _settle(session, opened, scope, stage, attempt, cost)
            if answer is not None:
                await ledger_repository.cache_response(
                    session, answer.fingerprint, answer.model_id, answer.to_json()
                )
        sent = attempt.outcome is not Outcome.NOT_SENT
        if opened is not None and sent and self.observer is not None:
            self.observer(stage, scope, attempt, cost)


async def _settle(
    session: AsyncSession,
    opened: tuple[uuid.UUID, Decimal],
    scope: ItemScope,
    stage: str,
    attempt: Attempt,
    cost: Decimal | None,
) -> None:
    """Close the attempt's reserved row from its provider-reported usage (unknown when none came).

    An attempt that never left the process closes as ``not_sent``: $0, its reservation given back.
    """
    call_id, reserved = opened
    usage = attempt.usage
    if attempt.outcome is Outcome.NOT_SENT:
        await ledger_repository.settle_call(
            session,
            call_id,
            job_id=scope.job_id,
            stage=stage,
            status=CallStatus.not_sent,
            outcome=attempt.outcome.value,
            reserved=reserved,
            cost=Decimal(0),
            input_tokens=0,
            output_tokens=0,
            cached_tokens=0,
            latency_ms=0,
            error=attempt.error,
        )
        return
    await ledger_repository.settle_call(
        session,
        call_id,
        job_id=scope.job_id,
        stage=stage,
        status=CallStatus.unknown if usage is None else CallStatus.settled,
        outcome=attempt.outcome.value,
        reserved=reserved,
        cost=cost if usage is not None else None,
        input_tokens=usage.input_tokens if usage else None,
        output_tokens=usage.output_tokens if usage else None,
        cached_tokens=usage.cached_input_tokens if usage else None,
        latency_ms=round(attempt.latency_s * 1000),
        error=attempt.error,
        batch_id=attempt.batch_id,
    )


async def _running(session: AsyncSession, scope: ItemScope) -> bool:
    """Whether the job still runs: a paused one sends no call that had to wait for room."""
    job = await repository.get_job(session, scope.job_id)
    return job is not None and job.status is JobStatus.running


class DbResponseCache:
    """The library's ``ResponseCache`` on the ``response_cache`` table."""

    def __init__(self, maker: async_sessionmaker[AsyncSession]) -> None:
        self.maker = maker

    async def get(self, fingerprint: str) -> Answer | None:
        """The answer already paid for, if any."""
        async with self.maker() as session:
            stored = await ledger_repository.cached_response(session, fingerprint)
        return None if stored is None else Answer(**stored)

    async def put(self, answer: Answer) -> None:
        """Keep an answer (a second put of the same fingerprint keeps the first)."""
        async with self.maker() as session, session.begin():
            await ledger_repository.cache_response(
                session, answer.fingerprint, answer.model_id, answer.to_json()
            )
