"""Model calls of seed amplification: answered from the fingerprint cache when possible, priced otherwise."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from distillation.datatypes import RenderedPrompt
from distillation.pipeline import Accountant, Answer, ResponseCache
from distillation.providers import Attempt, ChatRequest, LLMClient, Message, OutputError


@dataclass(frozen=True)
class Call:
    """One answered request: the answer, whether it came from the cache, and its cost."""

    answer: Answer
    cached: bool
    cost: Decimal | None

    def metadata(self) -> dict[str, Any]:
        """Model, tokens and cost, as stored with the row."""
        return {
            "model": self.answer.model_id,
            "fingerprint": self.answer.fingerprint,
            "input_tokens": self.answer.input_tokens,
            "output_tokens": self.answer.output_tokens,
            "cost_usd": None if self.cost is None else str(self.cost),
            "cached": self.cached,
        }


class Calls(Protocol):
    """What the amplification steps send their requests through: :class:`Caller` in the library, the
    engine's ledger-booked calls in the service."""

    async def call(
        self,
        client: LLMClient,
        prompt: RenderedPrompt,
        *,
        stage: str,
        key: str,
        schema: dict[str, Any],
        schema_name: str,
        max_tokens: int,
    ) -> Call:
        """The answer to ``prompt`` (from a cache or the model), with its cost."""
        ...


@dataclass
class Caller:
    """Sends requests through the cache and the accountant (budget, cost per stage).

    Attributes:
        requests: Attempts sent (retries included).
        cached: Answers taken from the cache instead of sent.
    """

    cache: ResponseCache
    accountant: Accountant
    seed: int = 0
    temperature: float = 0.8
    requests: int = field(default=0, init=False)
    cached: int = field(default=0, init=False)

    async def call(
        self,
        client: LLMClient,
        prompt: RenderedPrompt,
        *,
        stage: str,
        key: str,
        schema: dict[str, Any],
        schema_name: str,
        max_tokens: int,
    ) -> Call:
        """The answer to ``prompt`` from the cache, or from ``client`` (then cached).

        Raises:
            BudgetExceeded: Sending the request could exceed the budget.
            ProviderError: Retries exhausted or a fatal error (an unusable answer is returned instead).
        """
        request = ChatRequest(
            messages=tuple(Message(role=m["role"], content=m["content"]) for m in prompt.messages),
            max_tokens=max_tokens,
            temperature=self.temperature,
            seed=_item_seed(self.seed, key),
            response_schema=schema,
            schema_name=schema_name,
            template_hash=prompt.template_hash,
        )
        fingerprint = client.fingerprint(request)
        cached = await self.cache.get(fingerprint)
        if cached is not None:
            self.cached += 1
            cost = self.accountant.cost_of(cached.model_id, cached.input_tokens, cached.output_tokens)
            return Call(cached, True, cost)
        costs: list[Decimal | None] = []

        def settle(attempt: Attempt) -> None:
            self.requests += 1
            costs.append(self.accountant.settle(stage, attempt))

        try:
            answer = Answer.from_result(await client.chat(request, on_attempt=settle))
        except OutputError as exc:  # paid for but unusable: kept, so a rerun does not pay again
            answer = Answer.from_output_error(client.model_id, fingerprint, exc)
        await self.cache.put(answer)
        known = [c for c in costs if c is not None]
        return Call(answer, False, None if len(known) < len(costs) else sum(known, Decimal(0)))


def _item_seed(run_seed: int, key: str) -> int:
    # Each item samples with its own seed: varied answers, yet the same request (and cache key) on a rerun.
    return (run_seed * 1_000_003 + int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)) % (2**31)
