"""`LLMClient`: retries, rate limits, timeouts, structured output and attempt reporting around an adapter."""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from pydantic import BaseModel

from distillation.providers.base import ProviderAdapter
from distillation.providers.errors import OutputError, ProviderError, ProviderTimeoutError
from distillation.providers.fingerprint import fingerprint
from distillation.providers.ratelimit import DEFAULT_LIMITER, AdaptiveConcurrency, Limiter, RateLimit, acquire
from distillation.providers.retry import RetryPolicy
from distillation.providers.structured import check_answer, reask, resolve_schema, with_schema_instruction
from distillation.providers.types import Attempt, ChatRequest, ChatResult, Completion, Outcome, Usage

# Outcomes after which the provider surely billed nothing; other failures keep usage unknown.
_UNBILLED = {Outcome.RATE_LIMITED, Outcome.SERVER_ERROR, Outcome.AUTH_ERROR, Outcome.CLIENT_ERROR}


@dataclass(frozen=True, slots=True)
class AttemptStart:
    """Handed to `before_attempt` just before an attempt is sent (e.g. to reserve budget)."""

    model_id: str
    fingerprint: str
    number: int
    estimated_tokens: int


AttemptCallback = Callable[[Attempt], Awaitable[None] | None]
StartCallback = Callable[[AttemptStart], Awaitable[None] | None]


async def _call_hook(hook: Callable[[Any], Awaitable[None] | None] | None, value: Any) -> None:
    if hook is not None:
        result = hook(value)
        if inspect.isawaitable(result):
            await result


@dataclass
class _Run:
    """The bookkeeping of one `chat` call."""

    model_id: str
    fingerprint: str
    time_limit: float
    on_attempt: AttemptCallback | None
    before_attempt: StartCallback | None
    attempts: list[Attempt] = field(default_factory=list)

    async def record(self, started: tuple[float, float], outcome: Outcome, **details: Any) -> None:
        wall, mono = started
        attempt = Attempt(
            model_id=self.model_id,
            fingerprint=self.fingerprint,
            number=len(self.attempts) + 1,
            outcome=outcome,
            latency_s=time.monotonic() - mono,
            started_at=wall,
            **details,
        )
        self.attempts.append(attempt)
        await _call_hook(self.on_attempt, attempt)

    async def record_error(self, started: tuple[float, float], error: ProviderError) -> None:
        usage = Usage() if error.outcome in _UNBILLED else None
        await self.record(
            started,
            error.outcome,
            usage=usage,
            status_code=error.status_code,
            retry_after_s=error.retry_after,
            error=str(error)[:500],
        )

    async def record_completion(self, started: tuple[float, float], outcome: Outcome, c: Completion) -> None:
        await self.record(started, outcome, usage=c.usage, request_id=c.request_id)


class LLMClient:
    """One model behind one async interface.

    Args:
        adapter: The provider adapter (usually built by `get_model`).
        rate_limit: Requests/tokens per window and the concurrency cap.
        limiter: Where windows are counted: in-process by default, `RedisLimiter` to share across processes.
        retry: Attempt caps and backoff.
        timeout: Per-attempt timeout in seconds.
        on_attempt: Called with every `Attempt` (sync or async), failed ones included.
        before_attempt: Called before each attempt is sent; raising from it stops the call.
        rng: Random source for backoff jitter (seeded in tests).

    Example:
        >>> model = get_model("openai:gpt-4o-mini", credentials={"api_key": "sk-..."})  # doctest: +SKIP
        >>> result = await model.chat(ChatRequest.from_prompt("Say hi"))  # doctest: +SKIP
        >>> result.text, result.usage.total_tokens  # doctest: +SKIP
    """

    def __init__(
        self,
        adapter: ProviderAdapter,
        *,
        rate_limit: RateLimit | None = None,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        on_attempt: AttemptCallback | None = None,
        before_attempt: StartCallback | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.adapter = adapter
        self.model_id = f"{adapter.provider}:{adapter.model}"
        self.rate_limit = rate_limit or RateLimit()
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._limiter = limiter or DEFAULT_LIMITER
        self._on_attempt = on_attempt
        self._before_attempt = before_attempt
        self._rng = rng or random.Random()
        rl = self.rate_limit
        self.concurrency = AdaptiveConcurrency(rl.max_concurrency, rl.min_concurrency, rl.adaptive)

    def fingerprint(self, request: ChatRequest) -> str:
        """The cache/resume key of `request` sent to this model."""
        return fingerprint(request, self.model_id)

    async def chat(
        self,
        request: ChatRequest,
        *,
        output_type: type[BaseModel] | None = None,
        attempt_timeout: float | None = None,
        on_attempt: AttemptCallback | None = None,
        fingerprint: str | None = None,
    ) -> ChatResult:
        """Sends `request` with retries and returns the accepted answer.

        Args:
            request: The request. A `response_schema` (or `output_type`) turns on structured output.
            output_type: A pydantic model the answer must validate against; its JSON schema is used
                when the request has none.
            attempt_timeout: Per-attempt timeout for this call (defaults to the client's `timeout`).
            on_attempt: Per-call attempt callback, called in addition to the client's.
            fingerprint: `self.fingerprint(request)` when the caller already has it (its cache key);
                computed here otherwise.

        Returns:
            The accepted answer, with every attempt and the summed usage.

        Raises:
            OutputError: Truncated (`length`), filtered, or still invalid after repair and re-asks.
            ProviderError: Retries exhausted or a non-retryable failure; `.attempts` lists them all.
        """
        resolved = resolve_schema(request, output_type)
        if fingerprint is None or resolved is not request:
            fingerprint = self.fingerprint(resolved)
        request = resolved
        run = _Run(
            self.model_id,
            fingerprint,
            attempt_timeout or self.timeout,
            _both(self._on_attempt, on_attempt),
            self._before_attempt,
        )
        try:
            return await self._chat(request, output_type, run)
        except ProviderError as exc:
            exc.attempts = tuple(run.attempts)
            raise

    async def aclose(self) -> None:
        """Closes the provider SDK client."""
        await self.adapter.aclose()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _chat(self, request: ChatRequest, output_type: type[BaseModel] | None, run: _Run) -> ChatResult:
        schema = request.response_schema
        prompt = request if self.adapter.native_schema else with_schema_instruction(request)
        reasks = 0
        while True:
            started, completion = await self._complete(prompt, run)
            if completion.finish_reason in ("length", "content_filter"):
                await run.record_completion(started, Outcome(completion.finish_reason), completion)
                raise _finish_error(completion)
            if schema is None:
                await run.record_completion(started, Outcome.OK, completion)
                return self._result(run, completion, None, repaired=False)
            parsed = check_answer(completion, schema, output_type)
            if parsed.ok:
                await run.record_completion(started, Outcome.OK, completion)
                return self._result(run, completion, parsed.value, repaired=parsed.repaired)
            await run.record(started, Outcome.INVALID_OUTPUT, usage=completion.usage, error=parsed.error)
            if reasks >= self.retry.max_reasks or len(run.attempts) >= self.retry.max_attempts:
                raise OutputError(
                    f"structured output still invalid after {reasks} re-asks: {parsed.error}",
                    reason="invalid_output",
                    raw_text=completion.text,
                    finish_reason=completion.raw_finish_reason,
                )
            reasks += 1
            prompt = reask(prompt, completion.text, parsed.error or "invalid")

    async def _complete(self, prompt: ChatRequest, run: _Run) -> tuple[tuple[float, float], Completion]:
        """Sends until a completion arrives, retrying transport failures with backoff."""
        failures = 0
        while True:
            started, result = await self._send(prompt, run)
            if isinstance(result, Completion):
                return started, result
            await run.record_error(started, result)
            failures += 1
            if not result.retryable or len(run.attempts) >= self.retry.max_attempts:
                raise result
            if result.retry_after is not None and result.retry_after > self.retry.max_retry_after:
                raise result
            await asyncio.sleep(self.retry.delay(failures, result.retry_after, self._rng))

    async def _send(
        self, prompt: ChatRequest, run: _Run
    ) -> tuple[tuple[float, float], Completion | ProviderError]:
        tokens = _estimate_tokens(prompt)
        number = len(run.attempts) + 1
        epoch = await self.concurrency.acquire()
        try:
            # `before_attempt` (the budget reservation, a stopped run's refusal) runs once a slot is
            # free: a call queued behind others holds no budget, and one queued when the run stops
            # is never sent.
            await _call_hook(run.before_attempt, AttemptStart(run.model_id, run.fingerprint, number, tokens))
            # The window slot is taken last, right before sending, so the provider sees the same
            # spacing the limiter granted (not a burst of slots that waited for concurrency).
            await acquire(self._limiter, self.rate_limit.key or self.model_id, self.rate_limit, tokens)
        except BaseException:
            self.concurrency.release(epoch, Outcome.CANCELLED)
            raise
        started = (time.time(), time.monotonic())
        try:
            result = await self._call(prompt, run.time_limit)
        except asyncio.CancelledError:
            self.concurrency.release(epoch, Outcome.CANCELLED)
            await run.record(started, Outcome.CANCELLED, usage=None, error="cancelled by the caller")
            raise
        if isinstance(result, Completion):
            self.concurrency.release(epoch, Outcome.OK)
        else:
            self.concurrency.release(epoch, result.outcome, capacity_exhausted=result.capacity_exhausted)
        return started, result

    async def _call(self, prompt: ChatRequest, time_limit: float) -> Completion | ProviderError:
        try:
            async with asyncio.timeout(time_limit):
                return await self.adapter.complete(prompt, time_limit)
        except TimeoutError:
            return ProviderTimeoutError(f"no answer within {time_limit:g} s")
        except ProviderError as exc:
            return exc

    def _result(self, run: _Run, completion: Completion, data: Any, *, repaired: bool) -> ChatResult:
        return ChatResult(
            model_id=self.model_id,
            fingerprint=run.fingerprint,
            text=completion.text,
            finish_reason=completion.finish_reason,
            usage=Usage.total(a.usage for a in run.attempts),
            attempts=tuple(run.attempts),
            data=data,
            repaired=repaired,
            response_model=completion.response_model,
        )


def _finish_error(completion: Completion) -> OutputError:
    what = "was cut off by the token limit" if completion.finish_reason == "length" else "was filtered"
    return OutputError(
        f"the answer {what} (finish reason {completion.raw_finish_reason!r})",
        reason=completion.finish_reason,
        raw_text=completion.text,
        finish_reason=completion.raw_finish_reason,
    )


def _estimate_tokens(request: ChatRequest) -> int:
    """A cheap pre-flight estimate (about 4 characters per token) plus the output cap."""
    chars = sum(len(m.content) for m in request.messages)
    if request.response_schema is not None:
        chars += len(str(request.response_schema))
    return chars // 4 + 1 + (request.max_tokens or 0)


def _both(first: AttemptCallback | None, second: AttemptCallback | None) -> AttemptCallback | None:
    if first is None or second is None:
        return first or second

    async def call_both(attempt: Attempt) -> None:
        await _call_hook(first, attempt)
        await _call_hook(second, attempt)

    return call_both
