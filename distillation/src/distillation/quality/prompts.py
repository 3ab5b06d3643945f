"""Judge and fix prompts (the pipeline sends them to the LLM; this module only renders them)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from distillation.datatypes import DataType, PromptRenderer, RenderedPrompt, default_renderer
from distillation.quality.judge import CRITERIA, JudgeScores, judge_schema


def judge_prompt(
    datatype: DataType[Any],
    record: BaseModel | Mapping[str, Any],
    *,
    instruction: str | None = None,
    system: str | None = None,
    renderer: PromptRenderer | None = None,
    messages: Sequence[Mapping[str, Any]] | None = None,
) -> RenderedPrompt:
    """Render the judge prompt for one example; the reply parses with ``parse_judge_output``.

    Args:
        datatype: The example's data type.
        record: The example (record or its dict).
        instruction: What the dataset trains for.
        system: System prompt of the example's chat view, if the dataset has one.
        renderer: Renderer with user template overrides.
        messages: The conversation shown, instead of the record's chat view.
    """
    parsed = datatype.parse(record)
    return (renderer or default_renderer()).render(
        "judge",
        datatype=datatype.prompt_info(),
        record=datatype.dump(parsed),
        messages=[dict(m) for m in messages]
        if messages is not None
        else datatype.to_messages(parsed, system=system),
        instruction=instruction,
        criteria=[{"name": c.name, "description": c.description} for c in CRITERIA],
        schema_json=json.dumps(judge_schema(), ensure_ascii=False, indent=2),
    )


def fix_prompt(
    datatype: DataType[Any],
    record: BaseModel | Mapping[str, Any],
    *,
    reasons: Sequence[str] = (),
    scores: JudgeScores | None = None,
    instruction: str | None = None,
    labels: Sequence[str] | None = None,
    renderer: PromptRenderer | None = None,
) -> RenderedPrompt:
    """Render the auto-fix prompt: rewrite ``record`` so that it fixes ``reasons`` and the judge's feedback.

    Args:
        datatype: The example's data type; the rewrite must match its schema.
        record: The example to repair (a dict is accepted even when it fails validation).
        reasons: Failed structure checks and other problems to fix.
        scores: The judge's scores; their feedback is added to the problems.
        instruction: What the dataset trains for.
        labels: Allowed labels (classification, NER).
        renderer: Renderer with user template overrides.
    """
    problems = [*reasons, *(scores.feedback if scores else [])]
    return (renderer or default_renderer()).render(
        "fix",
        datatype=datatype.prompt_info(),
        record=datatype.dump(record) if isinstance(record, BaseModel) else dict(record),
        reasons=problems,
        scores=scores.criteria() if scores else None,
        instruction=instruction,
        labels=list(labels) if labels else None,
    )
