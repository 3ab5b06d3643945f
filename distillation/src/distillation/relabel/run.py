"""The teacher answers every prompt of a prompt set, through the pipeline's engine.

Each prompt's messages are sent as they are (system prompt and earlier turns kept) through the one
paid-call path (``Engine.calls``: fingerprint, cache, budget, settle), so a rerun after a crash or a
budget stop pays only for prompts that never got an answer. Each answer then gets the generation
pipeline's checks: the structure of the conversation, the judge on the sampled share
(``judge_sample_rate``) and the thresholds' decision. A low score removes a row (``remove_below``);
an answer is never rewritten, since the answer is the teacher's own.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from distillation.pipeline.accounting import BudgetExceeded, SpendingStopped
from distillation.pipeline.calls import item_seed
from distillation.pipeline.config import GenerationConfig
from distillation.pipeline.engine import Engine
from distillation.pipeline.runner import FATAL
from distillation.pipeline.types import Provenance, Rejection
from distillation.pipeline.validate import judge_row, sampled_for_judging
from distillation.promptsets import PromptRecord
from distillation.providers import ChatRequest, Message, ProviderError
from distillation.quality import (
    Decision,
    DecisionResult,
    QualityThresholds,
    aggregate_score,
    check_structure,
    decide,
)
from distillation.relabel.types import (
    RELABEL_STAGE,
    RelabelReport,
    RelabelRow,
    RelabelSink,
    RelabelStatus,
)


@dataclass(frozen=True, slots=True)
class RelabelProgress:
    """Where a run stands, reported after every prompt."""

    answered: int
    rejected: int
    total: int
    cost_usd: Decimal


ProgressHook = Callable[[RelabelProgress], Awaitable[None] | None]


def relabel_config(
    teacher: str,
    *,
    count: int = 1,
    judge: str | None = None,
    judge_sample_rate: float = 1.0,
    thresholds: QualityThresholds | None = None,
    max_tokens: int = 512,
    temperature: float = 0.8,
    seed: int = 0,
    concurrency: int = 8,
    budget_usd: Decimal | None = None,
) -> GenerationConfig:
    """The engine config of a relabel run (``build_engine`` takes it): the teacher answers, no fixes.

    Args:
        teacher: "provider:model" answering the prompts.
        count: Prompts in the set.
        judge: "provider:model" scoring the answers; the teacher when omitted.
        judge_sample_rate: Share of answers judged (0 judges none).
        thresholds: Scores below which rows are removed; auto-fix is always off.
        max_tokens: Output cap per answer.
        temperature: Sampling temperature of the answers.
        seed: Seed of the answers' sampling (part of every request, so of the cache key).
        concurrency: Prompts in flight at once.
        budget_usd: Spending limit of new requests.
    """
    limits = (thresholds or QualityThresholds()).model_copy(update={"auto_fix": False})
    return GenerationConfig(
        data_type="generation",
        count=max(1, count),
        teacher=teacher,
        student=teacher,
        judge=judge,
        judge_sample_rate=judge_sample_rate,
        thresholds=limits,
        max_tokens=max_tokens,
        temperature=temperature,
        seed=seed,
        concurrency=concurrency,
        budget_usd=budget_usd,
    )


def prompt_keys(prompts: Sequence[PromptRecord]) -> list[str]:
    """Each prompt's item key: its fingerprint, and its occurrence when the set repeats a prompt.

    The key, not the line, names the request, so a file edited between runs still reuses its answers.
    """
    seen: Counter[str] = Counter()
    keys = []
    for prompt in prompts:
        occurrence = seen[prompt.fingerprint]
        seen[prompt.fingerprint] += 1
        suffix = f"-{occurrence}" if occurrence else ""
        keys.append(f"{RELABEL_STAGE}-{prompt.fingerprint[:24]}{suffix}")
    return keys


class _Stop(Exception):
    def __init__(self, status: RelabelStatus, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class Relabeler:
    """Has the engine's teacher answer prompts, at most ``config.concurrency`` at once."""

    def __init__(
        self,
        engine: Engine,
        sink: RelabelSink,
        *,
        on_progress: ProgressHook | None = None,
        cancel: asyncio.Event | None = None,
    ) -> None:
        self.engine = engine
        self.sink = sink
        self.on_progress = on_progress
        self.cancel = cancel or asyncio.Event()
        self.reasons: Counter[str] = Counter()
        self.answered = self.rejected = self.judged = 0
        self._total = 0

    async def run(self, prompts: Sequence[PromptRecord]) -> RelabelReport:
        """Answer every prompt; returns the report (also when stopped by the budget or a cancellation)."""
        self._total = len(prompts)
        status: RelabelStatus = "completed"
        message = ""
        watcher = asyncio.create_task(self._stop_spending_on_cancel())
        try:
            await self._window(list(zip(prompt_keys(prompts), prompts, strict=True)))
        except _Stop as stop:
            status, message = stop.status, stop.message
        finally:
            watcher.cancel()
            await asyncio.wait([watcher])
        if status == "completed" and self.answered < len(prompts):
            status = "incomplete"
            message = f"{self.answered} of {len(prompts)} prompts answered; the rest were rejected"
        return self._report(status, message)

    async def _stop_spending_on_cancel(self) -> None:
        await self.cancel.wait()
        self.engine.accountant.stop()

    async def _window(self, items: list[tuple[str, PromptRecord]]) -> None:
        running: set[asyncio.Task[RelabelRow | Rejection]] = set()
        stop: _Stop | None = None
        position = 0
        try:
            while True:
                while (
                    stop is None and position < len(items) and len(running) < self.engine.config.concurrency
                ):
                    if self.cancel.is_set():
                        stop = _Stop("cancelled", "cancelled")
                        break
                    key, prompt = items[position]
                    running.add(asyncio.create_task(self._answer(position, key, prompt), name=key))
                    position += 1
                if not running:
                    break
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    stop = await self._settle(task) or stop
        except BaseException:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            raise
        if stop is None and position < len(items) and self.cancel.is_set():
            stop = _Stop("cancelled", "cancelled")
        if stop is not None:
            raise stop

    async def _answer(self, index: int, key: str, prompt: PromptRecord) -> RelabelRow | Rejection:
        engine = self.engine
        if prompt.uses_tools:
            reason = "tool calling is not supported by relabel yet (the prompt has tools or tool turns)"
            return Rejection(key=key, stage=RELABEL_STAGE, reason=reason)
        request = ChatRequest(
            messages=tuple(Message(role=m["role"], content=m["content"]) for m in prompt.messages),
            max_tokens=engine.config.max_tokens,
            temperature=engine.config.temperature,
            seed=item_seed(engine.config.seed, key),
        )
        call = await engine.calls.send(engine.teacher, request, stage=RELABEL_STAGE, key=key)
        answer = call.answer
        provenance = Provenance(
            stage=RELABEL_STAGE, model=answer.model_id, template_hash="", scenario={}, calls=[call.record]
        )
        text = answer.text.strip()
        if answer.error is not None or not text:
            why = answer.error or "the answer is empty"
            return _rejection(key, f"unusable model output: {why}", answer.text, provenance)
        messages: list[dict[str, Any]] = [*prompt.messages, {"role": "assistant", "content": text}]
        structure = check_structure(engine.datatype, {"turns": messages}, context=engine.context)
        score = None
        if structure.ok and sampled_for_judging(key, engine.config.judge_sample_rate):
            scores, provenance.judge_feedback = await judge_row(engine, key, structure.record, provenance)
            provenance.judge_scores = scores.criteria() if scores is not None else None
            score = aggregate_score(scores) if scores is not None else None
            self.judged += 1
        result = decide(score, engine.config.thresholds, structure_ok=structure.ok)
        if structure.ok and not provenance.calls[1:]:  # no judge call: outside the judged sample
            result = DecisionResult(decision=Decision.KEEP, reason="not in the judged sample")
        provenance.decision, provenance.decision_reason = result.decision.value, result.reason
        if result.decision is Decision.REMOVE:
            reason = "; ".join(structure.reasons) if not structure.ok else result.reason
            return _rejection(key, reason, text, provenance)
        return RelabelRow(
            key=key, index=index, messages=messages, prompt=prompt, score=score, provenance=provenance
        )

    async def _settle(self, task: asyncio.Task[RelabelRow | Rejection]) -> _Stop | None:
        try:
            outcome = task.result()
        except (asyncio.CancelledError, SpendingStopped):  # stopped before its call: not a rejection
            return None
        except BudgetExceeded as exc:
            return _Stop("budget_exhausted", str(exc))
        except FATAL as exc:
            return _Stop("incomplete", f"{type(exc).__name__}: {exc}")
        except ProviderError as exc:  # retries exhausted for this prompt: a rejection, the run goes on
            outcome = Rejection(
                key=task.get_name(), stage=RELABEL_STAGE, reason=f"{type(exc).__name__}: {exc}"
            )
        if isinstance(outcome, RelabelRow):
            self.answered += 1
            await self.sink.write(outcome)
        else:
            self.rejected += 1
            self.reasons[outcome.reason.split(":", 1)[0].strip().lower()[:60] or "unknown"] += 1
            await self.sink.reject(outcome)
        if self.on_progress is not None:
            spent = self.engine.accountant.spent
            result = self.on_progress(RelabelProgress(self.answered, self.rejected, self._total, spent))
            if result is not None:
                await result
        return None

    def _report(self, status: RelabelStatus, message: str) -> RelabelReport:
        calls, accountant = self.engine.calls, self.engine.accountant
        return RelabelReport(
            status=status,
            prompts=self._total,
            answered=self.answered,
            rejected=self.rejected,
            requests=calls.requests,
            cached_answers=calls.cached,
            cost_usd=accountant.spent,
            judged=self.judged,
            unknown_prices=sorted(accountant.unknown_models),
            rejection_reasons=dict(self.reasons),
            message=message,
        )


def _rejection(key: str, reason: str, raw: str | None, provenance: Provenance) -> Rejection:
    return Rejection(key=key, stage=RELABEL_STAGE, reason=reason, raw=raw, model=provenance.model)
