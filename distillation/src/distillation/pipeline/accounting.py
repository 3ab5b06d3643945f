"""Cost of every attempt and the budget: reserve before a call, settle from reported usage after.

Reservations make the budget safe under concurrency: a call may start only if settled spend, every
reservation still held, and this call's worst case together stay within the limit. An attempt that a
provider batch carried is priced at the batch rate, and what that saved is kept for the savings report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from distillation.cost import Budget, PriceTable, StageUsage, TokenUsage
from distillation.providers import Attempt, AttemptStart
from distillation.providers.errors import ProviderError


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


class Accountant:
    """Prices attempts, keeps spend per stage and model, and guards the budget."""

    def __init__(self, prices: PriceTable, budget: Decimal | None = None) -> None:
        self.prices = prices
        self.budget = Budget(budget)
        self.spent = Decimal(0)
        self.reserved = Decimal(0)
        self._held: dict[tuple[str, int], Decimal] = {}
        self._spend: dict[tuple[str, str], _ModelSpend] = defaultdict(_ModelSpend)
        # Answers taken from the cache: paid by an earlier run, part of what this run's rows cost.
        self._reused: dict[tuple[str, str], _ModelSpend] = defaultdict(_ModelSpend)
        self.unknown_models: set[str] = set()
        self.stopped = False

    def worst_case(self, model_id: str, tokens: int) -> Decimal:
        """An upper bound of a call's cost: every estimated token at the output rate."""
        price = self.prices.price_for(model_id)
        if price is None:
            return Decimal(0)
        return price.cost(TokenUsage(output_tokens=tokens))

    def stop(self) -> None:
        """Refuse every attempt from now on (:class:`SpendingStopped`); those already sent go on."""
        self.stopped = True

    def reserve(self, start: AttemptStart) -> None:
        """Hold the worst case of an attempt about to start, or raise :class:`BudgetExceeded`.

        Raises:
            SpendingStopped: :meth:`stop` was called.
            BudgetExceeded: The attempt could take spending past the budget.
        """
        if self.stopped:
            raise SpendingStopped()
        amount = self.worst_case(start.model_id, start.estimated_tokens)
        if self.budget.would_exceed(self.spent, self.reserved, amount):
            raise BudgetExceeded(
                f"the next call could cost up to ${amount:.6f}; spent ${self.spent:.6f} "
                f"+ reserved ${self.reserved:.6f} of the ${self.budget.limit} budget"
            )
        self._held[(start.fingerprint, start.number)] = amount
        self.reserved += amount

    def release(self, start: AttemptStart) -> None:
        """Give back the reservation of an attempt that was not sent after all."""
        self.reserved -= self._held.pop((start.fingerprint, start.number), Decimal(0))

    def settle(self, stage: str, attempt: Attempt) -> Decimal | None:
        """Release the attempt's reservation and book its cost; None when it cannot be known."""
        self.reserved -= self._held.pop((attempt.fingerprint, attempt.number), Decimal(0))
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
