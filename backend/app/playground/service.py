"""The playground: one conversation per model, all answered at once, streamed as one SSE stream.

Every model's answer goes out on the same response (``event: start | delta | done | error``, each
naming its ``column``), so a browser holds one connection whatever the number of models (HTTP/1.1
allows six per origin, and the dashboard already keeps job-event streams open), one request carries
the authentication and CSRF check, and closing it stops every model at once.

Each call is booked like a job's: a ledger row (no job, stage ``playground``) reserves the call's worst
case against the global budget before it is sent and is settled from the provider's usage at the
ledger's prices afterwards; a call stopped mid-way stays "unknown" with its worst case counted. Every
model streams through its adapter's ``stream`` (for provider models the SDK's streaming API, the usage
read from the stream's end), so the time to the first token is measured for them as for local ones,
and a 429 is booked as ``rate_limited`` at no cost. Nothing is taken from or put in the response
cache: the playground is for seeing fresh samples.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.errors import BadRequest
from app.finetune import service as finetune
from app.finetune.provider import TUNED
from app.finetune.repository import FinetuneRunRepository
from app.jobs import ledger_repository
from app.jobs.ledger import CENT_MILLIONTH
from app.models import CallStatus
from app.playground import repository
from app.playground.schemas import (
    ColumnDelta,
    ColumnDone,
    ColumnError,
    ColumnStart,
    DecodingOptions,
    PlaygroundChat,
    PlaygroundModel,
    PlaygroundTurn,
)
from app.providers import catalog
from app.providers.service import LOCAL, list_providers, resolve_credentials
from distillation.cost import PriceTable, TokenUsage
from distillation.providers import (
    Attempt,
    ChatRequest,
    Completion,
    ConfigurationError,
    Credentials,
    LLMClient,
    Message,
    MissingCredentialsError,
    Outcome,
    OutputError,
    ProviderError,
    RetryPolicy,
    Usage,
    get_model,
)
from distillation.providers.adapters.local import BUNDLED_MODEL
from distillation.providers.registry import runs_in_process

# Providers whose models take top-k here (llama.cpp's and transformers' samplers); others answer without it.
TOP_K_PROVIDERS = frozenset({LOCAL, TUNED})
# One attempt, no re-ask: a 429 or an error is shown in its column at once, not retried behind it.
ONE_ATTEMPT = RetryPolicy(max_attempts=1, max_reasks=0)
# In-process models keep their loaded weights between requests (loading one takes seconds).
_IN_PROCESS: dict[str, LLMClient] = {}


@dataclass
class ColumnPlan:
    """What one column sends: the client (None when it cannot be made) and the request."""

    index: int
    model_id: str
    request: ChatRequest
    client: LLMClient | None
    notes: list[str] = field(default_factory=list)
    refusal: str | None = None

    @property
    def shared(self) -> bool:
        """Whether the client is kept for the next request (an in-process model)."""
        return runs_in_process(self.model_id)


async def offered_models(session: AsyncSession, settings: Settings) -> list[PlaygroundModel]:
    """The bundled model, the completed tuned runs, and the price table's models of each provider."""
    table = catalog.price_table(settings)
    bundled = PlaygroundModel(id=f"{LOCAL}:{BUNDLED_MODEL}", group="bundled", label="Bundled model")
    offered = [bundled]
    for run in await FinetuneRunRepository(session).completed():
        label = f"Tuned: {run.name}"
        offered.append(PlaygroundModel(id=f"{TUNED}:{run.id}", group="tuned", label=label))
    for provider in await list_providers(session, settings):
        if provider.name == LOCAL or not provider.configured:
            continue
        for info in catalog.model_list(provider.name, None, settings):
            price = table.price_for(info.id)
            offered.append(
                PlaygroundModel(
                    id=info.id, group="provider", label=info.id,
                    input_per_mtok=price.input_per_mtok if price else None,
                    output_per_mtok=price.output_per_mtok if price else None,
                )
            )  # fmt: skip
    return offered


async def plan(session: AsyncSession, settings: Settings, body: PlaygroundChat) -> list[ColumnPlan]:
    """A client and a request per column.

    A model that cannot answer for lack of credentials gets a refusal shown in its column.

    Raises:
        NotFound: A ``tuned:`` model is not a completed run.
        BadRequest: A provider that does not exist, or a model id its provider refuses.
    """
    credentials = await resolve_credentials(session, settings)
    plans = []
    for index, column in enumerate(body.columns):
        provider = column.model.partition(":")[0]
        if provider == TUNED:
            await finetune.require_completed_run(session, column.model)
        notes: list[str] = []
        request = _request(body, column.messages, provider, notes)
        try:
            client = _client(column.model, credentials.get(provider), settings)
        except MissingCredentialsError:
            refusal = f"no API key for {provider}: add one in Settings → Providers"
            plans.append(ColumnPlan(index, column.model, request, None, notes, refusal))
            continue
        except ConfigurationError as exc:
            raise BadRequest(f"{column.model}: {exc}") from exc
        plans.append(ColumnPlan(index, column.model, request, client, notes))
    return plans


def _client(model_id: str, credentials: Credentials | None, settings: Settings) -> LLMClient:
    if model_id in _IN_PROCESS:
        return _IN_PROCESS[model_id]
    timeout = settings.job_call_timeout_seconds
    client = get_model(model_id, credentials=credentials, retry=ONE_ATTEMPT, timeout=timeout)
    if runs_in_process(model_id):
        _IN_PROCESS[model_id] = client
    return client


def _request(
    body: PlaygroundChat, turns: list[PlaygroundTurn], provider: str, notes: list[str]
) -> ChatRequest:
    options: DecodingOptions = body.options
    messages = [Message(role="system", content=body.system)] if body.system else []
    messages += [Message(role=t.role, content=t.content) for t in turns]
    temperature, top_p, top_k = options.temperature, options.top_p, options.top_k
    if options.greedy:
        temperature, top_p, top_k = 0.0, None, 1
    extra: dict[str, int] = {}
    if top_k is not None:
        if provider in TOP_K_PROVIDERS:
            extra["top_k"] = top_k
        elif not options.greedy:
            notes.append("top-k is not sent: this model's API takes none here")
    return ChatRequest(
        messages=tuple(messages),
        max_tokens=options.max_tokens,
        temperature=temperature,
        top_p=top_p,
        seed=options.seed,
        provider_options=extra,
    )


def sse(event: str, body: BaseModel) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {body.model_dump_json()}\n\n"


async def events(
    maker: async_sessionmaker[AsyncSession], prices: PriceTable, plans: list[ColumnPlan]
) -> AsyncGenerator[str]:
    """Every column's events as they come, then ``event: end``; closing the stream stops every model."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    tasks = [asyncio.create_task(_run_column(maker, prices, p, queue.put_nowait)) for p in plans]
    try:
        running = len(tasks)
        while running:
            event = await queue.get()
            if event is None:
                running -= 1
            else:
                yield event
        yield "event: end\ndata: {}\n\n"
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for p in plans:
            if p.client is not None and not p.shared:
                await p.client.aclose()


@dataclass
class _Clock:
    started: float = field(default_factory=time.perf_counter)
    first: float | None = None

    def mark(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def ms(self, at: float | None = None) -> int:
        return round(((at or time.perf_counter()) - self.started) * 1000)


async def _run_column(
    maker: async_sessionmaker[AsyncSession],
    prices: PriceTable,
    plan: ColumnPlan,
    emit: Callable[[str | None], None],
) -> None:
    column = plan.index
    try:
        emit(sse("start", ColumnStart(column=column, model=plan.model_id, notes=plan.notes)))
        if plan.client is None:
            emit(sse("error", ColumnError(column=column, message=plan.refusal or "unavailable")))
            return
        await _answer(maker, prices, plan, plan.client, emit)
    finally:
        emit(None)


async def _answer(
    maker: async_sessionmaker[AsyncSession],
    prices: PriceTable,
    plan: ColumnPlan,
    client: LLMClient,
    emit: Callable[[str | None], None],
) -> None:
    column, request, clock = plan.index, plan.request, _Clock()
    fingerprint = client.fingerprint(request)
    start = client.attempt_start(request, fingerprint, 1, model_id=plan.model_id)
    worst = prices.cost_of(plan.model_id, TokenUsage(start.input_tokens, request.max_tokens or 0))
    amount = (worst or Decimal(0)).quantize(CENT_MILLIONTH, rounding=ROUND_CEILING)
    async with maker() as session, session.begin():
        call_id = await repository.reserve_call(
            session, model_id=plan.model_id, fingerprint=fingerprint, attempt=1, amount=amount
        )
    if call_id is None:
        message = f"the global budget would be passed: this call could cost up to ${amount:.6f}"
        emit(sse("error", ColumnError(column=column, message=message, status=402)))
        return
    attempts: list[Attempt] = []
    completion: Completion | None = None
    try:
        stream = getattr(client.adapter, "stream", None)
        if stream is not None:  # tuned, local and provider models write their answer piece by piece
            async for piece in stream(request, client.timeout):
                if isinstance(piece, str):
                    clock.mark()
                    emit(sse("delta", ColumnDelta(column=column, text=piece)))
                else:
                    completion = piece
        else:
            result = await client.chat(request, on_attempt=_collect(attempts))
            completion = Completion(text=result.text, finish_reason=result.finish_reason, usage=result.usage)
    except OutputError as exc:  # cut at max tokens, or filtered: still an answer, still paid
        if exc.reason == "content_filter" or not exc.attempts:
            await _settle(maker, prices, plan, call_id, amount, attempts, None, clock)
            emit(sse("error", ColumnError(column=column, message=str(exc))))
            return
        usage = exc.attempts[-1].usage
        completion = Completion(text=exc.raw_text or "", finish_reason="length", usage=usage or Usage())
    except ProviderError as exc:
        if not attempts:  # a streamed call: its one attempt, as the client would have reported it
            attempts.append(_failed_attempt(plan.model_id, fingerprint, exc, clock))
        await _settle(maker, prices, plan, call_id, amount, attempts, None, clock)
        emit(sse("error", ColumnError(column=column, message=str(exc), status=exc.status_code)))
        return
    except BaseException:  # stopped (the stream was closed) or failed: the worst case stays counted
        await asyncio.shield(_settle(maker, prices, plan, call_id, amount, attempts, None, clock))
        raise
    assert completion is not None
    if clock.first is None and completion.text:
        clock.mark()
        emit(sse("delta", ColumnDelta(column=column, text=completion.text)))
    cost = await _settle(maker, prices, plan, call_id, amount, attempts, completion, clock)
    usage = completion.usage
    done = ColumnDone(
        column=column, text=completion.text, finish_reason=completion.finish_reason,
        input_tokens=usage.input_tokens, output_tokens=usage.output_tokens, cost_usd=cost,
        ttft_ms=clock.ms(clock.first), total_ms=clock.ms(),
    )  # fmt: skip
    emit(sse("done", done))


def _collect(attempts: list[Attempt]) -> Callable[[Attempt], None]:
    return attempts.append


# Failures after which a provider bills nothing; any other failure leaves the cost unknown.
_UNBILLED = {Outcome.RATE_LIMITED, Outcome.SERVER_ERROR, Outcome.AUTH_ERROR, Outcome.CLIENT_ERROR}


def _failed_attempt(model_id: str, fingerprint: str, exc: ProviderError, clock: _Clock) -> Attempt:
    return Attempt(
        model_id=model_id, fingerprint=fingerprint, number=1, outcome=exc.outcome,
        usage=Usage() if exc.outcome in _UNBILLED else None, latency_s=clock.ms() / 1000,
        started_at=time.time() - clock.ms() / 1000, status_code=exc.status_code,
        retry_after_s=exc.retry_after, error=str(exc)[:500],
    )  # fmt: skip


def _reported(usage: Usage) -> Usage | None:
    """The usage of an answer, or None where the server reported none (a prompt is never 0 tokens)."""
    return usage if usage.input_tokens or usage.output_tokens else None


async def _settle(
    maker: async_sessionmaker[AsyncSession],
    prices: PriceTable,
    plan: ColumnPlan,
    call_id: uuid.UUID,
    reserved: Decimal,
    attempts: list[Attempt],
    completion: Completion | None,
    clock: _Clock,
) -> Decimal | None:
    """Close the column's ledger row from the usage the provider reported; the cost booked."""
    usage = (
        _reported(completion.usage) if completion is not None else (attempts[-1].usage if attempts else None)
    )
    last = attempts[-1] if attempts else None
    cost = None
    if usage is not None:
        tokens = TokenUsage(usage.input_tokens, usage.output_tokens, usage.cached_input_tokens)
        cost = prices.cost_of(plan.model_id, tokens)
    if last is not None:
        outcome = last.outcome.value
    else:
        outcome = "ok" if completion is not None else "cancelled"
    async with maker() as session, session.begin():
        await ledger_repository.settle_call(
            session, call_id, job_id=None, stage=repository.STAGE,
            status=CallStatus.unknown if usage is None else CallStatus.settled,
            outcome=outcome, reserved=reserved, cost=cost,
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
            cached_tokens=usage.cached_input_tokens if usage else None,
            latency_ms=clock.ms(), error=last.error if last is not None else None,
        )  # fmt: skip
    return cost
