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
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from distillation.pipeline.accounting import BudgetExceeded, SpendingStopped
from distillation.pipeline.cache import Answer
from distillation.pipeline.calls import item_seed
from distillation.pipeline.config import GenerationConfig
from distillation.pipeline.engine import Engine
from distillation.pipeline.runner import FATAL
from distillation.pipeline.types import CallRecord, Provenance, Rejection
from distillation.pipeline.validate import judge_row, sampled_for_judging
from distillation.promptsets import PromptRecord
from distillation.providers import ChatRequest, Message, ProviderError
from distillation.providers.tools import tool_call_error, tools_error
from distillation.quality import (
    Decision,
    DecisionResult,
    QualityThresholds,
    StructureResult,
    aggregate_score,
    check_structure,
    decide,
)
from distillation.relabel.cascade import (
    STUDENT_STAGE,
    Cascade,
    CascadeReport,
    CascadeTrace,
    PilotReport,
    cascade_report,
    pilot_report,
)
from distillation.relabel.types import (
    ANSWER_SCHEMA_NAME,
    RELABEL_STAGE,
    MemoryRelabelSink,
    RelabelReport,
    RelabelRow,
    RelabelSink,
    RelabelStatus,
)
from distillation.taskspec.spec import TaskSpec


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
    student: str | None = None,
    task: TaskSpec | None = None,
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
        student: "provider:model" answering first in a cascade (see :class:`Cascade`); the teacher
            (no cascade) when omitted.
        task: A task spec: answers are asked in its output schema (the provider's structured output
            where it has one) and pass its validators; its policy and rubric reach the judge. A spec
            on the built-in ``generation`` type keeps free-text answers.
    """
    limits = (thresholds or QualityThresholds()).model_copy(update={"auto_fix": False})
    return GenerationConfig(
        data_type="generation",
        count=max(1, count),
        teacher=teacher,
        student=student or teacher,
        judge=judge,
        judge_sample_rate=judge_sample_rate,
        thresholds=limits,
        max_tokens=max_tokens,
        temperature=temperature,
        seed=seed,
        concurrency=concurrency,
        budget_usd=budget_usd,
        task=task,
    )


def structured_answers(config: GenerationConfig) -> bool:
    """Whether a relabel run asks for answers in its task spec's schema (not free text)."""
    return config.task is not None and config.task.datatype != "generation"


def with_task_system(config: GenerationConfig, messages: tuple[Message, ...]) -> tuple[Message, ...]:
    """The prompt's messages with the task spec's instruction and policy in the system message.

    They go after the prompt's own system message when it has one; the written row keeps the prompt's
    messages as they were (the student learns to answer the prompt, not the spec).
    """
    task = config.task
    parts = [part for part in (config.instruction, task.policy if task else None) if part]
    if not parts:
        return messages
    text = "\n\n".join(parts)
    if messages and messages[0].role == "system":
        first = Message(role="system", content=f"{messages[0].content}\n\n{text}")
        return (first, *messages[1:])
    return (Message(role="system", content=text), *messages)


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
    """Has the engine's teacher answer prompts, at most ``config.concurrency`` at once.

    With ``cascade``, the engine's student answers each prompt first and the teacher only the prompts
    whose student answer is escalated (see :mod:`distillation.relabel.cascade`); ``traces`` then holds
    what each finished prompt went through.
    """

    def __init__(
        self,
        engine: Engine,
        sink: RelabelSink,
        *,
        on_progress: ProgressHook | None = None,
        cancel: asyncio.Event | None = None,
        cascade: Cascade | None = None,
    ) -> None:
        if cascade is not None and engine.student.model_id == engine.teacher.model_id:
            raise ValueError("a cascade needs a student other than the teacher (relabel_config(student=...))")
        self.cascade = cascade
        self.traces: list[CascadeTrace] = []
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
        if self.engine.calls.batch is not None:  # a batch may take hours: stop waiting, resume later
            self.engine.calls.batch.stop()

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
                    running.add(asyncio.create_task(self.answer(position, key, prompt), name=key))
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

    async def answer(self, index: int, key: str, prompt: PromptRecord) -> RelabelRow | Rejection:
        """Answer one prompt (the cascade first when set) and check the answer; writes nothing.

        ``run`` calls it for each prompt; a service job calls it for the one prompt of an item.

        Args:
            index: The prompt's position, recorded on the row.
            key: Its item key (``prompt_keys``): the cache and sampling seed follow it.
            prompt: The prompt.
        """
        engine = self.engine
        problem = tools_error(prompt.tools or [])
        if prompt.tools and structured_answers(engine.config):
            problem = "a prompt with tools is answered in text or tool calls, not in a task spec's schema"
        if problem is not None:
            return Rejection(key=key, stage=RELABEL_STAGE, reason=f"unusable prompt: {problem}")
        messages = tuple(Message.from_openai(m) for m in prompt.messages)
        request = ChatRequest(
            messages=messages,
            max_tokens=engine.config.max_tokens,
            temperature=engine.config.temperature,
            seed=item_seed(engine.config.seed, key),
            tools=tuple(prompt.tools or ()),
        )
        if structured_answers(engine.config):
            request = request.model_copy(
                update={
                    "messages": with_task_system(engine.config, messages),
                    "response_schema": engine.datatype.json_schema(),
                    "schema_name": ANSWER_SCHEMA_NAME,
                }
            )
        if self.cascade is None:
            return await self._teacher(index, key, prompt, request)
        return await self._cascade(index, key, prompt, request, self.cascade)

    async def _teacher(
        self,
        index: int,
        key: str,
        prompt: PromptRecord,
        request: ChatRequest,
        *,
        before: Sequence[CallRecord] = (),
        trace: CascadeTrace | None = None,
        always_judge: bool = False,
    ) -> RelabelRow | Rejection:
        """The teacher's answer to ``prompt`` and its checks (after the student's calls ``before``)."""
        engine = self.engine
        call = await engine.calls.send(engine.teacher, request, stage=RELABEL_STAGE, key=key)
        answer = call.answer
        provenance = Provenance(
            stage=RELABEL_STAGE,
            model=answer.model_id,
            template_hash="",
            scenario={},
            calls=[*before, call.record],
            task=engine.config.task_ref,
        )
        if trace is not None:
            trace.teacher_calls.append(call.record)
        text = answer.text.strip()
        if answer.error is not None or not (text or answer.tool_calls):
            why = answer.error or "the answer is empty"
            return _rejection(key, f"unusable model output: {why}", answer.text, provenance)
        messages, structure = self._checked(prompt, answer)
        text = _answer_text(messages[-1])
        score = None
        judged = False
        if structure.ok and (always_judge or sampled_for_judging(key, engine.config.judge_sample_rate)):
            scores, provenance.judge_feedback = await judge_row(
                engine, key, structure.record, provenance, messages=self._shown(messages)
            )
            provenance.judge_scores = scores.criteria() if scores is not None else None
            score = aggregate_score(scores) if scores is not None else None
            judged = True
            self.judged += 1
            if trace is not None:
                trace.teacher_calls.append(provenance.calls[-1])
                trace.teacher_score = score
        result = decide(score, engine.config.thresholds, structure_ok=structure.ok)
        if structure.ok and not judged:
            result = DecisionResult(decision=Decision.KEEP, reason="not in the judged sample")
        provenance.decision, provenance.decision_reason = result.decision.value, result.reason
        if result.decision is Decision.REMOVE:
            reason = "; ".join(structure.reasons) if not structure.ok else result.reason
            return _rejection(key, reason, text, provenance)
        if trace is not None:
            trace.teacher_accepted = True
        return RelabelRow(
            key=key,
            index=index,
            messages=messages,
            prompt=prompt,
            score=score,
            provenance=provenance,
            cascade=trace,
            record=self._record(structure),
        )

    async def _cascade(
        self, index: int, key: str, prompt: PromptRecord, request: ChatRequest, cascade: Cascade
    ) -> RelabelRow | Rejection:
        """The student answers first; the teacher re-answers when that answer is escalated."""
        engine = self.engine
        call = await engine.calls.send(engine.student, request, stage=STUDENT_STAGE, key=key)
        answer = call.answer
        provenance = Provenance(
            stage=STUDENT_STAGE,
            model=answer.model_id,
            template_hash="",
            scenario={},
            calls=[call.record],
            task=engine.config.task_ref,
        )
        sampled = sampled_for_judging(key, engine.config.judge_sample_rate)
        trace = CascadeTrace(key=key, path="student", student_model=answer.model_id, teacher_judged=sampled)
        text = answer.text.strip()
        messages: list[dict[str, Any]] = [*prompt.messages, {"role": "assistant", "content": text}]
        result: DecisionResult | None = None
        structure: StructureResult | None = None
        if answer.error is not None or not (text or answer.tool_calls):
            trace.escalation_kind = "unusable output"
            trace.escalation = f"unusable student output: {answer.error or 'the answer is empty'}"
        else:
            messages, structure = self._checked(prompt, answer)
            if not structure.ok:
                trace.escalation_kind = "failed checks"
                trace.escalation = "failed checks: " + "; ".join(structure.reasons)
            else:
                # The student's judging has its own item key: its ledger entries are told apart.
                scores, feedback = await judge_row(
                    engine, f"{key}-student", structure.record, provenance, messages=self._shown(messages)
                )
                self.judged += 1
                provenance.judge_feedback = feedback
                if scores is None:
                    trace.escalation_kind = "judge output unparsable"
                    trace.escalation = feedback or "judge output could not be parsed"
                else:
                    provenance.judge_scores = scores.criteria()
                    trace.student_score = score = aggregate_score(scores)
                    result = decide(score, engine.config.thresholds)
                    if score < cascade.escalate_below:
                        trace.escalation_kind = "low score"
                        trace.escalation = f"score {score:.2f} < escalate_below {cascade.escalate_below}"
                    elif result.decision is Decision.REMOVE:
                        trace.escalation_kind = "low score"
                        trace.escalation = result.reason
        trace.student_calls = list(provenance.calls)
        outcome: RelabelRow | Rejection
        if trace.escalation is None and result is not None:
            if cascade.teacher_always:
                await self._shadow_teacher(key, prompt, request, trace)
            provenance.decision, provenance.decision_reason = result.decision.value, result.reason
            outcome = RelabelRow(
                key=key,
                index=index,
                messages=messages,
                prompt=prompt,
                score=trace.student_score,
                provenance=provenance,
                cascade=trace,
                record=self._record(structure),
            )
        else:
            trace.path, trace.teacher_accepted = "teacher-escalated", False
            outcome = await self._teacher(
                index,
                key,
                prompt,
                request,
                before=trace.student_calls,
                trace=trace,
                always_judge=cascade.teacher_always,
            )
        # Only a finished prompt counts: one stopped by the budget midway is answered by the rerun.
        self.traces.append(trace)
        return outcome

    async def _shadow_teacher(
        self, key: str, prompt: PromptRecord, request: ChatRequest, trace: CascadeTrace
    ) -> None:
        """A pilot's teacher answer to a prompt whose student answer is kept: judged, recorded, no row.

        The requests are the ones an escalation sends, so a run after the pilot reuses them.
        """
        engine = self.engine
        call = await engine.calls.send(engine.teacher, request, stage=RELABEL_STAGE, key=key)
        trace.teacher_calls.append(call.record)
        text = call.answer.text.strip()
        if call.answer.error is not None or not (text or call.answer.tool_calls):
            return
        messages, structure = self._checked(prompt, call.answer)
        if not structure.ok:
            return
        provenance = Provenance(
            stage=RELABEL_STAGE, model=call.answer.model_id, template_hash="", scenario={}
        )
        scores, _ = await judge_row(engine, key, structure.record, provenance, messages=self._shown(messages))
        trace.teacher_calls.extend(provenance.calls)
        trace.teacher_score = aggregate_score(scores) if scores is not None else None

    def _checked(self, prompt: PromptRecord, answer: Answer) -> tuple[list[dict[str, Any]], StructureResult]:
        """The conversation with the answer appended, and the answer's checks.

        A free-text answer is checked as the conversation it ends; a structured one (a task spec's)
        as a record of the spec, and written as its JSON.
        """
        engine = self.engine
        if prompt.uses_tools or answer.tool_calls:
            return _checked_tools(engine, prompt, answer)
        if not structured_answers(engine.config):
            text = answer.text.strip()
            messages = [*prompt.messages, {"role": "assistant", "content": text}]
            return messages, check_structure(engine.datatype, {"turns": messages}, context=engine.context)
        data: Any = answer.data if answer.data is not None else answer.text
        structure = check_structure(engine.datatype, data, context=engine.context)
        content = answer.text.strip()
        if structure.record is not None:
            content = json.dumps(engine.datatype.dump(structure.record), ensure_ascii=False)
        return [*prompt.messages, {"role": "assistant", "content": content}], structure

    def _shown(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """What the judge is shown of a structured answer: the prompt and the answer (a free-text
        answer's record is that conversation already, a tool conversation's its text view)."""
        return messages if structured_answers(self.engine.config) else None

    def _record(self, structure: StructureResult | None) -> dict[str, Any] | None:
        """A structured answer's record, as the row's ``metadata.record``."""
        if structure is None or structure.record is None or not structured_answers(self.engine.config):
            return None
        return self.engine.datatype.dump(structure.record)

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
            cascade=self._cascade_report(),
        )

    def _cascade_report(self) -> CascadeReport | None:
        if self.cascade is None:
            return None
        return cascade_report(
            self.traces,
            student=self.engine.student.model_id,
            teacher=self.engine.teacher.model_id,
            escalate_below=self.cascade.escalate_below,
            price_of=self.engine.accountant.cost_of,
        )


def _answer_text(message: dict[str, Any]) -> str:
    """An answer's text, its tool calls included (as a rejection keeps it)."""
    calls = message.get("tool_calls")
    shown = f"\nTool calls: {json.dumps(calls, ensure_ascii=False)}" if calls else ""
    return f"{message.get('content') or ''}{shown}".strip()


def _checked_tools(
    engine: Engine, prompt: PromptRecord, answer: Answer
) -> tuple[list[dict[str, Any]], StructureResult]:
    """A tool conversation with the answer appended (OpenAI shape: ``tool_calls`` with JSON
    ``arguments``), and its checks.

    The answer's calls are checked against the tools offered (again: a cached answer may predate a
    change of the prompt's tools); the conversation is checked, and later judged, as its text view.
    """
    calls = list(answer.tool_calls or ())
    reply: dict[str, Any] = {"role": "assistant", "content": answer.text.strip()}
    if calls:
        reply = {"role": "assistant", "content": reply["content"] or None, "tool_calls": calls}
    messages = [*prompt.messages, reply]
    structure = check_structure(
        engine.datatype, {"turns": tool_text_view(messages, prompt.tools)}, context=engine.context
    )
    problem = tool_call_error(calls, prompt.tools or []) if calls else None
    if problem is not None:
        structure = StructureResult(structure.record, structure.messages, [problem, *structure.reasons])
    return messages, structure


def tool_text_view(
    messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]] | None
) -> list[dict[str, str]]:
    """A tool conversation as plain system/user/assistant turns, for the structure checks and the judge.

    The tools offered join the system turn, a call is written as the assistant's text and a tool's
    result as a user turn (consecutive turns of one role are joined).
    """
    turns: list[dict[str, str]] = []
    if tools:
        offered = json.dumps([t.get("function") for t in tools], ensure_ascii=False)
        turns.append(
            {"role": "system", "content": f"Tools offered (JSON Schema of their arguments): {offered}"}
        )
    for message in messages:
        role, content = message["role"], str(message.get("content") or "")
        if message.get("tool_calls"):
            shown = [
                f"[calls {c.get('function', {}).get('name')} with {c.get('function', {}).get('arguments')}]"
                for c in message["tool_calls"]
            ]
            content = "\n".join([content, *shown]).strip()
        if role == "tool":
            role, content = "user", f"[result of tool call {message.get('tool_call_id')}] {content}"
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += f"\n\n{content}"
        else:
            turns.append({"role": role, "content": content})
    return turns


def _rejection(key: str, reason: str, raw: str | None, provenance: Provenance) -> Rejection:
    return Rejection(key=key, stage=RELABEL_STAGE, reason=reason, raw=raw, model=provenance.model)


async def pilot_cascade(
    engine: Engine,
    prompts: Sequence[PromptRecord],
    pilot: int,
    *,
    cascade: Cascade | None = None,
    margin: float = 0.5,
    cancel: asyncio.Event | None = None,
) -> tuple[PilotReport, RelabelReport]:
    """Run the cascade on the first ``pilot`` prompts with the teacher answering them all too.

    Both paths are judged on every pilot prompt, so :func:`pilot_report` can say, for each threshold,
    the share escalated, the full run's estimated cost and the quality, and recommend a threshold. The
    pilot writes no rows; its answers are in the engine's cache, so a run after it reuses them.

    Returns:
        The threshold table and recommendation, and the pilot run's own report (its status and cost).
    """
    settings = (cascade or Cascade()).model_copy(update={"teacher_always": True})
    relabeler = Relabeler(engine, MemoryRelabelSink(), cascade=settings, cancel=cancel)
    report = await relabeler.run(list(prompts[:pilot]))
    return pilot_report(relabeler.traces, total_prompts=len(prompts), margin=margin), report
