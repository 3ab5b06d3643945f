"""The three steps of seed amplification: trace each seed, extract the policy, write one new pair.

Each step sends its one request through the paid-call path (:mod:`distillation.pipeline.calls`): the
library's ``distill()`` and the service's amplification jobs hand the steps their own ``PaidCalls``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from distillation.amplify.seeds import Pair, output_text
from distillation.datatypes import (
    PromptRenderer,
    ReasoningTrace,
    TaskPolicy,
    amplify_prompt,
    amplify_trace_prompt,
    extract_json_object,
    seed_pair_schema,
)
from distillation.pipeline.calls import Call, PaidCalls
from distillation.pipeline.types import Stage
from distillation.providers import LLMClient

TRACE_MAX_TOKENS = 768
POLICY_MAX_TOKENS = 768
# What the policy template needs to know about the examples (they are pairs, not a built-in data type).
_PAIRS_INFO = {
    "name": "pair",
    "title": "input/output",
    "description": "An input and the output the task requires for it.",
}


@dataclass(frozen=True)
class Traced:
    """A seed with its chain of thought (``pair.reasoning``), or the reason the trace failed."""

    pair: Pair
    call: Call | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A line of ``traces_cot.jsonl``."""
        return {
            "id": self.pair.key,
            "input": self.pair.input,
            "output": self.pair.output,
            "reasoning": self.pair.reasoning,
            "error": self.error,
            **(self.call.metadata() if self.call is not None else {}),
        }


@dataclass(frozen=True)
class Written:
    """A new pair (or the reason there is none) and the call that wrote it."""

    key: str
    variation: int
    call: Call
    pair: Pair | None = None
    error: str | None = None


async def trace_seed(
    calls: PaidCalls, teacher: LLMClient, instruction: str, seed: Pair, renderer: PromptRenderer
) -> Traced:
    """The teacher explains how the seed's input leads to its output."""
    example = {"input": seed.input, "output": seed.output}
    prompt = amplify_trace_prompt(instruction, example, renderer=renderer)
    call = await calls.call(
        teacher,
        prompt,
        stage=Stage.trace,
        key=seed.key,
        schema=ReasoningTrace.model_json_schema(),
        schema_name="reasoning_trace",
        max_tokens=TRACE_MAX_TOKENS,
    )
    data, error = _object(call)
    if data is not None:
        try:
            reasoning = ReasoningTrace.model_validate(data).reasoning.strip()
        except ValidationError as exc:
            error = f"trace does not match the schema: {exc.error_count()} error(s)"
        else:
            if reasoning:
                return Traced(Pair(seed.key, seed.input, seed.output, reasoning), call)
            error = "empty reasoning"
    return Traced(seed, call, error)


async def extract_policy(
    calls: PaidCalls, teacher: LLMClient, instruction: str, seeds: Sequence[Pair], renderer: PromptRenderer
) -> tuple[TaskPolicy, Call, bool]:
    """The task policy shared by the traced seeds (measured from the seeds when the answer is unusable).

    Returns:
        The policy, the call, and whether the model's policy was used (False: the fallback).
    """
    prompt = renderer.render(
        "policy_extraction",
        datatype=_PAIRS_INFO,
        seeds=[seed.exemplar() for seed in seeds],
        instruction=instruction,
        schema_json=json.dumps(TaskPolicy.model_json_schema(), ensure_ascii=False, indent=2),
    )
    call = await calls.call(
        teacher,
        prompt,
        stage=Stage.policy,
        key=Stage.policy,
        schema=TaskPolicy.model_json_schema(),
        schema_name="task_policy",
        max_tokens=POLICY_MAX_TOKENS,
    )
    data, _ = _object(call)
    if data is not None:
        try:
            return TaskPolicy.model_validate(data), call, True
        except ValidationError:
            pass
    return measured_policy(instruction, seeds), call, False


def measured_policy(instruction: str, seeds: Sequence[Pair]) -> TaskPolicy:
    """A policy from the seeds alone: the instruction as task, their length ranges, no extra rules."""
    inputs = [len(seed.input.split()) for seed in seeds] or [0]
    outputs = [len(seed.output.split()) for seed in seeds] or [0]
    return TaskPolicy.model_validate(
        {
            "task": instruction,
            "input_format": "as in the examples",
            "output_format": "as in the examples",
            "reasoning_style": "as in the examples",
            "constraints": [],
            "input_length": {"min_words": min(inputs), "max_words": max(inputs)},
            "output_length": {"min_words": min(outputs), "max_words": max(outputs)},
        }
    )


async def write_pair(
    calls: PaidCalls,
    writer: LLMClient,
    instruction: str,
    policy: TaskPolicy,
    seeds: Sequence[Pair],
    variation: int,
    *,
    exemplars: int,
    max_tokens: int,
    response_model: type[BaseModel] | None,
    renderer: PromptRenderer,
) -> Written:
    """Write new pair number ``variation`` from the policy and a rotating choice of traced seeds."""
    key = f"amplified-{variation:06d}"
    chosen = [seeds[(variation + offset) % len(seeds)] for offset in range(min(exemplars, len(seeds)))]
    prompt = amplify_prompt(
        instruction,
        policy,
        [seed.exemplar() for seed in chosen],
        variation=variation,
        response_model=response_model,
        renderer=renderer,
    )
    call = await calls.call(
        writer,
        prompt,
        stage=Stage.amplify,
        key=key,
        schema=seed_pair_schema(response_model),
        schema_name="pair",
        max_tokens=max_tokens,
    )
    data, error = _object(call)
    if data is None:
        return Written(key, variation, call, error=error)
    text = data.get("input")
    if not isinstance(text, str) or not text.strip():
        return Written(key, variation, call, error="input must be non-empty text")
    try:
        output = output_text(data.get("output"), response_model)
    except ValueError as exc:
        return Written(key, variation, call, error=str(exc))
    return Written(key, variation, call, pair=Pair(key, text.strip(), output))


def _object(call: Call) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object of an answer, or why there is none."""
    answer = call.answer
    if answer.error is not None:
        return None, f"unusable model output: {answer.error}"
    if isinstance(answer.data, dict):
        return answer.data, None
    extraction = extract_json_object(answer.text)
    return extraction.value, extraction.error
