"""Typed entry points to the generation prompts: one function per stage, all returning RenderedPrompt."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from distillation.datatypes.base import DataType
from distillation.datatypes.policy import ReasoningTrace, TaskPolicy, seed_pair_schema
from distillation.datatypes.templates import PromptRenderer, RenderedPrompt, default_renderer
from distillation.scenarios import Scenario


def teacher_seed_prompt(
    datatype: DataType[Any],
    scenario: Scenario,
    *,
    instruction: str | None = None,
    labels: Sequence[str] | None = None,
    renderer: PromptRenderer | None = None,
    show_example: bool = True,
) -> RenderedPrompt:
    """Prompt the teacher for one seed example shaped by ``scenario``.

    Args:
        datatype: The data type to produce (its schema and guidance go into the prompt).
        scenario: The drawn scenario.
        instruction: What the dataset trains for, in the user's words.
        labels: Allowed labels (classification, NER).
        renderer: Renderer with user template overrides; the built-in one by default.
        show_example: Include the schema and an illustrative record. Leave them out when the provider
            enforces the schema itself: small models copy the illustration instead of following the
            scenario.
    """
    return (renderer or default_renderer()).render(
        "teacher_seed",
        datatype=datatype_info(datatype, show_example),
        scenario=scenario.model_dump(),
        instruction=instruction,
        labels=list(labels) if labels else None,
    )


def student_bulk_prompt(
    datatype: DataType[Any],
    scenario: Scenario,
    policy: TaskPolicy,
    exemplars: Sequence[BaseModel | Mapping[str, Any]],
    *,
    instruction: str | None = None,
    labels: Sequence[str] | None = None,
    renderer: PromptRenderer | None = None,
    show_example: bool = True,
    outline: bool = False,
) -> RenderedPrompt:
    """Prompt the student for one new example from the task policy and few-shot exemplars.

    Args:
        datatype: The data type to produce.
        scenario: The drawn scenario of the new example.
        policy: The task policy extracted from the seed rows.
        exemplars: The seed records shown as references.
        instruction: What the dataset trains for, in the user's words.
        labels: Allowed labels (classification, NER).
        renderer: Renderer with user template overrides; the built-in one by default.
        show_example: Include the schema and an illustrative record (see :func:`teacher_seed_prompt`).
        outline: Show the exemplars by their shape only (each field's length), not their text: small
            models copy an exemplar they can read instead of writing for the scenario.
    """
    records = [_plain(exemplar) for exemplar in exemplars]
    return (renderer or default_renderer()).render(
        "student_bulk",
        datatype=datatype_info(datatype, show_example),
        scenario=scenario.model_dump(),
        policy=policy.model_dump(),
        exemplars=[] if outline else records,
        exemplar_outlines=[exemplar_outline(record) for record in records] if outline else [],
        instruction=instruction,
        labels=list(labels) if labels else None,
    )


def exemplar_outline(record: Mapping[str, Any]) -> str:
    """The shape of a record without its text, e.g. ``question: 14 words; answer: 52 words``."""
    parts = []
    for name, value in record.items():
        if isinstance(value, str):
            parts.append(f"{name}: {len(value.split())} words")
        elif isinstance(value, list):
            parts.append(f"{name}: {len(value)} items")
    return "; ".join(parts) or "a record"


def policy_extraction_prompt(
    datatype: DataType[Any],
    seeds: Sequence[BaseModel | Mapping[str, Any]],
    *,
    instruction: str | None = None,
    renderer: PromptRenderer | None = None,
) -> RenderedPrompt:
    """Prompt a model to extract the :class:`TaskPolicy` shared by the teacher's seed examples."""
    return (renderer or default_renderer()).render(
        "policy_extraction",
        datatype=datatype.prompt_info(),
        seeds=[_plain(seed) for seed in seeds],
        instruction=instruction,
        schema_json=_schema_json(TaskPolicy.model_json_schema()),
    )


def amplify_trace_prompt(
    instruction: str, seed: Mapping[str, Any], *, renderer: PromptRenderer | None = None
) -> RenderedPrompt:
    """Prompt the teacher for the chain of thought behind one seed ``{input, output}`` pair."""
    return (renderer or default_renderer()).render(
        "amplify_trace",
        instruction=instruction,
        seed=dict(seed),
        schema_json=_schema_json(ReasoningTrace.model_json_schema()),
    )


def amplify_prompt(
    instruction: str,
    policy: TaskPolicy,
    exemplars: Sequence[Mapping[str, Any]],
    *,
    variation: int,
    response_model: type[BaseModel] | None = None,
    renderer: PromptRenderer | None = None,
) -> RenderedPrompt:
    """Prompt for one new ``{input, output}`` pair in seed-amplification mode.

    Args:
        instruction: The user's instruction (system prompt of the task).
        policy: Policy extracted from the seeds.
        exemplars: Seeds with their traces: ``{input, output, reasoning}``.
        variation: Index of the pair being written; keeps requests distinct (and cache keys apart).
        response_model: When outputs must satisfy a pydantic model, its schema constrains ``output``.
        renderer: Renderer with user template overrides.
    """
    return (renderer or default_renderer()).render(
        "amplify",
        instruction=instruction,
        policy=policy.model_dump(),
        exemplars=[dict(exemplar) for exemplar in exemplars],
        variation=variation,
        schema_json=_schema_json(seed_pair_schema(response_model)),
    )


def datatype_info(datatype: DataType[Any], show_example: bool = True) -> dict[str, Any]:
    """The data type as templates see it, optionally without its illustrative record."""
    info = datatype.prompt_info()
    info["fields"] = list(datatype.json_schema().get("properties", {}))
    if not show_example:
        # The provider enforces the schema (constrained decoding): the dump and the illustration only
        # lengthen the prompt, and small models copy the illustration.
        info["example_json"] = None
        info["schema_json"] = None
    return info


def _plain(item: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json", exclude_none=True)
    return dict(item)


def _schema_json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2)
