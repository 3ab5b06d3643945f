"""Validation of one written row: structure checks, the judge's scores, and fixes of low scorers.

A judge answer that cannot be parsed marks the row (decision by ``on_judge_failure``) and never stops
the run; every rejected row keeps its raw output and the reason.
"""

from __future__ import annotations

import hashlib
from typing import Any

from distillation.pipeline.cache import Answer
from distillation.pipeline.engine import Engine, ItemResult, as_plain
from distillation.pipeline.types import FixStep, Provenance, Rejection, Row, RowStage, Stage
from distillation.quality import (
    Decision,
    JudgeScores,
    aggregate_score,
    check_structure,
    decide,
    fix_prompt,
    judge_prompt,
    judge_schema,
    parse_judge_output,
)


def sampled_for_judging(key: str, rate: float) -> bool:
    """Whether row ``key`` is in the judged sample (stable across resumes)."""
    if rate >= 1:
        return True
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < rate


async def validate_row(
    engine: Engine,
    key: str,
    index: int,
    stage: RowStage,
    answer: Answer,
    provenance: Provenance,
) -> ItemResult:
    """Turn a written answer into an accepted row or a rejection."""
    if answer.error is not None:
        return _reject(key, stage, f"unusable model output: {answer.error}", answer.text, provenance)
    data: Any = answer.data if answer.data is not None else answer.text
    fixes = 0
    while True:
        structure = check_structure(engine.datatype, data, context=engine.context)
        scores: JudgeScores | None = None
        score: float | None = None
        if structure.ok and sampled_for_judging(key, engine.config.judge_sample_rate):
            scores, feedback = await _judge(engine, key, structure.record, provenance)
            score = aggregate_score(scores) if scores is not None else None
            provenance.judge_scores = scores.criteria() if scores is not None else None
            provenance.judge_feedback = feedback
        result = decide(score, engine.config.thresholds, structure_ok=structure.ok, fix_attempts=fixes)
        provenance.decision, provenance.decision_reason = result.decision.value, result.reason
        if provenance.fixes and provenance.fixes[-1].score_after is None:
            provenance.fixes[-1] = provenance.fixes[-1].model_copy(update={"score_after": score})
        if result.decision is Decision.REMOVE:
            reason = "; ".join(structure.reasons) if not structure.ok else result.reason
            return _reject(key, stage, reason, answer.text, provenance)
        if result.decision is Decision.KEEP:
            record = as_plain(structure.record)
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


async def judge_row(
    engine: Engine, key: str, record: Any, provenance: Provenance
) -> tuple[JudgeScores | None, str | None]:
    """Score one record with the engine's judge: (scores, feedback), or (None, why) when unparsable.

    The call is appended to ``provenance.calls``; it goes through the cache like every other call.
    """
    return await _judge(engine, key, record, provenance)


async def _judge(
    engine: Engine, key: str, record: Any, provenance: Provenance
) -> tuple[JudgeScores | None, str | None]:
    prompt = judge_prompt(
        engine.datatype, record, instruction=engine.config.instruction, renderer=engine.renderer
    )
    call = await engine.calls.call(
        engine.judge,
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
