"""Answers from the models under evaluation: local ones in-process, the teacher and judge through providers.

Local answers are greedy and unconstrained (no grammar, no schema): what the format validity of a
small model means is whether it writes the format on its own. Provider answers take the library's one
paid-call path (:mod:`distillation.pipeline.calls`), with a cache that lasts one batch of prompts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from distillation.cost import PriceTable, TokenUsage
from distillation.finetune.model import require
from distillation.pipeline import Accountant, MemoryCache, PaidCalls
from distillation.pipeline.calls import attempts_usage
from distillation.pipeline.types import Stage
from distillation.providers import (
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
    """One model answer and its tokens; ``error`` instead of text when the call failed."""

    text: str
    usage: TokenUsage
    error: str | None = None


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
            with torch.no_grad():
                output = model.generate(
                    **batch,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=tokenizer.eos_token_id,
                )
            answers += _decode(tokenizer, batch, output[:, batch["input_ids"].shape[1] :])
            if progress is not None:
                progress(len(answers), len(texts))
    finally:
        tokenizer.padding_side = side
    return answers


def _decode(tokenizer: Any, batch: Any, generated: Any) -> list[Answer]:
    answers = []
    for index, tokens in enumerate(generated.tolist()):
        length = next((i + 1 for i, t in enumerate(tokens) if t == tokenizer.eos_token_id), len(tokens))
        prompt_tokens = int(batch["attention_mask"][index].sum())
        text = tokenizer.decode(tokens[:length], skip_special_tokens=True).strip()
        answers.append(Answer(text, TokenUsage(input_tokens=prompt_tokens, output_tokens=length)))
    return answers


def provider_answers(
    model_id: str,
    prompts: Sequence[Sequence[Mapping[str, str]]],
    *,
    credentials: Mapping[str, Credentials],
    max_tokens: int,
    schema: dict[str, Any] | None = None,
    concurrency: int = 4,
    progress: Progress | None = None,
    rate_limit: RateLimit | None = None,
) -> list[Answer]:
    """Answers of a provider model (the teacher, or the judge with its schema); failures are kept.

    ``rate_limit`` sets its requests and tokens per minute (learned from its headers when unset).
    Runs its own event loop: call it from a thread, not from inside a running loop.
    """
    return asyncio.run(
        _provider_answers(
            model_id, prompts, credentials, max_tokens, schema, concurrency, progress, rate_limit
        )
    )


async def _provider_answers(
    model_id: str,
    prompts: Sequence[Sequence[Mapping[str, str]]],
    credentials: Mapping[str, Credentials],
    max_tokens: int,
    schema: dict[str, Any] | None,
    concurrency: int,
    progress: Progress | None,
    rate_limit: RateLimit | None = None,
) -> list[Answer]:
    calls = PaidCalls(MemoryCache(), Accountant(PriceTable.load(None)))
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
    schema: dict[str, Any] | None,
) -> Answer:
    # Greedy and without a per-item seed: the answer a user of the model would get.
    request = ChatRequest(
        messages=tuple(Message(role=m["role"], content=m["content"]) for m in prompt),
        max_tokens=max_tokens,
        temperature=0.0,
        response_schema=schema,
        schema_name="judge_scores" if schema else "response",
    )
    try:
        call = await calls.send(client, request, stage=Stage.evaluate)
    except ProviderError as exc:
        return Answer("", attempts_usage(exc.attempts), str(exc))
    if call.answer.error is not None:  # truncated, filtered or invalid: kept as a failed answer
        return Answer("", call.usage, call.answer.error)
    return Answer(call.answer.text, call.usage)
