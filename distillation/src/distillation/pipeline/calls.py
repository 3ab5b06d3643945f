"""The one path of every paid model request: a request is never paid for twice, nor past the budget.

Every request of the library and of the service — the pipeline's seed, bulk, policy, judge and fix
calls, seed amplification's traces, policy and new pairs, evaluation's teacher answers and judge
scores, preference pairs' answers and verdicts, and the service's jobs (which run the same steps on
their engine) — goes through :class:`PaidCalls`, in this order:

1. **fingerprint**: the request is built (an item's own sampling seed comes from :func:`item_seed`)
   and fingerprinted by its client (model, sorted settings, template hash, messages, schema). The
   fingerprint is the cache key and the ledger's key of each attempt.
2. **cache get**: an answer already paid for is returned without any request, priced as it was.
3. **reserve**: before each attempt the client calls :meth:`PaidCalls.reserve_hook`: the in-process
   :class:`~distillation.pipeline.accounting.Accountant` holds the attempt's worst case against the
   budget, then the owner's ``before_attempt`` runs with the attempt's
   :class:`~distillation.pipeline.reservations.Need` (the service books a ledger row in its shared
   database). Either may lower the attempt's output cap to the budget's last room, or refuse
   (``BudgetExceeded``); nothing is sent then.
4. **call**: the client sends the request, with retries and re-asks. With a
   :class:`~distillation.pipeline.batching.BatchDelivery`, a request of a stage that can wait is
   reserved, then handed to the delivery, which submits it with the others in a provider batch;
   its answer is the first attempt (re-asks go online), and a request the batch failed or expired
   is sent online (:mod:`distillation.pipeline.batching`). A request the budget's last room would
   cap goes online, where the cap is applied.
5. **settle**: after each attempt the accountant books its cost from the provider's usage, then the
   owner's ``on_attempt`` runs (the service settles its ledger row) — for every attempt but the one
   that brought the answer, which is booked in step 6. An attempt reserved but surely never sent (its
   rate-limit check failed, no connection could be opened, or it was cancelled while it waited for
   its slot) is booked too, as
   ``Outcome.NOT_SENT`` with zero usage: its reservation is given back at once (the service closes
   its row as ``not_sent``) and it counts in no request total. One that may have been sent (a timeout,
   a connection dropped after the request went out) keeps its worst case as unknown.
6. **cache put and settle**: the answer is stored, an unusable one (truncated, filtered, still
   invalid) too, since it was paid for, and the attempt that brought it is booked *with* it: the
   owner's ``on_answer`` does both in one commit (the service settles the ledger row and caches the
   answer in one transaction); without one the answer is put in the cache first, then that attempt
   goes to ``on_attempt``. So no answer is booked as paid without being in the cache: a process
   killed at any moment either kept the answer or never booked its attempt as paid (that attempt stays
   reserved, is closed as unknown, and its request is sent again). A cancellation waits until this
   step is done. An answer cut off at a cap the budget lowered is the exception: it is not what the
   request asks for, so it is not stored (its attempt is booked on its own), and the call raises
   ``BudgetExceeded`` (a rerun with more budget sends the request whole).

An attempt that brought an answer is held back until it is known to be the last one: when a re-ask
follows it, it is booked as that re-ask ends, like any other attempt.

The result is a :class:`Call`: the answer and the :class:`~distillation.pipeline.types.CallRecord`
kept in a row's provenance.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from distillation.cost import TokenUsage
from distillation.datatypes import RenderedPrompt
from distillation.pipeline.accounting import Accountant, BudgetExceeded, SpendingStopped, calling_item
from distillation.pipeline.batching import BatchDelivery
from distillation.pipeline.cache import Answer, ResponseCache
from distillation.pipeline.reservations import Need
from distillation.pipeline.types import CallRecord
from distillation.providers import (
    Attempt,
    AttemptStart,
    ChatRequest,
    LLMClient,
    Message,
    Outcome,
    OutputError,
    ProviderError,
    Usage,
)
from distillation.providers.batch import BatchedCompletion
from distillation.providers.client import StartCallback

# Called with (stage, item key, attempt, cost) after every settled attempt (the service's ledger).
AttemptHook = Callable[[str, str, Attempt, Decimal | None], Awaitable[None]]
# Called with (stage, item key, attempt, cost, answer) for the attempt that brought the answer: books
# the attempt and stores the answer in one commit (the service's ledger settle and response cache).
AnswerHook = Callable[[str, str, Attempt, Decimal | None, Answer], Awaitable[None]]
# Called before every attempt with what it may cost (the service's ledger reservation); returns the
# output cap the attempt must use when it is lower than the one asked for, None to send it as asked.
ReserveHook = Callable[[AttemptStart, Need], Awaitable[int | None] | int | None]

# The outcomes of attempts that brought an answer (usable or not): the last of them is the call's answer.
_ANSWERED = frozenset({Outcome.OK, Outcome.LENGTH, Outcome.CONTENT_FILTER, Outcome.INVALID_OUTPUT})


@dataclass(frozen=True, slots=True)
class Call:
    """One answered request: the answer, its record (cost, tokens, cached or not) and its attempts."""

    answer: Answer
    record: CallRecord
    attempts: tuple[Attempt, ...] = ()

    @property
    def cached(self) -> bool:
        """True when the answer came from the cache (no request was sent)."""
        return self.record.cached

    @property
    def cost(self) -> Decimal | None:
        """What the call cost; None when a price or an attempt's usage is unknown."""
        return self.record.cost_usd

    @property
    def usage(self) -> TokenUsage:
        """Tokens billed by this call's attempts (cached input tokens included); the answer's if cached."""
        if self.cached:
            return TokenUsage(self.answer.input_tokens, self.answer.output_tokens)
        return attempts_usage(self.attempts)

    def metadata(self) -> dict[str, Any]:
        """Model, tokens and cost, as stored with an amplified row."""
        return {
            "model": self.answer.model_id,
            "fingerprint": self.answer.fingerprint,
            "input_tokens": self.answer.input_tokens,
            "output_tokens": self.answer.output_tokens,
            "cost_usd": None if self.cost is None else str(self.cost),
            "cached": self.cached,
        }


@dataclass
class PaidCalls:
    """Sends requests through the cache, the budget and the cost books (see the module docstring).

    Attributes:
        cache: Answers already paid for, by fingerprint.
        accountant: Prices attempts and guards the in-process budget.
        seed: The run's seed; each item samples with :func:`item_seed` of it.
        temperature: Sampling temperature of the requests built here.
        max_tokens: Output cap when a call names none.
        on_attempt: Called after every settled attempt (the service's ledger settle); the attempt
            that brought the answer goes to ``on_answer`` instead when there is one.
        on_answer: Books the attempt that brought an answer and stores the answer, in one commit
            (the service's ledger settle and response cache); ``cache.put`` is not called then.
        before_attempt: Called before every attempt, after the budget check, with what the attempt may
            cost (the service's reserve); may lower its output cap or refuse it.
        batch: Sends the requests of stages that can wait through provider batch APIs; None: online.
        requests: Attempts sent (retries included).
        cached: Answers taken from the cache instead of sent.
    """

    cache: ResponseCache
    accountant: Accountant
    seed: int = 0
    temperature: float = 0.8
    max_tokens: int = 512
    on_attempt: AttemptHook | None = None
    on_answer: AnswerHook | None = None
    before_attempt: ReserveHook | None = None
    batch: BatchDelivery | None = None
    requests: int = field(default=0, init=False)
    cached: int = field(default=0, init=False)

    def reserve_hook(self) -> StartCallback:
        """The ``before_attempt`` of every client whose requests go through here (step 3)."""
        accountant, then = self.accountant, self.before_attempt
        if then is None:
            return accountant.reserve  # no wrapper: nothing added to each attempt

        async def both(start: AttemptStart) -> int | None:
            need = accountant.need(start)
            cap = await accountant.reserve(start, need)
            try:
                if cap is not None:  # the owner books no more than the in-process budget left
                    need = replace(need, max_tokens=cap, min_tokens=min(need.min_tokens, cap))
                result = then(start, need)
                owned = await result if inspect.isawaitable(result) else result
            except BaseException:
                # The attempt is not sent: give back what the in-process accountant held for it.
                accountant.release(start)
                raise
            if owned is not None and (cap is None or owned < cap):
                accountant.hold(start, need.cost(owned))
                return owned
            return cap

        return both

    async def call(
        self,
        client: LLMClient,
        prompt: RenderedPrompt,
        *,
        stage: str,
        key: str,
        schema: dict[str, Any] | None,
        schema_name: str,
        max_tokens: int | None = None,
    ) -> Call:
        """The answer to ``prompt`` for item ``key``, sampled with the item's own seed (see :meth:`send`)."""
        request = ChatRequest(
            messages=tuple(Message(role=m["role"], content=m["content"]) for m in prompt.messages),
            max_tokens=max_tokens or self.max_tokens,
            temperature=self.temperature,
            seed=item_seed(self.seed, key),
            response_schema=schema,
            schema_name=schema_name,
            template_hash=prompt.template_hash,
        )
        return await self.send(client, request, stage=stage, key=key)

    async def send(self, client: LLMClient, request: ChatRequest, *, stage: str, key: str = "") -> Call:
        """The answer to ``request``, from the cache or from ``client`` (then cached).

        Raises:
            BudgetExceeded: Sending the request could exceed the budget.
            ProviderError: Retries exhausted or a fatal error (an unusable answer is returned instead).
        """
        fingerprint = client.fingerprint(request)
        cached = await self.cache.get(fingerprint)
        if cached is not None:
            self.cached += 1
            cost = self.accountant.reuse(
                stage, cached.model_id, cached.input_tokens, cached.output_tokens, batch=cached.batch
            )
            return Call(cached, _record(stage, cached, request.template_hash, cost, cached=True))
        books = _Books(self, stage, key)
        token = calling_item.set(key)
        try:
            batched = None
            if self.batch is not None and self.batch.takes(client, stage):
                batched = await self._through_batch(self.batch, client, request, fingerprint, books.settle)
            answer = Answer.from_result(
                await client.chat(request, on_attempt=books.settle, fingerprint=fingerprint, batched=batched)
            )
        except OutputError as exc:  # paid for but unusable: cached so a rerun does not pay again
            if exc.reason == "length" and exc.capped is not None:
                # Cut off at the budget's last room: not the request's answer, so not cached; its
                # attempt is booked on its own.
                await _finish(books.release())
                raise BudgetExceeded(
                    f"the answer was cut off at the {exc.capped} output tokens the budget had room for"
                ) from exc
            answer = Answer.from_output_error(client.model_id, fingerprint, exc)
        except BaseException:
            await _finish(books.release())
            raise
        finally:
            calling_item.reset(token)
        await _finish(books.keep(answer))
        known = [c for c in books.costs if c is not None]
        total = None if len(known) < len(books.costs) else sum(known, Decimal(0))
        record = _record(stage, answer, request.template_hash, total, cached=False)
        return Call(answer, record, tuple(books.attempts))

    async def _through_batch(
        self,
        batch: BatchDelivery,
        client: LLMClient,
        request: ChatRequest,
        fingerprint: str,
        settle: Callable[[Attempt], Awaitable[None]],
    ) -> BatchedCompletion | None:
        """The request's answer from a provider batch; None when it must go online after all.

        Its worst case is reserved before it joins a batch, so a batch is reserved before it is sent.
        A request the batch failed or expired is settled as an unbilled attempt (its reservation is
        given back) and then sent online; so is one the budget's last room would cap.
        """
        start = client.attempt_start(client.wire_request(request), fingerprint, 1)
        reserved = self.reserve_hook()(start)
        cap = await reserved if inspect.isawaitable(reserved) else reserved
        if cap is not None and start.max_tokens is not None and cap < start.max_tokens:
            # The budget's last room caps it: sent online, where the cap applies.
            self.accountant.release(start)
            return None
        try:
            outcome = await batch.answer(client, request, fingerprint)
        except BaseException:
            self.accountant.release(start)
            raise
        if isinstance(outcome, BatchedCompletion):
            return outcome
        if isinstance(outcome, SpendingStopped):  # the run stops: its batch is resumed by the next
            self.accountant.release(start)
            raise outcome
        await settle(_unbilled(start, outcome))
        return None


@dataclass
class _Books:
    """The attempts of one sent request: settled as they end, the answer's attempt with the answer."""

    calls: PaidCalls
    stage: str
    key: str
    attempts: list[Attempt] = field(default_factory=list)
    costs: list[Decimal | None] = field(default_factory=list)
    held: tuple[Attempt, Decimal | None] | None = None  # the last attempt that brought an answer

    async def settle(self, attempt: Attempt) -> None:
        """Step 5: the accountant books every attempt now; the owner all but the answer's."""
        if attempt.outcome is not Outcome.NOT_SENT:
            self.calls.requests += 1
        self.attempts.append(attempt)
        cost = self.calls.accountant.settle(self.stage, attempt)
        self.costs.append(cost)
        await self.release()  # another attempt followed it: the held one was not the last
        if attempt.outcome in _ANSWERED:
            self.held = (attempt, cost)
        else:
            await self._book(attempt, cost)

    async def release(self) -> None:
        """Book the held attempt on its own: its answer is not the call's (or the call failed)."""
        held, self.held = self.held, None
        if held is not None:
            await self._book(*held)

    async def keep(self, answer: Answer) -> None:
        """Step 6: store ``answer`` and book the attempt that brought it, in one commit if the owner can."""
        held, self.held = self.held, None
        on_answer = self.calls.on_answer
        if held is not None and on_answer is not None:
            await on_answer(self.stage, self.key, *held, answer)
            return
        await self.calls.cache.put(answer)  # first: a booked answer is always a cached one
        if held is not None:
            await self._book(*held)

    async def _book(self, attempt: Attempt, cost: Decimal | None) -> None:
        if self.calls.on_attempt is not None:
            await self.calls.on_attempt(self.stage, self.key, attempt, cost)


def _unbilled(start: AttemptStart, error: ProviderError) -> Attempt:
    """A request a batch did not answer: not billed (a provider bills only the requests it answers)."""
    return Attempt(
        model_id=start.model_id,
        fingerprint=start.fingerprint,
        number=start.number,
        outcome=error.outcome,
        usage=Usage(),
        latency_s=0.0,
        started_at=time.time(),
        status_code=error.status_code,
        error=str(error)[:500],
    )


def item_seed(run_seed: int, key: str) -> int:
    """The sampling seed of item ``key``: varied answers, yet the same request (and cache key) on a rerun.

    Part of every fingerprint: changing it would make every answer already paid for unreachable.
    """
    return (run_seed * 1_000_003 + int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)) % (2**31)


def attempts_usage(attempts: Iterable[Attempt]) -> TokenUsage:
    """Tokens billed by ``attempts`` (those whose usage came back), cached input tokens included."""
    total = TokenUsage()
    for attempt in attempts:
        if (usage := attempt.usage) is not None:
            cached = min(usage.cached_input_tokens, usage.input_tokens)
            total = total + TokenUsage(usage.input_tokens, usage.output_tokens, cached)
    return total


async def _finish(step: Awaitable[None]) -> None:
    """Run a booking step to its end; a cancellation waits until it is done, then goes on."""
    task = asyncio.ensure_future(step)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


def _record(
    stage: str, answer: Answer, template_hash: str, cost: Decimal | None, *, cached: bool
) -> CallRecord:
    return CallRecord(
        stage=stage,
        model=answer.model_id,
        fingerprint=answer.fingerprint,
        template_hash=template_hash,
        input_tokens=answer.input_tokens,
        output_tokens=answer.output_tokens,
        cost_usd=cost,
        attempts=answer.attempts,
        cached=cached,
        repaired=answer.repaired,
    )
