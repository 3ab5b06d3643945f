"""Seed amplification end to end: traces, policy, then new pairs in a sliding window until ×N are kept.

Every answer goes through the fingerprint cache, so a rerun after an interruption or a budget stop
pays only for requests that never got an answer. Near-duplicates (of a seed or of a pair already kept)
are rejected with the key of the pair they repeat; every rejected pair is kept with its reason.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from distillation.amplify.seeds import Pair
from distillation.amplify.steps import (
    Traced,
    Written,
    extract_policy,
    measured_policy,
    trace_seed,
    write_pair,
)
from distillation.datatypes import PromptRenderer, TaskPolicy
from distillation.pipeline import BudgetExceeded
from distillation.pipeline.calls import PaidCalls
from distillation.pipeline.dedup import StreamingDeduplicator
from distillation.pipeline.runner import FATAL
from distillation.providers import LLMClient, ProviderError

Status = Literal["completed", "incomplete", "budget_exhausted"]


@dataclass
class AmplifyStats:
    """Counts of one amplification run.

    Attributes:
        seeds: Seed pairs given.
        traced: Seeds whose chain-of-thought trace succeeded.
        policy_from_model: Whether the teacher's policy was usable (else one measured from the seeds).
        target: Amplified pairs wanted (``seeds × augment_factor``).
        amplified: Amplified pairs kept.
        rejected: Amplified pairs rejected (unusable output or near-duplicates).
        duplicates: Of those, near-duplicates.
        requests: Requests sent (retries included); answers from the cache are not requests.
        cached_answers: Answers taken from the cache.
        reasons: Rejection reasons and their counts.
    """

    seeds: int = 0
    traced: int = 0
    policy_from_model: bool = False
    target: int = 0
    amplified: int = 0
    rejected: int = 0
    duplicates: int = 0
    requests: int = 0
    cached_answers: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class Amplification:
    """What a run produced: traced seeds, kept pairs (in variation order), rejections, the outcome."""

    traces: list[Traced]
    pairs: list[Written]
    rejected: list[Written]
    stats: AmplifyStats
    status: Status = "completed"
    message: str = ""


@dataclass
class Amplifier:
    """The models, settings and shared state of one amplification."""

    calls: PaidCalls
    teacher: LLMClient
    writer: LLMClient
    instruction: str
    renderer: PromptRenderer
    response_model: type[BaseModel] | None = None
    concurrency: int = 8
    exemplars: int = 3
    max_tokens: int = 1024
    dedup: StreamingDeduplicator = field(default_factory=StreamingDeduplicator)

    async def run(self, seeds: list[Pair], augment_factor: int) -> Amplification:
        """Trace the seeds, extract the policy, write ``len(seeds) × augment_factor`` new pairs.

        Raises:
            ProviderError: A failure that would repeat for every request (bad key, unknown model).
        """
        stats = AmplifyStats(seeds=len(seeds), target=len(seeds) * augment_factor)
        result = Amplification([], [], [], stats)
        try:
            outcomes = await asyncio.gather(*(self._trace(seed) for seed in seeds), return_exceptions=True)
            result.traces = [outcome for outcome in outcomes if isinstance(outcome, Traced)]
            for outcome in outcomes:
                if isinstance(outcome, BaseException):  # a budget stop or a fatal error, once all are done
                    raise outcome
            traced = [t.pair for t in result.traces]
            stats.traced = sum(t.error is None for t in result.traces)
            policy, stats.policy_from_model = await self._policy(traced)
        except BudgetExceeded as exc:
            return self._finish(result, "budget_exhausted", str(exc))
        for pair in traced:
            self.dedup.add(pair.key, pair.text())

        async def make(variation: int) -> Written:
            return await write_pair(
                self.calls,
                self.writer,
                self.instruction,
                policy,
                traced,
                variation,
                exemplars=self.exemplars,
                max_tokens=self.max_tokens,
                response_model=self.response_model,
                renderer=self.renderer,
            )

        stop = await self._window(result, make)
        if stop is not None:
            return self._finish(result, "budget_exhausted", stop)
        if stats.amplified < stats.target:
            missing = f"{stats.amplified} of {stats.target} amplified pairs kept; the rest were rejected"
            return self._finish(result, "incomplete", missing)
        return self._finish(result, "completed", "")

    async def _trace(self, seed: Pair) -> Traced:
        try:
            return await trace_seed(self.calls, self.teacher, self.instruction, seed, self.renderer)
        except (BudgetExceeded, *FATAL):
            raise
        except ProviderError as exc:  # retries exhausted: the seed is still used, without reasoning
            return Traced(seed, None, f"{type(exc).__name__}: {exc}")

    async def _policy(self, traced: list[Pair]) -> tuple[TaskPolicy, bool]:
        try:
            policy, _, from_model = await extract_policy(
                self.calls, self.teacher, self.instruction, traced, self.renderer
            )
        except (BudgetExceeded, *FATAL):
            raise
        except ProviderError:
            return measured_policy(self.instruction, traced), False
        return policy, from_model

    async def _window(
        self, result: Amplification, make: Callable[[int], Coroutine[Any, Any, Written]]
    ) -> str | None:
        """New pairs, at most ``concurrency`` in flight and never more than still missing."""
        stats = result.stats
        limit = stats.target + max(5, stats.target)  # replacements for rejected pairs
        running: set[asyncio.Task[Written]] = set()
        next_variation, stop = 0, None
        try:
            while True:
                while (
                    stop is None
                    and next_variation < limit
                    and len(running) < self.concurrency
                    and stats.amplified + len(running) < stats.target
                ):
                    running.add(asyncio.create_task(make(next_variation)))
                    next_variation += 1
                if not running:
                    break
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    stop = self._settle(result, task) or stop
        finally:
            for task in running:
                task.cancel()
        result.pairs.sort(key=lambda written: written.variation)
        return stop

    def _settle(self, result: Amplification, task: asyncio.Task[Written]) -> str | None:
        stats = result.stats
        try:
            written = task.result()
        except BudgetExceeded as exc:
            return str(exc)
        except FATAL:
            raise
        except ProviderError as exc:  # retries exhausted for this pair: a rejection, the run goes on
            stats.rejected += 1
            stats.reasons[type(exc).__name__] += 1
            return None
        if written.pair is not None:
            duplicate = self.dedup.duplicate_of(written.pair.text())
            if duplicate is None:
                self.dedup.add(written.key, written.pair.text())
                result.pairs.append(written)
                stats.amplified += 1
                return None
            stats.duplicates += 1
            reason = f"near-duplicate of {duplicate}"
            written = Written(written.key, written.variation, written.call, error=reason)
        stats.rejected += 1
        stats.reasons[(written.error or "unknown").split(":", 1)[0][:60]] += 1
        result.rejected.append(written)
        return None

    def _finish(self, result: Amplification, status: Status, message: str) -> Amplification:
        result.status, result.message = status, message
        result.stats.requests, result.stats.cached_answers = self.calls.requests, self.calls.cached
        return result
