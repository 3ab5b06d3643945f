"""Cost of every attempt and the budget: reserve before a call, settle from reported usage after.

Reservations make the budget safe under concurrency: a call may start only if settled spend, every
reservation still held, and this call's worst case together stay within the limit. The worst case is
that of the request as sent (:mod:`distillation.pipeline.reservations`): when the budget's last room
cannot cover a call's full output cap, the call goes out with the largest cap that fits, if answers
to its prompt so far fit in it; else it waits for the calls in flight to settle (their answers are
usually far below their worst case) and only when none is left does the run stop. An attempt that a
provider batch carried is priced at the batch rate, and what that saved is kept for the savings report.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from distillation.cost import Budget, PriceTable, StageUsage, TokenUsage
from distillation.pipeline.reservations import Need, Observations, PromptKey, prompt_key
from distillation.providers import Attempt, AttemptStart, Outcome
from distillation.providers.errors import ProviderError

# How long a call may wait for the calls in flight to give back the room it needs.
ROOM_WAIT_S = 600.0
# The key of the item whose call is being reserved (set by the paid-call path): who goes first.
calling_item: contextvars.ContextVar[str] = contextvars.ContextVar("distillation_calling_item", default="")


class BudgetExceeded(ProviderError):
    """Starting the next call could exceed the budget; the run stops and can resume later."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class SpendingStopped(ProviderError):
    """The run was asked to stop: calls already sent finish, no new one starts."""

    def __init__(self) -> None:
        super().__init__("the run is stopping: no new call is sent")


@dataclass
class _ModelSpend:
    usage: TokenUsage = field(default_factory=TokenUsage)
    cost: Decimal = Decimal(0)
    unknown: int = 0
    calls: int = 0
    batch_saved: Decimal = Decimal(0)

    def book(self, cost: Decimal, online: Decimal | None) -> None:
        """Add a known cost (and, for a batched answer, what the online rates would have cost)."""
        self.cost += cost
        if online is not None:
            self.batch_saved += online - cost


@dataclass(frozen=True, slots=True)
class _Held:
    amount: Decimal
    key: PromptKey
    input_estimate: int


class Accountant:
    """Prices attempts, keeps spend per stage and model, and guards the budget."""

    def __init__(self, prices: PriceTable, budget: Decimal | None = None) -> None:
        self.prices = prices
        self.budget = Budget(budget)
        self.spent = Decimal(0)
        self.reserved = Decimal(0)
        # The worst case of attempts whose usage never came back (they may have been billed).
        self.unknown = Decimal(0)
        self.observed = Observations()
        self._held: dict[tuple[str, int], _Held] = {}
        self._changed = asyncio.Event()
        self._waiting: list[str] = []  # the items whose calls wait for room
        self._spend: dict[tuple[str, str], _ModelSpend] = defaultdict(_ModelSpend)
        # Answers taken from the cache: paid by an earlier run, part of what this run's rows cost.
        self._reused: dict[tuple[str, str], _ModelSpend] = defaultdict(_ModelSpend)
        self.unknown_models: set[str] = set()
        self.stopped = False

    def need(self, start: AttemptStart) -> Need:
        """What the attempt may cost, and the least output cap worth sending it with."""
        return self.observed.need(start, self.prices.price_for(start.model_id))

    def stop(self) -> None:
        """Refuse every attempt from now on (:class:`SpendingStopped`); those already sent go on."""
        self.stopped = True
        self._wake()

    async def reserve(self, start: AttemptStart, need: Need | None = None) -> int | None:
        """Hold the worst case of an attempt about to start; the lower output cap it must use, if any.

        When the budget's room cannot cover the attempt even at the least cap worth sending, it waits
        for the reservations of the calls in flight to be settled, and refuses when none is left.
        While calls wait for room, the calls of the earliest item (by key) go first: finishing the
        items already begun is worth more than beginning new ones.

        Raises:
            SpendingStopped: :meth:`stop` was called.
            BudgetExceeded: Not even the least cap worth sending fits what is left of the budget.
        """
        need = need or self.need(start)
        item, queued, waited = calling_item.get(), False, 0.0
        try:
            while True:
                if self.stopped:
                    raise SpendingStopped()
                room = self.budget.remaining(self.spent + self.unknown, self.reserved)
                cap = need.fit(room)
                first = not self._waiting or item <= min(self._waiting)
                if cap is not None and first:
                    self.hold(start, need.cost(cap))
                    return None if room is None else cap
                if cap is None and first and (self.reserved <= 0 or waited >= ROOM_WAIT_S):
                    raise BudgetExceeded(
                        f"the next call could cost up to ${need.cost(need.min_tokens):.6f}; spent "
                        f"${self.spent + self.unknown:.6f} + reserved ${self.reserved:.6f} of the "
                        f"${self.budget.limit} budget"
                    )
                if not queued:
                    self._waiting.append(item)
                    queued = True
                started = asyncio.get_running_loop().time()
                await self._changes(ROOM_WAIT_S - waited)
                waited += asyncio.get_running_loop().time() - started
        finally:
            if queued:
                self._waiting.remove(item)
                self._wake()

    def hold(self, start: AttemptStart, amount: Decimal) -> None:
        """Hold ``amount`` for the attempt (replacing what it held), released when it settles."""
        self.release(start)
        self._held[(start.fingerprint, start.number)] = _Held(amount, prompt_key(start), start.input_tokens)
        self.reserved += amount

    def release(self, start: AttemptStart) -> None:
        """Give back the reservation of an attempt that was not sent after all."""
        held = self._held.pop((start.fingerprint, start.number), None)
        if held is not None:
            self.reserved -= held.amount
            self._wake()

    async def _changes(self, seconds: float) -> None:
        """Wait until a reservation is given back or the run stops (at most ``seconds``)."""
        changed = self._changed
        try:
            async with asyncio.timeout(max(seconds, 0.0)):
                await changed.wait()
        except TimeoutError:
            return

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def settle(self, stage: str, attempt: Attempt) -> Decimal | None:
        """Release the attempt's reservation and book its cost; None when it cannot be known."""
        held = self._held.pop((attempt.fingerprint, attempt.number), None)
        if attempt.outcome is Outcome.NOT_SENT:  # never left the process: its hold is given back
            if held is not None:
                self.reserved -= held.amount
                self._wake()
            return Decimal(0)
        if held is not None:
            self.reserved -= held.amount
            if attempt.usage is None:
                self.unknown += held.amount
            elif attempt.usage.output_tokens > 0:  # an unbilled attempt (a batch's failure) says nothing
                self.observed.add(held.key, held.input_estimate, attempt.usage)
            self._wake()
        spend = self._spend[(stage, attempt.model_id)]
        spend.calls += 1
        if attempt.usage is None:
            # Timeouts and dropped connections may still be billed: keep the worst case as spent.
            spend.unknown += 1
            return None
        usage = TokenUsage(
            attempt.usage.input_tokens, attempt.usage.output_tokens, attempt.usage.cached_input_tokens
        )
        batch = attempt.batch_id is not None
        cost = self.prices.cost_of(attempt.model_id, usage, batch=batch)
        spend.usage = spend.usage + usage
        if cost is None:
            spend.unknown += 1
            self.unknown_models.add(attempt.model_id)
            return None
        spend.book(cost, self.prices.cost_of(attempt.model_id, usage) if batch else None)
        self.spent += cost
        return cost

    def cost_of(self, model_id: str, input_tokens: int, output_tokens: int) -> Decimal | None:
        """The price of a usage (used for rows answered from the cache)."""
        return self.prices.cost_of(model_id, TokenUsage(input_tokens, output_tokens))

    def reuse(
        self, stage: str, model_id: str, input_tokens: int, output_tokens: int, *, batch: bool = False
    ) -> Decimal | None:
        """Book an answer taken from the cache (nothing is spent); returns what it cost when paid.

        ``batch``: the answer came from a provider batch (priced at the batch rate).
        """
        usage = TokenUsage(input_tokens, output_tokens)
        cost = self.prices.cost_of(model_id, usage, batch=batch)
        book = self._reused[(stage, model_id)]
        book.calls += 1
        book.usage = book.usage + usage
        if cost is None:
            book.unknown += 1
        else:
            book.book(cost, self.prices.cost_of(model_id, usage) if batch else None)
        return cost

    @property
    def reused_answers(self) -> int:
        """Answers taken from the cache instead of paid for."""
        return sum(book.calls for book in self._reused.values())

    def run_usage(self) -> list[StageUsage]:
        """Usage, calls and cost per stage and model of every answer of the run: paid now or reused.

        A cost is None when the model has no price (a timed-out attempt without usage is left out).
        """
        keys = sorted(set(self._spend) | set(self._reused))
        usages = []
        for key in keys:
            books = [book for book in (self._spend.get(key), self._reused.get(key)) if book is not None]
            usage = sum((book.usage for book in books), TokenUsage())
            unknown = self.prices.price_for(key[1]) is None
            cost = None if unknown else sum((book.cost for book in books), Decimal(0))
            calls = sum(book.calls for book in books)
            saved = sum((book.batch_saved for book in books), Decimal(0))
            usages.append(
                StageUsage(
                    stage=key[0], model_id=key[1], usage=usage, cost=cost, calls=calls, batch_saved=saved
                )
            )
        return usages

    def stage_usage(self) -> list[StageUsage]:
        """Usage and cost per stage and model, for the savings report."""
        return [
            StageUsage(stage=stage, model_id=model, usage=spend.usage, cost=spend.cost)
            for (stage, model), spend in sorted(self._spend.items())
        ]
