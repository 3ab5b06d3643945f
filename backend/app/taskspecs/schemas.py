"""Task specs as the API shows and takes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from app.kit.schemas import Schema

# Above any version a spec reaches (and within a database integer).
MAX_SPEC_VERSION = 1_000_000


class TaskSpecSummary(Schema):
    """One spec in the list: a stored spec's newest version, or a built-in one (no id, read-only)."""

    id: uuid.UUID | None = Field(description="None for a built-in spec (one per built-in data type).")
    name: str
    title: str
    description: str
    version: int
    builtin: bool
    created_at: datetime | None = Field(description="When this version was saved; None when built in.")


class TaskSpecRead(Schema):
    """One version of a spec: the library's ``TaskSpec`` as JSON (its ``version`` is this version)."""

    id: uuid.UUID | None
    version: int
    latest_version: int
    builtin: bool
    spec: dict[str, Any]
    author_id: uuid.UUID | None = None
    created_at: datetime | None = None


class TaskSpecVersionRead(Schema):
    """A saved version, as the history lists it."""

    version: int
    name: str
    title: str
    policy: str
    author_id: uuid.UUID | None
    created_at: datetime


class TaskSpecWrite(Schema):
    """A spec to save (``TaskSpec`` fields; its ``version`` is set by the service)."""

    spec: dict[str, Any] = Field(
        description="name, instruction, output_schema, input_fields, templates, policy, rubric, "
        "validators, labels, datatype (docs/task-specs.md)."
    )


class TaskSpecCheck(Schema):
    """Whether a spec is valid: its problems (a YAML file's with their line), and the spec as read."""

    valid: bool
    problems: list[str]
    spec: dict[str, Any] | None = None


class PolicyDraftRequest(Schema):
    """What the teacher reads to draft a spec's policy."""

    spec: dict[str, Any] = Field(description="The spec being edited (``TaskSpec`` fields), saved or not.")
    model: str = Field(min_length=3, max_length=200, description='The teacher, "provider:model".')
    examples: list[Annotated[str, Field(max_length=20_000)]] = Field(
        default_factory=list,
        max_length=20,
        description="Example rows or prompts, as text (the first 8 are shown, each cut to 2,000 characters).",
    )
    prompt_set_id: uuid.UUID | None = Field(
        default=None, description="A prompt set whose first prompts are shown as examples too."
    )


class PolicyDraft(Schema):
    """The teacher's draft of the policy, and what the call cost (booked in the ledger)."""

    policy: str
    model: str
    examples: int = Field(description="How many examples the teacher was shown.")
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None = Field(description="Priced like the ledger; None when the model has no price.")
