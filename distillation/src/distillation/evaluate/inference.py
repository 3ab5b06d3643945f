"""Answers from the models under evaluation: local ones in-process, the teacher and judge through providers.

Local answers are greedy and unconstrained (no grammar, no schema): what the format validity of a
small model means is whether it writes the format on its own. Provider answers take the library's one
paid-call path (:mod:`distillation.pipeline.calls`), with a cache that lasts one batch of prompts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from distillation.cost import PriceTable, TokenUsage
from distillation.finetune.model import require
from distillation.pipeline import Accountant, MemoryCache, PaidCalls
from distillation.pipeline.calls import AttemptHook, ReserveHook, attempts_usage
from distillation.pipeline.types import Stage
from distillation.providers import (
    Attempt,
    ChatRequest,
    Credentials,
    LLMClient,
    Message,
    ProviderError,
    RateLimit,
    get_model,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Answer:
    """One model answer, its tokens and latency; ``error`` instead of text when the call failed.

    ``latency_s`` is the time the answer took: the provider's response time summed over the call's
    attempts (the platform's own rate-limit waits left out), or for a local model the wall time of
    the generation batch it was part of.
    """

    text: str
    usage: TokenUsage
    error: str | None = None
    latency_s: float = 0.0


def local_answers(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[Sequence[Mapping[str, str]]],
    *,
    max_new_tokens: int,
    batch_size: int = 8,
    progress: Progress | None = None,
) -> list[Answer]:
    """Greedy answers of a local causal LM to chat prompts, in batches (left-padded)."""
    torch = require("torch")
    device = next(model.parameters()).device
    texts = [
        tokenizer.apply_chat_template(list(p), tokenize=False, add_generation_prompt=True) for p in prompts
    ]
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    answers: list[Answer] = []
    model.eval()
    try:
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[start : start + batch_size], add_special_tokens=False, padding=True, return_tensors="pt"
            ).to(device)
            started = time.perf_counter()
            with torch.no_grad():
                output = model.generate(
                    **batch,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=tokenizer.eos_token_id,
                )
            elapsed = time.perf_counter() - started
            answers += _decode(tokenizer, batch, output[:, batch["input_ids"].shape[1] :], elapsed)
            if progress is not None:
                progress(len(answers), len(texts))
    finally:
        tokenizer.padding_side = side
    return answers


def _decode(tokenizer: Any, batch: Any, generated: Any, latency_s: float) -> list[Answer]:
    answers = []
    for index, tokens in enumerate(generated.tolist()):
        length = next((i + 1 for i, t in enumerate(tokens) if t == tokenizer.eos_token_id), len(tokens))
        prompt_tokens = int(batch["attention_mask"][index].sum())
        text = tokenizer.decode(tokens[:length], skip_special_tokens=True).strip()
        usage = TokenUsage(input_tokens=prompt_tokens, output_tokens=length)
        answers.append(Answer(text, usage, latency_s=latency_s))
    return answers


@dataclass(frozen=True)
class CallBook:
    """Where a service books the provider calls of an evaluation (the teacher's and the judge's).

    Attributes:
        before_attempt: Called before each attempt with what it may cost (a ledger reservation held
            against a budget); may lower its output cap, or raise `BudgetExceeded` to refuse it.
        on_attempt: Called after each attempt with (stage, item key, attempt, cost): the settlement.
    """

    before_attempt: ReserveHook | None = None
    on_attempt: AttemptHook | None = None


def provider_answers(
    model_id: str,
    prompts: Sequence[Sequence[Mapping[str, str]]],
    *,
    credentials: Mapping[str, Credentials],
    max_tokens: int,
    schema: dict[str, Any] | None = None,
    schema_name: str = "judge_scores",
    concurrency: int = 4,
    progress: Progress | None = None,
    rate_limit: RateLimit | None = None,
    book: CallBook | None = None,
) -> list[Answer]:
    """Answers of a provider model (the teacher, or the judge with its schema); failures are kept.

    ``schema_name`` names ``schema`` to the provider (the pointwise judge's scores by default).

    ``rate_limit`` sets its requests and tokens per minute (learned from its headers when unset).
    ``book`` books every attempt in a service's ledger (stage ``evaluate``) besides pricing it here.
    Runs its own event loop: call it from a thread, not from inside a running loop.
    """
    return asyncio.run(
        _provider_answers(
            model_id,
            prompts,
            credentials,
            max_tokens,
            (schema, schema_name),
            concurrency,
            progress,
            rate_limit,
            book,
        )
    )


async def _provider_answers(
    model_id: str,
    prompts: Sequence[Sequence[Mapping[str, str]]],
    credentials: Mapping[str, Credentials],
    max_tokens: int,
    schema: tuple[dict[str, Any] | None, str],
    concurrency: int,
    progress: Progress | None,
    rate_limit: RateLimit | None = None,
    book: CallBook | None = None,
) -> list[Answer]:
    book = book or CallBook()
    calls = PaidCalls(
        MemoryCache(),
        Accountant(PriceTable.load(None)),
        on_attempt=book.on_attempt,
        before_attempt=book.before_attempt,
    )
    client = get_model(
        model_id,
        credentials=credentials.get(model_id.partition(":")[0]),
        before_attempt=calls.reserve_hook(),
        rate_limit=rate_limit or RateLimit(max_concurrency=concurrency),
    )
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(prompt: Sequence[Mapping[str, str]]) -> Answer:
        nonlocal done
        async with gate:
            answer = await _ask(calls, client, prompt, max_tokens, schema)
        done += 1
        if progress is not None:
            progress(done, len(prompts))
        return answer

    try:
        return list(await asyncio.gather(*(one(prompt) for prompt in prompts)))
    finally:
        await client.aclose()


async def _ask(
    calls: PaidCalls,
    client: LLMClient,
    prompt: Sequence[Mapping[str, str]],
    max_tokens: int,
    schema: tuple[dict[str, Any] | None, str],
) -> Answer:
    # Greedy and without a per-item seed: the answer a user of the model would get.
    request = ChatRequest(
        messages=tuple(Message(role=m["role"], content=m["content"]) for m in prompt),
        max_tokens=max_tokens,
        temperature=0.0,
        response_schema=schema[0],
        schema_name=schema[1] if schema[0] else "response",
    )
    started = time.perf_counter()
    try:
        call = await calls.send(client, request, stage=Stage.evaluate)
    except ProviderError as exc:
        return Answer("", attempts_usage(exc.attempts), str(exc), _latency(exc.attempts, started))
    latency = _latency(call.attempts, started)
    if call.answer.error is not None:  # truncated, filtered or invalid: kept as a failed answer
        return Answer("", call.usage, call.answer.error, latency)
    return Answer(call.answer.text, call.usage, latency_s=latency)


def _latency(attempts: Sequence[Attempt], started: float) -> float:
    # The provider's time, not the rate limiter's: summed over attempts when they report it.
    reported = sum(attempt.latency_s for attempt in attempts)
    return reported if reported > 0 else time.perf_counter() - started
