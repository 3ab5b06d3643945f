"""The cost ledger and the response cache of jobs, on the database shared by every worker.

Every provider attempt gets a ledger row *before* it is sent: the row reserves the attempt's worst-case
cost against the job's budget and the global budget in one conditional update, so the spend plus the
reservations of every worker process can never pass a budget. After the attempt the row is settled
from the provider's usage; an attempt whose usage never comes back (a timeout, a killed worker) keeps
an "unknown" row whose worst case stays counted against the budget.

Answers are cached by request fingerprint in the same database, so a job resumed after a crash, a
pause or a cancellation never pays for a request twice. The attempt that brought an answer is settled
in the same transaction that caches the answer (:meth:`Ledger.settle_answer`): no answer is booked as
paid without being in the cache, whenever a worker is killed.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs import ledger_repository
from app.models import CallStatus
from distillation.pipeline import Accountant, Answer, BudgetExceeded
from distillation.providers import Attempt, AttemptStart


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


@dataclass
class Ledger:
    """Reserves before and settles after every attempt of one worker process's jobs."""

    maker: async_sessionmaker[AsyncSession]
    accountant: Accountant
    observer: AttemptObserver | None = None
    _open: dict[tuple[str, int], tuple[uuid.UUID, Decimal]] = field(default_factory=dict)

    async def reserve(self, start: AttemptStart) -> None:
        """Book the attempt's worst case, or raise :class:`BudgetExceeded` (nothing is sent then)."""
        scope = current_item.get()
        amount = self.accountant.worst_case(start.model_id, start.estimated_tokens)
        async with self.maker() as session, session.begin():
            refused = await ledger_repository.reserve_budget(session, scope.job_id, amount)
            if refused is not None:
                raise BudgetExceeded(refused)
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
        if opened is not None and self.observer is not None:
            self.observer(stage, scope, attempt, cost)


async def _settle(
    session: AsyncSession,
    opened: tuple[uuid.UUID, Decimal],
    scope: ItemScope,
    stage: str,
    attempt: Attempt,
    cost: Decimal | None,
) -> None:
    """Close the attempt's reserved row from its provider-reported usage (unknown when none came)."""
    call_id, reserved = opened
    usage = attempt.usage
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
    )


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
