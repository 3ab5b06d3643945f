"""Preference pairs: the teacher and the student answer each prompt; a judge compares them in both orders.

Both answers go through the one paid-call path (``Engine.calls``: fingerprint, cache, budget, settle)
with the requests a relabel run and its cascade send (same item key, seed and stages), so a rerun, or
a run after ``relabel`` on the same cache, pays nothing twice. The judge is then asked twice, the
teacher's answer shown first, then the student's (:mod:`distillation.preference.verdict`); a pair is
kept when both orders prefer the same answer by at least ``min_margin``. Every pair, kept or not,
carries both verdicts, the models and its cost.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, Field

from distillation.pipeline.accounting import BudgetExceeded, SpendingStopped
from distillation.pipeline.calls import Call, item_seed
from distillation.pipeline.engine import Engine
from distillation.pipeline.runner import FATAL
from distillation.pipeline.types import CallRecord, Stage
from distillation.preference.verdict import (
    DEFAULT_MIN_MARGIN,
    VERDICT_SCHEMA_NAME,
    Order,
    PairDecision,
    Verdict,
    decide_pair,
    pairwise_prompt,
    verdict_schema,
)
from distillation.promptsets import PromptRecord
from distillation.providers import ChatRequest, Message, ProviderError
from distillation.relabel.cascade import STUDENT_STAGE
from distillation.relabel.run import prompt_keys, structured_answers
from distillation.relabel.types import RELABEL_STAGE

PreferenceStatus = Literal["completed", "budget_exhausted", "incomplete"]
VERDICT_MAX_TOKENS = 384
T = TypeVar("T")


class Answered(BaseModel):
    """One model's answer to the prompt."""

    model: str
    content: str | None = None
    error: str | None = None


class PreferencePair(BaseModel):
    """A prompt, both answers and both verdicts: a kept pair (a row) or a rejected one.

    Attributes:
        key: The prompt's item key (``prompt_keys``), shared with relabel's requests.
        index: The prompt's position in the set.
        prompt: The source prompt.
        teacher: The teacher's answer.
        student: The student's answer.
        verdicts: The judge's verdict in each order (teacher-first, then student-first).
        kept: Whether the pair is a preference row.
        preferred: The model both orders preferred (None when they did not agree).
        margin: The smaller of the two orders' margins for ``preferred``.
        reason: Why the pair is kept or rejected (a rejection's starts with its key, e.g. ``tie``).
        calls: Every call behind the pair, with tokens and cost (an answer from the cache is marked
            ``cached`` and priced as when it was paid).
    """

    key: str
    index: int
    prompt: PromptRecord
    teacher: Answered
    student: Answered
    verdicts: list[Verdict] = Field(default_factory=list)
    kept: bool = False
    preferred: Literal["teacher", "student"] | None = None
    margin: float | None = None
    reason: str = ""
    calls: list[CallRecord] = Field(default_factory=list)

    @property
    def position_inconsistent(self) -> bool:
        """Whether the two orders named different winners."""
        return self.reason.startswith("position-inconsistent")

    @property
    def cost_usd(self) -> Decimal | None:
        """What the pair's calls cost, cached ones priced as when paid (None when a price is unknown)."""
        costs = [call.cost_usd for call in self.calls]
        known = [cost for cost in costs if cost is not None]
        return sum(known, Decimal(0)) if len(known) == len(costs) else None

    def chosen_and_rejected(self) -> tuple[str, str]:
        """The preferred answer and the other one.

        Raises:
            ValueError: The pair was not kept.
        """
        if not self.kept or self.teacher.content is None or self.student.content is None:
            raise ValueError(f"pair {self.key} was not kept: {self.reason}")
        if self.preferred == "teacher":
            return self.teacher.content, self.student.content
        return self.student.content, self.teacher.content

    def to_json(self) -> dict[str, Any]:
        """The pair as written to JSONL: ``prompt`` (messages), ``chosen`` and ``rejected`` (one
        assistant message each) when kept, everything else under ``metadata``.

        Kept rows load as TRL's conversational preference format as they are; the ``trl-dpo`` export
        drops the metadata.
        """
        row: dict[str, Any] = {"prompt": self.prompt.messages}
        if self.kept:
            chosen, rejected = self.chosen_and_rejected()
            row["chosen"] = [{"role": "assistant", "content": chosen}]
            row["rejected"] = [{"role": "assistant", "content": rejected}]
        cost = self.cost_usd
        row["metadata"] = {
            "id": self.key,
            "index": self.index,
            "source": {
                "line": self.prompt.line,
                "fingerprint": self.prompt.fingerprint,
                "variables": self.prompt.variables,
                "reference": self.prompt.reference,
            },
            "kept": self.kept,
            "reason": self.reason,
            "preferred": self.preferred,
            "margin": self.margin,
            "teacher": self.teacher.model_dump(mode="json"),
            "student": self.student.model_dump(mode="json"),
            "verdicts": [verdict.model_dump(mode="json") for verdict in self.verdicts],
            "calls": [call.model_dump(mode="json") for call in self.calls],
            "cost_usd": None if cost is None else str(cost),
        }
        return row


class PreferenceReport(BaseModel):
    """The outcome of a preference run.

    Attributes:
        prompts: Prompts given.
        kept: Pairs written as preference rows.
        rejected: Prompts without a row (reason counts in ``rejection_reasons``).
        position_inconsistent: Prompts whose two orders named different winners (position bias).
        preferred: Kept rows per preferred model ("teacher", "student").
        requests: Attempts sent (retries included); answers from the cache are not requests.
        cached_answers: Answers taken from the cache.
        cost_usd: What this run's new requests cost.
    """

    status: PreferenceStatus
    prompts: int
    kept: int
    rejected: int
    position_inconsistent: int
    preferred: dict[str, int] = Field(default_factory=dict)
    rejection_reasons: dict[str, int] = Field(default_factory=dict)
    requests: int
    cached_answers: int
    cost_usd: Decimal
    unknown_prices: list[str] = Field(default_factory=list)
    message: str = ""


class PreferenceSink(Protocol):
    """Where pairs go as they are decided."""

    async def write(self, pair: PreferencePair) -> None:
        """A decided pair, kept or rejected (``pair.kept``)."""
        ...


class MemoryPreferenceSink:
    """Keeps pairs in memory (tests, the Python API)."""

    def __init__(self) -> None:
        self.kept: list[PreferencePair] = []
        self.rejected: list[PreferencePair] = []

    async def write(self, pair: PreferencePair) -> None:
        """Keep the pair in ``kept`` or ``rejected``."""
        (self.kept if pair.kept else self.rejected).append(pair)


class JsonlPreferenceSink:
    """Appends kept pairs to one JSONL file and rejected ones to another, flushed as they arrive."""

    def __init__(self, path: Path, rejects_path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._rows = path.open("ab")
        self._rejects = rejects_path.open("ab")

    async def write(self, pair: PreferencePair) -> None:
        """Append the pair to its file."""
        handle = self._rows if pair.kept else self._rejects
        handle.write(json.dumps(pair.to_json(), ensure_ascii=False, sort_keys=True).encode() + b"\n")
        handle.flush()

    def close(self) -> None:
        """Close both files."""
        self._rows.close()
        self._rejects.close()


class _Stop(Exception):
    def __init__(self, status: PreferenceStatus, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class PreferenceRun:
    """Builds preference pairs with the engine's teacher, student and judge.

    Args:
        engine: Built from :func:`~distillation.relabel.relabel_config` with a ``student`` other than
            the teacher (and the ``judge`` wanted; the teacher judges when omitted).
        sink: Where decided pairs go.
        min_margin: How much better (0-10) the preferred answer must score in both orders.
    """

    def __init__(
        self, engine: Engine, sink: PreferenceSink, *, min_margin: float = DEFAULT_MIN_MARGIN
    ) -> None:
        if engine.student.model_id == engine.teacher.model_id:
            raise ValueError("preference pairs need a student other than the teacher")
        if structured_answers(engine.config):
            raise ValueError("preference pairs compare free-text answers; the task spec asks for records")
        if not 0 <= min_margin <= 10:
            raise ValueError(f"min_margin must be between 0 and 10, not {min_margin}")
        self.engine = engine
        self.sink = sink
        self.min_margin = min_margin
        self.reasons: Counter[str] = Counter()
        self.preferred: Counter[str] = Counter()
        self.kept = self.rejected = self.inconsistent = 0

    async def run(self, prompts: Sequence[PromptRecord]) -> PreferenceReport:
        """Decide every prompt's pair; returns the report (also when the budget stopped the run).

        Prompts whose calls the budget stopped are neither kept nor rejected: a rerun with more
        budget finishes them, paying only for the calls not made yet.
        """
        items = iter(list(enumerate(zip(prompt_keys(prompts), prompts, strict=True))))
        stops: list[_Stop] = []

        async def worker() -> None:
            for index, (key, prompt) in items:
                if stops:
                    return
                try:
                    pair = await self.pair(index, key, prompt)
                except (asyncio.CancelledError, SpendingStopped):
                    return
                except BudgetExceeded as exc:  # calls in flight finish; no new prompt starts
                    stops.append(_Stop("budget_exhausted", str(exc)))
                    return
                except FATAL as exc:
                    stops.append(_Stop("incomplete", f"{type(exc).__name__}: {exc}"))
                    return
                await self._settle(pair)

        workers = max(1, min(self.engine.config.concurrency, len(prompts)))
        await asyncio.gather(*(worker() for _ in range(workers)))
        status: PreferenceStatus = stops[0].status if stops else "completed"
        return self._report(len(prompts), status, stops[0].message if stops else "")

    async def pair(self, index: int, key: str, prompt: PromptRecord) -> PreferencePair:
        """Both answers to one prompt and both verdicts; writes nothing.

        Raises:
            BudgetExceeded: A call could pass the budget (the pair is left for a rerun).
        """
        engine = self.engine
        teacher_model, student_model = engine.teacher.model_id, engine.student.model_id
        pair = PreferencePair(
            key=key,
            index=index,
            prompt=prompt,
            teacher=Answered(model=teacher_model),
            student=Answered(model=student_model),
        )
        if prompt.uses_tools:
            pair.reason = "tools: prompts with tools or tool turns are not supported yet"
            return pair
        if not prompt.messages or prompt.messages[-1]["role"] == "assistant":
            pair.reason = "no turn to answer: the prompt ends with an assistant message"
            return pair
        try:
            request = ChatRequest(
                messages=tuple(Message(role=m["role"], content=m["content"]) for m in prompt.messages),
                max_tokens=engine.config.max_tokens,
                temperature=engine.config.temperature,
                seed=item_seed(engine.config.seed, key),
            )
            teacher_call, student_call = await _both(
                engine.calls.send(engine.teacher, request, stage=RELABEL_STAGE, key=key),
                engine.calls.send(engine.student, request, stage=STUDENT_STAGE, key=key),
            )
        except (BudgetExceeded, SpendingStopped):
            raise
        except ProviderError as exc:  # retries exhausted: this prompt is rejected, the run goes on
            pair.reason = f"provider error: {type(exc).__name__}: {exc}"
            return pair
        pair.calls = [teacher_call.record, student_call.record]
        pair.teacher = _answered(teacher_call)
        pair.student = _answered(student_call)
        for answered in (pair.teacher, pair.student):
            if answered.content is None:
                pair.reason = f"unusable model output: {answered.model}: {answered.error}"
                return pair
        if pair.teacher.content == pair.student.content:
            pair.reason = "identical answers: nothing to prefer"
            return pair
        try:
            pair.verdicts = list(
                await _both(self._verdict(pair, "teacher-first"), self._verdict(pair, "student-first"))
            )
        except (BudgetExceeded, SpendingStopped):
            raise
        except ProviderError as exc:
            pair.reason = f"provider error: {type(exc).__name__}: {exc}"
            return pair
        decision: PairDecision = decide_pair(pair.verdicts[0], pair.verdicts[1], self.min_margin)
        pair.kept, pair.preferred, pair.margin = decision.kept, decision.preferred, decision.margin
        pair.reason = decision.reason
        return pair

    async def _verdict(self, pair: PreferencePair, order: Order) -> Verdict:
        engine = self.engine
        teacher, student = pair.teacher.content or "", pair.student.content or ""
        first, second = (teacher, student) if order == "teacher-first" else (student, teacher)
        prompt = pairwise_prompt(
            pair.prompt.messages,
            first,
            second,
            datatype=engine.datatype,
            instruction=engine.config.instruction,
            renderer=engine.renderer,
        )
        call = await engine.calls.call(
            engine.judge,
            prompt,
            stage=Stage.judge,
            key=f"{pair.key}-{order}",
            schema=verdict_schema(),
            schema_name=VERDICT_SCHEMA_NAME,
            max_tokens=VERDICT_MAX_TOKENS,
        )
        pair.calls.append(call.record)
        answer = call.answer
        text = answer.text if answer.data is None else json.dumps(answer.data, ensure_ascii=False)
        if answer.error is not None and not text.strip():
            text = answer.error
        return Verdict.read(order, text, answer.model_id)

    async def _settle(self, pair: PreferencePair) -> None:
        if pair.kept:
            self.kept += 1
            self.preferred[pair.preferred or "none"] += 1
        else:
            self.rejected += 1
            self.reasons[pair.reason.split(":", 1)[0].strip().lower()[:60] or "unknown"] += 1
        if pair.position_inconsistent:
            self.inconsistent += 1
        await self.sink.write(pair)

    def _report(self, prompts: int, status: PreferenceStatus, message: str) -> PreferenceReport:
        calls, accountant = self.engine.calls, self.engine.accountant
        return PreferenceReport(
            status=status,
            prompts=prompts,
            kept=self.kept,
            rejected=self.rejected,
            position_inconsistent=self.inconsistent,
            preferred=dict(self.preferred),
            rejection_reasons=dict(self.reasons),
            requests=calls.requests,
            cached_answers=calls.cached,
            cost_usd=accountant.spent,
            unknown_prices=sorted(accountant.unknown_models),
            message=message,
        )


def _answered(call: Call) -> Answered:
    answer = call.answer
    text = answer.text.strip()
    if answer.error is not None or not text:
        return Answered(model=answer.model_id, error=answer.error or "the answer is empty")
    return Answered(model=answer.model_id, content=text)


async def _both(first: Awaitable[T], second: Awaitable[T]) -> tuple[T, T]:
    """Await both; when one fails, the other still finishes (its answer is paid for and cached)."""
    one, two = await asyncio.gather(first, second, return_exceptions=True)
    if isinstance(one, BaseException):
        raise one
    if isinstance(two, BaseException):
        raise two
    return one, two
