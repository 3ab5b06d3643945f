"""Structured outputs of the learning and seed-amplification prompts (task policy, reasoning traces)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LengthRange(_Closed):
    """A length range in words."""

    min_words: int = Field(ge=0, description="Shortest length seen, in words.")
    max_words: int = Field(ge=0, description="Longest length seen, in words.")


class TaskPolicy(_Closed):
    """What the student must reproduce, extracted from the teacher's seed examples."""

    task: str = Field(description="One or two sentences describing the task.")
    input_format: str = Field(
        description="What the user side looks like: structure, register, typical content."
    )
    output_format: str = Field(description="What the response looks like: structure, markup, sections.")
    reasoning_style: str = Field(
        description="How the response reasons or explains: direct, step by step, ..."
    )
    constraints: list[str] = Field(
        description="Rules every example follows (tone, must/never, domain facts)."
    )
    input_length: LengthRange = Field(description="Length range of the user side, in words.")
    output_length: LengthRange = Field(description="Length range of the response, in words.")


class ReasoningTrace(_Closed):
    """The teacher's chain of thought for one seed pair (seed-amplification mode)."""

    reasoning: str = Field(description="Step-by-step reasoning that leads from the input to the output.")


class SeedPair(_Closed):
    """One input/output example (seed-amplification mode).

    ``output`` is text; a structured output (``response_model``) is given as its JSON.
    """

    input: str = Field(description="The input, as the user would send it.")
    output: str = Field(description="The expected output.")


def seed_pair_schema(response_model: type[BaseModel] | None = None) -> dict[str, Any]:
    """Return the JSON schema of an amplified pair; with ``response_model`` the output is that object."""
    if response_model is None:
        return SeedPair.model_json_schema()
    pair = create_model(
        "AmplifiedPair",
        __config__=ConfigDict(extra="forbid"),
        input=(str, Field(description="The input, as the user would send it.")),
        output=(response_model, Field(description="The expected output.")),
    )
    return pair.model_json_schema()
