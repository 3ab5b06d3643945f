"""A budget spends what it allows: the last calls are capped to the room left, never sent past it."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from distillation.cost import Budget, ModelPrice, PriceTable
from distillation.datatypes import RenderedPrompt
from distillation.pipeline import Accountant, BudgetExceeded, MemoryCache, Need, PaidCalls
from distillation.pipeline.accounting import calling_item
from distillation.providers import Attempt, AttemptStart, Outcome, Usage, get_model
from distillation.testing import Behavior, FakeProviderServer, RecordedRequest, ok

MODEL = "openai:gpt-4o"
PRICE = ModelPrice(MODEL, Decimal("2.5"), Decimal("10"))
TEMPLATE = "cd" * 32


def start(number: int = 1, *, input_tokens: int = 400, max_tokens: int = 512) -> AttemptStart:
    return AttemptStart(
        MODEL,
        f"fingerprint-{number}",
        number,
        input_tokens + max_tokens,
        input_tokens=input_tokens,
        max_tokens=max_tokens,
        template_hash=TEMPLATE,
    )


def answered(begun: AttemptStart, input_tokens: int, output_tokens: int) -> Attempt:
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    return Attempt(MODEL, begun.fingerprint, begun.number, Outcome.OK, usage, 0.1, 0.0)


async def learned(budget: str, *outputs: int) -> Accountant:
    """An accountant that has seen answers of ``outputs`` tokens to 400-token prompts."""
    accountant = Accountant(PriceTable.load(None))
    for number, output in enumerate(outputs, start=100):
        begun = start(number)
        await accountant.reserve(begun)
        accountant.settle("seed", answered(begun, 400, output))
    accountant.budget = Budget(Decimal(budget))
    return accountant


def test_the_cap_is_the_largest_that_fits_and_none_below_the_least_worth_sending() -> None:
    need = Need(PRICE, input_tokens=400, max_tokens=512, min_tokens=100)

    assert need.cost() == Decimal("0.00612")
    assert need.fit(None) == need.fit(Decimal("1")) == 512
    assert need.fit(Decimal("0.003")) == 200  # $0.001 of input, then 200 tokens at $10 a million
    assert need.cost(need.fit(Decimal("0.0030099")) or 0) <= Decimal("0.0030099")
    assert need.fit(Decimal("0.0019999")) is None  # 99 tokens: less than answers need
    assert Need(None, 400, 512, 100).fit(Decimal(0)) == 512  # an unpriced model costs nothing


async def test_before_any_answer_a_call_is_reserved_whole_and_never_capped() -> None:
    accountant = Accountant(PriceTable.load(None), Decimal("0.009"))

    need = accountant.need(start())
    # One token a character for the input (the estimate counts four), the full output cap.
    assert (need.input_tokens, need.min_tokens) == (1600, 512)
    with pytest.raises(BudgetExceeded):
        await accountant.reserve(start())
    assert accountant.reserved == 0


async def test_answers_seen_bound_the_input_and_set_the_least_cap_worth_sending() -> None:
    accountant = await learned("1", 100, 120, 80, 110)

    need = accountant.need(start(input_tokens=800))
    # The input came back as estimated: 25% over it; the longest of four answers, 25% over it.
    assert (need.input_tokens, need.max_tokens, need.min_tokens) == (1000, 512, 150)


async def test_the_last_call_is_capped_to_the_room_left_and_the_spend_stays_within() -> None:
    accountant = await learned("0.006", 100)  # $0.002 spent
    before = accountant.spent

    cap = await accountant.reserve(start(7))

    # $0.004 left: $0.00125 for the input's bound, the rest buys 275 output tokens.
    assert cap == 275
    assert accountant.reserved == Decimal("0.004")
    accountant.settle("seed", answered(start(7), 400, cap))  # even an answer as long as its cap
    assert accountant.spent - before <= Decimal("0.004")
    assert accountant.spent <= Decimal("0.006")


async def test_a_call_that_does_not_fit_waits_for_the_calls_in_flight_then_goes() -> None:
    accountant = await learned("0.0095", 100)  # $0.002 spent
    first = start(1)
    assert await accountant.reserve(first) == 512  # $0.00637 held
    second = asyncio.create_task(accountant.reserve(start(2)))
    await asyncio.sleep(0.05)
    assert not second.done()  # $0.00113 left: less than $0.00125 of input and 125 output tokens

    accountant.settle("seed", answered(first, 400, 100))

    assert await asyncio.wait_for(second, 1) == 425  # $0.0055 left once the first cost $0.002
    assert accountant.spent + accountant.reserved <= Decimal("0.0095")


async def test_while_calls_wait_for_room_the_earliest_item_goes_first() -> None:
    accountant = await learned("0.0095", 100)  # $0.002 spent
    first = start(1)
    await accountant.reserve(first)  # $0.00637 held: no room for another call until it settles

    async def reserve_for(item: str, number: int) -> int | None:
        calling_item.set(item)  # the task's own context: the paid-call path sets it per call
        return await accountant.reserve(start(number))

    later_item = asyncio.create_task(reserve_for("seed-0000005", 2))
    await asyncio.sleep(0.01)
    earlier_item = asyncio.create_task(reserve_for("seed-0000001", 3))
    await asyncio.sleep(0.01)
    accountant.settle("seed", answered(first, 400, 100))

    assert await asyncio.wait_for(earlier_item, 1) == 425  # though it asked second
    await asyncio.sleep(0.05)
    assert not later_item.done()
    accountant.settle("seed", answered(start(3), 400, 100))
    assert await asyncio.wait_for(later_item, 1) == 225


async def test_with_nothing_in_flight_a_call_that_cannot_fit_stops_the_run() -> None:
    accountant = await learned("0.0035", 100)  # $0.0015 left: less than $0.00125 and 125 tokens

    with pytest.raises(BudgetExceeded, match="could cost up to"):
        await accountant.reserve(start(3))
    assert accountant.reserved == 0


async def test_an_answer_cut_at_the_budgets_cap_is_not_cached_and_stops_the_run() -> None:
    def long_answer(request: RecordedRequest) -> Behavior:
        cap = request.body.get("max_completion_tokens")
        if cap is not None and cap < 512:
            return ok(text="cut", usage=(400, cap)).with_(finish="length")
        return ok(text="a complete answer", usage=(400, 100))

    prompt = RenderedPrompt(
        template="seed", template_hash=TEMPLATE, messages=[{"role": "user", "content": "x" * 1596}]
    )
    with FakeProviderServer(long_answer) as server:
        calls = PaidCalls(MemoryCache(), await learned("0.006", 100))
        credentials = {"api_key": "sk-test", "base_url": server.openai_base_url}
        async with get_model(MODEL, credentials=credentials, before_attempt=calls.reserve_hook()) as model:
            with pytest.raises(BudgetExceeded, match="cut off at the 275 output tokens"):
                await calls.call(model, prompt, stage="seed", key="seed-1", schema=None, schema_name="text")
            sent = [r.body["max_completion_tokens"] for r in server.requests]

    assert sent == [275]
    assert calls.accountant.spent <= Decimal("0.006")
    assert len(calls.cache) == 0  # type: ignore[arg-type]
