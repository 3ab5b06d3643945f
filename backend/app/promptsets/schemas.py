"""Prompt sets as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from app.datasets.schemas import RowError
from app.kit.schemas import Schema

# A prompt's place in its set (an int4 column).
Position = Annotated[int, Field(ge=0, le=2**31 - 1)]


class PromptMappingRead(Schema):
    """Which columns hold the prompt, the system prompt, the reference answer and the variables.

    A field that is null is detected per record (``messages``, then the usual names: ``prompt``,
    ``question``, ``instruction``...).
    """

    prompt_field: str | None = None
    system_field: str | None = None
    reference_field: str | None = None
    variable_fields: list[str] | None = None


class PromptRead(Schema):
    """One prompt of a set: its conversation (ending with a user turn) and what the source said."""

    position: int
    line: int
    fingerprint: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    reference: str | None = None


class DuplicateRead(Schema):
    """A line left out because an earlier line had the same prompt."""

    line: int
    first_line: int


class PromptSetRead(Schema):
    """A stored prompt set, at its current version."""

    id: uuid.UUID
    name: str
    owner_id: uuid.UUID | None
    filename: str
    file_format: str
    mapping: PromptMappingRead
    version: int = Field(description="The current version (1: the upload; each append or removal adds one).")
    prompt_count: int = Field(description="Prompts in the current version.")
    duplicate_count: int = Field(description="Lines of the first upload left out as duplicates.")
    error_count: int = Field(description="Bad lines of the first upload.")
    created_at: datetime
    updated_at: datetime | None = None


class PromptSetVersionRead(Schema):
    """Why a version of a prompt set exists: what it added and removed, and its prompt count."""

    number: int
    reason: str
    prompt_count: int
    added: int
    removed: int
    filename: str = Field(description="The appended file (the upload's for version 1; empty for a removal).")
    duplicate_count: int = Field(
        description="Lines of the file left out: repeated in it or already in the set."
    )
    error_count: int
    created_at: datetime


class PromptFileRead(Schema):
    """What a prompt file holds under a mapping: the columns, the mapping used, the first prompts and
    every line left out (bad lines with their reason, duplicates with the line they repeat)."""

    file_format: str
    columns: list[str] = Field(description="The fields of the file's first record (CSV: its header).")
    mapping: PromptMappingRead = Field(description="The mapping, with the detected fields filled in.")
    prompts: int
    sample: list[PromptRead]
    errors: list[RowError]
    error_count: int
    duplicates: list[DuplicateRead]
    duplicate_count: int


class PromptSetUpload(Schema):
    """The prompt set an upload stored, and what it left out (bad lines with ``on_error=skip``)."""

    prompt_set: PromptSetRead
    file: PromptFileRead


class PromptSetAppend(Schema):
    """The version an append made, the set at it, and what the file held (``file.duplicates``: lines
    repeated within the file; ``already_in_set``: lines whose prompt the set already holds)."""

    prompt_set: PromptSetRead
    version: PromptSetVersionRead
    file: PromptFileRead
    already_in_set: list[int] = Field(description="The first lines whose prompt the set already holds.")
    already_in_set_count: int


class PromptRemoval(Schema):
    """Prompts to remove from a set's current version, by position."""

    positions: list[Position] = Field(min_length=1, max_length=1000, description="Positions of live prompts.")


class PromptSetRemoval(Schema):
    """The version a removal made, and the set at it."""

    prompt_set: PromptSetRead
    version: PromptSetVersionRead
