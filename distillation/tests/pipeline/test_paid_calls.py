"""The one paid-call path: the cache keys of before, never paid twice, reserved before and settled after,
and no answer booked as paid without being in the cache."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from distillation.cost import PriceTable
from distillation.datatypes import RenderedPrompt, get_datatype
from distillation.pipeline import (
    Accountant,
    Answer,
    BudgetExceeded,
    Call,
    MemoryCache,
    Need,
    PaidCalls,
    ResponseCache,
    item_seed,
)
from distillation.pipeline.calls import AnswerHook, AttemptHook, ReserveHook
from distillation.providers import (
    Attempt,
    AttemptStart,
    LLMClient,
    Outcome,
    ProviderConnectError,
    ProviderError,
    RetryPolicy,
    Usage,
    get_model,
)
from distillation.testing import Behavior, FakeProviderServer, hang, length, ok, sequence, server_error

MODEL = "openai:gpt-4o-mini"
PROMPT = RenderedPrompt(
    template="seed",
    template_hash="ab" * 32,
    messages=[{"role": "system", "content": "Write one row."}, {"role": "user", "content": "A question."}],
)
SCHEMA = get_datatype("qa").json_schema()
# What the pipeline's and amplification's own cached-call code gave before they shared this path.
SEED, AMPLIFIED_SEED = 2_131_631_360, 445_497_150
FINGERPRINT = "082957bfc65efcfb08401d4e4adda7a33559317eabacb7fa2c2692f502b4adc3"


def paid_calls(
    before_attempt: ReserveHook | None = None,
    on_attempt: AttemptHook | None = None,
    on_answer: AnswerHook | None = None,
    cache: ResponseCache | None = None,
) -> PaidCalls:
    return PaidCalls(
        MemoryCache() if cache is None else cache,
        Accountant(PriceTable.load(None)),
        seed=7,
        before_attempt=before_attempt,
        on_attempt=on_attempt,
        on_answer=on_answer,
    )


@pytest.fixture
async def client(fake: FakeProviderServer) -> AsyncIterator[LLMClient]:
    model = get_model(MODEL, credentials={"api_key": "sk-test", "base_url": fake.openai_base_url})
    yield model
    await model.aclose()


async def ask(calls: PaidCalls, client: LLMClient, key: str = "seed-0003", stage: str = "seed") -> Call:
    return await calls.call(client, PROMPT, stage=stage, key=key, schema=SCHEMA, schema_name="example")


def with_reserve(calls: PaidCalls, server: FakeProviderServer) -> LLMClient:
    credentials = {"api_key": "sk-test", "base_url": server.openai_base_url}
    return get_model(MODEL, credentials=credentials, before_attempt=calls.reserve_hook())


async def test_requests_keep_the_cache_keys_of_the_answers_already_paid_for(
    fake: FakeProviderServer, client: LLMClient
) -> None:
    # Another seed or fingerprint would orphan every answer already in a cache: a resumed run would
    # pay for all of them again.
    assert item_seed(7, "seed-0003") == SEED
    assert item_seed(0, "amplified-000012") == AMPLIFIED_SEED
    calls = paid_calls()

    call = await calls.call(
        client, PROMPT, stage="seed", key="seed-0003", schema=SCHEMA, schema_name="example", max_tokens=512
    )

    assert call.record.fingerprint == FINGERPRINT
    assert fake.requests[0].body["seed"] == SEED


async def test_an_answer_paid_for_once_is_taken_from_the_cache_with_its_cost(
    fake: FakeProviderServer, client: LLMClient
) -> None:
    fake.reset(default=ok(usage=(1000, 100)))
    calls = paid_calls()

    first = await ask(calls, client)
    again = await ask(calls, client)

    assert len(fake.requests) == 1
    assert (calls.requests, calls.cached) == (1, 1)
    assert not first.cached
    assert again.cached
    assert again.answer == first.answer
    # gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    assert first.cost == again.cost == Decimal("0.00021")
    assert calls.accountant.spent == Decimal("0.00021")  # the cached answer is not booked again


async def test_every_attempt_is_reserved_before_it_is_sent_and_settled_from_its_usage(
    fake: FakeProviderServer,
) -> None:
    fake.reset(default=ok(usage=(1000, 100)))
    events: list[tuple[str, ...]] = []

    def reserve(start: AttemptStart, need: Need) -> None:
        events.append(("reserve", start.fingerprint, str(len(fake.requests))))

    async def settle(stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        events.append(("settle", stage, key, attempt.fingerprint, str(cost)))

    calls = paid_calls(before_attempt=reserve, on_attempt=settle)
    async with with_reserve(calls, fake) as model:
        call = await ask(calls, model)

    fingerprint = call.record.fingerprint
    assert events == [
        ("reserve", fingerprint, "0"),  # booked while nothing had been sent
        ("settle", "seed", "seed-0003", fingerprint, "0.00021"),
    ]
    assert calls.accountant.reserved == 0


async def test_a_refused_reservation_sends_nothing_and_gives_the_budget_back(
    fake: FakeProviderServer,
) -> None:
    def refuse(start: AttemptStart, need: Need) -> None:
        raise BudgetExceeded("the job's budget is spent")

    calls = paid_calls(before_attempt=refuse)
    async with with_reserve(calls, fake) as model:
        with pytest.raises(BudgetExceeded):
            await ask(calls, model)

    assert fake.requests == []
    assert calls.accountant.reserved == 0
    assert await calls.cache.get(FINGERPRINT) is None


async def test_an_unusable_answer_is_kept_so_a_rerun_does_not_pay_for_it_again(
    fake: FakeProviderServer, client: LLMClient
) -> None:
    fake.reset(default=length(usage=(1000, 100)))
    calls = paid_calls()

    first = await ask(calls, client, "bulk-0001", "bulk")
    again = await ask(calls, client, "bulk-0001", "bulk")

    assert "token limit" in (first.answer.error or "")
    assert again.cached
    assert again.answer == first.answer
    assert len(fake.requests) == 1
    assert first.usage.output_tokens == 100


class Killed(BaseException):
    """The process dies here: nothing after this point runs."""


class Books:
    """An owner's books: what was settled, in order, and the answers stored with their attempt."""

    def __init__(self) -> None:
        self.booked: list[tuple[str, int, Outcome]] = []
        self.stored: dict[str, Answer] = {}

    async def settle(self, stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        self.booked.append(("settled", attempt.number, attempt.outcome))

    async def settle_answer(
        self, stage: str, key: str, attempt: Attempt, cost: Decimal | None, answer: Answer
    ) -> None:
        self.booked.append(("settled with its answer", attempt.number, attempt.outcome))
        self.stored[answer.fingerprint] = answer


async def test_an_answer_is_in_the_cache_before_its_attempt_is_booked(
    fake: FakeProviderServer, client: LLMClient
) -> None:
    # A process killed as the answer's attempt is booked has kept the answer: the rerun pays nothing.
    fake.reset(default=ok(usage=(1000, 100)))

    async def die(stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        raise Killed

    killed = paid_calls(on_attempt=die)
    with pytest.raises(Killed):
        await ask(killed, client)
    again = await ask(paid_calls(cache=killed.cache), client)

    assert again.cached
    assert len(fake.requests) == 1


async def test_the_owner_settles_the_answers_attempt_and_stores_the_answer_in_one_step(
    fake: FakeProviderServer, client: LLMClient
) -> None:
    fake.reset(sequence(ok(content="wrong_schema", usage=(1000, 100))), default=ok(usage=(1000, 100)))
    books = Books()

    call = await ask(paid_calls(on_attempt=books.settle, on_answer=books.settle_answer), client)

    assert books.booked == [  # the re-asked answer is settled on its own, once the re-ask came back
        ("settled", 1, Outcome.INVALID_OUTPUT),
        ("settled with its answer", 2, Outcome.OK),
    ]
    assert books.stored == {call.record.fingerprint: call.answer}


async def test_an_answer_re_asked_in_vain_is_settled_and_nothing_is_stored(
    fake: FakeProviderServer, client: LLMClient
) -> None:
    fake.reset(sequence(ok(content="wrong_schema", usage=(1000, 100)), server_error(400)))
    books = Books()
    calls = paid_calls(on_attempt=books.settle, on_answer=books.settle_answer)

    with pytest.raises(ProviderError):
        await ask(calls, client)

    assert books.booked == [("settled", 1, Outcome.INVALID_OUTPUT), ("settled", 2, Outcome.CLIENT_ERROR)]
    assert books.stored == {}
    assert await calls.cache.get(FINGERPRINT) is None


class _Unreachable:
    """A limiter whose store cannot be reached (Redis down)."""

    async def try_acquire(self, key: str, parts: object, period_s: float) -> float:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    async def pause(self, key: str, seconds: float) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    async def publish_learned(self, key: str, info: dict[str, int]) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    async def learned(self, key: str) -> dict[str, int] | None:
        return None


class _Never(_Unreachable):
    """A limiter that never grants a slot (the window stays full)."""

    async def try_acquire(self, key: str, parts: object, period_s: float) -> float:
        return 60.0


def _booked(events: list[tuple[str, Attempt, Decimal | None]]) -> AttemptHook:
    async def settle(stage: str, key: str, attempt: Attempt, cost: Decimal | None) -> None:
        events.append((stage, attempt, cost))

    return settle


async def test_a_request_whose_rate_limit_check_fails_is_booked_not_sent_and_its_room_given_back(
    fake: FakeProviderServer,
) -> None:
    fake.reset(default=ok(usage=(1000, 100)))
    reserved: list[AttemptStart] = []
    events: list[tuple[str, Attempt, Decimal | None]] = []
    calls = paid_calls(before_attempt=lambda start, need: reserved.append(start), on_attempt=_booked(events))
    credentials = {"api_key": "sk-test", "base_url": fake.openai_base_url}
    down = get_model(
        MODEL, credentials=credentials, limiter=_Unreachable(), before_attempt=calls.reserve_hook()
    )
    async with down:
        with pytest.raises(ConnectionError):
            await ask(calls, down)

    assert fake.requests == []
    assert len(reserved) == 1
    [(stage, attempt, cost)] = events  # the owner closes its reservation at once, at $0
    assert (stage, attempt.outcome, attempt.usage, cost) == ("seed", Outcome.NOT_SENT, Usage(), Decimal(0))
    assert (attempt.fingerprint, attempt.number) == (reserved[0].fingerprint, reserved[0].number)
    assert "ConnectionError" in (attempt.error or "")
    assert (calls.accountant.reserved, calls.accountant.unknown, calls.accountant.spent) == (Decimal(0),) * 3
    assert calls.requests == 0

    async with with_reserve(calls, fake) as up:  # once the limiter answers, it is sent as usual
        call = await ask(calls, up)
    assert len(fake.requests) == 1
    assert call.cost == Decimal("0.00021")
    assert [a.outcome for _, a, _ in events] == [Outcome.NOT_SENT, Outcome.OK]


async def test_a_call_cancelled_while_it_waits_for_its_rate_limit_slot_is_booked_not_sent(
    fake: FakeProviderServer,
) -> None:
    events: list[tuple[str, Attempt, Decimal | None]] = []
    reserved = asyncio.Event()
    calls = paid_calls(before_attempt=lambda start, need: reserved.set(), on_attempt=_booked(events))
    credentials = {"api_key": "sk-test", "base_url": fake.openai_base_url}
    async with get_model(
        MODEL, credentials=credentials, limiter=_Never(), before_attempt=calls.reserve_hook()
    ) as model:
        task = asyncio.create_task(ask(calls, model))
        await reserved.wait()
        await asyncio.sleep(0.05)  # in the limiter's wait for a slot
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert fake.requests == []
    assert [(a.outcome, cost) for _, a, cost in events] == [(Outcome.NOT_SENT, Decimal(0))]
    assert calls.accountant.reserved == 0


async def test_a_request_that_timed_out_after_it_was_sent_stays_unknown(fake: FakeProviderServer) -> None:
    fake.reset(default=hang())
    events: list[tuple[str, Attempt, Decimal | None]] = []
    calls = paid_calls(before_attempt=lambda start, need: None, on_attempt=_booked(events))
    credentials = {"api_key": "sk-test", "base_url": fake.openai_base_url}
    async with get_model(
        MODEL,
        credentials=credentials,
        retry=RetryPolicy(max_attempts=1),
        timeout=0.3,
        before_attempt=calls.reserve_hook(),
    ) as model:
        with pytest.raises(ProviderError):
            await ask(calls, model)

    assert len(fake.requests) == 1  # it reached the provider, which may bill it
    [(_, attempt, cost)] = events
    assert (attempt.outcome, attempt.usage, cost) == (Outcome.TIMEOUT, None, None)
    assert calls.accountant.unknown > 0  # its worst case stays counted
    assert calls.accountant.reserved == 0


async def test_a_request_whose_answer_broke_off_after_it_was_sent_stays_unknown(
    fake: FakeProviderServer,
) -> None:
    fake.reset(default=Behavior(body="truncated"))  # the connection ends in the middle of the answer
    events: list[tuple[str, Attempt, Decimal | None]] = []
    calls = paid_calls(before_attempt=lambda start, need: None, on_attempt=_booked(events))
    async with get_model(
        MODEL,
        credentials={"api_key": "sk-test", "base_url": fake.openai_base_url},
        retry=RetryPolicy(max_attempts=1),
        before_attempt=calls.reserve_hook(),
    ) as model:
        with pytest.raises(ProviderError):
            await ask(calls, model)

    assert len(fake.requests) == 1
    [(_, attempt, cost)] = events
    assert attempt.outcome in (Outcome.CONNECTION_ERROR, Outcome.INVALID_RESPONSE)
    assert (attempt.usage, cost) == (None, None)
    assert calls.accountant.unknown > 0


async def test_a_refused_connection_is_booked_not_sent_and_its_room_given_back() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    events: list[tuple[str, Attempt, Decimal | None]] = []
    calls = paid_calls(before_attempt=lambda start, need: None, on_attempt=_booked(events))
    async with get_model(
        MODEL,
        credentials={"api_key": "sk-test", "base_url": f"http://127.0.0.1:{port}/v1"},
        retry=RetryPolicy(max_attempts=2, initial_delay=0.01),
        before_attempt=calls.reserve_hook(),
    ) as model:
        with pytest.raises(ProviderConnectError):
            await ask(calls, model)

    assert [(a.outcome, cost) for _, a, cost in events] == [(Outcome.NOT_SENT, Decimal(0))] * 2
    assert (calls.accountant.reserved, calls.accountant.unknown) == (Decimal(0), Decimal(0))
    assert calls.requests == 0
