"""Prompt sets as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.datasets.schemas import RowError
from app.kit.schemas import Schema


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
    """A stored prompt set."""

    id: uuid.UUID
    name: str
    owner_id: uuid.UUID | None
    filename: str
    file_format: str
    mapping: PromptMappingRead
    prompt_count: int
    duplicate_count: int
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
