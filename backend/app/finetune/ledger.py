"""The ledger rows of a fine-tune run's evaluation: its teacher and judge calls, held against the budget.

The library's ``evaluate`` runs in a worker thread with its own event loop; each attempt it sends is
reserved before it goes out and settled after it from the provider's usage, like a job's (a row of
no job, stage ``evaluate``, its ``item_key`` naming the run: ``finetune-run:<id>``), with the database
work done on the service's loop. A row whose attempt never reported back is closed as "unknown" when
the evaluation ends, its worst case kept counted.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.jobs import ledger_repository
from app.jobs.ledger import CENT_MILLIONTH
from app.models import CallStatus
from app.playground.repository import reserve_call
from distillation.evaluate import CallBook
from distillation.pipeline import BudgetExceeded, Need
from distillation.pipeline.types import Stage
from distillation.providers import Attempt, AttemptStart

RUN_KEY = "finetune-run:"  # the ledger rows' item_key prefix: the run whose evaluation made the call


def run_key(run_id: uuid.UUID) -> str:
    """The ``item_key`` of the ledger rows of ``run_id``'s evaluation."""
    return f"{RUN_KEY}{run_id}"


@dataclass
class EvaluationLedger:
    """Books one run's evaluation calls; create it on the service's loop, hand `book()` to ``evaluate``."""

    maker: async_sessionmaker[AsyncSession]
    run_id: uuid.UUID
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    _open: dict[tuple[str, int], tuple[uuid.UUID, Decimal]] = field(default_factory=dict)

    def book(self) -> CallBook:
        """The hooks ``evaluate`` calls from its own loop."""
        return CallBook(before_attempt=self._reserve, on_attempt=self._settle)

    async def _on_service_loop(self, work: Coroutine[Any, Any, None]) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self.loop))

    async def _reserve(self, start: AttemptStart, need: Need) -> None:
        await self._on_service_loop(self.reserve(start, need))

    async def _settle(self, stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        await self._on_service_loop(self.settle(attempt, cost))

    async def reserve(self, start: AttemptStart, need: Need) -> None:
        """Hold the attempt's worst case against the global budget, or refuse to send it."""
        amount = need.cost().quantize(CENT_MILLIONTH, rounding=ROUND_CEILING)
        async with self.maker() as session, session.begin():
            call_id = await reserve_call(
                session, model_id=start.model_id, fingerprint=start.fingerprint, attempt=start.number,
                amount=amount, stage=Stage.evaluate, item_key=run_key(self.run_id),
            )  # fmt: skip
        if call_id is None:
            raise BudgetExceeded(
                f"the global budget would be passed: this call could cost up to ${amount:.6f}"
            )
        self._open[(start.fingerprint, start.number)] = (call_id, amount)

    async def settle(self, attempt: Attempt, cost: Decimal | None) -> None:
        """Close the attempt's row from the usage the provider reported (unknown when none came back)."""
        found = self._open.pop((attempt.fingerprint, attempt.number), None)
        if found is None:
            return
        call_id, reserved = found
        usage = attempt.usage
        status = CallStatus.unknown if usage is None else CallStatus.settled
        async with self.maker() as session, session.begin():
            await ledger_repository.settle_call(
                session, call_id, job_id=None, stage=Stage.evaluate, status=status,
                outcome=attempt.outcome.value, reserved=reserved,
                cost=None if usage is None else (cost or Decimal(0)),
                input_tokens=usage.input_tokens if usage else None,
                output_tokens=usage.output_tokens if usage else None,
                cached_tokens=usage.cached_input_tokens if usage else None,
                latency_ms=round(attempt.latency_s * 1000), error=attempt.error,
            )  # fmt: skip

    async def close(self) -> None:
        """Close the rows whose attempts never reported back as "unknown" (their worst case stays counted)."""
        while self._open:
            (_, _), (call_id, reserved) = self._open.popitem()
            async with self.maker() as session, session.begin():
                await ledger_repository.settle_call(
                    session, call_id, job_id=None, stage=Stage.evaluate, status=CallStatus.unknown,
                    outcome="cancelled", reserved=reserved, cost=None, input_tokens=None,
                    output_tokens=None, cached_tokens=None, latency_ms=0,
                    error="the evaluation ended before the attempt reported back",
                )  # fmt: skip
