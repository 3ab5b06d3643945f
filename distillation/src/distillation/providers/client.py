"""`LLMClient`: retries, rate limits, timeouts, structured output and attempt reporting around an adapter."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Literal

from pydantic import BaseModel

from distillation.providers.base import ProviderAdapter
from distillation.providers.batch import BatchAPI, BatchedCompletion
from distillation.providers.errors import OutputError, ProviderError, ProviderTimeoutError
from distillation.providers.fingerprint import fingerprint
from distillation.providers.ratelimit import (
    DEFAULT_LIMITER,
    AdaptiveConcurrency,
    Limiter,
    RateLimit,
    acquire,
    littles_law_cap,
)
from distillation.providers.retry import RetryPolicy
from distillation.providers.structured import check_answer, reask, resolve_schema, with_schema_instruction
from distillation.providers.tools import tool_call_error, tool_reask
from distillation.providers.types import (
    Attempt,
    ChatRequest,
    ChatResult,
    Completion,
    Message,
    Outcome,
    RateLimitInfo,
    Usage,
)

# Outcomes after which the provider surely billed nothing; other failures keep usage unknown.
_UNBILLED = {Outcome.RATE_LIMITED, Outcome.SERVER_ERROR, Outcome.AUTH_ERROR, Outcome.CLIENT_ERROR}


@dataclass(frozen=True, slots=True)
class AttemptStart:
    """Handed to `before_attempt` just before an attempt is sent (e.g. to reserve budget).

    Attributes:
        model_id: The model the attempt goes to.
        fingerprint: The request's fingerprint (its cache key).
        number: The attempt's number within its call, from 1.
        estimated_tokens: Estimated input tokens plus `max_tokens` (what rate limits count).
        input_tokens: Estimated input tokens (about four characters a token).
        max_tokens: The output cap the request asks for (None: the provider's default).
        template_hash: The hash of the prompt template the request was rendered from.
    """

    model_id: str
    fingerprint: str
    number: int
    estimated_tokens: int
    input_tokens: int = 0
    max_tokens: int | None = None
    template_hash: str = ""


_log = logging.getLogger(__name__)
LimitSource = Literal["set", "learned"]
# Weight of the newest observation in the latency and tokens-per-request averages.
EWMA_WEIGHT = 0.2


@dataclass(frozen=True, slots=True)
class EffectiveLimits:
    """The limits a client works to, and where each came from.

    Attributes:
        requests_per_minute: Requests per window in force (None: none known).
        tokens_per_minute: Tokens (input + output) per window in force (None: none known).
        requests_source: "set" (given in `RateLimit`), "learned" (from the provider's headers) or None.
        tokens_source: Likewise for tokens.
        period_s: The window, in seconds.
        max_concurrency: The most requests in flight the client may send.
        concurrency: The in-flight cap now in use (Little's law on the limits, AIMD below it).
        latency_s: The average latency of successful attempts (None before the first).
    """

    requests_per_minute: int | None
    tokens_per_minute: int | None
    requests_source: LimitSource | None
    tokens_source: LimitSource | None
    period_s: float
    max_concurrency: int
    concurrency: int
    latency_s: float | None


AttemptCallback = Callable[[Attempt], Awaitable[None] | None]
# May return a lower output cap for this attempt (a budget's room); None sends the request as asked.
StartCallback = Callable[[AttemptStart], Awaitable[int | None] | int | None]


async def _call_hook(hook: Callable[[Any], Awaitable[Any] | Any] | None, value: Any) -> Any:
    if hook is None:
        return None
    result = hook(value)
    if inspect.isawaitable(result):
        return await result
    return result


@dataclass
class _Run:
    """The bookkeeping of one `chat` call."""

    model_id: str
    fingerprint: str
    time_limit: float
    on_attempt: AttemptCallback | None
    before_attempt: StartCallback | None
    attempts: list[Attempt] = field(default_factory=list)
    # The output cap of the last attempt when `before_attempt` lowered it (a budget's last room).
    capped: int | None = None
    batched: BatchedCompletion | None = None  # the first attempt's answer, from a provider batch

    async def record(self, started: tuple[float, float], outcome: Outcome, **details: Any) -> None:
        wall, mono = started
        if self.batched is not None and not self.attempts:
            details["batch_id"] = self.batched.batch_id
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
        if not error.sent:  # no connection was opened: nothing can have been billed
            await self.record(started, Outcome.NOT_SENT, usage=Usage(), error=str(error)[:500])
            return
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

    Limits left unset in `rate_limit` are learned from the provider's rate-limit headers (its own
    limit, as is), published through the limiter for other workers, and applied like set ones. An
    answer whose headers show a limit used up pauses every send of the model (through the limiter, so
    every worker) until the reset the headers give. The in-flight cap follows Little's law on the known
    limits and the observed latency (see `littles_law_cap`); `limits` shows what is in force.

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
        self._set_rate = self.rate_limit
        self._key = self.rate_limit.key or self.model_id
        self._learned: dict[str, int] = {}
        self._shared_checked = False
        self._shared_lock = asyncio.Lock()
        self._latency: float | None = None
        self._tokens: float | None = None
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._limiter = limiter or DEFAULT_LIMITER
        self._on_attempt = on_attempt
        self._before_attempt = before_attempt
        self._rng = rng or random.Random()
        rl = self.rate_limit
        self.concurrency = AdaptiveConcurrency(rl.max_concurrency, rl.min_concurrency, rl.adaptive)

    @property
    def limits(self) -> EffectiveLimits:
        """The limits in force now: set ones, else learned ones, and the concurrency they give."""
        rate, given = self.rate_limit, self._set_rate

        def source(value: int | None, set_value: int | None) -> LimitSource | None:
            if value is None:
                return None
            return "set" if set_value is not None else "learned"

        return EffectiveLimits(
            requests_per_minute=rate.requests_per_minute,
            tokens_per_minute=rate.tokens_per_minute,
            requests_source=source(rate.requests_per_minute, given.requests_per_minute),
            tokens_source=source(rate.tokens_per_minute, given.tokens_per_minute),
            period_s=rate.period_s,
            max_concurrency=rate.max_concurrency,
            concurrency=self.concurrency.limit,
            latency_s=self._latency,
        )

    def fingerprint(self, request: ChatRequest) -> str:
        """The cache/resume key of `request` sent to this model."""
        return fingerprint(request, self.model_id)

    @property
    def batch_api(self) -> BatchAPI | None:
        """The provider's batch API, when the adapter has one."""
        found = getattr(self.adapter, "batch_api", None)
        return found if isinstance(found, BatchAPI) else None

    def wire_request(self, request: ChatRequest) -> ChatRequest:
        """`request` as sent: the schema goes in the prompt when the adapter has no native schemas.

        A batch line carries this, as the first online attempt would.
        """
        return request if self.adapter.native_schema else with_schema_instruction(request)

    def attempt_start(
        self, prompt: ChatRequest, fingerprint: str, number: int, *, model_id: str | None = None
    ) -> AttemptStart:
        """What `before_attempt` is handed for attempt ``number`` of ``prompt`` (as sent)."""
        return AttemptStart(
            self.model_id if model_id is None else model_id,
            fingerprint,
            number,
            _estimate_tokens(prompt),
            input_tokens=_estimate_input(prompt),
            max_tokens=prompt.max_tokens,
            template_hash=prompt.template_hash,
        )

    @staticmethod
    def estimate_tokens(request: ChatRequest) -> int:
        """A cheap pre-flight estimate of a request's tokens (its worst case, as reserved)."""
        return _estimate_tokens(request)

    async def chat(
        self,
        request: ChatRequest,
        *,
        output_type: type[BaseModel] | None = None,
        attempt_timeout: float | None = None,
        on_attempt: AttemptCallback | None = None,
        fingerprint: str | None = None,
        batched: BatchedCompletion | None = None,
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
            batched: The answer a provider batch already gave to `wire_request(request)`: it is the
                first attempt (checked like any answer; its re-asks go online), and nothing is sent
                for it (its budget was reserved before the batch was submitted).

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
            batched=batched,
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
        prompt = self.wire_request(request)
        reasks = 0
        while True:
            if run.batched is not None and not run.attempts:
                now = time.time(), time.monotonic()
                started, completion = now, run.batched.completion
            else:
                started, completion = await self._complete(prompt, run)
            if completion.finish_reason in ("length", "content_filter"):
                await run.record_completion(started, Outcome(completion.finish_reason), completion)
                raise _finish_error(completion, run.capped)
            if prompt.tools and completion.tool_calls:
                problem = tool_call_error(completion.tool_calls, prompt.tools)
                if problem is None:
                    await run.record_completion(started, Outcome.OK, completion)
                    return self._result(run, completion, None, repaired=False)
                await run.record(started, Outcome.INVALID_OUTPUT, usage=completion.usage, error=problem)
                if reasks >= self.retry.max_reasks or len(run.attempts) >= self.retry.max_attempts:
                    raise OutputError(
                        f"tool calls still invalid after {reasks} re-asks: {problem}",
                        reason="invalid_output",
                        raw_text=_calls_text(completion),
                        finish_reason=completion.raw_finish_reason,
                    )
                reasks += 1
                shown = Message(role="assistant", content=completion.text, tool_calls=completion.tool_calls)
                prompt = tool_reask(prompt, shown, problem)
                continue
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
        number = len(run.attempts) + 1
        epoch = await self.concurrency.acquire()
        try:
            # `before_attempt` (the budget reservation, a stopped run's refusal) runs once a slot is
            # free: a call queued behind others holds no budget, and one queued when the run stops
            # is never sent. It may lower the attempt's output cap to what the budget has left.
            prompt = await self._reserve(prompt, run, number)
        except BaseException:
            self.concurrency.release(epoch, Outcome.CANCELLED)
            raise
        try:
            tokens = _estimate_tokens(prompt)
            # The window slot is taken last, right before sending, so the provider sees the same
            # spacing the limiter granted (not a burst of slots that waited for concurrency).
            if not self._shared_checked:
                await self._load_shared_limits()
            await acquire(self._limiter, self._key, self.rate_limit, tokens)
        except BaseException as exc:
            # Reserved but never sent (the limiter's store is unreachable, or the call was cancelled
            # while it waited for its slot): the attempt is booked as not sent, so what
            # `before_attempt` reserved for it is given back at once, and the error goes on.
            self.concurrency.release(epoch, Outcome.CANCELLED)
            now = (time.time(), time.monotonic())
            await run.record(now, Outcome.NOT_SENT, usage=Usage(), error=f"not sent: {exc!r}"[:500])
            raise
        started = (time.time(), time.monotonic())
        try:
            result = await self._call(prompt, run.time_limit)
        except asyncio.CancelledError:
            self.concurrency.release(epoch, Outcome.CANCELLED)
            await run.record(started, Outcome.CANCELLED, usage=None, error="cancelled by the caller")
            raise
        if isinstance(result, Completion):
            self._observe(time.monotonic() - started[1], result.usage.total_tokens)
            self.concurrency.release(epoch, Outcome.OK)
        else:
            self.concurrency.release(epoch, result.outcome, capacity_exhausted=result.capacity_exhausted)
        if result.rate_limit is not None:
            try:
                await self._read_limits(result.rate_limit)
            except Exception as exc:  # a shared store's hiccup must not lose an answer already paid for
                _log.warning("could not record %s's rate limits in the limiter: %r", self.model_id, exc)
        return started, result

    async def _reserve(self, prompt: ChatRequest, run: _Run, number: int) -> ChatRequest:
        """Runs `before_attempt`; the request to send, with the lower output cap it granted, if any."""
        start = self.attempt_start(prompt, run.fingerprint, number, model_id=run.model_id)
        cap = await _call_hook(run.before_attempt, start)
        run.capped = None
        if isinstance(cap, int) and (prompt.max_tokens is None or cap < prompt.max_tokens):
            run.capped = cap
            return prompt.model_copy(update={"max_tokens": cap})
        return prompt

    async def _load_shared_limits(self) -> None:
        """Adopts what other workers learned (once, before the first send; concurrent sends wait)."""
        async with self._shared_lock:
            if self._shared_checked:
                return
            shared = await self._limiter.learned(self._key)
            if shared:
                self._adopt(shared.get("rpm"), shared.get("tpm"))
            self._shared_checked = True

    async def _read_limits(self, info: RateLimitInfo) -> None:
        """Learns the limits an answer's headers state, and pauses sends when one is used up."""
        if self._adopt(info.requests_limit, info.tokens_limit):
            await self._limiter.publish_learned(self._key, dict(self._learned))
        pause = 0.0
        if info.requests_remaining is not None and info.requests_remaining <= 0 and info.requests_reset_s:
            pause = info.requests_reset_s
        tokens_left, tokens_limit = info.tokens_remaining, info.tokens_limit
        if tokens_left is not None and tokens_left <= (tokens_limit or 0) / 100 and info.tokens_reset_s:
            pause = max(pause, info.tokens_reset_s)
        if pause > 0:
            await self._limiter.pause(self._key, min(pause, self.retry.max_retry_after))

    def _adopt(self, rpm: int | None, tpm: int | None) -> bool:
        """Takes learned limits for the ones not set; True when what was learned changed."""
        learned = dict(self._learned)
        if rpm is not None and rpm > 0:
            learned["rpm"] = rpm
        if tpm is not None and tpm > 0:
            learned["tpm"] = tpm
        if learned == self._learned:
            return False
        self._learned = learned
        given = self._set_rate
        self.rate_limit = replace(
            given,
            requests_per_minute=given.requests_per_minute or learned.get("rpm"),
            tokens_per_minute=given.tokens_per_minute or learned.get("tpm"),
        )
        self._apply_littles_law()
        return True

    def _observe(self, latency: float, tokens: int) -> None:
        """Folds one successful attempt into the averages and resizes the in-flight cap."""
        if self._latency is None:
            self._latency = latency
        else:
            self._latency += EWMA_WEIGHT * (latency - self._latency)
        if tokens > 0:
            self._tokens = (
                tokens if self._tokens is None else self._tokens + EWMA_WEIGHT * (tokens - self._tokens)
            )
        self._apply_littles_law()

    def _apply_littles_law(self) -> None:
        rate = self.rate_limit
        if rate.requests_per_minute is None and rate.tokens_per_minute is None:
            return
        cap = littles_law_cap(
            rate, rate.requests_per_minute, rate.tokens_per_minute, self._latency, self._tokens
        )
        self.concurrency.set_ceiling(cap)

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
            tool_calls=completion.tool_calls,
            repaired=repaired,
            response_model=completion.response_model,
        )


def _calls_text(completion: Completion) -> str:
    """A rejected answer's text and tool calls, as kept on its ``OutputError``."""
    calls = json.dumps([call.get("function") for call in completion.tool_calls], ensure_ascii=False)
    return f"{completion.text}\nTool calls: {calls}".strip()


def _finish_error(completion: Completion, capped: int | None = None) -> OutputError:
    what = "was cut off by the token limit" if completion.finish_reason == "length" else "was filtered"
    return OutputError(
        f"the answer {what} (finish reason {completion.raw_finish_reason!r})",
        reason=completion.finish_reason,
        raw_text=completion.text,
        finish_reason=completion.raw_finish_reason,
        capped=capped,
    )


def _estimate_input(request: ChatRequest) -> int:
    """A cheap pre-flight estimate of the input tokens (about 4 characters per token)."""
    chars = sum(len(m.content) for m in request.messages)
    if request.response_schema is not None:
        chars += len(str(request.response_schema))
    if request.tools:
        chars += len(str(request.tools))
    return chars // 4 + 1


def _estimate_tokens(request: ChatRequest) -> int:
    """The input estimate plus the output cap."""
    return _estimate_input(request) + (request.max_tokens or 0)


def _both(first: AttemptCallback | None, second: AttemptCallback | None) -> AttemptCallback | None:
    if first is None or second is None:
        return first or second

    async def call_both(attempt: Attempt) -> None:
        await _call_hook(first, attempt)
        await _call_hook(second, attempt)

    return call_both
