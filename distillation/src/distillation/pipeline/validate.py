"""Validation of one written row: structure checks, the judge policy's scores, and fixes of low scorers.

The judge policy (:class:`~distillation.pipeline.config.JudgePolicy`) decides who scores a row that
passed its checks: the strong judge for teacher rows, the cheap judge for a share of student rows
(escalating failing and uncertain ones to the strong judge), nobody for the rest.

A judge answer that cannot be parsed marks the row (decision by ``on_judge_failure``) and never stops
the run; every rejected row keeps its raw output and the reason.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from distillation.pipeline.cache import Answer
from distillation.pipeline.config import GenerationConfig
from distillation.pipeline.engine import Engine, ItemResult
from distillation.pipeline.types import FixStep, Provenance, Rejection, Row, RowStage, Stage
from distillation.providers import LLMClient
from distillation.quality import (
    Decision,
    DecisionResult,
    JudgeScores,
    aggregate_score,
    check_structure,
    decide,
    fix_prompt,
    judge_prompt,
    judge_schema,
    parse_judge_output,
)

JudgeRoute = Literal["strong", "cheap", "sampled out"]
SAMPLED_OUT = "not judged: sampled out by the judge policy"


def sampled_for_judging(key: str, rate: float) -> bool:
    """Whether row ``key`` is in the judged sample (stable across resumes)."""
    if rate >= 1:
        return True
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < rate


def judge_route(config: GenerationConfig, key: str, stage: str) -> JudgeRoute:
    """Which judge first scores row ``key`` of ``stage`` under the config's judge policy.

    Teacher rows go to the strong judge; a share of the student's rows to the cheap judge (the
    strong one when both are the same model); every other row is not judged. The draw depends on the
    key only, and the policy's sample is a subset of the ``judge_sample_rate`` sample.
    """
    if not sampled_for_judging(key, config.judge_sample_rate):
        return "sampled out"
    if stage == Stage.seed:
        return "strong"
    if not sampled_for_judging(key, config.judge_sample_rate * config.judge_policy.share):
        return "sampled out"
    return "strong" if config.cheap_judge_model == config.judge_model else "cheap"


def escalates(config: GenerationConfig, score: float | None) -> bool:
    """Whether a cheap judge's score goes to the strong judge: unreadable, failing or within the margin."""
    if score is None:
        return True
    return score < config.thresholds.fix_below + config.judge_policy.escalate_margin


async def validate_row(
    engine: Engine,
    key: str,
    index: int,
    stage: RowStage,
    answer: Answer,
    provenance: Provenance,
) -> ItemResult:
    """Turn a written answer into an accepted row or a rejection.

    The row is checked, then judged as the judge policy routes it (:func:`judge_route`); a row the
    strong judge has scored once is re-scored by it after a fix.
    """
    if answer.error is not None:
        return _reject(key, stage, f"unusable model output: {answer.error}", answer.text, provenance)
    data: Any = answer.data if answer.data is not None else answer.text
    fixes = 0
    strong_only = False
    while True:
        structure = check_structure(engine.datatype, data, context=engine.context)
        score: float | None = None
        scores: JudgeScores | None = None
        judged = False
        if structure.ok:
            checked = structure.record
            scores, score, judged = await _judged(engine, key, stage, checked, provenance, strong_only)
            strong_only = strong_only or provenance.judge_route in ("strong", "escalated")
        if structure.ok and not judged:
            result = DecisionResult(decision=Decision.KEEP, reason=SAMPLED_OUT)
        else:
            result = decide(score, engine.config.thresholds, structure_ok=structure.ok, fix_attempts=fixes)
        provenance.decision, provenance.decision_reason = result.decision.value, result.reason
        if provenance.fixes and provenance.fixes[-1].score_after is None:
            provenance.fixes[-1] = provenance.fixes[-1].model_copy(update={"score_after": score})
        if result.decision is Decision.REMOVE:
            reason = "; ".join(structure.reasons) if not structure.ok else result.reason
            return _reject(key, stage, reason, answer.text, provenance)
        if result.decision is Decision.KEEP:
            record = engine.datatype.dump(structure.record) if structure.record is not None else {}
            return ItemResult(
                row=Row(
                    key=key,
                    index=index,
                    stage=stage,
                    record=record,
                    messages=structure.messages,
                    score=score,
                    provenance=provenance,
                )
            )
        fixes += 1
        fixed = await _fix(engine, key, data, structure.reasons, scores, provenance, result.reason, score)
        if fixed is None:
            return _reject(key, stage, f"fix failed after: {result.reason}", answer.text, provenance)
        data = fixed


async def _judged(
    engine: Engine, key: str, stage: str, record: Any, provenance: Provenance, strong_only: bool
) -> tuple[JudgeScores | None, float | None, bool]:
    """Judge a record that passed its checks as the policy routes it: (scores, score, judged).

    Provenance records the route, the deciding judge's scores and model, and every judge call.
    """
    config, tally = engine.config, engine.judging
    if sampled_for_judging(key, config.judge_sample_rate):
        tally.baseline += 1  # a teacher-only run judges every row it writes with the strong judge
    route: JudgeRoute = "strong" if strong_only else judge_route(config, key, stage)
    provenance.cheap_judge_score = None if route != "cheap" else provenance.cheap_judge_score
    if route == "sampled out":
        tally.sampled_out += 1
        provenance.judge_route, provenance.judge_model = route, None
        provenance.judge_scores = provenance.judge_feedback = None
        return None, None, False
    if route == "cheap":
        scores, feedback = await _judge(engine, engine.first_judge, key, record, provenance)
        score = aggregate_score(scores) if scores is not None else None
        if not escalates(config, score):
            tally.cheap += 1
            _scored(provenance, "cheap", engine.first_judge.model_id, scores, feedback)
            return scores, score, True
        tally.escalated += 1
        provenance.cheap_judge_score = score
        scores, feedback = await _judge(engine, engine.judge, key, record, provenance)
        _scored(provenance, "escalated", engine.judge.model_id, scores, feedback)
    else:
        tally.strong += 1
        scores, feedback = await _judge(engine, engine.judge, key, record, provenance)
        _scored(provenance, "strong", engine.judge.model_id, scores, feedback)
    return scores, aggregate_score(scores) if scores is not None else None, True


def _scored(
    provenance: Provenance, route: str, model: str, scores: JudgeScores | None, feedback: str | None
) -> None:
    provenance.judge_route, provenance.judge_model = route, model
    provenance.judge_scores = scores.criteria() if scores is not None else None
    provenance.judge_feedback = feedback


async def judge_row(
    engine: Engine,
    key: str,
    record: Any,
    provenance: Provenance,
    *,
    messages: list[dict[str, Any]] | None = None,
) -> tuple[JudgeScores | None, str | None]:
    """Score one record with the engine's judge: (scores, feedback), or (None, why) when unparsable.

    The call is appended to ``provenance.calls``; it goes through the cache like every other call.
    ``messages``: the conversation the judge sees, when not the record's own chat view (a relabelled
    prompt and its structured answer).
    """
    return await _judge(engine, engine.judge, key, record, provenance, messages=messages)


async def _judge(
    engine: Engine,
    judge: LLMClient,
    key: str,
    record: Any,
    provenance: Provenance,
    *,
    messages: list[dict[str, Any]] | None = None,
) -> tuple[JudgeScores | None, str | None]:
    prompt = judge_prompt(
        engine.datatype,
        record,
        instruction=engine.config.instruction,
        renderer=engine.renderer,
        messages=messages,
    )
    call = await engine.calls.call(
        judge,
        prompt,
        stage=Stage.judge,
        key=key,
        schema=judge_schema(),
        schema_name="judge_scores",
        max_tokens=384,
    )
    provenance.calls.append(call.record)
    answer = call.answer
    parsed = parse_judge_output(answer.text if answer.data is None else _as_text(answer.data))
    if parsed.scores is None:
        return None, f"judge output could not be parsed: {parsed.error}"
    return parsed.scores, "; ".join(parsed.scores.feedback) or None


async def _fix(
    engine: Engine,
    key: str,
    data: Any,
    reasons: list[str],
    scores: JudgeScores | None,
    provenance: Provenance,
    why: str,
    score: float | None,
) -> Any | None:
    record = data if isinstance(data, dict) else {"raw": str(data)}
    prompt = fix_prompt(
        engine.datatype,
        record,
        reasons=reasons,
        scores=scores,
        instruction=engine.config.instruction,
        labels=engine.config.labels,
        renderer=engine.renderer,
    )
    call = await engine.calls.call(
        engine.teacher,
        prompt,
        stage=Stage.fix,
        key=key,
        schema=engine.datatype.json_schema(),
        schema_name="example",
    )
    provenance.calls.append(call.record)
    answer = call.answer
    provenance.fixes.append(FixStep(reason=why, score_before=score, model=answer.model_id))
    if answer.error is not None:
        return None
    return answer.data if answer.data is not None else answer.text


def _as_text(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


def _reject(key: str, stage: str, reason: str, raw: str | None, provenance: Provenance) -> ItemResult:
    return ItemResult(
        rejection=Rejection(
            key=key,
            stage=stage,
            reason=reason,
            raw=raw,
            model=provenance.model,
            scenario=provenance.scenario,
        )
    )
